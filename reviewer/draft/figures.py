"""Figures computed in code for one row (completion ratio, gap, points lost), already formatted.

Templates and the LLM only copy these strings; nobody is asked to do arithmetic. Every string
here is also handed to grounding as a source, so a draft that repeats it is grounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from reviewer.checks.deviation import deviation
from reviewer.checks.rules import Rules, load_rules
from reviewer.model import IndicatorRow
from reviewer.text import computed, number
from reviewer.values import Value, comparable, completion, is_reverse, parse_value, qualitative_grade

Status = Literal["shortfall", "over", "met", "unknown"]

_MULTIPLIER = {"万": Decimal(10000), "亿": Decimal(100000000), "千": Decimal(1000), "百": Decimal(100)}


def fmt(d: Decimal | None, places: int | None = None) -> str | None:
    """A figure for a draft (None stays None): as written, or rounded to ``places`` (reviewer.text)."""
    if d is None:
        return None
    return number(d) if places is None else number(d, places)


@dataclass
class Figures:
    """What a draft may say about a row's numbers, as display strings (None when not computable)."""

    target: str = ""  # the cells as written
    actual: str = ""
    kind: Literal["quantitative", "qualitative", "date", "empty"] = "empty"
    percent: bool = False  # a rate row: gaps are in percentage points
    reverse: bool = False  # smaller is better (costs, failure rates)
    status: Status = "unknown"
    ratio: str | None = None  # completion ratio "80.56%"
    gap: str | None = None  # absolute gap in the target's own unit: "245册", "13万份"
    gap_points: str | None = None  # "5.87个百分点"
    over_pct: str | None = None  # how far above target: "68.42%"
    weight: str | None = None  # "1"
    score: str | None = None
    lost: str | None = None  # points lost: "1"
    expected_score: str | None = None  # what the proportional rule gives for a shortfall
    late: bool = False  # a date target missed

    def source_lines(self) -> list[str]:
        """The figures as short labelled lines, for prompts and as grounding sources."""
        lines = []
        for label, value in (("完成率", self.ratio), ("差额", self.gap), ("相差", self.gap_points),
                             ("超出比例", self.over_pct), ("分值", self.weight), ("得分", self.score),
                             ("扣分", self.lost), ("按完成比例应得分", self.expected_score)):
            if value is not None:
                lines.append(f"{label}：{value}")
        return lines


def _scale_of(value: Value) -> Decimal:
    unit = value.unit or ""
    if len(unit) > 1 and unit[0] in _MULTIPLIER or unit in {"万", "亿"}:
        return _MULTIPLIER[unit[0]]
    return Decimal(1)


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def compute_figures(row: IndicatorRow, rules: Rules | None = None) -> Figures:
    """Compare actual with target (direction-aware) and work out the points lost, by the same
    rules table as the checks (over-achievement share, partial credit, qualitative bands)."""
    rules = rules or load_rules()
    target, actual = parse_value(row.target), parse_value(row.actual)
    f = Figures(target=_clean(row.target), actual=_clean(row.actual))
    f.kind = target.kind if target.kind != "empty" else actual.kind
    f.reverse = is_reverse(row.indicator, row.level2, target)
    if row.weight is not None:
        f.weight = fmt(row.weight)
        if row.score is not None:
            f.score = fmt(row.score)
            if row.score < row.weight:
                f.lost = fmt(row.weight - row.score)
    if comparable(target, actual):
        _quantitative(f, target, actual, row, rules)
    elif target.kind == "date" and actual.kind == "date" and target.year and actual.year:
        t, a = (target.year, target.month or 12), (actual.year, actual.month or 12)
        f.late = a > t
        f.status = "shortfall" if f.late else "met"
    elif actual.kind == "qualitative" and row.weight is not None:
        band = qualitative_grade(row.actual)
        if band in {"partly", "not_achieved"}:
            f.status = "shortfall"
            f.expected_score = computed(rules.band_ceiling(band, row.weight))
    return f


def _quantitative(f: Figures, target: Value, actual: Value, row: IndicatorRow, rules: Rules) -> None:
    assert target.scaled is not None and actual.scaled is not None
    f.percent = target.percent
    ratio = completion(target, actual, f.reverse)
    if ratio is None:
        return
    f.ratio = f"{computed(ratio * 100)}%"
    # The checks' verdict, tolerances included: a gap within tolerance is no shortfall.
    if deviation(row, rules).kind == "short":
        f.status = "shortfall"
    elif ratio >= rules.over_ratio:
        f.status = "over"
    else:
        f.status = "met"
    if f.status == "over":
        f.over_pct = f"{computed((ratio - 1) * 100)}%"
    if f.percent and target.number is not None and actual.number is not None:
        diff = abs(actual.number - target.number)
        if diff:
            f.gap_points = f"{computed(diff)}个百分点"
    else:
        diff = abs(actual.scaled - target.scaled) / _scale_of(target)
        if diff:
            f.gap = f"{computed(diff)}{target.unit or ''}"
    # Proportional scoring rule (rules.toml [scoring]): weight × completion for a shortfall.
    if f.status == "shortfall" and row.weight is not None:
        f.expected_score = computed(rules.allowed_score(row.weight, ratio))
