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
row or project text, or writes 【请补充原因】 with a hint of what to supply."""

from __future__ import annotations

import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from reviewer.draft.asking import llm_draft
from reviewer.draft.context import Job, make_jobs, prepare, squash
from reviewer.draft.offline import disambiguate, offline_draft, render_offline
from reviewer.model import Document, Draft


@dataclass
class DraftStats:
    """The drafts of each document (in order), and what asking the LLM cost."""

    drafts: list[list[Draft]] = field(default_factory=list)
    calls: int = 0
    cache_hits: int = 0
    unused: str | None = None  # why some or all drafts were written offline although an LLM was asked for


def draft_for_documents(documents: list[Document], use_llm: bool, *, client=None) -> DraftStats:
    """Drafts for every document: explanations for flagged rows, a critique per finding (documents untouched)."""
    client = client if client is not None else client_or_none(use_llm)
    before = (client.calls, client.cache_hits) if client else (0, 0)
    drafts = [draft_document(doc, client=client) for doc in documents]
    if client is None:
        return DraftStats(drafts=drafts)
    return DraftStats(drafts=drafts, calls=client.calls - before[0], cache_hits=client.cache_hits - before[1],
                      unused=unused_note(client, [d for ds in drafts for d in ds]))


def unused_note(client, drafts: list[Draft]) -> str | None:
    """One Chinese line when the endpoint failed and drafts fell back to the offline drafter."""
    fell_back = sum(1 for d in drafts if d.source == "offline" and d.status == "ok")
    if client.failure is None or not fell_back:
        return None
    return f"LLM 未被使用：{client.failure}；{fell_back} 条草稿已改用离线起草"


def draft_document(doc: Document, *, client=None, project_ids: set[str] | None = None,
                   row_id: str | None = None) -> list[Draft]:
    """Drafts for one document, optionally limited to some projects or to one row."""
    jobs = make_jobs(doc, project_ids, row_id)
    for job in jobs:
        prepare(job)
        job.offline = render_offline(job)
    disambiguate(jobs)
    if client is None:
        return [offline_draft(job) for job in jobs]
    system_prompt = client.system_prompt()
    with ThreadPoolExecutor(max_workers=client.concurrency) as pool:
        drafts = list(pool.map(lambda j: llm_draft(j, client, system_prompt), jobs))
    return _reject_repeats(jobs, drafts)


def _reject_repeats(jobs: list[Job], drafts: list[Draft]) -> list[Draft]:
    """One LLM text under two rows (or two findings) fits neither: all copies go back to offline,
    the text kept for audit. A model that answers every row alike is caught here."""
    seen: dict[str, int] = defaultdict(int)
    for d in drafts:
        if d.source == "llm":
            seen[squash(re.sub(r"[\W_]+", "", d.text))] += 1
    out = []
    for job, d in zip(jobs, drafts):
        if d.source == "llm" and seen[squash(re.sub(r"[\W_]+", "", d.text))] > 1:
            d = offline_draft(job, status="rejected", rejected_text=d.text, grounded=True, ungrounded=[])
        out.append(d)
    return out


def client_for(use_llm: bool):
    """The LLM client drafts are asked of, or None for the offline drafter (no endpoint configured)."""
    return client_or_none(use_llm)


def client_or_none(use_llm: bool):
    if not use_llm:
        return None
    from reviewer.draft.llm import LLMClient

    return LLMClient.from_settings()
