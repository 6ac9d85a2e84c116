"""What one draft is about: the jobs to draft (rows with deviations, one critique per finding) and the
report text each may draw on — figures, related paragraphs, finding evidence — which grounding checks against."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from reviewer.draft.figures import Figures, compute_figures
from reviewer.draft.grounding import Sources
from reviewer.draft.postcheck import (
    CAUSE_MARKER,
    content_bigrams,
    sentences,
)
from reviewer.model import Document, Finding, IndicatorRow, Project
from reviewer.text import computed as num
from reviewer.text import number

# Rows that get an explanation draft (the rest only on request, with --row).
DRAFT_CODES = {"UNEXPLAINED_DEVIATION", "UNEXPLAINED_DEDUCTION", "BOILERPLATE_EXPLANATION", "FULL_SCORE_ON_SHORTFALL"}


# Codes whose critique is about a project or the report, not a row.
PROJECT_CODES = {"INCONSISTENT_FIGURES", "ARITHMETIC_ERROR", "DUPLICATE_INDICATOR_SET", "EXACT_THRESHOLD_PATTERN"}


_LIST_MARKER = r"^\s*(?:[(（]?\d{1,2}[)）.、．]|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])\s*"


@dataclass
class Job:
    """One draft to make: an explanation for a row, or a critique for a finding."""

    kind: Literal["explanation", "critique"]
    doc: Document
    project: Project
    row: IndicatorRow | None
    finding: Finding | None = None
    findings: list[Finding] = field(default_factory=list)  # every finding on the row
    figures: Figures = field(default_factory=Figures)
    sources: Sources | None = None
    material: str = ""  # text beyond the row and project that bears on it (cause candidates)
    everything: str = ""  # all report text for this job, for the cause check
    offline: str = ""
    show_project: bool = False
    suffix: str = ""


def squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def make_jobs(doc: Document, project_ids: set[str] | None, row_id: str | None) -> list[Job]:
    by_row: dict[str, list[Finding]] = defaultdict(list)
    for f in doc.findings:
        if f.row_id:
            by_row[f.row_id].append(f)
    jobs: list[Job] = []
    for project in doc.projects:
        if project_ids is not None and project.id not in project_ids:
            continue
        if row_id is None:
            for f in doc.findings:
                if f.project_id == project.id and f.row_id is None:
                    jobs.append(Job("critique", doc, project, None, finding=f))
        for row in project.rows:
            if row_id is not None and row.id != row_id:
                continue
            found = by_row.get(row.id, [])
            if row_id is not None or any(f.code in DRAFT_CODES for f in found):
                jobs.append(Job("explanation", doc, project, row, findings=found))
            for f in found:
                jobs.append(Job("critique", doc, project, row, finding=f, findings=found))
    if row_id is None and project_ids is None:  # findings about the report as a whole
        for f in doc.findings:
            if f.project_id is None and f.row_id is None and doc.projects:
                jobs.append(Job("critique", doc, doc.projects[0], None, finding=f))
    return jobs


def prepare(job: Job) -> None:
    """Figures, material and grounding sources for a job."""
    doc, project, row = job.doc, job.project, job.row
    job.show_project = len(doc.projects) > 1
    if row is not None:
        job.figures = compute_figures(row)
        job.material = _related_material(doc, project, row)
    texts = list(_project_texts(doc, project))
    if row is not None:
        texts += _row_texts(row)
    texts.append(job.material)
    texts += job.figures.source_lines()
    for f in job.findings if job.kind == "explanation" else [job.finding] if job.finding else []:
        texts += [f.message, *evidence_lines(f.evidence)]
    job.sources = Sources(texts)
    job.everything = "\n".join(t for t in texts if t)


def _project_texts(doc: Document, project: Project) -> Iterable[str]:
    if doc.year:
        yield f"{doc.year}年度"
    yield from (t for t in (doc.title, project.name, project.title, project.department, project.unit,
                            project.purpose, project.achieved) if t)
    for part in (project.budget, project.total):
        if part is None:
            continue
        for name, value in part:
            if value is None or name in {"where"}:
                continue
            if name == "rate" and not isinstance(value, str):
                yield f"执行率{num(value * 100)}%"
            elif part is project.budget and name in {"initial", "full", "spent"}:
                yield f"{value}万元"  # the funding table is in 万元: "139.04万元" is the report's own figure
            yield str(value)


def _row_texts(row: IndicatorRow) -> list[str]:
    texts = [row.goal, row.level1, row.level2, row.indicator, row.target, row.actual, row.explanation,
             row.description, row.basis, row.weight_text, row.score_text]
    texts += [f"{number(row.weight)}分" if row.weight is not None else None,
              f"{number(row.score)}分" if row.score is not None else None]
    return [t for t in texts if t]


def evidence_lines(evidence: dict[str, Any], limit: int = 12) -> list[str]:
    out: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if len(out) >= limit:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}{k}.", v)
        elif isinstance(value, (list, tuple)):
            for v in value[:5]:
                walk(prefix, v)
        elif value is not None:
            out.append(f"{prefix.rstrip('.')}: {str(value)[:300]}")

    walk("", evidence or {})
    return out


def _joined(paragraphs: Iterable[str]) -> str:
    """Paragraphs as one text; a paragraph without closing punctuation runs on into the next
    (text exports break sentences at page and line ends)."""
    out, last = "", ""
    for text in paragraphs:
        text = text.strip()
        if not text:
            continue
        runs_on = (len(last) > 20 and not re.search(r"[。！？!?；;：:]$", last)
                   and not re.match(_LIST_MARKER, text))
        out += text if runs_on else "\n" + text
        last = text
    return out.strip()


def _related_material(doc: Document, project: Project, row: IndicatorRow) -> str:
    """Sentences elsewhere in the report that give a cause and name this indicator's key words."""
    keys = content_bigrams(row.indicator)
    if not keys:
        return ""
    pool = [project.achieved, project.purpose, _joined(p.text for p in doc.paragraphs)]
    found: list[str] = []
    for text in pool:
        for s in sentences(text or ""):
            s = re.sub(_LIST_MARKER, "", s.strip()).strip()
            if CAUSE_MARKER.search(s) and len(keys & content_bigrams(s)) >= 2 and s not in found:
                found.append(s)
    return "".join(found)[:600]
