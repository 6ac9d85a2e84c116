"""The offline drafter: a 偏差原因分析 or 审核意见 from the row's own figures and words, a cause only when the
report states one (else 【请补充原因】); also the fallback whenever an LLM reply cannot be trusted."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Any

from reviewer.checks.rules import load_rules
from reviewer.draft.context import PROJECT_CODES, Job
from reviewer.draft.figures import Figures
from reviewer.draft.grounding import Sources, ungrounded
from reviewer.draft.postcheck import (
    CAUSE_MARKER,
    injection_reason,
    sentences,
)
from reviewer.draft.templates import render_inline
from reviewer.model import Draft, IndicatorRow, Project
from reviewer.text import computed as num
from reviewer.text import is_empty_explanation
from reviewer.values import parse_value

_TYPES = [  # 二级指标 (or, failing that, the indicator text) → remedy family
    ("满意", "满意度"), ("数量", "数量"), ("质量", "质量"), ("时效", "时效"), ("成本", "成本"),
    ("经济效益", "经济效益"), ("社会效益", "社会效益"), ("生态效益", "生态效益"), ("可持续", "可持续影响"),
]


_NAME_TYPES = [
    (r"满意", "满意度"), (r"及时|时限|时间|期限|前完成|进度", "时效"),
    (r"成本|费用|经费|资金|补贴|补助|标准|元", "成本"), (r"率", "质量"),
]


def row_type(row: IndicatorRow) -> str:
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


def direction(f: Figures) -> str:
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


def render_offline(job: Job) -> str:
    row, f = job.row, job.figures
    hostile = _hostile_cells(row)
    if job.kind == "explanation":
        assert row is not None
        found = _find_cause(job)
        return render_inline(
            "offline/explanation.j2",
            year=job.doc.year, ind=_shown_indicator(row, hostile), project=job.project.name,
            show_project=job.show_project,
            f=f, type=row_type(row), dir=direction(f), cause=found[0] if found else None,
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


def offline_draft(job: Job, **extra: Any) -> Draft:
    missing = ungrounded(job.offline, job.sources) if job.sources else []
    fields: dict[str, Any] = {"grounded": not missing, "ungrounded": missing}
    fields.update(extra)
    return make_draft(job, job.offline, "offline", **fields)


def make_draft(job: Job, text: str, source: str, **fields: Any) -> Draft:
    return Draft(project_id=job.project.id, row_id=job.row.id if job.row else None, kind=job.kind,
                 text=text, source=source, finding_id=job.finding.id if job.finding else None, **fields)


def disambiguate(jobs: list[Job]) -> None:
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
                job.offline = render_offline(job)

