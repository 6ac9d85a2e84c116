"""Numbers written in words, as fractions, as approximations: the forms grounding must not miss.

A drafted "三分之一", "八百余人", "近百名", "三成", "约2万元" or "eighty percent" states a figure
as surely as "33%" does; each is read here as a range of values it may stand for, and grounding
accepts it only when a source value lies in that range. See docs/grounding.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from reviewer.vocab import alternation

CN_NUM = "[零〇○一二两三四五六七八九十百千万亿]+"
CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10000, "亿": 100000000}

_EN_SMALL = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
     "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])}
_EN_TENS = {w: 10 * i for i, w in enumerate(
    ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], start=2)}
_EN_SCALE = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_EN_WORD = alternation([*_EN_SMALL, *_EN_TENS, *_EN_SCALE])
_EN_RUN = re.compile(rf"(?i)\b(?:{_EN_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_EN_WORD}))*\b(?:\s*(?P<pct>percent|per\s+cent|%))?")

_NUM = rf"(?:\d+(?:\.\d+)?|{CN_NUM})"
# 三分之一, 3分之2, 百分之三十 is read by grounding itself.
_FRACTION = re.compile(rf"(?<!百)(?P<den>{_NUM})分之(?P<num>{_NUM})")
# 三成, 3成, 两成多 (not 成本/成效/成果 …: the next character must not make a word with 成).
_TENTHS = re.compile(r"(?P<n>\d+(?:\.\d+)?|[一二两三四五六七八九十])成(?P<more>多|余)?(?![本效果绩员功立就为交熟])")
# 近百名, 上千人, 近万元: a bare magnitude after 近/上/约.
_BARE = re.compile(r"(?P<pre>近|将近|约|大约|上)(?P<mag>百|千|万|亿)(?=[\u4e00-\u9fff])")
# 八百余人, 20多个, 约3千元, 近800人, 800人左右.
_APPROX = re.compile(
    rf"(?P<pre>近|将近|约|大约|大概|逾|超过)?(?<![\d.])(?P<num>{_NUM})(?P<mult>千|万|亿)?(?P<more>余|多|来)?"
    rf"(?P<pct>%)?(?=(?:(?P<unit>[^，。；,;\s\d]{{0,3}}?)(?P<post>左右|上下))?)"
)
_MAG = {"百": 100, "千": 1000, "万": 10**4, "亿": 10**8}


@dataclass(frozen=True)
class Approx:
    """A figure in words: where it is, how it was written, and the range it stands for."""

    start: int
    end: int
    text: str
    percent: bool
    value: Decimal  # as written ("八百余" 800): what it adds to the sources when a report says it
    lo: Decimal
    hi: Decimal


def cn_to_decimal(text: str) -> Decimal | None:
    """Chinese numerals to a Decimal: "三十" 30, "二〇二三" 2023, "一万二千" 12000, "三点五" 3.5."""
    if not text:
        return None
    if "点" in text:
        whole, _, frac = text.partition("点")
        w = cn_to_decimal(whole) if whole else Decimal(0)
        if w is None or not frac or any(c not in CN_DIGITS for c in frac):
            return None
        return Decimal(f"{w}.{''.join(str(CN_DIGITS[c]) for c in frac)}")
    if all(c in CN_DIGITS for c in text):  # digit by digit: 二〇二三
        return Decimal("".join(str(CN_DIGITS[c]) for c in text))
    total, section, digit = 0, 0, None
    for c in text:
        if c in CN_DIGITS:
            if digit is not None and digit != 0 and CN_DIGITS[c] != 0:
                return None  # "十四五" is a name, not a number
            digit = CN_DIGITS[c]
        elif c in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[c]
            digit = None
        elif c in _CN_BIG:
            section += digit or 0
            total = (total + section) * _CN_BIG[c] if c == "亿" else total + section * _CN_BIG[c]
            section, digit = 0, None
        else:
            return None
    return Decimal(total + section + (digit or 0))





def _num(text: str) -> Decimal | None:
    return Decimal(text) if re.fullmatch(r"\d+(?:\.\d+)?", text) else cn_to_decimal(text)


def _step(value: Decimal) -> Decimal:
    """The place of the last non-zero digit: 800 → 100, 20 → 10, 7 → 1 ("八百余" means 800–900)."""
    if value <= 0 or value != value.to_integral_value():
        return Decimal(1)
    step = Decimal(1)
    while value % (step * 10) == 0:
        step *= 10
    return step


def english_number(words: str) -> Decimal | None:
    """English number words to a Decimal: "three hundred and twenty" 320, "twenty-five" 25."""
    total = current = 0
    seen = False
    for w in re.split(r"[\s-]+", words.lower()):
        if w == "and" or not w:
            continue
        if w in _EN_SMALL:
            current += _EN_SMALL[w]
        elif w in _EN_TENS:
            current += _EN_TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in _EN_SCALE:
            total += max(current, 1) * _EN_SCALE[w]
            current = 0
        else:
            return None
        seen = True
    return Decimal(total + current) if seen else None


def approximations(text: str) -> list[Approx]:
    """Every figure in ``text`` written as a fraction, in tenths, approximately or in English words."""
    out: list[Approx] = []
    for m in _FRACTION.finditer(text):
        den, num = _num(m.group("den")), _num(m.group("num"))
        if den and num is not None and den > 0:
            v = num / den * 100
            out.append(Approx(m.start(), m.end(), m.group(0), True, v, v - 1, v + 1))
    for m in _TENTHS.finditer(text):
        n = _num(m.group("n"))
        if n is not None and n <= 10:
            v = n * 10
            out.append(Approx(m.start(), m.end(), m.group(0), True, v, v - (0 if m.group("more") else 5), v + 10))
    for m in _BARE.finditer(text):
        mag = Decimal(_MAG[m.group("mag")])
        lo, hi = (mag, mag * 10) if m.group("pre") == "上" else _range(mag, m.group("pre"), None, None)
        out.append(Approx(m.start(), m.end(), m.group(0), False, mag, lo, hi))
    for m in _APPROX.finditer(text):
        if not (m.group("pre") or m.group("more") or m.group("post") or m.group("mult") == "千"):
            continue  # a plain figure: grounding reads it exactly
        if re.fullmatch(r"[一二两三四五六七八九十]", m.group("num")) and not m.group("more") and not m.group("mult"):
            continue  # 约一 …: an article, not a figure
        base = _num(m.group("num"))
        if base is None:
            continue
        value = base * _MAG.get(m.group("mult") or "", 1)
        lo, hi = _range(value, m.group("pre"), m.group("more"), m.group("post"))
        end = m.end() + len(m.group("unit") or "") + len(m.group("post") or "") if m.group("post") else m.end()
        out.append(Approx(m.start(), end, text[m.start():end], bool(m.group("pct")), value, lo, hi))
    for m in _EN_RUN.finditer(text):
        v = english_number(re.sub(r"(?i)\s*(percent|per\s+cent|%)$", "", m.group(0)))
        if v is not None:
            out.append(Approx(m.start(), m.end(), m.group(0), bool(m.group("pct")), v, v, v))
    return _non_overlapping(out)


def _range(value: Decimal, pre: str | None, more: str | None, post: str | None) -> tuple[Decimal, Decimal]:
    if more:  # 八百余: above 800, below the next step
        return value, value + _step(value)
    if pre in {"逾", "超过"}:
        return value, value * Decimal("1.5")
    if pre in {"近", "将近"}:  # 近百: a little under a hundred
        return value * Decimal("0.8"), value
    if pre or post:  # 约 / 左右 / 上下
        return value * Decimal("0.9"), value * Decimal("1.1")
    return value, value  # 3千: exact, only the multiplier needed reading


def _non_overlapping(found: list[Approx]) -> list[Approx]:
    found.sort(key=lambda a: (a.start, -(a.end - a.start)))
    out: list[Approx] = []
    for a in found:
        if not out or a.start >= out[-1].end:
            out.append(a)
    return out
