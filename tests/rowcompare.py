"""Compare indicator rows read by the reader with a ground truth, cell by cell.

Shared by benchmarks/realdev_rows.py (the realdev score) and tests/test_layouts.py (the layout
suite). Cells are compared after a normalisation that removes what a transcription or an export
changes without changing the fact: NFKC width folding, every whitespace and line break, a leading
"指标N:" numbering on 三级 names, a weight suffix on 一级/二级 labels, and the spelling of a number
("10", "10.0", "10分" are the same weight).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

VALUE_FIELDS = ("indicator", "target", "actual", "weight", "score")
LEVEL_FIELDS = ("level1", "level2")

_SPACE = re.compile(r"\s+")
_INDICATOR_NUMBER = re.compile(r"^指标\d+[:：]")
# "(50分)", "(50)", "30分)", "(0-20)分", "（40-50）分", "50分" at the end of a level label.
_LEVEL_WEIGHT = re.compile(r"[(（]?\d+(?:\.\d+)?(?:[-~－]\d+(?:\.\d+)?)?[)）]?分?[)）]?$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def text(value: Any) -> str:
    """A cell as comparable text: NFKC, no whitespace or line breaks; None is empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return number_text(value)
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(value)))


def number_text(value: Decimal) -> str:
    """A Decimal without trailing zeros or exponent: 10.00 → "10", 8.50 → "8.5"."""
    q = value.normalize()
    return format(q, "f")


def _as_number(s: str) -> Decimal | None:
    s = s.removesuffix("分")
    s = s.replace(",", "") if re.fullmatch(r"[\d,]+(\.\d+)?", s) else s
    if not _NUMBER.match(s):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def normal(field_name: str, value: Any) -> str:
    """The normalised form of one cell of the named field."""
    s = text(value)
    if field_name == "indicator":
        return _INDICATOR_NUMBER.sub("", s)
    if field_name in LEVEL_FIELDS:
        return _LEVEL_WEIGHT.sub("", s)
    num = _as_number(s)
    if num is not None:
        return number_text(num)
    return s


def same(field_name: str, expected: Any, got: Any) -> bool:
    """True when two cells of the named field say the same thing."""
    return normal(field_name, expected) == normal(field_name, got)


def got_row(row: Any) -> dict[str, Any]:
    """A reader IndicatorRow (or a dict) as a plain dict of the compared fields."""
    if isinstance(row, dict):
        return {f: row.get(f) for f in VALUE_FIELDS + LEVEL_FIELDS}
    return {f: getattr(row, f, None) for f in VALUE_FIELDS + LEVEL_FIELDS}


def align(expected: list[dict], got: list[dict]) -> list[tuple[dict | None, dict | None]]:
    """Pair expected and read rows: in order when the counts agree, else by indicator text
    (rows between two matching indicators are paired in order, the rest left unpaired)."""
    if len(expected) == len(got):
        return list(zip(expected, got, strict=True))
    a = [normal("indicator", r.get("indicator")) for r in expected]
    b = [normal("indicator", r.get("indicator")) for r in got]
    pairs: list[tuple[dict | None, dict | None]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        n = min(i2 - i1, j2 - j1) if op != "equal" else i2 - i1
        pairs.extend(zip(expected[i1:i1 + n], got[j1:j1 + n], strict=True))
        pairs.extend((e, None) for e in expected[i1 + n:i2])
        pairs.extend((None, g) for g in got[j1 + n:j2])
    return pairs


@dataclass
class Difference:
    """One cell that differs; field "row" marks a missing or an extra row."""

    project: str
    indicator: str
    field: str
    expected: str
    got: str


@dataclass
class Tally:
    """Counts behind the exact-row and exact-cell rates."""

    expected_rows: int = 0
    found_rows: int = 0
    paired_rows: int = 0
    exact_rows: int = 0
    extra_rows: int = 0
    exact_cells: dict[str, int] = field(default_factory=lambda: {f: 0 for f in VALUE_FIELDS})
    differences: list[Difference] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Fold another tally into this one."""
        for name in ("expected_rows", "found_rows", "paired_rows", "exact_rows", "extra_rows"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for f in VALUE_FIELDS:
            self.exact_cells[f] += other.exact_cells[f]
        self.differences.extend(other.differences)


def compare_rows(project: str, expected: list[dict], got: list[dict],
                 fields: tuple[str, ...] = VALUE_FIELDS) -> Tally:
    """Tally one project's rows: exact rows, exact cells per field, every differing cell."""
    tally = Tally(expected_rows=len(expected), found_rows=len(got))
    tally.exact_cells.update({f: 0 for f in fields})
    for e, g in align(expected, got):
        if g is None:
            tally.differences.append(Difference(project, text(e["indicator"]), "row", "present", "missing"))
            continue
        if e is None:
            tally.extra_rows += 1
            tally.differences.append(Difference(project, text(g["indicator"]), "row", "(none)", "extra row"))
            continue
        tally.paired_rows += 1
        exact = True
        for f in fields:
            if same(f, e.get(f), g.get(f)):
                tally.exact_cells[f] += 1
            else:
                exact = False
                tally.differences.append(Difference(project, text(e["indicator"]), f, text(e.get(f)),
                                                    text(g.get(f))))
        tally.exact_rows += exact
    return tally


def match_projects(expected: list[dict], got: list[tuple[str, list[dict]]]) -> list[int | None]:
    """For each expected project (name, rows), the index of the read project that holds it:
    the one sharing most indicator texts, then the one whose name matches, then the next unused."""
    used: set[int] = set()
    chosen: list[int | None] = []
    for exp in expected:
        want = {normal("indicator", r["indicator"]) for r in exp["rows"]}
        name = text(exp.get("project"))

        def rank(i: int, want=want, name=name) -> tuple[int, int, int]:
            gname, grows = got[i]
            overlap = len(want & {normal("indicator", r["indicator"]) for r in grows})
            gname = text(gname)
            named = 2 if name and gname == name else 1 if name and (name in gname or gname in name) else 0
            return overlap, named, -i

        free = [i for i in range(len(got)) if i not in used]
        best = max(free, key=rank, default=None)
        if best is not None and rank(best)[:2] == (0, 0):
            best = free[0]
        if best is not None:
            used.add(best)
        chosen.append(best)
    return chosen


# Held-out tables transcribed from OCR'd document previews whose misreadings are kept as the page
# shows them: headers scrambled past recognition and labels no vocabulary holds. They are read (and
# scored by benchmarks/realdev_rows.py), but not held to cell-exact rows by the tests.
OCR_COPIES = {
    "yinchuan_gongyong.txt": "分值 header OCR'd as 考值参分; 二级/一级 labels OCR'd (项Fl实施, 顼目产出); scores like IO",
    "chongqing_kexuecheng_bumen.txt": "the 全年完成值 header OCR'd as 年成值全完值: no actual column can be placed",
}
