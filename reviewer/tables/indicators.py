"""Indicator rows under a header: read, carry the levels down their blocks, join wrapped cells."""

from __future__ import annotations

import re

from reviewer.model import IndicatorRow, Project
from reviewer.tables.header import Header
from reviewer.tables.rows import (
    clean_indicator,
    is_goal,
    is_mark,
    label_only,
    level_label,
    read_by_content,
    read_positional,
    to_number,
)
from reviewer.tables.state import State
from reviewer.values import is_plain_number, normalise_text, to_decimal
from reviewer.vocab.headers import level_family, level_weight, norm


def indicator_row(st: State, cells: list[str], where: str) -> None:
    h, p = st.header, st.current
    assert h is not None and p is not None
    if any(_empty_slot(c) for c in cells):
        # A template's numbered slot left empty ("指标2:", "指标1:/ | / | /"): no indicator, only
        # whatever level label the row carries.
        cells = ["" if _empty_slot(c) or is_mark(c) else c for c in cells]
    nonempty = [normalise_text(c) for c in cells if normalise_text(c)]
    if all(is_mark(x) for x in nonempty):
        st.drop(where, cells, "占位行（无指标、无数值）")
        return
    data = None if _is_continuation(st, h, cells) else read_positional(h, cells, st.carry.get("level1"), st.carry.get("level2"))
    if data is None:
        labels = label_only(h, cells, st.carry.get("level1"))
        if labels is not None:
            _carry(st, p, labels)
            return
        if _is_continuation(st, h, cells):
            continue_row(st, cells)
            return
        data = read_by_content(h, cells, st.carry.get("level1"))
    if data is None or is_mark(data.get("indicator")):
        st.drop(where, cells, "无法按表头读取")
        return
    _carry(st, p, data)
    row = _make_row(h, data, where)
    if not row.indicator:
        return
    if data.get("budget_year", "").isdigit() and st.year is None:
        st.year = int(data["budget_year"])  # an activity table's 预算年度 column is the report's year
    p.rows.append(row)
    st.last_row = row


def _empty_slot(text: str) -> bool:
    """"指标2:" or "指标1:/": a numbered indicator slot with nothing (or a filler mark) after it."""
    t = normalise_text(text)
    if not t or t == clean_indicator(t):
        return False
    rest = clean_indicator(t)
    return not rest or is_mark(rest)


def _carry(st: State, p: Project, data: dict[str, str]) -> None:
    """Levels carry down their merged block; a 一级 first printed mid-block also covers the rows
    above it that have none and whose 二级 belongs to it."""
    for key in ("goal", "level1", "level2"):
        if data.get(key):
            first_level1 = key == "level1" and not st.carry.get("level1") and len(p.rows) > st.table_start
            st.carry[key] = data[key]
            if key == "goal":
                st.carry.pop("level1", None)
                st.carry.pop("level2", None)
            if key == "level1":
                if not first_level1:  # a 一级 first printed mid-block keeps the 二级 it sits in
                    st.carry.pop("level2", None)
                name, w = level_weight(data[key])
                if w is not None:
                    p.level1_weights[name or data[key]] = to_decimal(w)  # type: ignore[assignment]
                _backfill_level1(st, p, data[key])
        elif st.carry.get(key):
            data[key] = st.carry[key]  # type: ignore[assignment]


def _backfill_level1(st: State, p: Project, label: str) -> None:
    name = level_weight(label)[0]
    stem = re.sub(r"(指标|目标)$", "", name)
    for row in p.rows[st.table_start:]:
        if row.level1 is None and (row.level2 is None or level_family(row.level2) in (None, stem)):
            row.level1 = name or label


def _is_continuation(st: State, h: Header, cells: list[str]) -> bool:
    """A wrapped cell continued on a row of its own: text in one column only, no level label,
    and not a new indicator with its own value."""
    if st.last_row is None:
        return False
    texts = {i: normalise_text(x) for i, x in enumerate(cells) if normalise_text(x)}
    if len(texts) > 2 or any(is_plain_number(x) or level_label(x) or is_goal(x) for x in texts.values()):
        return False
    value_cols = {h.cols.get(r) for r in ("target", "actual", "weight", "score")} - {None}
    if h.indicator_col in texts and value_cols & set(texts):
        return False
    # A lone cell at or left of the indicator column (an export drops merged cells and shifts it left)
    # may be a whole indicator of its own; text further right continues a description or explanation.
    (col, text), = texts.items() if len(texts) == 1 else ((None, ""),)
    return not (col is not None and col <= h.indicator_col and _whole_indicator(st.last_row.indicator, text))


# A wrapped indicator breaks mid-phrase; a row of its own whose values were merged into the row
# above holds a whole phrase after a whole phrase. Both must be this long to be taken as whole.
_WHOLE_CHARS = 8
_OPEN_END = "，,、；;：:（(和及与或的"


def _whole_indicator(previous: str, text: str) -> bool:
    """The lone indicator cell is an indicator in its own right, not the rest of the one above."""
    prev, t = norm(previous), norm(text)
    return len(prev) >= _WHOLE_CHARS and len(t) >= _WHOLE_CHARS and prev[-1] not in _OPEN_END \
        and t[0] not in "，,、；;：:）)" and prev.count("（") == prev.count("）") and prev.count("(") == prev.count(")")


def _make_row(h: Header, data: dict[str, str], where: str) -> IndicatorRow:
    l1 = data.get("level1") or None
    l2 = data.get("level2") or None
    if l1 is not None:
        l1 = level_weight(l1)[0] or l1
    if l2 is not None:
        l2 = level_weight(l2)[0] or l2
    return IndicatorRow(
        id="",
        goal=data.get("goal") or None,
        level1=l1,
        level2=l2,
        indicator=clean_indicator(data["indicator"]),
        target=_blank_mark(data.get("target")),
        actual=_blank_mark(data.get("actual")) if h.has_actual else None,
        weight=to_number(data.get("weight")),
        score=to_number(data.get("score")),
        explanation=_blank_mark(data.get("explanation")),
        where=where,
        description=data.get("description") or data.get("activity_desc") or None,
        basis=data.get("basis") or None,
        comparator=data.get("comparator") or _comparator(data.get("standard")),
        unit=data.get("unit") or None,
        weight_text=data.get("weight") or None,
        score_text=data.get("score") or None,
    )


def _blank_mark(text: str | None) -> str | None:
    return text or None


def continue_row(st: State, cells: list[str]) -> None:
    """Append a wrapped continuation to the column it sits in (indicator, description…)."""
    h, row = st.header, st.last_row
    assert h is not None and row is not None
    for idx, raw in enumerate(cells):
        text = normalise_text(raw)
        if not text:
            continue
        if idx == h.indicator_col:
            row.indicator = clean_indicator(row.indicator + text)
        elif idx == h.cols.get("explanation"):
            row.explanation = (row.explanation or "") + text
        elif idx == h.target_col and not row.actual:
            row.target = (row.target or "") + text
        else:
            row.description = (row.description or "") + text




def _comparator(text: str | None) -> str | None:
    """A 指标性质 column that holds only a comparator ("≧", "≤", "=") is the comparator column."""
    t = normalise_text(text)
    return t if t and re.fullmatch(r"[<>=≤≥≧≦＜＞]{1,2}", t) else None
