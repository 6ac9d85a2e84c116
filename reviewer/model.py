"""Pydantic models: the only things passed between the stages of the pipeline.

Money, weights and scores are Decimals inside the program (compared with tolerances, never
as floats) and are written as JSON numbers. Fields marked ``exclude=True`` travel between
stages but stay out of the public JSON contract of DESIGN.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

# A progress callback: (fraction done 0–1, Chinese message). Long stages call it; the CLI and UI draw it.
Progress = Callable[[float, str], None]

Num = Annotated[
    Decimal,
    PlainSerializer(lambda d: int(d) if d == d.to_integral_value() and abs(d) < 10**15 else float(d),
                    return_type=float | int, when_used="json"),
]

Severity = Literal["error", "warning", "info"]
DocKind = Literal["project_selfeval", "department_selfeval", "targets", "narrative"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


# ---------------------------------------------------------------- reader output


class Cell(_Model):
    """One cell of a table as read from the file, merged cells already expanded."""

    text: str = ""
    where: str = ""  # "line 17", "Sheet1!B4", "table 2 r3c4", "page 2"
    merged: bool = False  # True when this cell is a copy of a merged/spanning cell
    # On a copy: (rows up, columns left) to the merge's origin; (0, k) is a horizontal copy.
    origin_offset: tuple[int, int] | None = Field(default=None, exclude=True)


class Grid(_Model):
    """A table: rows of cells, plus where it sits in the source."""

    kind: Literal["grid"] = "grid"
    rows: list[list[Cell]]
    where: str = ""
    sheet: str | None = None  # sheet name (xlsx) — a fallback project title


class Paragraph(_Model):
    """A run of text between tables (titles, headings, narrative)."""

    kind: Literal["paragraph"] = "paragraph"
    text: str
    where: str = ""


Block = Annotated[Grid | Paragraph, Field(discriminator="kind")]


class RawDocument(_Model):
    """What a reader returns: the blocks of a file in reading order."""

    source: str
    format: Literal["text", "docx", "xlsx", "pdf"]
    blocks: list[Block]


# ---------------------------------------------------------------- interpreted tables


class Budget(_Model):
    initial: Num | None = None
    full: Num | None = None
    spent: Num | None = None
    rate: Num | None = None  # as a fraction: 0.9422
    weight: Num | None = None
    score: Num | None = None
    where: str | None = Field(default=None, exclude=True)
    rate_text: str | None = Field(default=None, exclude=True)  # the cell as written ("93.3%")


class Total(_Model):
    weight: Num | None = None
    score: Num | None = None
    where: str | None = Field(default=None, exclude=True)


class IndicatorRow(_Model):
    id: str
    goal: str | None = None
    level1: str | None = None
    level2: str | None = None
    indicator: str
    target: str | None = None
    actual: str | None = None
    weight: Num | None = None
    score: Num | None = None
    explanation: str | None = None
    where: str = ""
    # Outside the JSON contract: extra columns some templates carry.
    description: str | None = Field(default=None, exclude=True)  # 绩效指标描述 / 指标说明
    basis: str | None = Field(default=None, exclude=True)  # 指标值确定依据 (target tables)
    comparator: str | None = Field(default=None, exclude=True)  # a 计算符号/指标性质 column ("≥")
    unit: str | None = Field(default=None, exclude=True)  # a 度量单位 column ("人")
    weight_text: str | None = Field(default=None, exclude=True)
    score_text: str | None = Field(default=None, exclude=True)


class Project(_Model):
    id: str
    name: str
    department: str | None = None
    unit: str | None = None
    budget: Budget | None = None
    total: Total | None = None
    rows: list[IndicatorRow] = []
    # Outside the JSON contract, used by checks, similarity and drafting.
    title: str | None = Field(default=None, exclude=True)  # the table's own title line
    purpose: str | None = Field(default=None, exclude=True)  # 年度总体目标 / 预期目标 / 绩效目标
    achieved: str | None = Field(default=None, exclude=True)  # 实际完成情况
    period: str | None = Field(default=None, exclude=True)  # 建设周期 / 项目期 as written
    level1_weights: dict[str, Num] = Field(default_factory=dict, exclude=True)  # "产出指标 50分"
    where: str | None = Field(default=None, exclude=True)


class DroppedRow(_Model):
    where: str
    text: str
    reason: str  # Chinese, for the reviewer


class TableParse(_Model):
    """How one table was read: the parse report a reviewer checks before trusting the rows."""

    project_id: str | None = None
    table: str  # the project or table it belongs to
    where: str = ""
    columns: dict[str, str] = {}  # header text → role
    unrecognised: list[str] = []  # header cells no role knows
    inferred: dict[str, str] = {}  # role → why it was inferred without a header word
    missing: list[str] = []  # roles a check needs that this table has no column for
    rows: int = 0
    dropped: list[DroppedRow] = []


class Finding(_Model):
    id: str
    code: str
    severity: Severity
    project_id: str | None = None
    row_id: str | None = None
    message: str
    evidence: dict[str, Any] = {}


class CoverageEntry(_Model):
    checked: int = 0
    skipped: dict[str, int] = {}


class Draft(_Model):
    project_id: str
    row_id: str | None = None
    kind: Literal["explanation", "critique"]
    text: str
    source: Literal["llm", "offline"]
    grounded: bool = True
    ungrounded: list[str] = []
    status: Literal["ok", "rejected"] = "ok"
    rejected_text: str | None = None
    finding_id: str | None = None
    unverified_cause: bool = False  # the LLM named a cause absent from the material (待核实)


class Document(_Model):
    source: str
    title: str | None = None
    year: int | None = None
    kind: DocKind
    projects: list[Project] = []
    findings: list[Finding] = []
    coverage: dict[str, CoverageEntry] = {}
    drafts: list[Draft] | None = None
    parse: list[TableParse] = []
    paragraphs: list[Paragraph] = Field(default_factory=list, exclude=True)  # narrative text


class ReviewError(_Model):
    source: str
    message: str  # one line, reviewer-facing


class ReviewResult(_Model):
    documents: list[Document] = []
    errors: list[ReviewError] = Field(default_factory=list, exclude=True)
    llm_calls: int = Field(default=0, exclude=True)
    llm_cache_hits: int = Field(default=0, exclude=True)
    llm_unused: str | None = Field(default=None, exclude=True)  # why drafts fell back to offline

    def to_contract(self) -> dict[str, Any]:
        """The `reviewer review --format json` object of DESIGN.md."""
        docs = []
        for d in self.documents:
            dumped = d.model_dump(mode="json", exclude_none=False)
            if d.drafts is None:
                dumped.pop("drafts", None)
            docs.append(dumped)
        return {"schema": "reviewer.review/1", "documents": docs}


def critiques_for(drafts: Iterable[Draft], finding_id: str, row_id: str | None) -> list[Draft]:
    """The usable critiques of one finding: the one drafted for it, else its row's unattributed ones.

    A critique without a finding id (drafted before findings were numbered) still belongs to its row.
    """
    ok = [d for d in drafts if d.kind == "critique" and d.status == "ok"]
    exact = [d for d in ok if d.finding_id == finding_id]
    return exact or [d for d in ok if not d.finding_id and d.row_id == row_id]
