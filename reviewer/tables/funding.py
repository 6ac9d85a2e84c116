"""The funding block (项目资金 / 预算执行情况): 年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分.

Read by its own header: the totals row's figures are taken from the columns the header names,
so a blank 年初预算数 or 执行率 cell leaves that figure empty instead of shifting the others.
Forms without such a header print "预算数: | 2.38 | 执行数: | 2.38" or "资金总额: 250"; those are
read as label/value pairs.
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import combinations

from reviewer.model import Budget
from reviewer.tables.rows import is_mark
from reviewer.values import normalise_text, to_decimal
from reviewer.vocab.headers import get, norm

MONEY = ("initial", "full", "spent")
_INLINE = re.compile(r"^(?P<label>[^\d:：]{2,12})[:：]\s*(?P<value>-?\d[\d,.]*\s*(万元|元|万|亿元)?)$")


def funding_header(cells: list[str]) -> dict[str, int] | None:
    """Column of each funding figure when these cells are a funding header row."""
    v = get()
    cols: dict[str, int] = {}
    for i, c in enumerate(cells):
        name = v.funding_field(c) if norm(c) else None
        if name and name not in cols:
            cols[name] = i
    money = [f for f in MONEY if f in cols]
    if len(money) >= 2 or (money and ({"rate", "weight", "score"} & set(cols))):
        return cols
    return None


def amount(text: str | None) -> Decimal | None:
    """"4753.66万元" → 4753.66; "215,457.6" → 215457.6; "—" → None. The unit stays as written."""
    t = norm(text)
    if not t or is_mark(t):
        return None
    t = re.sub(r"(万元|元|万|亿元)$", "", t)
    return to_decimal(t)


def read_totals(cols: dict[str, int], cells: list[str], width: int, where: str) -> Budget | None:
    """The totals row read by the header's columns; None when the row does not line up."""
    if len(cells) > width + 1:
        return None
    named = set(cols.values())
    if any(i not in named and amount(c) is not None for i, c in enumerate(cells)):
        return None  # a figure under no header word: the header wrapped and lost its labels
    if "rate" in cols and any(i != cols["rate"] and _is_rate(c) for i, c in enumerate(cells)):
        return None  # the 执行率 sits under another column: the row lost a cell (read_anchored)
    b = Budget(where=where)
    found = False
    for name in ("initial", "full", "spent", "weight", "rate", "score"):
        i = cols.get(name)
        if i is None or i >= len(cells):
            continue
        text = normalise_text(cells[i])
        value = amount(text)
        if text and value is None and not is_mark(text):
            return None  # a word where a figure belongs: the row is shifted
        if value is not None:
            found = True
            setattr(b, name, value)
            if name == "rate":
                b.rate_text = text
    if b.full is None and b.initial is not None and "full" not in cols:
        b.full = b.initial
    return b if found else None


def _is_rate(text: str) -> bool:
    return norm(text).endswith("%") and amount(norm(text).removesuffix("%")) is not None


def read_anchored(cols: dict[str, int], cells: list[str], where: str) -> Budget | None:
    """A totals row that lost an empty cell, read around its 执行率 ("| 32.4 | 31.69 | 10 | 97.80% | 9 |"
    under 年初 / 全年 / 执行 / 分值 / 执行率 / 得分): the figures after the rate fill the columns after it;
    the ones before it fill the columns before it, leaving out the columns whose absence makes
    执行数 ÷ 预算数 agree with the rate (the empty 年初预算数, most often)."""
    texts = [normalise_text(c) for c in cells if normalise_text(c)]
    at = next((k for k, t in enumerate(texts) if _is_rate(t)), None)
    if at is None or "rate" not in cols:
        return None
    order = sorted(cols, key=cols.get)
    before = [f for f in order[:order.index("rate")] if f in (*MONEY, "weight", "score")]
    after = [f for f in order[order.index("rate") + 1:] if f in ("weight", "score")]
    left = [amount(t) for t in texts[:at] if amount(t) is not None or is_mark(t)]
    right = [amount(t) for t in texts[at + 1:] if amount(t) is not None or is_mark(t)]
    if len(left) > len(before) or len(right) > len(after) or not left:
        return None
    rate = amount(texts[at].removesuffix("%"))
    best: tuple[int, dict[str, Decimal | None]] | None = None
    for kept in combinations(range(len(before)), len(left)):
        placed = {before[k]: v for k, v in zip(kept, left)}
        fit = _rate_fit(placed, rate) * 10 + sum(kept)  # agreeing rates first, then the missing cells leading
        if best is None or fit > best[0]:
            best = (fit, placed)
    assert best is not None
    b = Budget(where=where, rate=rate / 100 if rate is not None else None, rate_text=texts[at], **best[1])
    for name, value in zip(after, right):
        setattr(b, name, value)
    if b.full is None and b.initial is not None and "full" not in cols:
        b.full = b.initial
    return b


