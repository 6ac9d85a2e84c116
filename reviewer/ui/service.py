"""What the web page and its API endpoints do, without any Gradio: review, decide, export.

Both the page's buttons and the named endpoints (/review, /decide, /decide_many, /export) call
these, so a script driving the API exercises exactly the code a reviewer's clicks run.

Drafts are made lazily (drafts.py), so a report's findings are shown as soon as its checks are done.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.errors import SetupError
from reviewer.model import Progress, ReviewError, ReviewResult
from reviewer.read import SUPPORTED_SUFFIXES
from reviewer.settings import MAX_FILE_BYTES
from reviewer.store import DEFAULT_REVIEWER, FindingDetail, FindingFilter, GroupRecord, Store, StoreError
from reviewer.ui.drafts import LazyDrafter
from reviewer.ui.slots import ReviewCancelled, ReviewSlots

log = logging.getLogger(__name__)

# The page takes what the reader reads: one list of formats for the CLI, the corpus and the UI.
ALLOWED_SUFFIXES = tuple(sorted(SUPPORTED_SUFFIXES))
# Seconds a reviewer waits for a row's drafts: opening a card (else "起草中", shown when reopened), and
# confirming a finding (which takes the draft). A small report drafts a project in well under a second.
OPEN_WAIT, DECIDE_WAIT = 2.0, 30.0
PAGE_SIZE = 50  # cards per page of the list
ReviewFn = Callable[..., ReviewResult]


@dataclass
class Upload:
    path: str  # where the server holds the file
    name: str  # the name the reviewer gave it (shown and exported instead of a temp path)


@dataclass
class TablePage:
    """One page of the card list: its groups, how many match in all, and where the page is."""

    groups: list[GroupRecord]
    total: int  # matching groups (cards)
    page: int
    pages: int
    findings: int  # matching findings

    @property
    def keys(self) -> list[str]:
        return [g.key for g in self.groups]


@dataclass
class Card:
    """What the card shows for one group: its findings (most severe first) and the row's stored text."""

    details: list[FindingDetail]
    row_text: dict[str, Any] | None = None
    checked: list[str] = field(default_factory=list)
    drafting: bool = False  # the row's drafts are still being made


