"""Asking the LLM for a draft: the prompt context, parsing the reply, and the checks a reply must pass
(grounded figures, no obeyed report instructions, specific to its row), with one retry that says why."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError, field_validator

from reviewer.draft.context import Job, evidence_lines, squash
from reviewer.draft.grounding import extract, ungrounded
from reviewer.draft.offline import direction, make_draft, offline_draft, row_type
from reviewer.draft.postcheck import (
    injection_reason,
    mark_unverified_causes,
    prompt_text,
)
from reviewer.draft.roles import contradicts, misplaced, role_sources
from reviewer.model import Draft


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
        return "explanation.j2", {**base, "type": row_type(row), "dir": direction(job.figures),
                                  "codes": sorted({f.code for f in job.findings})}
    finding = job.finding
    assert finding is not None
    return "critique.j2", {**base, "code": finding.code, "message": finding.message,
                           "evidence": evidence_lines(finding.evidence)}


def llm_draft(job: Job, client, system_prompt: str) -> Draft:
    """Ask, check, ask once more with the reason, else fall back to the offline draft."""
    from reviewer.draft.llm import LLMError

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
            return make_draft(job, text, "llm", grounded=True, ungrounded=[], unverified_cause=unverified)
        bad = missing + [x for x in wrong_role if x not in missing]
        last, retry = (text, bad), _reason(ungrounded=missing, injection=injected, generic=generic,
                                           misplaced=wrong_role, swapped=swapped)
    if last is None:  # the endpoint never gave a reply: the offline draft, nothing to audit
        return offline_draft(job)
    text, missing = last
    return offline_draft(job, status="rejected", rejected_text=text, grounded=not missing, ungrounded=missing)


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
    flat = squash(text)
    if row is None:
        return squash(job.project.name) in flat or bool(extract(text))
    if squash(row.indicator) in flat:
        return True
    return any(c and squash(c) in flat for c in (job.figures.target, job.figures.actual) if len(squash(c)) >= 2)
