"""Cell values: "≥260人", "94.22%", "1.5万人", "2023年12月底前", "应发尽发" → a Value.

Numbers are Decimals. ``number`` is the figure as written ("1.5" for "1.5万人"), ``scaled``
the figure in base units (15000) so "1.5万人" and "15000人" compare equal.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

from reviewer.text import normalise_text, phrases, squash

__all__ = [
    "Value",
    "comparable",
    "completion",
    "is_plain_number",
    "is_reverse",
    "normalise_text",
    "parse_value",
    "to_decimal",
    "years_in",
]

Comparator = Literal[">=", "<=", ">", "<", "="]
Kind = Literal["quantitative", "qualitative", "date", "empty"]

_COMPARATORS: list[tuple[str, Comparator]] = [
    ("大于等于", ">="), ("大于或等于", ">="), ("不低于", ">="), ("不少于", ">="), ("不小于", ">="),
    ("至少", ">="), ("≥", ">="), ("≧", ">="), (">=", ">="), ("⩾", ">="),
    ("小于等于", "<="), ("小于或等于", "<="), ("不高于", "<="), ("不超过", "<="), ("不多于", "<="),
    ("不大于", "<="), ("控制在", "<="), ("≤", "<="), ("≦", "<="), ("<=", "<="), ("⩽", "<="),
    ("大于", ">"), ("高于", ">"), ("超过", ">"), (">", ">"),
    ("小于", "<"), ("低于", "<"), ("<", "<"),
    ("等于", "="), ("=", "="), ("＝", "="),
]
_SUFFIX_COMPARATORS: list[tuple[str, Comparator]] = [
    ("以上", ">="), ("及以上", ">="), ("以内", "<="), ("以下", "<="), ("及以下", "<="),
]
_MULTIPLIERS = {"万": Decimal(10000), "亿": Decimal(100000000), "千": Decimal(1000), "百": Decimal(100)}
_NUMBER = re.compile(r"(?<![\d.])(-?\d+(?:\.\d+)?)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_DATE = re.compile(
    r"^(?:(?P<year>(?:19|20)\d{2})\s*年)?\s*(?:(?P<month>\d{1,2})\s*月?\s*(?:份)?\s*(?:(?P<day>\d{1,2})\s*日)?)?"
    r"\s*(?P<end>底|末|中旬|上旬|下旬|初)?\s*(?P<before>前|之前|以前)?(?:完成|发放|到位|支付)?$"
)
class Value(BaseModel):
    raw: str | None
    text: str = ""  # normalised text
    comparator: Comparator | None = None
    number: Decimal | None = None
    scaled: Decimal | None = None
    unit: str | None = None  # as written, e.g. "万人", "%", "元/人"
    base_unit: str | None = None  # without 万/亿: "人", "%", "元/人"
    year: int | None = None
    month: int | None = None
    kind: Kind = "empty"
    percent: bool = False
    approx: bool = False  # "200余人": at least the figure

    @property
    def is_bare_done(self) -> bool:
        """The cell only says "done" (完成, 已完成, 达标 …): never a measurable value."""
        return bool(self.text) and squash(self.text).rstrip("。.！!") in phrases("completion", "done")

    @property
    def is_as_expected(self) -> bool:
        """The cell only says "as expected" (达成预期指标, 效果明显 …): empty where a figure was due."""
        return bool(self.text) and squash(self.text).rstrip("。.！!") in phrases("completion", "as_expected")


def to_decimal(text: str | None) -> Decimal | None:
    """A plain number cell ("10", "10分", "2,975,867.80", "（100%）"→1.00) or None."""
    if text is None:
        return None
    t = normalise_text(text).strip("()（） ")
    if not t:
        return None
    pct = t.endswith("%")
    t = t.rstrip("%").removesuffix("分").removesuffix("万元").removesuffix("元").strip()
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", t):
        return None
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    return d / 100 if pct else d


def is_plain_number(text: str | None) -> bool:
    """True for a weight/score-like cell: "10", "0.5", "10分"."""
    t = normalise_text(text)
    return bool(re.fullmatch(r"-?\d+(?:\.\d+)?\s*分?", t))


def years_in(text: str | None) -> list[int]:
    """Every "20xx年" in a text."""
    return [int(y) for y in _YEAR.findall(normalise_text(text))]


def parse_value(raw: str | None) -> Value:
    """Parse a target or actual cell. The result is shared between calls: do not modify it."""
    return _parse_value(raw)


@lru_cache(maxsize=65536)
def _parse_value(raw: str | None) -> Value:
    text = normalise_text(raw).strip("()（）")
    if not text or text in {"—", "-", "/", "无", "--", "——"}:
        return Value(raw=raw, text=text, kind="empty")
    comparator: Comparator | None = None
    body = text
    for word, comp in _COMPARATORS:
        if body.startswith(word):
            comparator, body = comp, body[len(word):].strip()
            break
    year_match = _YEAR.search(text)
    year = int(year_match.group(1)) if year_match else None

    date = _DATE.match(body) if re.search(r"月|年底|年末|底前|年内", body) else None
    if date and (date.group("month") or date.group("end")) and not re.search(r"%|人|元|次|个|项", body):
        month = int(date.group("month")) if date.group("month") else 12
        if date.group("before") and comparator is None:
            comparator = "<="
        return Value(raw=raw, text=text, comparator=comparator, year=year or None, month=month, kind="date")

    for word, comp in _SUFFIX_COMPARATORS:
        if body.endswith(word) and comparator is None:
            comparator, body = comp, body[: -len(word)].strip()
            break

    nums = _NUMBER.findall(body)
    if not nums:
        return Value(raw=raw, text=text, comparator=comparator, year=year, kind="qualitative")
    m = _NUMBER.search(body)
    assert m is not None
    prefix = body[: m.start()].strip()
    rest = body[m.end():].strip()
    # "200余人", "600多人": an approximation at or above the figure, in the unit that follows.
    approx = bool(re.match(r"^[余多]", rest))
    rest = rest[1:].strip() if approx else rest
    # A long sentence with a number in it ("年度内已做到应发尽发", "2022年天津市…") is qualitative:
    # only a short unit may follow the figure.
    unit_match = re.match(r"^([万亿千百]?[^\d\s，,。；;（）()]{0,6}?)(?:/[^\d\s，,。；;]{1,4})?$", rest)
    if prefix or not unit_match or len(nums) > 1 and not re.fullmatch(r"[^\d]*\d+(?:\.\d+)?[^\d]*/\d*[^\d]*", body):
        if year and re.fullmatch(r"(?:19|20)\d{2}\s*年(?:度)?", body):
            return Value(raw=raw, text=text, comparator=comparator, year=year, kind="date")
        return Value(raw=raw, text=text, comparator=comparator, year=year, kind="qualitative")
    number = Decimal(m.group(1))
    unit = rest or None
    if unit and unit.startswith("年") and 1900 <= number <= 2100 and number == number.to_integral_value():
        return Value(raw=raw, text=text, comparator=comparator, year=int(number), kind="date")
    if unit in {"百分比", "百分点", "个百分点"}:  # "≥100百分比" is 100 %, not 100 × 100
        unit = "%"
    scaled, base_unit = number, unit
    if unit and unit[0] in _MULTIPLIERS and len(unit) > 1:
        scaled, base_unit = number * _MULTIPLIERS[unit[0]], unit[1:]
    elif unit == "万" or unit == "亿":
        scaled, base_unit = number * _MULTIPLIERS[unit], None
    percent = unit in {"%", "‰"}
    if percent:
        scaled = number / (100 if unit == "%" else 1000)
    return Value(raw=raw, text=text, comparator=comparator, number=number, scaled=scaled, unit=unit,
                 base_unit=base_unit, year=year, kind="quantitative", percent=percent, approx=approx)


def is_reverse(indicator: str | None, level2: str | None, target: Value) -> bool:
    """Direction of an indicator: the comparator decides; without one, its nature does."""
    if target.comparator in {"<=", "<"}:
        return True
    if target.comparator in {">=", ">"}:
        return False
    from reviewer.vocab.natures import is_cost_ceiling, is_reverse_name, rate_direction

    if rate_direction(indicator) == "high":
        return False
    # Under 成本指标 an amount is a ceiling unless it is a standard paid out (补助标准).
    cost_row = squash(level2).startswith("成本") and is_cost_ceiling(indicator)
    return is_reverse_name(indicator) or cost_row


def comparable(target: Value, actual: Value) -> bool:
    """Both quantitative with compatible units (percent with percent, 万人 with 人…)."""
    if target.kind != "quantitative" or actual.kind != "quantitative":
        return False
    if target.percent != actual.percent:
        return False
    tb, ab = (target.base_unit or ""), (actual.base_unit or "")
    return tb == ab or not tb or not ab


def completion(target: Value, actual: Value, reverse: bool) -> Decimal | None:
    """Completion ratio, ≥ 1 when the target is met: actual/target, or target/actual when reverse."""
    if not comparable(target, actual):
        return None
    t, a = target.scaled, actual.scaled
    if t is None or a is None:
        return None
    if reverse:
        if a == 0:
            return Decimal(1) if t >= 0 else None
        return t / a
    if t == 0:
        return Decimal(1) if a >= 0 else None
    return a / t


def qualitative_grade(text: str | None) -> str | None:
    """The band of a 定性 actual ("部分完成" → "partly"), by vocab/phrases.toml [qualitative];
    None when the text is no grade. Partial and negative grades are matched first."""
    t = squash(text).rstrip("。.！!")
    if not t or len(t) > 12:
        return None
    for band in ("not_achieved", "partly", "achieved"):
        if any(w and w in t for w in phrases("qualitative", band)):
            return band
    return None
