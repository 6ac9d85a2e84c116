"""Blocks of a RawDocument → Projects: identity rows, funding, purpose, header, indicator rows.

The state walks the blocks in reading order. A project starts at an identity row (项目名称,
部门名称, 专项名称 …) or a table title; an indicator header sets the column map that every
following row is read by, until a 总分 row, a new title or a new header.
"""

from __future__ import annotations

import re

from reviewer.model import Cell, Grid, Paragraph, Project, TableParse, Total
from reviewer.tables import funding
from reviewer.tables.header import Header, detect_header, extend_wrapped_header, near_miss, refine_header
from reviewer.tables.indicators import indicator_row
from reviewer.tables.rows import is_goal, to_number
from reviewer.tables.state import State, new_project, strip_title
from reviewer.values import is_plain_number, normalise_text
from reviewer.vocab.headers import get, is_title, norm

CAPTION = re.compile(r"^表\d+([-－—]\d+)?")  # "表 3-2 各项指标得分情况表"
YEAR_LINE = re.compile(r"^[（(]?\s*((?:19|20)\d{2})\s*年度?\s*[)）]?$")


# ------------------------------------------------------------------ paragraphs


def paragraph(st: State, block: Paragraph) -> None:
    text = normalise_text(block.text).strip("#* ").strip()
    if not text:
        return
    if st.pending_label is not None:
        # "项目名称" on one line and its value on the next (a form printed one cell per line).
        label, st.pending_label = st.pending_label, None
        handle_row(st, [label, text], block.where, Grid(rows=[], where=block.where), 0)
        return
    v = get()
    if st.header is None and len(text) <= 12 and any(v.label(k, text) for k in ("project", "department", "parent", "unit")):
        st.pending_label = text
        return
    m = YEAR_LINE.match(text.replace(" ", "")) or re.match(r"^((?:19|20)\d{2})\s*年度\s*[)）]$", text)
    if m:
        st.year = st.year or int(m.group(1))
        return
    compact = text.replace(" ", "")
    if st.doc_title is None and len(compact) <= 60 and re.search(r"自评|绩效|报告", compact):
        st.doc_title = text
        ym = re.search(r"((?:19|20)\d{2})年度?", compact)
        if ym:
            st.year = int(ym.group(1))
    if CAPTION.match(compact) and len(compact) <= 60:
        st.pending_title = compact
        st.header = None
        st.current = None
        return
    if is_title(compact):
        st.pending_title = re.sub(r"^\d+[.、．]\s*", "", compact)
        st.header = None  # a titled table is a new table


# ------------------------------------------------------------------ projects


def label_value(cells: list[str], kind: str) -> str | None:
    """The text after the first cell that is a label of this kind, skipping other labels."""
    v = get()
    for i, c in enumerate(cells):
        if norm(c) and v.label(kind, c):
            for nxt in cells[i + 1:]:
                t = normalise_text(nxt).strip()
                if t and not any(v.label(k, nxt) for k in ("project", "parent", "unit", "department")) \
                        and not v.label("period", nxt) \
                        and norm(nxt) not in {"项目编码", "部门编码", "项目负责人", "自评得分", "项目分类"}:
                    return t
            return None
    return None


def _has_identity(grid: Grid) -> bool:
    v = get()
    return any(v.label("project", c.text) or v.label("department", c.text)
               for row in grid.rows[:6] for c in row[:3] if norm(c.text))


def cell_text(c: Cell) -> str:
    """The text a row contributes: copies of a merged cell in the same row (a label spanning
    two columns) and copies of a table's section label down its first column are empty."""
    if not c.merged:
        return c.text
    if c.origin_offset is not None and c.origin_offset[0] == 0:
        return ""
    if get().label("section", c.text):
        return ""
    return c.text