def default_review_fn(paths: Sequence[str], **kwargs: Any) -> ReviewResult:
    from reviewer.pipeline import review_paths

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
        self.drafter = LazyDrafter(store) if llm else None
        self.slots = ReviewSlots()
        self._probe: tuple[float, str | None] | None = None

    # -------------------------------------------------------------- review

    def review(self, uploads: Sequence[Upload], user: str = DEFAULT_REVIEWER,
               progress: Progress | None = None, cancelled: threading.Event | None = None,
               findings: bool = True) -> dict[str, Any]:
        """Review a batch into a new session; bad files become Chinese errors, the rest carry on.

        Setting ``cancelled`` stops the review at its next progress step (ReviewCancelled); no session is
        made. ``findings=False`` leaves the findings out of the answer (the page reads them page by page).
        """
        if cancelled is not None:
            progress = _cancellable(progress, cancelled)
        errors: list[ReviewError] = []
        good: list[Upload] = []
        hashes: dict[str, str] = {}
        notices: list[str] = []
        seen: dict[str, str] = {}
        for up in uploads:
            problem = check_upload(up)
            if problem:
                errors.append(ReviewError(source=up.name, message=problem))
                continue
            digest = file_hash(up.path)
            if digest in seen:
                notices.append(f"“{up.name}”与“{seen[digest]}”内容相同，只审阅一次。")
                continue
            seen[digest] = up.name
            hashes[up.name] = digest
            good.append(up)
        earlier = self.store.sessions_with(hashes.values())
        for name, digest in hashes.items():
            if earlier.get(digest):
                notices.append(f"“{name}”此前已在会话 {earlier[digest][-1]} 中审阅过。")
        result = ReviewResult()
        if good:
            result, run_notices = self._run_pipeline([u.path for u in good], progress)
            notices += run_notices
            unused = self._llm_unused()
            if unused:
                notices.append(unused)
        names = {str(u.path): u.name for u in good}
        for doc in result.documents:
            doc.source = names.get(str(doc.source), Path(doc.source).name)
        errors += [ReviewError(source=names.get(str(e.source), Path(e.source).name), message=e.message)
                   for e in result.errors]
        if cancelled is not None and cancelled.is_set():
            raise ReviewCancelled()
        if not result.documents:
            return {"session_id": None, "title": None, "errors": [e.model_dump() for e in errors],
                    "notices": notices, "counts": {}, "findings": []}
        sid = self.store.create_session(result.documents, errors=errors, notices=notices, user=user, hashes=hashes)
        if self.drafter:
            self.drafter.enqueue(sid)
        if not findings:
            return {"session_id": sid, "errors": [e.model_dump() for e in errors], "notices": notices}
        return self.session_json(sid)

    def _llm_unused(self) -> str | None:
        """One line when the configured LLM endpoint does not answer, so offline drafts are never
        shown as if the model wrote them (the endpoint is asked at most once a minute)."""
        import time

        if not self.llm:
            return None
        now = time.monotonic()
        if self._probe is not None and now - self._probe[0] < 60:
            return self._probe[1]
        from reviewer.draft.llm import LLMClient, LLMError

        note = None
        client = LLMClient.from_settings(timeout=10, max_retries=0)
        if client is not None:
            try:
                client.check()
            except LLMError as err:
                why = err.reason if err.kind == "unavailable" else f"回复无法读取（{err.detail}）"
                note = f"LLM 未被使用：{why}；偏差原因分析草稿改用离线起草"
        self._probe = (now, note)
        return note

    def _run_pipeline(self, paths: list[str], progress: Progress | None) -> tuple[ReviewResult, list[str]]:
        """Run the checks (drafts come later), without the corpus (with a notice) if it fails.

        A reviewer still gets the rule checks when the corpus index is broken.
        """
        failures: list[str] = []
        for corpus in dict.fromkeys((self.use_corpus, False)):
            try:
                result = self.review_fn(paths, use_corpus=corpus, corpus_dir=self.corpus_dir, llm=False,
                                        progress=progress)
            except ReviewCancelled:
                raise
            except Exception as err:
                log.exception("review failed (corpus=%s)", corpus)
                failures.append(str(err) if isinstance(err, SetupError) else f"{type(err).__name__}: {err}"[:200])
                continue
            notices = []
            if self.use_corpus and not corpus:
                notices.append("未能与历史报告库比对，本次未检查“指标与项目不符”“模板化指标”“指标体系重复”。"
                               f"（技术信息：{failures[0]}）")
            if result.llm_unused:  # the endpoint failed: say so instead of showing offline drafts silently
                notices.append(result.llm_unused)
            return result, notices
        return self._one_by_one(paths), ["部分处理步骤出错，已逐个文件审阅，仅运行规则检查。"]

    def _one_by_one(self, paths: list[str]) -> ReviewResult:
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

    # -------------------------------------------------------------- page views (cards)

    def table_page(self, sid: str, flt: FindingFilter, page: int) -> TablePage:
        """One page of the card list, clamped to the last page."""
        total, _ = self.store.query_groups(sid, flt, 0, 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        total, groups = self.store.query_groups(sid, flt, page * PAGE_SIZE, PAGE_SIZE)
        findings, _ = self.store.query_findings(sid, flt, 0, 0)
        return TablePage(groups=groups, total=total, page=page, pages=pages, findings=findings)

    def card(self, sid: str, key: str | None, flt: FindingFilter | None = None) -> Card | None:
        """The card of one group (None without a key); the findings checked for the next decision
        are its open ones that match the filter (all its open ones when none does)."""
        if not key:
            return None
        findings = self.store.group_findings(sid, key)
        if not findings:
            raise StoreError("该行已不在本会话中，请重新选择。")
        ready = self.ensure_drafts(sid, findings[0].doc_id, findings[0].project_id, wait=OPEN_WAIT)
        matching = set(self.store.matching_ids(sid, flt, True, [f.id for f in findings])) if flt else set()
        open_ids = [f.id for f in findings if f.status == "open"]
        checked = [f for f in open_ids if f in matching] or open_ids
        details = [self.store.finding_detail(sid, f.id) for f in findings]
        row_text = self.store.row_text(sid, findings[0].doc_id, findings[0].row_id)
        return Card(details=details, row_text=row_text, checked=checked, drafting=not ready)

    def first_key(self, sid: str, flt: FindingFilter) -> str | None:
        """The first card with an open finding under the filter, else the first card."""
        open_keys = self.store.group_keys(sid, _with_status(flt, "open"))
        if open_keys:
            return open_keys[0]
        keys = self.store.group_keys(sid, flt)
        return keys[0] if keys else None

    def neighbour_key(self, sid: str, flt: FindingFilter, key: str | None, step: int = 1,
                      only_open: bool = False) -> str | None:
        """The card after (step=1) or before (step=-1) ``key`` in list order, wrapping around."""
        keys = self.store.group_keys(sid, _with_status(flt, "open") if only_open else flt)
        if not keys:
            return None
        order = self.store.group_keys(sid, flt) if only_open else keys
        if key not in order:
            return keys[0]
        here = order.index(key)
        ring = order[here + 1:] + order[:here] if step > 0 else list(reversed(order[:here])) + list(
            reversed(order[here + 1:]))
        wanted = set(keys)
        return next((k for k in ring if k in wanted), None)

    def key_page(self, sid: str, flt: FindingFilter, key: str | None, default: int = 0) -> int:
        """The list page that holds ``key`` (``default`` when no card has that key)."""
        keys = self.store.group_keys(sid, flt)
        return keys.index(key) // PAGE_SIZE if key in keys else default

    # -------------------------------------------------------------- drafts

    def ensure_drafts(self, sid: str, doc_id: str, project_id: str | None, wait: float) -> bool:
        """Draft the project now if the background thread has not reached it (the reviewer opened it);
        False when that takes longer than ``wait`` seconds (it carries on and shows up later)."""
        if not self.drafter or not project_id:
            return True
        return self.drafter.request(sid, doc_id, project_id, wait)

    # -------------------------------------------------------------- decide / export

    def decide(self, sid: str, fid: str, action: str, text: str | None = None,
               user: str = DEFAULT_REVIEWER, critique: str | None = None) -> dict[str, Any]:
        return self.decide_many(sid, [fid], action, text, user, critique)[0]

    def decide_many(self, sid: str, fids: Sequence[str], action: str, text: str | None = None,
                    user: str = DEFAULT_REVIEWER, critique: str | None = None) -> list[dict[str, Any]]:
        """Decide several findings as one batch; an accept first makes the drafts it takes."""
        from reviewer.ui.access import check_decider

        if not sid:
            raise StoreError("请先打开一个审阅会话。")
        check_decider(self.store, sid, user)  # with auth on: the session's creator or an administrator
        if action == "accept" and self.drafter:
            for f in [self.store.get_finding(sid, fid) for fid in dict.fromkeys(fids) if fid]:
                self.ensure_drafts(sid, f.doc_id, f.project_id, wait=DECIDE_WAIT)
        return [f.to_json() for f in self.store.decide_many(sid, fids, action, text, reviewer=user,
                                                            critique=critique)]

    def undo_last(self, sid: str, user: str = DEFAULT_REVIEWER) -> list[str]:
        from reviewer.ui.access import check_decider

        if not sid:
            raise StoreError("请先打开一个审阅会话。")
        check_decider(self.store, sid, user)
        return self.store.undo_last(sid, user)

    def export(self, sid: str, fmt: str, user: str = DEFAULT_REVIEWER) -> Path:
        from reviewer.ui.exports import export_session

        if not sid:
            raise StoreError("请先打开一个审阅会话。")
        self.store.get_session(sid)  # a clear error for an unknown session before anything is written
        if self.drafter:
            self.drafter.draft_session(sid)  # the exported critiques and drafts are complete
        return export_session(self.store, sid, fmt, who=user)


def _with_status(flt: FindingFilter, status: str) -> FindingFilter:
    from dataclasses import replace

    return replace(flt, status=status) if flt.status in (None, "", "open") else flt


def _cancellable(progress: Progress | None, cancelled: threading.Event) -> Progress:
    def report(fraction: float, message: str) -> None:
        if cancelled.is_set():
            raise ReviewCancelled()
        if progress is not None:
            progress(fraction, message)
    return report


def file_hash(path: str | Path) -> str:
    """sha256 of a file's content: the same report uploaded twice is recognised whatever its name."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_upload(up: Upload) -> str | None:
    """A Chinese reason to refuse an uploaded file before reading it, or None."""
    suffix = Path(up.name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 {'、'.join(ALLOWED_SUFFIXES)} 文件。"
    try:
        size = Path(up.path).stat().st_size
    except OSError:
        return "文件未能上传成功，请重新上传。"
    if size > MAX_FILE_BYTES:
        return f"文件大小 {size / 1024 / 1024:.1f} MB，超过 {MAX_FILE_BYTES // 1024 // 1024} MB 的上限。"
    if size == 0:
        return "文件为空。"
    return None


__all__ = ["ALLOWED_SUFFIXES", "PAGE_SIZE", "Card", "FindingFilter", "LazyDrafter", "ReviewCancelled", "ReviewService", "ReviewSlots",
           "StoreError", "TablePage", "Upload", "check_upload", "file_hash"]
