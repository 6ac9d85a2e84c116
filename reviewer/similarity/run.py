"""run_similarity: every copy check over the documents under review, with the corpus."""

from __future__ import annotations

from pathlib import Path

from reviewer.corpus import open_corpus
from reviewer.errors import InputError
from reviewer.model import CoverageEntry, Document
from reviewer.similarity.duplicates import check_duplicates
from reviewer.similarity.engine import Run
from reviewer.similarity.misplaced import check_misplaced
from reviewer.similarity.rules import CODES, Progress
from reviewer.similarity.tally import Tally, check_context
from reviewer.similarity.templates import check_boilerplate, check_generic
from reviewer.similarity.threshold import check_exact_threshold


def run_similarity(documents: list[Document], corpus_dir: str | Path | None = None,
                   progress: Progress | None = None, use_corpus: bool = True,
                   leave_out_same_name: bool = False) -> None:
    """Append the corpus-based findings and their coverage to each document (in place).

    With ``use_corpus=False`` (``--no-corpus``) the documents are still compared with themselves
    and each other, and coverage says the corpus was not consulted. ``leave_out_same_name``
    (the eval of a dataset whose documents are also in the corpus) leaves out, for each
    document, the corpus files of the same name too, so a report is never compared with itself.
    """
    if not documents:
        return
    corpus = None
    note = None
    if not use_corpus:
        note = "未与历史报告库比对（--no-corpus）"
    else:
        try:
            # A first review builds the index; its progress shows inside the review's own bar.
            corpus = open_corpus(corpus_dir, _sub_progress(progress, 0.80, 0.84))
        except InputError as err:
            note = f"历史报告库不可用（{err.message}）"
    run = Run(documents, corpus, note, leave_out_same_name)
    try:
        run.collect()
        run.neighbours(progress)
        run.generic_projects()
        ctxs = [Tally(check_context(d)) for d in documents]
        for d in documents:
            for c in CODES:
                d.coverage.setdefault(c, CoverageEntry())
        if progress:
            progress(0.88, "判断复制、模板化和错放的指标")
        check_generic(run, ctxs)
        check_duplicates(run, ctxs)
        check_misplaced(run, ctxs)
        check_boilerplate(run, ctxs)
        check_exact_threshold(documents, ctxs)
        for ctx in ctxs:
            ctx.flush()
        if note:
            for d in documents:
                for c in CODES[:4]:
                    n = sum(len(p.rows) for p in d.projects)
                    d.coverage[c].skipped[f"{note}，仅在本次审阅的报告之间比对"] = n
    finally:
        if corpus is not None:
            corpus.close()


def _sub_progress(progress: Progress | None, lo: float, hi: float) -> Progress | None:
    """Map a sub-task's 0–1 progress into [lo, hi] of the caller's bar."""
    if progress is None:
        return None
    return lambda fraction, message: progress(lo + (hi - lo) * min(max(fraction, 0.0), 1.0), message)
