"""Drafts of 偏差原因分析 (explanations) and 审核意见 (critiques): the LLM when an endpoint is
configured, the offline drafter otherwise or whenever the LLM's text cannot be trusted.

What a draft in ``reviewer.drafts/1`` means:
- ``text`` is always the suggestion shown to a person, and ``source`` says who wrote it.
  A text that failed a check is never put in ``text``.
- ``status: "ok"``: ``text`` is the LLM's reply that passed every check (source "llm"), or
  the offline draft because no LLM was used or the endpoint failed (source "offline").
- ``status: "rejected"``: the LLM replied, was asked once more with the reason, and still
  invented a figure, followed an instruction planted in the report, wrote a text that could
  sit under any row, or replied in an unusable shape. ``text`` is the offline draft (source "offline"); ``rejected_text`` keeps the LLM's
  last reply for audit only.
- ``grounded`` / ``ungrounded`` report the number check of the LLM reply when one was checked
  (on a rejected draft: the figures it invented, e.g. ["37.5%"]); for an offline draft they
  report the offline text itself, which is grounded by construction.
- ``unverified_cause`` (additive key): the LLM named a cause whose key words are absent from
  the row and project text; that sentence starts with 【待核实】 in ``text``.
- ``finding_id`` (additive key): the finding a critique answers; null on explanations.
The offline drafter never states a cause the material does not give: it quotes one from the
row or project text, or writes 【请补充原因】 with a hint of what to supply.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError, field_validator

from reviewer.checks.rules import load_rules
from reviewer.errors import InputError
from reviewer.figures import Figures, compute_figures
from reviewer.grounding import Sources, extract, ungrounded
from reviewer.model import Document, Draft, Finding, IndicatorRow, Project
from reviewer.postcheck import (
    CAUSE_MARKER,
    content_bigrams,
    injection_reason,
    mark_unverified_causes,
    prompt_text,
    sentences,
)
from reviewer.roles import contradicts, misplaced, role_sources
from reviewer.templates import render_inline
from reviewer.text import computed as num
from reviewer.text import is_empty_explanation, number
from reviewer.values import parse_value

# Rows that get an explanation draft (the rest only on request, with --row).
DRAFT_CODES = {"UNEXPLAINED_DEVIATION", "UNEXPLAINED_DEDUCTION", "BOILERPLATE_EXPLANATION", "FULL_SCORE_ON_SHORTFALL"}
# Codes whose critique is about a project or the report, not a row.
PROJECT_CODES = {"INCONSISTENT_FIGURES", "ARITHMETIC_ERROR", "DUPLICATE_INDICATOR_SET", "EXACT_THRESHOLD_PATTERN"}
_LIST_MARKER = r"^\s*(?:[(（]?\d{1,2}[)）.、．]|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])\s*"

_TYPES = [  # 二级指标 (or, failing that, the indicator text) → remedy family
    ("满意", "满意度"), ("数量", "数量"), ("质量", "质量"), ("时效", "时效"), ("成本", "成本"),
    ("经济效益", "经济效益"), ("社会效益", "社会效益"), ("生态效益", "生态效益"), ("可持续", "可持续影响"),
]
_NAME_TYPES = [
    (r"满意", "满意度"), (r"及时|时限|时间|期限|前完成|进度", "时效"),
    (r"成本|费用|经费|资金|补贴|补助|标准|元", "成本"), (r"率", "质量"),
]


@dataclass
class DraftStats:
    calls: int = 0
    cache_hits: int = 0
    unused: str | None = None  # why some or all drafts were written offline although an LLM was asked for


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


# ---------------------------------------------------------------------- entry points


def draft_for_documents(documents: list[Document], use_llm: bool, *, client=None) -> DraftStats:
    """Set ``doc.drafts`` on every document: explanations for flagged rows, a critique per finding."""
    client = client if client is not None else _client(use_llm)
    before = (client.calls, client.cache_hits) if client else (0, 0)
    for doc in documents:
        doc.drafts = draft_document(doc, client=client)
    if client is None:
        return DraftStats()
    return DraftStats(calls=client.calls - before[0], cache_hits=client.cache_hits - before[1],
                      unused=_unused_note(client, [d for doc in documents for d in doc.drafts or []]))


def _unused_note(client, drafts: list[Draft]) -> str | None:
    """One Chinese line when the endpoint failed and drafts fell back to the offline drafter."""
    fell_back = sum(1 for d in drafts if d.source == "offline" and d.status == "ok")
    if client.failure is None or not fell_back:
        return None
    return f"LLM 未被使用：{client.failure}；{fell_back} 条草稿已改用离线起草"


def draft_document(doc: Document, *, client=None, project_ids: set[str] | None = None,
                   row_id: str | None = None) -> list[Draft]:
    """Drafts for one document, optionally limited to some projects or to one row."""
    jobs = _jobs(doc, project_ids, row_id)
    for job in jobs:
        _prepare(job)
    _disambiguate(jobs)
    if client is None:
        return [_offline_draft(job) for job in jobs]
    system_prompt = client.system_prompt()
    with ThreadPoolExecutor(max_workers=client.concurrency) as pool:
        drafts = list(pool.map(lambda j: _llm_draft(j, client, system_prompt), jobs))
    return _reject_repeats(jobs, drafts)


def _reject_repeats(jobs: list[Job], drafts: list[Draft]) -> list[Draft]:
    """One LLM text under two rows (or two findings) fits neither: all copies go back to offline,
    the text kept for audit. A model that answers every row alike is caught here."""
    seen: dict[str, int] = defaultdict(int)
    for d in drafts:
        if d.source == "llm":
            seen[_squash(re.sub(r"[\W_]+", "", d.text))] += 1
    out = []
    for job, d in zip(jobs, drafts):
        if d.source == "llm" and seen[_squash(re.sub(r"[\W_]+", "", d.text))] > 1:
            d = _offline_draft(job, status="rejected", rejected_text=d.text, grounded=True, ungrounded=[])
        out.append(d)
    return out


def run_draft_command(path: Path, *, project: str | None, row: str | None, fmt: str, use_llm: bool,
                      stats: bool, use_corpus: bool = True, corpus_dir: Path | None = None) -> None:
    """`reviewer draft`: parse, check, draft, print ``reviewer.drafts/1`` (or readable text)."""
    from reviewer.review import review_paths

    # The review pipeline with the same corpus choice as `reviewer review`: every critique's
    # finding_id is the id that command prints (rule findings keep theirs either way).
    result = review_paths([path], use_corpus=use_corpus, corpus_dir=corpus_dir, llm=False)
    if result.errors:
        raise InputError(result.errors[0].message, result.errors[0].source)
    doc = result.documents[0]
    project_ids = _match_projects(doc, project) if project else None
    row_id = _match_row(doc, row, project_ids) if row else None
    client = _client(use_llm)
    drafts = draft_document(doc, client=client, project_ids=project_ids, row_id=row_id)
    note = _unused_note(client, drafts) if client else None
    if note:
        print(note, file=sys.stderr)
    if stats:
        calls, hits = (client.calls, client.cache_hits) if client else (0, 0)
        print(f"llm_calls={calls} cache_hits={hits}", file=sys.stderr)
    if fmt == "text":
        print(_as_text(doc, drafts))
    else:
        payload = {"schema": "reviewer.drafts/1", "drafts": [d.model_dump(mode="json") for d in drafts]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))


def client_for(use_llm: bool):
    """The LLM client drafts are asked of, or None for the offline drafter (no endpoint configured)."""
    return _client(use_llm)


def _client(use_llm: bool):
    if not use_llm:
        return None
    from reviewer.llm import LLMClient

    return LLMClient.from_settings()


def _match_projects(doc: Document, wanted: str) -> set[str]:
    exact = {p.id for p in doc.projects if wanted in (p.id, p.name)}
    if exact:
        return exact
    partial = {p.id for p in doc.projects if wanted in p.name or wanted in (p.title or "")}
    if not partial:
        names = "、".join(p.name for p in doc.projects[:5])
        raise InputError(f"报告中没有项目“{wanted}”（可用项目名称或 p1 这样的编号；本报告的项目有：{names}）")
    return partial


def _match_row(doc: Document, wanted: str, project_ids: set[str] | None) -> str:
    rows = [r for p in doc.projects if project_ids is None or p.id in project_ids for r in p.rows]
    for r in rows:
        if r.id == wanted:
            return r.id
    named = [r for r in rows if _squash(r.indicator) == _squash(wanted)]
    if len(named) == 1:
        return named[0].id
    if len(named) > 1:
        raise InputError(f"有 {len(named)} 行指标名为“{wanted}”，请用行编号（如 {named[0].id}）指定")
    raise InputError(f"报告中没有指标行“{wanted}”（请用 reviewer review 输出中的行编号，如 p1.r3）")


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


# ---------------------------------------------------------------------- jobs


def _jobs(doc: Document, project_ids: set[str] | None, row_id: str | None) -> list[Job]:
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


def _prepare(job: Job) -> None:
    """Figures, material, grounding sources and the offline draft for a job."""
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
        texts += [f.message, *_evidence_lines(f.evidence)]
    job.sources = Sources(texts)
    job.everything = "\n".join(t for t in texts if t)
    job.offline = _render_offline(job)


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


def _evidence_lines(evidence: dict[str, Any], limit: int = 12) -> list[str]:
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


# ---------------------------------------------------------------------- offline drafter


def _type(row: IndicatorRow) -> str:
    # The indicator's own words win for the two types that are often filed under the wrong
    # 二级指标 (checklist: CATEGORY_MISMATCH), then the 二级指标, then the indicator's words.
    if "满意" in row.indicator:
        return "满意度"
    if re.search(r"执行率|结转|结余", row.indicator):
        return "执行率"
    level2 = row.level2 or ""
    for word, kind in _TYPES:
        if word in level2:
            return kind
    for pattern, kind in _NAME_TYPES:
        if re.search(pattern, row.indicator):
            return kind
    if "效益" in (row.level1 or ""):
        return "社会效益"
    return "数量"


def _direction(f: Figures) -> str:
    if f.status == "shortfall":
        return "short"
    if f.status == "over":
        return "over"
    if f.lost:
        return "deduct"
    return "met" if f.status == "met" else "short"


def _variant(project: Project, row: IndicatorRow | None) -> int:
    key = f"{project.name}|{row.indicator if row else ''}|{row.id if row else ''}"
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 3


def _find_cause(job: Job) -> tuple[str, str] | None:
    """A cause stated in the report for this row: (sentences, where they come from)."""
    row = job.row
    assert row is not None
    boiler = any(f.code == "BOILERPLATE_EXPLANATION" for f in job.findings)
    candidates: list[tuple[str, str | None]] = []
    if not boiler and not is_empty_explanation(row.explanation):
        candidates.append(("本行原有说明", row.explanation))
    candidates += [("指标说明", row.description), ("指标值确定依据", row.basis), ("报告中的说明", job.material)]
    names = (row.indicator, job.project.name)
    for label, text in candidates:
        picked = [s.strip() for s in sentences(text or "")
                  if CAUSE_MARKER.search(s) and injection_reason(s, names=names) is None]
        if picked:
            cause = "".join(picked)
            if len(cause) > 200:
                cause = picked[0][:200]
            if not re.search(r"[。！？!?]$", cause):
                cause = cause.rstrip("；;，,") + "。"
            return cause, label
    return None


def _hostile_cells(row: IndicatorRow | None) -> list[str]:
    """Cells that carry an instruction rather than report content; drafts do not repeat them."""
    if row is None:
        return []
    cells = {"target": row.target, "actual": row.actual, "explanation": row.explanation}
    hostile = [name for name, text in cells.items()
               if text and injection_reason(text, names=(row.indicator,), has_findings=True)]
    if injection_reason(row.indicator, has_findings=True):
        hostile.append("indicator")
    return hostile


def _shown_indicator(row: IndicatorRow | None, hostile: list[str]) -> str | None:
    """The indicator's name as a draft may quote it: not when the name itself is an instruction."""
    if row is None:
        return None
    return "本行指标（名称含指令性文字，已略去）" if "indicator" in hostile else row.indicator