def indicator_grid(st: State, grid: Grid) -> None:
    # A titled grid without an identity row is its own project (a list of target tables);
    # an untitled one continues the current project (a table broken across pages).
    if st.pending_title and not _has_identity(grid):
        new_project(st, None, grid.where)
    elif st.current is None and not _has_identity(grid):
        new_project(st, grid.sheet, grid.where)
    for n, row in enumerate(grid.rows):
        cells = [cell_text(c) for c in row]
        if row and all(c.merged for c in row if c.text.strip()) and any(c.text.strip() for c in row) \
                and st.header is not None and not any(c.origin_offset is None for c in row if c.text.strip()):
            continue  # a spacer row inside merged blocks: nothing of its own
        where = next((c.where for c in row if c.text.strip() and not c.merged), row[0].where if row else grid.where)
        handle_row(st, cells, where, grid, n)


def _identity(st: State, cells: list[str], first: str, where: str, grid: Grid) -> bool:
    v = get()
    if st.header is None and not v.label("project", first) and not v.label("department", first):
        # "部门编码: | 316 | 部门名称: | 浮梁县林业局": the identity label need not come first.
        first = next((norm(c) for c in cells if norm(c) and (v.label("project", c) or v.label("department", c))), first)
    if v.label("project", first):
        name = label_value(cells, "project")
        if name:
            name = strip_title(norm(name)) or norm(name)
        p = st.current
        if p is not None and not p.rows and p.budget is None and (
                p.name.startswith("表格") or (p.title and st.pending_title is None
                                              and p.name == strip_title(norm(p.title)))):
            p.name = name or p.name
        else:
            new_project(st, name, where)
        return True
    if v.label("department", first):
        name = label_value(cells, "department")
        p = st.current
        if p is not None and not p.rows and p.budget is None and p.name.startswith("表格") is False \
                and p.department is None and p.title and st.pending_title is None:
            p.name, p.department = name or p.name, name
            return True
        p = new_project(st, name, where)
        p.department = name
        return True
    return False


def handle_row(st: State, cells: list[str], where: str, grid: Grid, n: int) -> None:
    nonempty = [c for c in cells if normalise_text(c)]
    if not nonempty:
        return
    first = norm(nonempty[0])
    if _identity(st, cells, first, where, grid):
        return
    if st.current is None:
        header = detect_header(cells, where)
        if header is None and st.near_miss is None:
            st.near_miss = near_miss(cells)
        if header is None and funding.funding_header(cells) is None and not funding.label_pairs(cells, where):
            return
        new_project(st, grid.sheet or None, where)
    p = st.current
    assert p is not None
    v = get()
    if st.header is None and any(v.label("period", c) for c in nonempty):
        p.period = p.period or label_value(cells, "period")
    if st.header is None and any(v.label("parent", c) or v.label("unit", c) for c in nonempty):
        dept, unit = label_value(cells, "parent"), label_value(cells, "unit")
        p.department = p.department or dept
        p.unit = p.unit or unit
        if not any(funding.label_pairs([c], where) for c in nonempty):
            return
    if st.header is None and _funding(st, p, cells, where):
        return
    if st.header is None and _purpose(st, p, cells, nonempty, first):
        return
    header = detect_header(cells, where)
    if header is None and st.header is None and st.near_miss is None:
        st.near_miss = near_miss(cells)
    if header is not None:
        if st.header is not None and header.cols == st.header.cols:
            st.header_row = n  # the header repeated at a page break: the table goes on
            return
        _start_table(st, p, header, n)
        return
    if st.header is None:
        _text_before_table(st, p, nonempty, first)
        return
    if n == st.header_row + 1 and extend_wrapped_header(st.header, cells):
        st.header_row = n  # the header may wrap onto one more line
        st.report(p).columns = st.header.recognised()
        return
    if n == st.header_row + 1 and refine_header(st.header, cells):
        st.report(p).columns = st.header.recognised()
        return
    if any(v.label("footer", c) for c in nonempty):
        st.header, st.last_row = None, None  # signatures and contacts close the table
        return
    if v.label("total", first.rstrip("：:")):
        nums = [to_number(c) for c in nonempty[1:] if to_number(c) is not None]
        p.total = Total(weight=nums[0] if nums else None, score=nums[1] if len(nums) > 1 else None, where=where)
        st.header, st.last_row = None, None  # what follows a 总分 row is no longer the table
        return
    indicator_row(st, cells, where)


