"""The pipeline: paths → ReviewResult. Each stage gets models from the one before it.

read → tables (``parse_path``: a new Document) → checks → similarity → numbering → drafts.
Each stage fills only what it owns: the checks add the rule findings and their coverage, the
similarity stage the corpus findings and theirs, numbering (here, once) the finding ids, and the
drafts are returned by the draft stage and attached here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reviewer.errors import InputError
from reviewer.model import Document, Progress, ReviewError, ReviewResult
from reviewer.tables import parse_path


def review_paths(
    paths: Sequence[str | Path],
    *,
    use_corpus: bool = True,
    corpus_dir: str | Path | None = None,
    llm: bool = False,
    progress: Progress | None = None,
    leave_out_same_name: bool = False,
) -> ReviewResult:
    """Review every file; a bad file becomes a ReviewError and the rest carry on.
    ``leave_out_same_name``: a corpus file named like a reviewed file is that file (eval)."""
    from reviewer.checks import run_checks
    from reviewer.read import expand_paths

    result = ReviewResult()
    paths, unusable = expand_paths(list(paths))
    result.errors.extend(ReviewError(source=src, message=msg) for src, msg in unusable)
    total = max(len(paths), 1)
    for i, path in enumerate(paths):
        if progress:
            progress(i / total, f"读取 {Path(path).name}")
        try:
            doc = parse_path(path)
        except InputError as err:
            result.errors.append(ReviewError(source=str(path), message=err.message))
            continue
        run_checks(doc)
        note_unread_columns(doc)
        result.documents.append(doc)
    if result.documents:
        # Without the corpus, the reports are still compared with themselves and each other
        # (copied tables inside one report), and coverage says the corpus was not consulted.
        if progress:
            progress(0.8, "与历史报告库比对" if use_corpus else "报告内部比对")
        from reviewer.similarity import run_similarity

        run_similarity(result.documents, corpus_dir=corpus_dir, progress=progress, use_corpus=use_corpus,
                       leave_out_same_name=leave_out_same_name)
    for doc in result.documents:
        number_findings(doc)
    if llm and result.documents:
        if progress:
            progress(0.9, "起草偏差原因分析")
        from reviewer.draft import draft_for_documents

        stats = draft_for_documents(result.documents, use_llm=True)
        for doc, drafts in zip(result.documents, stats.drafts):
            doc.drafts = drafts
        result.llm_calls, result.llm_cache_hits = stats.calls, stats.cache_hits
        result.llm_unused = stats.unused
    if progress:
        progress(1.0, "完成")
    return result


def note_unread_columns(doc: Document) -> None:
    """A table with header cells the reader did not know and no column for a role a check
    needs: that check says so in coverage, so the table is never reported as clean."""
    from reviewer import vocab
    from reviewer.model import CoverageEntry

    needs = vocab.load("headers")["needs"]
    names = vocab.load("headers")["role_names"]
    for rep in doc.parse:
        if not rep.unrecognised or not rep.rows:
            continue
        reason = f"列未识别（{'、'.join(rep.unrecognised[:3])}），缺少{{}}列"
        for role in rep.missing:
            for code in needs.get(role, []):
                entry = doc.coverage.setdefault(code, CoverageEntry())
                key = reason.format(names.get(role, role))
                entry.skipped[key] = entry.skipped.get(key, 0) + rep.rows


def number_findings(doc: Document) -> None:
    """Give findings ids f1, f2 … once, at the end of the pipeline: first the rule checks' findings
    in document order (project, row, code), then the corpus comparisons'. The rule findings do
    not depend on the corpus, so they keep their ids with or without it (`reviewer draft` and
    `reviewer review` agree)."""
    from reviewer.checks.base import SIMILARITY_CODES

    order = {p.id: i for i, p in enumerate(doc.projects)}
    row_order = {r.id: j for p in doc.projects for j, r in enumerate(p.rows)}
    doc.findings.sort(key=lambda f: (f.code in SIMILARITY_CODES, order.get(f.project_id or "", -1),
                                     row_order.get(f.row_id or "", -1), f.code))
    for n, f in enumerate(doc.findings, 1):
        f.id = f"f{n}"
