"""How a row's actual compares with its target, direction-aware, within the rules' tolerances.

Checks and drafts both ask this module, so a row a finding calls "met" is never drafted as a
shortfall.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from reviewer.checks.rules import Rules
from reviewer.model import IndicatorRow
from reviewer.text import phrases, squash
from reviewer.values import Value, completion, is_reverse, parse_value


def _says_missed(text: str) -> bool:
    t = squash(text)
    return any(w in t for w in phrases("completion", "missed"))


@dataclass
class Deviation:
    kind: str  # "met" | "short" | "over" | "unknown"
    ratio: Decimal | None
    reverse: bool
    reason: str = ""  # why unknown


def deviation(row: IndicatorRow, rules: Rules) -> Deviation:
    """How the actual compares with the target, direction-aware, within the rules' tolerance."""
    target, actual = parse_value(row.target), parse_value(row.actual)
    reverse = is_reverse(row.indicator, row.level2, target)
    if actual.kind == "empty":
        return Deviation("unknown", None, reverse, "完成值为空")
    if actual.kind == "qualitative" and _says_missed(actual.text):
        return Deviation("short", None, reverse)
    if target.kind == "date" and actual.kind == "date":
        return _date_deviation(target, actual, reverse)
    if target.kind != "quantitative":
        return Deviation("unknown", None, reverse, "指标值为定性表述")
    if actual.kind != "quantitative":
        return Deviation("unknown", None, reverse, "完成值不是数值")
    ratio = completion(target, actual, reverse)
    if ratio is None:
        return Deviation("unknown", None, reverse, "指标值与完成值单位不一致")
    t, a = target.scaled, actual.scaled
    assert t is not None and a is not None
    tol = rules.rate_tolerance if target.percent else abs(t) * rules.money_tolerance
    gap = (t - a) if not reverse else (a - t)
    if target.comparator == ">" and a <= t or target.comparator == "<" and a >= t:
        return Deviation("short", ratio, reverse)
    if gap > tol:
        return Deviation("short", ratio, reverse)
    if not reverse and target.comparator in {">=", ">", None, "="} and ratio >= rules.over_ratio:
        return Deviation("over", ratio, reverse)
    return Deviation("met", ratio, reverse)


def _date_deviation(target: Value, actual: Value, reverse: bool) -> Deviation:
    ty, tm = target.year or actual.year or 0, target.month or 12
    ay, am = actual.year or target.year or 0, actual.month or 12
    return Deviation("short" if (ay, am) > (ty, tm) else "met", None, True)
