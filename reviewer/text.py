"""The one text normaliser, the one number formatter and the one "empty" vocabulary.

Checks, drafts, exports and the UI all go through these, so a cell reads the same and a figure
prints the same everywhere: 94.225 written in a report is "94.225" in a finding, a draft and
the xlsx; a figure the tool computes is rounded half-up to two decimals ("80.56%").
"""

from __future__ import annotations

import os
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from reviewer import vocab

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}（）()：:，,、])\s+(?=[{_CJK}（）()：:，,、])")
_SPACE_IN_NUMBER = re.compile(r"(?<=\d)[ \u3000](?=\d)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")

# Places for figures the tool computes (ratios, expected scores); figures read from a cell are
# printed as written, up to CELL_PLACES.
COMPUTED_PLACES = 2
CELL_PLACES = 4


def normalise_text(text: str | None) -> str:
    """NFKC, drop spaces that PDF exports put inside words and numbers, trim."""
    if not text:
        return ""
    return _normalise(str(text))


@lru_cache(maxsize=65536)
def _normalise(text: str) -> str:
    t = unicodedata.normalize("NFKC", str(text)).replace("\u3000", " ").strip()
    t = re.sub(r"[ \t]+", " ", t)
    t = _SPACE_IN_CJK.sub("", t)
    t = _SPACE_IN_NUMBER.sub("", t)
    t = _THOUSANDS.sub("", t)
    t = re.sub(r"(?<=\d)\s+(?=[%‰])", "", t)
    return t


def squash(text: str | None) -> str:
    """The normalised text without any whitespace: the key for comparing two cells."""
    return re.sub(r"\s+", "", normalise_text(text))


def number(d: Decimal | float | None, places: int = CELL_PLACES) -> str:
    """A figure as a reviewer writes it: half-up to ``places`` decimals, no trailing zeros, no exponent."""
    if d is None:
        return "—"
    q = Decimal(str(d)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    s = format(q, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in {"-0", ""} else s


def computed(d: Decimal | None) -> str:
    """A figure the tool worked out (a ratio, an expected score): two decimals at most."""
    return number(d, COMPUTED_PLACES)


def percent(fraction: Decimal | None) -> str:
    """0.80555 → "80.56%"."""
    return "—" if fraction is None else computed(fraction * 100) + "%"


# ---------------------------------------------------------------------- empty words


@lru_cache(maxsize=4)
def _empty(kind: str, _vocab_dir: str | None) -> frozenset[str]:
    return frozenset(squash(w) for w in vocab.load("phrases")["empty"][kind])


def _vocab_dir() -> str | None:
    return os.environ.get("REVIEWER_VOCAB") or None


def is_empty_cell(text: str | None) -> bool:
    """A cell that says nothing ("", "—", "/", "无" …)."""
    return squash(text) in _empty("cell", _vocab_dir())


def is_empty_explanation(text: str | None) -> bool:
    """An explanation that gives no cause ("无", "无偏差", "已完成" …): treated as missing."""
    t = squash(text).rstrip("。.;；!！")
    return t in _empty("explanation", _vocab_dir()) or t in _empty("cell", _vocab_dir())


@lru_cache(maxsize=16)
def phrase_list(section: str, key: str, _vocab_dir: str | None = None) -> tuple[str, ...]:
    """A list from vocab/phrases.toml, squashed, longest first."""
    words = vocab.load("phrases")[section][key]
    return tuple(sorted({squash(w) for w in words}, key=len, reverse=True))


def phrases(section: str, key: str) -> tuple[str, ...]:
    """phrase_list for the current REVIEWER_VOCAB."""
    return phrase_list(section, key, _vocab_dir())
