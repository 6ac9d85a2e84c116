"""What the web page and its API endpoints do, without any Gradio: review, decide, export.

Both the page's buttons and the named endpoints (/review, /decide, /export) call these, so a
script driving the API exercises exactly the code a reviewer's clicks run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.errors import SetupError
from reviewer.model import ReviewError, ReviewResult
from reviewer.settings import MAX_FILE_BYTES
from reviewer.store import DEFAULT_REVIEWER, FindingFilter, Store, StoreError

log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".docx", ".xlsx", ".pdf", ".txt")
Progress = Callable[[float, str], None]
ReviewFn = Callable[..., ReviewResult]


@dataclass
class Upload:
    path: str  # where the server holds the file
    name: str  # the name the reviewer gave it (shown and exported instead of a temp path)


def default_review_fn(paths: Sequence[str], **kwargs: Any) -> ReviewResult:
    from reviewer.review import review_paths

    return review_paths(paths, **kwargs)


class ReviewService:
    """One store plus the pipeline settings the UI runs with (shipped corpus, drafts on)."""

    def __init__(self, store: Store, *, review_fn: ReviewFn | None = None, use_corpus: bool = True,
                 corpus_dir: str | Path | None = None, llm: bool = True):
        self.store = store
        self.review_fn = review_fn or default_review_fn
        self.use_corpus = use_corpus
        self.corpus_dir = corpus_dir
        self.llm = llm

    # -------------------------------------------------------------- review

    def review(self, uploads: Sequence[Upload], user: str = DEFAULT_REVIEWER,
               progress: Progress | None = None) -> dict[str, Any]:
        """Review a batch into a new session; bad files become Chinese errors, the rest carry on."""
        errors: list[ReviewError] = []
        good: list[Upload] = []
        for up in uploads:
            problem = check_upload(up)
            if problem:
                errors.append(ReviewError(source=up.name, message=problem))
            else:
                good.append(up)
        result, notices = ReviewResult(), []
        if good:
            result, notices = self._run_pipeline([u.path for u in good], progress)
        names = {str(u.path): u.name for u in good}
        for doc in result.documents:
            doc.source = names.get(str(doc.source), Path(doc.source).name)
        errors += [ReviewError(source=names.get(str(e.source), Path(e.source).name), message=e.message)
                   for e in result.errors]
        if not result.documents:
            return {"session_id": None, "title": None, "errors": [e.model_dump() for e in errors],
                    "notices": notices, "counts": {}, "findings": []}
        sid = self.store.create_session(result.documents, errors=errors, notices=notices, user=user)
        return self.session_json(sid)

    def _run_pipeline(self, paths: list[str], progress: Progress | None) -> tuple[ReviewResult, list[str]]:
        """Run the pipeline, dropping the corpus or the drafting step (with a notice) if either fails.

        A reviewer still gets the rule checks when the corpus index or the drafter is broken.
        """
        plans = []
        for corpus, llm in ((self.use_corpus, self.llm), (self.use_corpus, False), (False, self.llm), (False, False)):
            if (corpus, llm) not in plans:
                plans.append((corpus, llm))
        failures: list[str] = []
        for corpus, llm in plans:
            try:
                result = self.review_fn(paths, use_corpus=corpus, corpus_dir=self.corpus_dir, llm=llm,
                                        progress=progress)
            except Exception as err:
                log.exception("review failed (corpus=%s, llm=%s)", corpus, llm)
                failures.append(str(err) if isinstance(err, SetupError) else f"{type(err).__name__}: {err}"[:200])
                continue
            notices = []
            if self.use_corpus and not corpus:
                notices.append("未能与历史报告库比对，本次未检查“指标与项目不符”“模板化指标”“指标体系重复”。"
                               f"（技术信息：{failures[0]}）")
            if self.llm and not llm:
                notices.append("未能起草偏差原因分析草稿，可直接在文本框中填写。")
            if result.llm_unused:  # the endpoint failed: say so instead of showing offline drafts silently
                notices.append(result.llm_unused)
            return result, notices
        return self._one_by_one(paths, progress), ["部分处理步骤出错，已逐个文件审阅，仅运行规则检查。"]

    def _one_by_one(self, paths: list[str], progress: Progress | None) -> ReviewResult:
        """Last resort: isolate the file that breaks the pipeline so the others still get reviewed."""
        out = ReviewResult()
        for p in paths:
            try:
                r = self.review_fn([p], use_corpus=False, corpus_dir=None, llm=False, progress=None)
            except Exception as err:
                log.exception("review failed for %s", p)
                why = str(err) if isinstance(err, SetupError) else "处理该文件时出错，无法审阅，请检查文件内容或联系管理员。"
                out.errors.append(ReviewError(source=p, message=why))
                continue
            out.documents += r.documents
            out.errors += r.errors
        return out

    # -------------------------------------------------------------- sessions

    def session_json(self, sid: str) -> dict[str, Any]:
        """Session id, title, counts, errors and every finding (each with its session-unique id)."""
        info = self.store.get_session(sid)
        _, findings = self.store.query_findings(sid, limit=10**9)
        return {"session_id": sid, "title": info.title, "created_at": info.created_at,
                "errors": info.errors, "notices": info.notices, "counts": info.counts,
                "findings": [f.to_json() for f in findings]}

    def sessions_json(self) -> list[dict[str, Any]]:
        return [{"session_id": s.id, "title": s.title, "created_at": s.created_at, "created_by": s.created_by,
                 "documents": s.documents, "counts": s.counts} for s in self.store.list_sessions()]

    # -------------------------------------------------------------- page views

    def table_page(self, sid: str, flt: FindingFilter, page: int,
                   current: str | None = None) -> tuple[list[list[str]], str, int]:
        """Rows of one page of the findings table (clamped to the last page), its caption, the page."""
        from reviewer import ui_view as view

        total, _ = self.store.query_findings(sid, flt, 0, 0)
        pages = max(1, -(-total // view.PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        total, records = self.store.query_findings(sid, flt, page * view.PAGE_SIZE, view.PAGE_SIZE)
        rows = view.table_rows(records, current) or [[""] * len(view.TABLE_HEADERS)]
        return rows, view.page_info(total, page), page

    def detail(self, sid: str, fid: str | None) -> dict[str, Any]:
        """The detail panel's parts for one finding (or the empty panel)."""
        from reviewer import ui_view as view

        if not fid:
            return view.empty_detail("没有符合条件的问题。") if sid else view.empty_detail()
        return view.detail_parts(self.store.finding_detail(sid, fid))

    # -------------------------------------------------------------- decide / export

    def decide(self, sid: str, fid: str, action: str, text: str | None = None,
               user: str = DEFAULT_REVIEWER) -> dict[str, Any]:
        from reviewer.access import check_decider

        check_decider(self.store, sid, user)  # with auth on: the session's creator or an administrator
        return self.store.decide(sid, fid, action, text, reviewer=user).to_json()

    def export(self, sid: str, fmt: str, user: str = DEFAULT_REVIEWER) -> Path:
        from reviewer.export import export_session

        self.store.get_session(sid)  # a clear error for an unknown session before anything is written
        return export_session(self.store, sid, fmt, who=user)


def check_upload(up: Upload) -> str | None:
    """A Chinese reason to refuse an uploaded file before reading it, or None."""
    suffix = Path(up.name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 .docx、.xlsx、.pdf 或 .txt 文件。"
    try:
        size = Path(up.path).stat().st_size
    except OSError:
        return "文件未能上传成功，请重新上传。"
    if size > MAX_FILE_BYTES:
        return f"文件大小 {size / 1024 / 1024:.1f} MB，超过 {MAX_FILE_BYTES // 1024 // 1024} MB 的上限。"
    if size == 0:
        return "文件为空。"
    return None


__all__ = ["ALLOWED_SUFFIXES", "ReviewService", "StoreError", "Upload", "check_upload"]
