"""The reader's state while it walks a document's blocks, and starting a new project."""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewer.model import DroppedRow, IndicatorRow, Project, TableParse
from reviewer.tables.header import Header
from reviewer.values import normalise_text
from reviewer.vocab.headers import get


def strip_title(text: str) -> str:
    """A project name from a table title: "劳务派遣项目支出绩效自评表" → "劳务派遣"."""
    return get().title_suffix.sub("", text)


@dataclass
class State:
    doc_title: str | None = None
    year: int | None = None
    projects: list[Project] = field(default_factory=list)
    reports: dict[int, TableParse] = field(default_factory=dict)  # id(project) → its parse report
    pending_title: str | None = None
    pending_label: str | None = None  # an identity label whose value is the next paragraph
    current: Project | None = None
    header: Header | None = None
    header_row: int = -1  # index of the header row in the current grid
    carry: dict[str, str | None] = field(default_factory=dict)
    last_row: IndicatorRow | None = None
    funding_cols: dict[str, int] | None = None
    funding_width: int = 0
    expect_purpose: bool = False
    table_start: int = 0  # index in current.rows where the current header's rows begin
    near_miss: tuple[list[str], list[str]] | None = None  # a header row without an indicator column

    def report(self, p: Project) -> TableParse:
        if id(p) not in self.reports:
            self.reports[id(p)] = TableParse(table=p.name, where=p.where or "")
        return self.reports[id(p)]

    def drop(self, where: str, cells: list[str], reason: str) -> None:
        if self.current is not None:
            text = " | ".join(normalise_text(c) for c in cells if normalise_text(c))[:120]
            self.report(self.current).dropped.append(DroppedRow(where=where, text=text, reason=reason))


def new_project(st: State, name: str | None, where: str) -> Project:
    title = st.pending_title
    if not name and title:
        name = strip_title(title).strip() or title
    p = Project(id="", name=name or f"表格（{where}）", title=title, where=where)
    st.projects.append(p)
    st.current = p
    st.pending_title = None
    st.header = None
    st.carry = {}
    st.last_row = None
    st.funding_cols = None
    return p