def _render_offline(job: Job) -> str:
    row, f = job.row, job.figures
    hostile = _hostile_cells(row)
    if job.kind == "explanation":
        assert row is not None
        found = _find_cause(job)
        return render_inline(
            "offline/explanation.j2",
            year=job.doc.year, ind=_shown_indicator(row, hostile), project=job.project.name,
            show_project=job.show_project,
            f=f, type=_type(row), dir=_direction(f), cause=found[0] if found else None,
            cause_from=found[1] if found else None, variant=_variant(job.project, row),
            budget_rate=_budget_rate(job.project, row), hostile=hostile,
        ) + job.suffix
    finding = job.finding
    assert finding is not None
    code = finding.code if row is not None or finding.code in PROJECT_CODES else "OTHER"
    return render_inline(
        "offline/critique.j2",
        code=code, message=_sentence(finding.message), f=f, ind=_shown_indicator(row, hostile),
        project=job.project.name, explanation=(row.explanation or "").strip() if row else "",
        level2=row.level2 if row else None, year=job.doc.year, hostile=hostile,
    ) + job.suffix


def _budget_rate(project: Project, row: IndicatorRow) -> str | None:
    """The funding table's 执行率 when it contradicts the row's own (beyond half a point)."""
    b = project.budget
    if b is None or b.rate is None:
        return None
    actual = parse_value(row.actual)
    tolerance = load_rules().rate_tolerance * 100  # the checks' tolerance, in percentage points
    if actual.percent and actual.number is not None and abs(actual.number - b.rate * 100) <= tolerance:
        return None
    return f"{num(b.rate * 100)}%"