def _rate_fit(placed: dict[str, Decimal | None], rate: Decimal | None) -> int:
    spent, base = placed.get("spent"), placed.get("full") or placed.get("initial")
    if rate is None or spent is None or not base:
        return 0
    return 1 if abs(spent / base * 100 - rate) <= Decimal("0.6") else -1


def is_totals_row(cells: list[str]) -> bool:
    v = get()
    labels = [c for c in cells if norm(c) and amount(c) is None]
    return bool(labels) and v.funding_row("total_row", labels[0])


def is_detail_row(cells: list[str]) -> bool:
    v = get()
    labels = [c for c in cells if norm(c) and amount(c) is None]
    return bool(labels) and v.funding_row("detail_row", labels[0])


def label_pairs(cells: list[str], where: str) -> Budget | None:
    """"预算数: | 2.38 | 执行数: | 2.38", "项目金额 | 164万元", "资金总额: 250" → a Budget."""
    v = get()
    b = Budget(where=where)
    found = False
    texts = [normalise_text(c) for c in cells]
    for i, t in enumerate(texts):
        m = _INLINE.match(norm(t))
        label, value = (m.group("label"), m.group("value")) if m else (t, texts[i + 1] if i + 1 < len(texts) else "")
        if not label or v.funding_row("detail_row", label):
            continue
        name = v.funding_field(label)
        if name in MONEY and getattr(b, name) is None and amount(value) is not None:
            setattr(b, name, amount(value))
            found = True
    if not found:
        return None
    if b.full is None:
        b.full = b.initial
    return b


def read_by_order(fields: list[str], cells: list[str], where: str) -> Budget | None:
    """The totals row of a header whose labels were lost to wrapping: money columns are always
    年初, 全年, 执行 in that order; 分值/执行率/得分 follow in the header's order when it names them."""
    values = [normalise_text(c) for c in cells if normalise_text(c)]
    labels = [v for v in values if to_decimal(v) is None and v not in {"—", "-", "——"}]
    nums = [v for v in values if to_decimal(v) is not None or v in {"—", "-"}]
    if not any(to_decimal(v) is not None for v in nums):
        return None
    if any(re.match(r"^(其中|上年结转|其他资金)", norm(lab)) for lab in labels):
        return None
    b = Budget(where=where)
    others = [f for f in fields if f in {"weight", "rate", "score"}]
    if not {"weight", "score"} <= set(others):
        others = ["weight", "rate", "score"]
    plain: list[str] = []
    after_marker: list[str] = []
    for v in nums:
        if v in {"—", "-"}:
            continue
        if v.endswith("%") or re.match(r"^[（(].*%[)）]$", v):
            b.rate, b.rate_text = to_decimal(v), v
        elif v.endswith("分"):
            b.weight = to_decimal(v)
        elif b.rate is not None or b.weight is not None:
            after_marker.append(v)
        else:
            plain.append(v)
    b.initial, b.full, b.spent = (to_decimal(x) for x in (plain[:3] + [None, None, None])[:3])
    tail = plain[3:] + after_marker if b.weight is None else after_marker
    for name in others:
        if getattr(b, name) is None and tail:
            value = tail.pop(0)
            setattr(b, name, to_decimal(value))
            if name == "rate":
                b.rate_text = value
    return b