def _text_before_table(st: State, p: Project, nonempty: list[str], first: str) -> None:
    """Free text above the indicator header: the project's purpose (年度目标) and what it achieved."""
    if st.expect_purpose:
        texts = [normalise_text(c) for c in nonempty if len(norm(c)) >= 6 and not is_plain_number(c)
                 and not is_goal(c) and not get().label("purpose_header", c)]
        if texts:
            add_purpose(p, texts[0])
            if len(texts) > 1 and texts[-1] != texts[0]:
                p.achieved = ((p.achieved + "；") if p.achieved else "") + texts[-1]
    elif first.startswith("本项目") or (len(nonempty) == 1 and len(first) > 20 and p.budget is not None):
        add_purpose(p, normalise_text(nonempty[0]))


def _funding(st: State, p: Project, cells: list[str], where: str) -> bool:
    cols = funding.funding_header(cells)
    if cols is not None and p.budget is None:
        st.funding_cols, st.funding_width = cols, len(cells)
        return True
    if st.funding_cols is not None and p.budget is None:
        if funding.is_detail_row(cells):
            return True
        b = funding.read_totals(st.funding_cols, cells, st.funding_width, where) \
            or funding.read_anchored(st.funding_cols, cells, where) \
            or funding.read_by_order(list(st.funding_cols), cells, where)
        if b is not None:
            p.budget = b
            return True
    elif st.funding_cols is not None and (funding.is_detail_row(cells) or funding.is_totals_row(cells)):
        return True
    if p.budget is None:
        b = funding.label_pairs(cells, where)
        if b is not None:
            p.budget = b
            return True
    return False


def _purpose(st: State, p: Project, cells: list[str], nonempty: list[str], first: str) -> bool:
    v = get()
    if not v.label("purpose", first) or detect_header(cells, ""):
        return False
    rest = [normalise_text(c) for c in nonempty[1:] if not v.label("purpose_header", c)]
    if rest and len(norm(rest[0])) >= 6:
        add_purpose(p, rest[0])
        if len(rest) > 1 and rest[-1] != rest[0]:
            p.achieved = ((p.achieved + "；") if p.achieved else "") + rest[-1]
        st.expect_purpose = first in {"绩效目标"}
    else:
        st.expect_purpose = True
    return True


def _start_table(st: State, p: Project, header: Header, n: int) -> None:
    st.header, st.header_row = header, n
    st.expect_purpose = False
    st.table_start = len(p.rows)
    st.carry = {}
    st.last_row = None
    if "activity_code" in header.cols and p.name.startswith("表格"):
        p.name = "部门活动绩效指标"
    rep = st.report(p)
    rep.where = rep.where or header.where
    rep.columns = header.recognised()
    rep.unrecognised = [t for t in header.unknown.values() if t not in rep.unrecognised]
    rep.inferred = dict(header.inferred)


def add_purpose(p: Project, text: str) -> None:
    text = text.strip().lstrip(":：").strip()
    if text and text not in (p.purpose or ""):
        p.purpose = (p.purpose + "；" if p.purpose else "") + text


def finish(st: State, projects: list[Project]) -> list[TableParse]:
    """Parse reports in project order, with the roles each table lacks."""
    out = []
    for p in projects:
        rep = st.reports.get(id(p))
        if rep is None:
            continue
        rep.project_id, rep.table, rep.rows = p.id, p.name, len(p.rows)
        roles = set(rep.columns.values())
        rep.missing = [r for r in ("target", "actual", "weight", "score") if r not in roles and p.rows]
        out.append(rep)
    return out