def _sentence(text: str) -> str:
    t = (text or "").strip()
    return t if not t or re.search(r"[。！？!?]$", t) else t + "。"


def _disambiguate(jobs: list[Job]) -> None:
    """Two rows must never get the same text: name the project, then the row's place."""
    for attempt in range(2):
        groups: dict[str, list[Job]] = defaultdict(list)
        for job in jobs:
            groups[job.offline].append(job)
        dupes = [g for g in groups.values() if len(g) > 1]
        if not dupes:
            return
        for group in dupes:
            for job in group:
                if attempt == 0:
                    job.show_project = True
                else:
                    where = re.search(r"\d+", job.row.where if job.row else "")
                    place = f"原表第{where.group(0)}行" if where else (job.row.id if job.row else job.project.id)
                    job.suffix = f"（{place}）"
                    job.sources = Sources([job.everything, place])
                job.offline = _render_offline(job)


def _offline_draft(job: Job, **extra: Any) -> Draft:
    missing = ungrounded(job.offline, job.sources) if job.sources else []
    fields: dict[str, Any] = {"grounded": not missing, "ungrounded": missing}
    fields.update(extra)
    return _draft(job, job.offline, "offline", **fields)


def _draft(job: Job, text: str, source: str, **fields: Any) -> Draft:
    return Draft(project_id=job.project.id, row_id=job.row.id if job.row else None, kind=job.kind,
                 text=text, source=source, finding_id=job.finding.id if job.finding else None, **fields)


