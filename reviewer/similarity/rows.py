"""A uniform view of the rows and projects compared: under review, or from the corpus."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from reviewer.corpus import match_key
from reviewer.model import IndicatorRow, Project
from reviewer.similarity.rules import STANDARD_INDICATOR


@dataclass(eq=False)
class Proj:
    """A project compared: under review or from the corpus."""

    ref: tuple
    doc: tuple
    file: str
    scope: str  # 本报告 / 本次审阅的其他报告 / 历史报告库 (relative to the row being judged)
    name: str
    name_key: str
    profile: str
    department: bool
    year: int | None = None
    rows: list[Row] = field(default_factory=list)
    model: Project | None = None
    cid: int = -1  # content id: projects with the same rows share it (see Run.content_id)
    label: str = ""  # name and table title: what differs between renamed copies of a table
    about: str = ""  # purpose and achievements


@dataclass(eq=False)
class Row:
    """An indicator row compared, with the keys the checks match on."""

    ref: tuple
    proj: Proj
    indicator: str
    ikey: str
    target: str | None
    actual: str | None
    explanation: str | None
    level2: str | None
    description: str | None = None
    model: IndicatorRow | None = None
    i: int = -1  # position in Run.rows (review rows only)
    idx: int = field(init=False)  # position in its project
    tkey: str = field(init=False)
    text: str = field(init=False)  # the indicator plus its 指标说明 when that says more
    standard: bool = field(init=False)

    def __post_init__(self) -> None:
        self.idx = len(self.proj.rows)
        self.tkey = match_key(self.target)
        extra = self.description if self.description and match_key(self.description) != self.ikey else ""
        self.text = self.indicator + ("；" + extra if extra else "")
        self.standard = bool(STANDARD_INDICATOR.search(self.ikey)) or (
            self.model is not None and "满意" in (self.model.level1 or ""))


@lru_cache(maxsize=4096)
def file_name(path: str) -> str:
    """The file name of a path (cached: evidence names files often)."""
    return Path(path).name


def scope_of(row_doc: tuple, other: Proj) -> str:
    """Where `other` sits relative to a row's report: 本报告, 本次审阅的其他报告 or 历史报告库."""
    if other.doc[0] == "c":
        return "历史报告库"
    return "本报告" if other.doc == row_doc else "本次审阅的其他报告"


def evidence_of(row_doc: tuple, r: Row, sim: float | None = None, lexical: float | None = None) -> dict[str, Any]:
    """A neighbour row as evidence: scope, file, project, year, indicator, target, similarities."""
    ev: dict[str, Any] = {"scope": scope_of(row_doc, r.proj), "source": file_name(r.proj.file),
                          "project": r.proj.name, "indicator": r.indicator, "target": r.target}
    if r.proj.year:
        ev["year"] = r.proj.year
    if r.proj.model is not None:  # a row under review: let the UI link to it
        ev["project_id"] = r.proj.model.id
    if r.model is not None:
        ev["row_id"], ev["where"] = r.model.id, r.model.where
    if sim is not None:  # cosine of the embeddings; rows compared only as text have none
        ev["similarity"] = round(float(sim), 3)
    if lexical is not None:
        ev["lexical"] = round(lexical / 100, 3)
    return ev
