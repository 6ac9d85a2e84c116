"""Grids → Projects and IndicatorRows, with a parse report per table.

Stages inside: the header names each column's role (vocabulary in reviewer/vocab/headers.toml);
every row is read by that column map (rows.py), by content only when it does not fit; the
funding block is read by its own header (funding.py); special kinds of document have named
layouts (layouts.py). ``interpret`` is the entry point.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from reviewer.errors import InputError
from reviewer.model import Document, Grid, Paragraph, Project, RawDocument
from reviewer.tables.interpret import finish, indicator_grid, paragraph
from reviewer.tables.layouts import is_project_list, read_project_list
from reviewer.tables.state import State
from reviewer.values import normalise_text, years_in
from reviewer.vocab.headers import norm

__all__ = ["interpret", "norm", "parse_path"]


def parse_path(path: str | Path) -> Document:
    """Read and interpret one file: projects and rows, no findings yet. Raises InputError."""
    from reviewer.read import read_path

    return interpret(read_path(path))


def interpret(raw: RawDocument) -> Document:
    """Turn a RawDocument into a Document with projects, rows, kind, title, year and parse report."""
    st = State()
    paragraphs: list[Paragraph] = []
    for block in raw.blocks:
        if isinstance(block, Paragraph):
            paragraphs.append(block)
            paragraph(st, block)
        elif is_project_list(block):
            st.projects.extend(read_project_list(block))
            st.current = None
        else:
            indicator_grid(st, block)
    projects = [p for p in st.projects if p.rows or p.budget or p.total]
    for n, p in enumerate(projects, 1):
        p.id = f"p{n}"
        for m, r in enumerate(p.rows, 1):
            r.id = f"{p.id}.r{m}"
    if not projects:
        raise InputError(_nothing_found(st), raw.source)
    parse = finish(st, projects)
    # A 完成值 or 得分 column makes a self-evaluation, even when its actuals are blank or unread.
    actual_column = any({"actual", "score"} & set(rep.columns.values()) for rep in parse)
    return Document(source=raw.source, title=st.doc_title or _first_title(paragraphs),
                    year=st.year or _majority_year(paragraphs), kind=_kind(projects, actual_column),
                    projects=projects, paragraphs=paragraphs, parse=parse)


def _nothing_found(st: State) -> str:
    unknown = [t for rep in st.reports.values() for t in rep.unrecognised]
    if unknown:
        return f"未找到可读取的绩效指标行（未识别的列：{'、'.join(unknown[:5])}）"
    if st.near_miss is not None:
        from reviewer import vocab

        names = vocab.load("headers")["role_names"]
        roles, cells = st.near_miss
        known = "、".join(names.get(r, r) for r in roles)
        extra = f"，未识别的列：{'、'.join(cells[:5])}" if cells else ""
        return f"找到表头（{known}）但没有三级指标/指标名称列{extra}"
    return "未找到绩效指标表（需要含“三级指标/指标名称”和“指标值/完成值/分值/得分”等表头的表格）"


def _first_title(paragraphs: list[Paragraph]) -> str | None:
    for p in paragraphs[:15]:
        t = p.text.strip("# ").strip()
        if t and len(t) <= 80 and re.search(r"自评|报告|绩效|目标", t):
            return t
    return paragraphs[0].text.strip("# ")[:80] if paragraphs else None


def _majority_year(paragraphs: list[Paragraph]) -> int | None:
    for p in paragraphs[:20]:
        m = re.search(r"((?:19|20)\d{2})\s*年度", normalise_text(p.text))
        if m:
            return int(m.group(1))
    counts: Counter[int] = Counter()
    for p in paragraphs[:40]:
        counts.update(years_in(p.text))
    return counts.most_common(1)[0][0] if counts else None


def _kind(projects: list[Project], actual_column: bool) -> str:
    rows = [r for p in projects for r in p.rows]
    if not rows:
        return "narrative"
    if not actual_column and not any(r.actual not in (None, "") for r in rows):
        return "targets"  # a self-evaluation with its 完成值 column left blank is not a targets table
    dept = sum(1 for p in projects if p.department and p.name == p.department and p.rows)
    if dept or any(re.search(r"整体", p.title or "") for p in projects):
        return "department_selfeval"
    return "project_selfeval"


_ = Grid  # re-exported type for readers of this package