# ---------------------------------------------------------------------- LLM drafting


class _Reply(BaseModel):
    """An LLM reply in the shape a draft needs: one paragraph of Chinese prose."""

    text: str

    @field_validator("text")
    @classmethod
    def _shape(cls, value: str) -> str:
        t = value.strip()
        t = re.sub(r"^```\w*\s*|\s*```$", "", t)
        t = re.sub(r"^(?:起草|审核意见|偏差原因分析及改进措施|偏差原因分析|回答|答)\s*[:：]\s*", "", t)
        t = t.strip()
        for left, right in (("“", "”"), ('"', '"'), ("「", "」")):
            if len(t) > 2 and t[0] == left and t[-1] == right and left not in t[1:-1] and right not in t[1:-1]:
                t = t[1:-1].strip()  # the whole reply wrapped in quotes
        t = "".join(line.strip() for line in t.splitlines())
        cjk = len(re.findall(r"[\u3400-\u9fff]", t))
        if len(t) < 8 or len(t) > 800 or cjk < 0.3 * len(t):
            raise ValueError("not a paragraph of Chinese prose")
        return t


def _llm_context(job: Job, retry: dict | None) -> tuple[str, dict[str, Any]]:
    row = job.row
    base = {"year": job.doc.year, "project": job.project, "row": row, "material": job.material,
            "figures": job.figures.source_lines(), "retry": retry}
    if job.kind == "explanation":
        assert row is not None
        return "explanation.j2", {**base, "type": _type(row), "dir": _direction(job.figures),
                                  "codes": sorted({f.code for f in job.findings})}
    finding = job.finding
    assert finding is not None
    return "critique.j2", {**base, "code": finding.code, "message": finding.message,
                           "evidence": _evidence_lines(finding.evidence)}


