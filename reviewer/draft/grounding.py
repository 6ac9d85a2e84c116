"""Grounding: every number, percentage, year and date in a draft must occur in its sources.

Sources are the row, its project and the computed figures, as text. Both sides go through the
same extractor, so "1.5万" == "15000", "９４．２２％" == "94.22%", "二〇二三年" == "2023年",
"2,975,867.80" == "2975867.8". A percentage also matches the same ratio written as a fraction
(94.22% ~ 0.9422, as the funding table stores it).

Deliberately not checked:
- enumeration labels ("1." "2、" "（3）" at the start of a clause): they order a list of
  measures and assert nothing about the report;
- a lone 一 (and 一 before a measure word: 一批, 一步, 一是): Chinese uses it as an article
  ("进一步", "一定", "统一"), so checking it would reject ordinary prose while catching nothing.
Chinese numerals are checked only before a measure word or unit ("三十人", "两个百分点") or
after 百分之/第, because elsewhere they are words ("十分", "千方百计", "十四五").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from reviewer.draft.numwords import CN_DIGITS, approximations, cn_to_decimal

_FULLWIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_MULT = {"万": Decimal(10000), "亿": Decimal(100000000), "万亿": Decimal(10) ** 12}

# Measure words and units after which a Chinese numeral is a quantity.
_MEASURE = ("个百分点|百分点|科次|人次|户次|批次|季度|小时|分钟|万元|亿元|年|月|日|天|周|个|人|次|项|家|册|份|张|元|"
            "倍|成|名|户|件|条|套|台|场|类|轮|批|期|届|所|座|辆|本|篇|部|组|间|处|块|位|门|节|级|米|吨|亩|%")

_DATE = re.compile(r"(?<![\d.])(\d{4})[-/年.](\d{1,2})(?:[-/.月](\d{1,2})日?)?(?![\d.])")
_ARABIC = re.compile(
    r"(?<![\d.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"\s*(?P<mult>万亿|亿|万)?\s*(?P<pct>%|‰|个百分点|百分点)?(?P<nian>年)?"
)
_ENUM = re.compile(
    r"(?:(?:^|(?<=[\s。；;：:，,！!？?]))(?P<n>\d{1,2})[.、](?!\d)|[(（](?P<p>\d{1,2})[)）])"
)
_PERCENT_CN = re.compile(r"百分之(?P<num>[零〇○一二两三四五六七八九十百千点\d.]+)")
_CN_NUMBER = re.compile(
    rf"(?P<ord>第)?(?P<num>[零〇○一二两三四五六七八九十][零〇○一二两三四五六七八九十百千万亿]*(?:点[零〇○一二三四五六七八九]+)?)"
    rf"(?=(?P<measure>{_MEASURE}))"
)

Kind = Literal["number", "percent", "year"]


@dataclass(frozen=True)
class Mention:
    """A number as it appears in a text, with the values it may stand for."""

    text: str
    kind: Kind
    value: Decimal
    places: int  # decimals as written (for rounding-tolerant matching)
    start: int
    lo: Decimal | None = None  # an approximation ("八百余人", "三成") stands for any value in [lo, hi]
    hi: Decimal | None = None


def _dec(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None




def _places(num: str) -> int:
    return len(num.split(".", 1)[1]) if "." in num else 0


class _Scan:
    """A text being read for numbers: what is already taken by an earlier reader, and what was found."""

    def __init__(self, text: str):
        self.t = text
        self.taken = [False] * len(text)
        self.out: list[Mention] = []

    def free(self, a: int, b: int) -> bool:
        return not any(self.taken[a:b])

    def take(self, a: int, b: int, mention: Mention | None = None) -> None:
        for i in range(a, b):
            self.taken[i] = True
        if mention is not None:
            self.out.append(mention)


def extract(text: str | None) -> list[Mention]:
    """Every number, percentage, year and date in ``text`` (enumeration labels left out)."""
    if not text:
        return []
    scan = _Scan(text.translate(_FULLWIDTH))
    # Order matters: a reader only sees characters no earlier reader took.
    for reader in (_dates, _approximations, _enumerations, _cn_percents, _arabic, _cn_numbers):
        reader(scan)
    scan.out.sort(key=lambda x: x.start)
    return scan.out


def _dates(scan: _Scan) -> None:
    for m in _DATE.finditer(scan.t):
        year, month, day = m.group(1), m.group(2), m.group(3)
        if not (1900 <= int(year) <= 2100 and 1 <= int(month) <= 12):
            continue
        if m.group(0)[4] == "." and not day:
            continue  # "2023.12" is more likely a decimal than a month
        scan.out.append(Mention(year, "year", Decimal(year), 0, m.start(1)))
        scan.out.append(Mention(month, "number", Decimal(int(month)), 0, m.start(2)))
        if day:
            scan.out.append(Mention(day, "number", Decimal(int(day)), 0, m.start(3)))
        scan.take(m.start(), m.end())


def _approximations(scan: _Scan) -> None:
    """Fractions, 成, 余/近/约, 千, English words: before the plain readers."""
    for a in approximations(scan.t):
        if scan.free(a.start, a.end):
            scan.take(a.start, a.end,
                      Mention(a.text, "percent" if a.percent else "number", a.value, 0, a.start, a.lo, a.hi))


def _enumerations(scan: _Scan) -> None:
    """List labels (1. 2、 (3)) are not figures: take them so no reader sees them."""
    for m in _ENUM.finditer(scan.t):
        n = m.group("n") or m.group("p")
        if scan.free(m.start(), m.end()) and int(n) <= 20:
            scan.take(m.start(), m.end())


def _cn_percents(scan: _Scan) -> None:
    for m in _PERCENT_CN.finditer(scan.t):
        raw = m.group("num")
        value = _dec(raw) if re.fullmatch(r"[\d.]+", raw) else cn_to_decimal(raw)
        if value is not None and scan.free(m.start(), m.end()):
            scan.take(m.start(), m.end(), Mention(m.group(0), "percent", value, _places(str(value)), m.start()))


def _arabic(scan: _Scan) -> None:
    for m in _ARABIC.finditer(scan.t):
        if not scan.free(m.start(), m.end("num")):
            continue
        value = _dec(m.group("num"))
        if value is None:
            continue
        places = _places(m.group("num"))
        if m.group("mult"):
            value *= _MULT[m.group("mult")]
        pct = m.group("pct")
        if pct in {"%", "‰"}:
            kind: Kind = "percent"
            if pct == "‰":
                value /= 10
        elif m.group("nian") and 1900 <= value <= 2100 and places == 0:
            kind = "year"
        else:
            kind = "number"
        scan.take(m.start(), m.end(), Mention(m.group(0), kind, value, places, m.start()))


def _cn_numbers(scan: _Scan) -> None:
    for m in _CN_NUMBER.finditer(scan.t):
        raw = m.group("num")
        if not scan.free(m.start(), m.end()) or raw == "一":
            continue
        value = cn_to_decimal(raw)
        if value is None:
            continue
        measure = m.group("measure")
        is_year = measure == "年" and len(raw) == 4 and all(c in CN_DIGITS for c in raw)
        kind = "year" if is_year else "percent" if measure == "%" else "number"
        scan.take(m.start(), m.end(), Mention(m.group(0), kind, value, _places(str(value)), m.start()))


def _norm(d: Decimal) -> Decimal:
    return d.normalize()


class Sources:
    """The set of values a draft may use, built from source texts."""

    def __init__(self, texts: Iterable[str | None]):
        self.plain: set[Decimal] = set()
        self.percent: set[Decimal] = set()
        for text in texts:
            for m in extract(text):
                self.add(m)

    def add(self, m: Mention) -> None:
        v = _norm(m.value)
        if m.kind == "percent":
            self.percent.add(v)
            self.plain.add(_norm(v / 100))
        else:
            self.plain.add(v)
            if m.kind == "year" or (m.text.endswith("年") and v < 100):
                # "23年" in staff prose is the year 2023; "2023年" may be written "23年".
                self.plain.add(v + 2000 if v < 100 else v % 100)

    def _pool(self, m: Mention) -> set[Decimal]:
        return self.percent if m.kind == "percent" else self.plain | self.percent

    def grounded(self, m: Mention) -> bool:
        """True when ``m`` occurs in the sources (a value rounded to ``m``'s decimals also counts)."""
        pool = self._pool(m)
        if m.lo is not None and m.hi is not None:
            return any(m.lo <= p <= m.hi for p in pool)
        v = _norm(m.value)
        if v in pool:
            return True
        if (m.kind == "year" or (m.text.endswith("年") and v < 100)) and v + 2000 in pool:
            return True
        if m.places >= 1:
            q = Decimal(1).scaleb(-m.places)
            return any(p.as_tuple().exponent < -m.places and p.quantize(q, ROUND_HALF_UP) == v.quantize(q)
                       for p in pool)
        return False


def ungrounded(text: str | None, sources: Sources) -> list[str]:
    """The numbers in ``text`` that its sources do not contain, as written, in order, unique."""
    seen: list[str] = []
    for m in extract(text):
        if not sources.grounded(m) and m.text not in seen:
            seen.append(m.text)
    return seen
