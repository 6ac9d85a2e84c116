"""`reviewer draft`: drafts of 偏差原因分析 and 审核意见 for one report, as JSON or text."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reviewer.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from reviewer.model import Document, Draft


def run_draft_command(path: Path, *, project: str | None, row: str | None, fmt: str, use_llm: bool,
                      stats: bool, use_corpus: bool = True, corpus_dir: Path | None = None) -> None:
    """`reviewer draft`: parse, check, draft, print ``reviewer.drafts/1`` (or readable text)."""
    from reviewer.draft import client_for, draft_document, unused_note
    from reviewer.pipeline import review_paths

    # The review pipeline with the same corpus choice as `reviewer review`: every critique's
    # finding_id is the id that command prints (rule findings keep theirs either way).
    result = review_paths([path], use_corpus=use_corpus, corpus_dir=corpus_dir, llm=False)
    if result.errors:
        raise InputError(result.errors[0].message, result.errors[0].source)
    doc = result.documents[0]
    project_ids = _match_projects(doc, project) if project else None
    row_id = _match_row(doc, row, project_ids) if row else None
    client = client_for(use_llm)
    drafts = draft_document(doc, client=client, project_ids=project_ids, row_id=row_id)
    note = unused_note(client, drafts) if client else None
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
    from reviewer.draft.context import squash

    rows = [r for p in doc.projects if project_ids is None or p.id in project_ids for r in p.rows]
    for r in rows:
        if r.id == wanted:
            return r.id
    named = [r for r in rows if squash(r.indicator) == squash(wanted)]
    if len(named) == 1:
        return named[0].id
    if len(named) > 1:
        raise InputError(f"有 {len(named)} 行指标名为“{wanted}”，请用行编号（如 {named[0].id}）指定")
    raise InputError(f"报告中没有指标行“{wanted}”（请用 reviewer review 输出中的行编号，如 p1.r3）")


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


def draft(
    path: Path = typer.Argument(..., help="报告文件"),
    project: str | None = typer.Option(None, "--project", help="只为该项目起草（项目名称或 id）"),
    row: str | None = typer.Option(None, "--row", help="只为该行起草（如 p1.r3），不论是否有问题"),
    format: str = typer.Option("json", "--format", "-f", help="json 或 text"),
    llm: bool = typer.Option(True, "--llm/--no-llm", help="使用配置的 LLM 端点（未配置时用离线起草）"),
    stats: bool = typer.Option(False, "--stats", help="在 stderr 打印 LLM 调用与缓存命中次数"),
    corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS", help="历史报告库目录"),
    no_corpus: bool = typer.Option(False, "--no-corpus", help="不与历史报告库比对（与 review 的同名选项一致）"),
) -> None:
    """为偏差行起草偏差原因分析和审核意见。"""
    run_draft_command(path, project=project, row=row, fmt=format, use_llm=llm, stats=stats,
                      use_corpus=not no_corpus, corpus_dir=corpus)