def _llm_draft(job: Job, client, system_prompt: str) -> Draft:
    """Ask, check, ask once more with the reason, else fall back to the offline draft."""
    from reviewer.llm import LLMError

    retry: dict | None = None
    last: tuple[str, list[str]] | None = None  # (refused text, its ungrounded figures)
    for _attempt in range(2):
        template, context = _llm_context(job, retry)
        try:
            reply = client.chat(template, **context)
            raw = reply.text
        except LLMError as err:
            if err.kind == "malformed" and retry is None:
                retry = _reason(malformed=True)
                continue
            break  # endpoint down or slow: no second try, the run goes on offline
        try:
            text = _Reply(text=raw).text
        except ValidationError:
            last, retry = (raw, []), _reason(malformed=True)
            continue
        missing = ungrounded(text, job.sources)
        wrong_role = misplaced(text, role_sources(job.row, job.project, job.figures)) if job.row else []
        injected = _obeys_report(text, job, system_prompt + "\n" + prompt_text(reply.prompt))
        generic = not _specific(text, job)
        swapped = job.row is not None and contradicts(text, job.figures)
        if not (missing or wrong_role or injected or generic or swapped):
            text, unverified = mark_unverified_causes(text, job.everything)
            return _draft(job, text, "llm", grounded=True, ungrounded=[], unverified_cause=unverified)
        bad = missing + [x for x in wrong_role if x not in missing]
        last, retry = (text, bad), _reason(ungrounded=missing, injection=injected, generic=generic,
                                           misplaced=wrong_role, swapped=swapped)
    if last is None:  # the endpoint never gave a reply: the offline draft, nothing to audit
        return _offline_draft(job)
    text, missing = last
    return _offline_draft(job, status="rejected", rejected_text=text, grounded=not missing, ungrounded=missing)


def _reason(*, malformed: bool = False, generic: bool = False, injection: bool = False,
            ungrounded: list[str] | None = None, misplaced: list[str] | None = None, swapped: bool = False) -> dict:
    """Why a reply was refused, as the retry note of the prompt templates expects it."""
    return {"malformed": malformed, "generic": generic, "injection": injection, "ungrounded": ungrounded or [],
            "misplaced": misplaced or [], "swapped": swapped}


def _obeys_report(text: str, job: Job, system_prompt: str) -> bool:
    row = job.row
    return injection_reason(
        text, system_prompt=system_prompt,
        names=(row.indicator, job.project.name) if row else (job.project.name,),
        quoted=(row.explanation or "", row.actual or "", row.target or "") if row else (),
        has_findings=bool(job.findings) or job.finding is not None,
        data=(job.everything,),
    ) is not None


def _specific(text: str, job: Job) -> bool:
    """A draft must be about its row: name the indicator or state its target or actual (a
    project-level critique: name the project or state a figure). A reply that could sit under
    any row is the boilerplate this tool exists to replace."""
    row = job.row
    flat = _squash(text)
    if row is None:
        return _squash(job.project.name) in flat or bool(extract(text))
    if _squash(row.indicator) in flat:
        return True
    return any(c and _squash(c) in flat for c in (job.figures.target, job.figures.actual) if len(_squash(c)) >= 2)


# ---------------------------------------------------------------------- text output


def _as_text(doc: Document, drafts: list[Draft]) -> str:
    rows = {r.id: r for p in doc.projects for r in p.rows}
    out = []
    for d in drafts:
        label = "偏差原因分析" if d.kind == "explanation" else "审核意见"
        where = rows[d.row_id].indicator if d.row_id in rows else d.project_id
        src = "LLM" if d.source == "llm" else "离线起草"
        note = "（LLM 稿未通过核验，已改用离线稿）" if d.status == "rejected" else ""
        out.append(f"[{d.row_id or d.project_id}] {where} · {label} · {src}{note}\n{d.text}\n")
    return "\n".join(out) if out else "没有需要起草的行。"
