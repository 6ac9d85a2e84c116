"""What an indicator is, told from the words of its name (vocab/indicators.toml).

Every answer can be "unknown": a check that needs the nature and gets None records the row as
not checked (NATURE_UNKNOWN) instead of guessing.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

from reviewer import vocab
from reviewer.text import squash

NATURE_UNKNOWN = "指标性质不明（词表未收录），未判断"


@lru_cache(maxsize=4)
def _data(_vocab_dir: str | None) -> dict[str, Any]:
    return vocab.load("indicators")


def _words(path: str) -> tuple[str, ...]:
    return _words_in(path, os.environ.get("REVIEWER_VOCAB") or None)


@lru_cache(maxsize=128)
def _words_in(path: str, vocab_dir: str | None) -> tuple[str, ...]:
    node: Any = _data(vocab_dir)
    for key in path.split("."):
        node = node[key]
    return tuple(sorted({squash(w) for w in node}, key=len, reverse=True))


def _name(indicator: str | None) -> str:
    """The indicator name without a trailing unit in brackets ("保障在职职工人数(人)")."""
    return re.sub(r"[(（][^()（）]{1,6}[)）]$", "", squash(indicator))


def has_any(text: str | None, path: str) -> bool:
    """True when `text` contains a word of the list at `path` ("reverse.words")."""
    t = squash(text)
    return any(w and w in t for w in _words(path))


def ends_with_any(text: str | None, path: str) -> bool:
    t = _name(text)
    return any(w and t.endswith(w) for w in _words(path))


def asks_for_figure(indicator: str | None, level2: str | None) -> bool:
    """A rate, count, amount or standard — by its name or by a 数量/成本 二级指标."""
    return ends_with_any(indicator, "numeric.suffixes") or squash(level2).startswith(_words("numeric.level2"))


def rate_direction(indicator: str | None) -> str | None:
    """"high" (完成率), "low" (故障率) or None when the name is not a rate the vocabulary knows."""
    if has_any(indicator, "rates.low"):
        return "low"
    if ends_with_any(indicator, "rates.high"):
        return "high"
    return None


def is_capped_rate(indicator: str | None) -> bool:
    """A share of a whole: it cannot exceed 100 %."""
    return ends_with_any(indicator, "rates.capped") and not has_any(indicator, "rates.low")


def is_reverse_name(indicator: str | None) -> bool:
    """Smaller is better by its name (costs, failures, incidents), unless it is a standard paid out."""
    if rate_direction(indicator) == "high":
        return False
    return has_any(indicator, "reverse.words") and not has_any(indicator, "reverse.except")


def is_floor(indicator: str | None, level2: str | None) -> bool:
    """An amount or a number of people to reach, or a count of things to deliver: never a ceiling."""
    if is_reverse_name(indicator) or rate_direction(indicator) is not None:
        return False
    if has_any(indicator, "floor.words"):
        return True
    counted = squash(level2).startswith("数量") or ends_with_any(indicator, "floor.count_words")
    return counted and has_any(indicator, "floor.deliver")


def is_cost_ceiling(indicator: str | None) -> bool:
    return has_any(indicator, "cost.ceiling") and not has_any(indicator, "cost.not_ceiling")
