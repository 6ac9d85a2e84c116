"""Cell values: "≥260人", "94.22%", "1.5万人", "2023年12月底前", "应发尽发" → a Value.

Numbers are Decimals. ``number`` is the figure as written ("1.5" for "1.5万人"), ``scaled``
the figure in base units (15000) so "1.5万人" and "15000人" compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel

Comparator = Literal[">=", "<=", ">", "<", "="]
Kind = Literal["quantitative", "qualitative", "date", "empty"]

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}（）()：:，,、])\s+(?=[{_CJK}（）()：:，,、])")
_SPACE_IN_NUMBER = re.compile(r"(?<=\d)[ \u3000](?=\d)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")

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
# Words that say "done" but give no measurable value (checklist: EMPTY_ACTUAL).
BARE_DONE = re.compile(
    r"^(已?全部?完成|已完成|圆满完成|顺利完成|按时完成|基本完成|全部完成|完成|达标|已达标|达到|已达到|是|已?落实|已?实现|良好|较好|好|正常|优|合格|满意)[。.！!]*$"
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

    @property
    def is_bare_done(self) -> bool:
        return bool(self.text) and bool(BARE_DONE.match(self.text))


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
    scaled, base_unit = number, unit
    if unit and unit[0] in _MULTIPLIERS and len(unit) > 1:
        scaled, base_unit = number * _MULTIPLIERS[unit[0]], unit[1:]
    elif unit == "万" or unit == "亿":
        scaled, base_unit = number * _MULTIPLIERS[unit], None
    percent = unit in {"%", "‰"}
    if percent:
        scaled = number / (100 if unit == "%" else 1000)
    return Value(raw=raw, text=text, comparator=comparator, number=number, scaled=scaled, unit=unit,
                 base_unit=base_unit, year=year, kind="quantitative", percent=percent)


# Indicators where a smaller actual is better: costs, failure and complaint rates, balances.
REVERSE_WORDS = re.compile(r"成本|费用|经费|支出金额|故障率|投诉率|差错率|事故|结余率|结转结余|调整率|失业率|控制数|控制额|响应时间|修复.*时间|时长|时限")


def is_reverse(indicator: str | None, level2: str | None, target: Value) -> bool:
    """Direction of an indicator: the comparator decides; without one, its nature does."""
    if target.comparator in {"<=", "<"}:
        return True
    if target.comparator in {">=", ">"}:
        return False
    text = normalise_text(indicator)
    if REVERSE_WORDS.search(text) and not re.search(r"标准|补贴|补助|奖励|奖金", text):
        return True
    return False


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
