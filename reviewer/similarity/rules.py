"""rules.toml [similarity] and the small helpers every copy check shares: names, ratios, near pairs."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from reviewer.corpus import match_key

Progress = Callable[[float, str], None]

CODES = ("MISPLACED_INDICATOR", "DUPLICATE_INDICATOR_SET", "GENERIC_INDICATOR", "BOILERPLATE_EXPLANATION",
         "EXACT_THRESHOLD_PATTERN")

# The rules file shipped with the package (the checks read the same file).
DEFAULT_RULES = Path(__file__).resolve().parents[1] / "rules.toml"


def _load_rules() -> dict[str, Any]:
    """rules.toml [similarity] (or that of the file named by REVIEWER_RULES)."""
    import os
    import tomllib

    path = os.environ.get("REVIEWER_RULES") or DEFAULT_RULES
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    shipped = raw if str(path) == str(DEFAULT_RULES) else tomllib.loads(Path(DEFAULT_RULES).read_text("utf-8"))
    return raw.get("similarity") or shipped["similarity"]


SIM = _load_rules()
NEAR_DUP = SIM["near_dup"]
K_NEIGHBOURS = SIM["neighbours"]
K_REVIEW_CAP = SIM["review_cap"]
GENERIC_MIN_PROJECTS = SIM["generic_min_projects"]
GENERIC_CAP = SIM["generic_cap"]
UNRELATED_NAME = SIM["unrelated_name"]
SAME_PROJECT_NAME = SIM["same_project_name"]
DUP_SHARE = SIM["dup_share"]
DUP_SHARE_PAIR = SIM["dup_share_pair"]
DUP_MIN_ROWS = SIM["dup_min_rows"]
DUP_MIN_SPECIFIC = SIM["dup_min_specific"]
BOILER_MIN_LEN = SIM["boiler_min_len"]
MAX_EVIDENCE = SIM["max_evidence"]
MIS = SIM["misplaced"]

STANDARD_INDICATOR = re.compile("|".join(SIM["standard_indicator"]))

_CAUSE = re.compile(r"因|由于|导致|受.{0,12}影响|原因|造成|致使|所致")
_DIGIT = re.compile(r"\d")
_TRIVIAL_EXPLANATION = re.compile(r"^(无|没有|无偏差|完成|已完成|达标|正常|/|—|-|否|是)$")


def name_key_of(name: str | None) -> str:
    """Project name without years, document numbers and punctuation: the same project across years."""
    return re.sub(r"[\d年号第]", "", match_key(name))


@lru_cache(maxsize=1 << 18)
def text_ratio(a: str, b: str) -> float:
    """rapidfuzz similarity 0–100 of two keys; cached, as report rows repeat a great deal."""
    return float(fuzz.ratio(a, b))


def near_pairs(keys: list[str], block: int = 2000) -> list[tuple[int, int, float]]:
    """All pairs (a, b), a ≠ b, of distinct keys with ratio ≥ NEAR_DUP, in blocks to bound memory."""
    from rapidfuzz import process

    out: list[tuple[int, int, float]] = []
    for start in range(0, len(keys), block):
        m = process.cdist(keys[start:start + block], keys, scorer=fuzz.ratio, score_cutoff=NEAR_DUP,
                          dtype=np.uint8, workers=-1)
        for a, b in zip(*np.nonzero(m)):
            if start + a != b:
                out.append((start + int(a), int(b), float(m[a, b])))
    return out
