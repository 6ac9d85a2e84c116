"""What each control of the web page does (app.py lays the page out and wires events here).

Every handler answers bad or missing input with one Chinese line in the message bar and leaves
the page usable: no exception and no Gradio internal message reaches the reviewer.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from html import escape
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from reviewer.store import DEFAULT_REVIEWER, FindingFilter, StoreError
from reviewer.ui import view as view
from reviewer.ui.service import ReviewCancelled, ReviewService, Upload

log = logging.getLogger(__name__)

INTERNAL_ERROR = "操作没有完成：系统内部出错，已记入日志。请重试；仍不行请刷新页面。"
NO_SESSION = "请先打开一个审阅会话：上传报告后点“开始审阅”，或打开历史会话。"


def samples() -> list[tuple[str, str]]:
    """(button label, path) of the sample reports shipped with the install, for a first try."""
    from reviewer.settings import get_settings

    root = Path(__file__).resolve().parents[1]
    for folder in (get_settings().corpus_dir / "reports", root / "evals" / "datasets" / "seeds"):
        files = sorted(p for p in folder.glob("*") if p.suffix.lower() in (".txt", ".docx", ".xlsx", ".pdf"))
        if files:
            return [(f"示例：{_title(p)}", str(p)) for p in files[:6]]
    return []


def _title(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                text = line.strip().lstrip("#").strip()
                if text:
                    return text[:16]
    except OSError:
        pass
    return path.stem[:16]


def request_user(request: gr.Request | None) -> str:
    """The signed-in reviewer (REVIEWER_AUTH), or the local user."""
    return (getattr(request, "username", None) or DEFAULT_REVIEWER) if request is not None else DEFAULT_REVIEWER


def _flt(code: Any = None, sev: Any = None, proj: Any = None, status: Any = None, query: Any = None) -> FindingFilter:
    def clean(v: Any) -> str | None:
        return v.strip() if isinstance(v, str) and v.strip() else None
    return FindingFilter(code=clean(code), severity=clean(sev), project=clean(proj), status=clean(status),
                         query=clean(query))


def _msg(text: str) -> str:
    return f"<div class='rv-note'>{escape(text)}</div>" if text else ""


def _group_key(finding: dict[str, Any]) -> str:
    return f"{finding['doc_id']}|{finding.get('project_id') or ''}|{finding.get('row_id') or ''}"


class Handlers:
    """The page's event handlers, bound to one service and the page's components."""

    def __init__(self, service: ReviewService, c: SimpleNamespace):
        self.s, self.store, self.c = service, service.store, c
        self._cancels: dict[int, threading.Event] = {}
        self.filters = [c.code, c.sev, c.proj, c.status_dd, c.search]
        self.table_out = [c.table, c.page_md, c.page, c.keys, c.message]
        self.card_out = [c.key, c.head, c.checks, c.cells, c.findings, c.history, c.draft, c.critique,
                         c.critique_orig, c.reason]
        self.move_out = [*self.table_out, *self.card_out]
        self.decide_out = [c.status, *self.move_out]
        self.session_out = [c.sid, c.remember, c.status, c.tabs, *self.filters, *self.move_out, c.coverage,
                            c.overview, c.sessions, c.export_file]
        self.review_out = [*self.session_out, c.files, c.cancel, c.ticket]
        for name, fn in inspect.getmembers(self, inspect.ismethod):
            if name.startswith("on_"):
                setattr(self, name, self._safe_iter(fn) if inspect.isgeneratorfunction(fn) else self._safe(fn))

    # -------------------------------------------------------------- safety

    def _safe(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Any failure becomes one Chinese line in the message bar; a factory's handlers are wrapped too."""
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                out = fn(*args, **kwargs)
            except StoreError as err:
                return {self.c.message: _msg(str(err))}
            except Exception:
                log.exception("handler %s failed", fn.__name__)
                return {self.c.message: _msg(INTERNAL_ERROR)}
            return self._safe(out) if callable(out) and not isinstance(out, dict) else out
        return run

    def _safe_iter(self, fn: Callable[..., Iterator[dict]]) -> Callable[..., Iterator[dict]]:
        """The same for a streaming handler (a review reporting its queue place and progress)."""
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Iterator[dict]:
            try:
                yield from fn(*args, **kwargs)
            except StoreError as err:
                yield {self.c.message: _msg(str(err)), self.c.cancel: gr.update(visible=False)}
            except Exception:
                log.exception("handler %s failed", fn.__name__)
                yield {self.c.message: _msg(INTERNAL_ERROR), self.c.cancel: gr.update(visible=False)}
        return run

    # -------------------------------------------------------------- views

    def move(self, sid: str, flt: FindingFilter, key: str | None, page: int = 0, note: str = "") -> dict:
        """The list page holding ``key`` and the card of ``key``."""
        c = self.c
        self.store.get_session(sid)  # an unknown session is one Chinese line, not an empty page
        rows, info, page, keys = self.table(sid, flt, self.s.key_page(sid, flt, key, page), key)
        card = self.card(sid, key, flt)
        return {c.table: rows, c.page_md: info, c.page: page, c.keys: keys, c.message: _msg(note), c.key: key or "",
                c.head: card["head"], c.checks: gr.update(choices=card["choices"], value=card["checked"]),
                c.cells: card["cells"], c.findings: card["findings"], c.history: card["history"],
                c.draft: gr.update(value=card["explanation"], label=card["explanation_label"], visible=card["has_row"]),
                c.critique: card["critique"], c.critique_orig: card["critique"], c.reason: ""}

    def table(self, sid: str, flt: FindingFilter, page: int, current: str | None = None) -> tuple[list[list[str]], str, int, list[str]]:
        """One page of the card list as the table shows it, its caption, the page, the keys on it."""
        tp = self.s.table_page(sid, flt, page)
        rows = view.table_rows(tp.groups, current) or [[""] * len(view.TABLE_HEADERS)]
        return rows, view.page_info(tp.total, tp.page, tp.findings, tp.pages), tp.page, tp.keys

    def card(self, sid: str, key: str | None, flt: FindingFilter | None = None) -> dict[str, Any]:
        """The card of ``key`` as the page shows it (an empty card with a hint when there is none)."""
        card = self.s.card(sid, key, flt)
        if card is None:
            return view.empty_card("没有符合条件的问题。") if sid else view.empty_card()
        return view.card_parts(card)

    def open_session(self, sid: str, note: str = "") -> dict:
        c = self.c
        info = self.store.get_session(sid)
        opts = view.filter_choices(self.store.filter_options(sid))
        flt = FindingFilter()
        out = {c.sid: sid, c.remember: sid, c.status: view.status_html(info), c.tabs: gr.Tabs(selected="review"),
               c.code: gr.update(choices=opts["codes"], value=""),
               c.sev: gr.update(choices=opts["severities"], value=""), c.proj: gr.update(choices=opts["projects"], value=""),
               c.status_dd: "", c.search: "", c.coverage: view.coverage_html(self.store.coverage(sid), self.store.parse_reports(sid)),
               c.overview: view.overview_rows(self.store.overview(sid)),
               c.sessions: gr.update(choices=view.session_choices(self.store.list_sessions()), value=sid),
               c.export_file: gr.update(value=None, visible=False)}
        out.update(self.move(sid, flt, self.s.first_key(sid, flt), 0, note))
        return out

    # -------------------------------------------------------------- review (generators: queue place, progress)

    def on_review(self, paths: list[str] | None, request: gr.Request = None) -> Iterator[dict]:  # type: ignore[assignment]
        if not paths or not isinstance(paths, list):
            yield {self.c.message: _msg("请先选择要审阅的文件。")}
            return
        uploads = [Upload(path=str(p), name=Path(str(p)).name) for p in paths]
        yield from self._run_review(uploads, request_user(request))

    def sample_review(self, path: str) -> Callable[..., Iterator[dict]]:
        def handler(request: gr.Request = None) -> Iterator[dict]:  # type: ignore[assignment]
            yield from self._run_review([Upload(path=path, name=Path(path).name)], request_user(request))
        return self._safe_iter(handler)

    def _run_review(self, uploads: list[Upload], user: str) -> Iterator[dict]:
        c = self.c
        ticket = self.s.slots.join()
        cancelled = self._cancels.setdefault(ticket, threading.Event())
        names = "、".join(u.name for u in uploads)[:80]
        yield {c.files: None, c.cancel: gr.update(visible=True), c.ticket: ticket, c.message: "",
               c.status: view.status_html(None, f"已收到：{names}，准备审阅。")}
        box: dict[str, Any] = {"progress": (0.0, "排队等候")}
        try:
            while place := self.s.slots.try_start(ticket):
                if cancelled.is_set():
                    return
                yield {c.status: view.status_html(None, f"排队中：前面还有 {place} 份审阅，轮到时自动开始；可点“取消审阅”。")}
                time.sleep(0.5)
            worker = threading.Thread(target=self._work, args=(uploads, user, cancelled, box), daemon=True)
            worker.start()
            while worker.is_alive():
                worker.join(0.4)
                fraction, step = box["progress"]
                if worker.is_alive():
                    yield {c.status: view.status_html(None, f"正在审阅 {names}：{step}（{int(fraction * 100)}%）")}
        finally:
            self.s.slots.leave(ticket)
            self._cancels.pop(ticket, None)
        yield self._review_done(box)

    def _work(self, uploads: list[Upload], user: str, cancelled: threading.Event, box: dict[str, Any]) -> None:
        def progress(fraction: float, step: str) -> None:
            box["progress"] = (fraction, step)
        try:
            box["result"] = self.s.review(uploads, user, progress=progress, cancelled=cancelled, findings=False)
        except ReviewCancelled:
            box["note"] = "已取消审阅。"
        except Exception:
            log.exception("review failed")
            box["note"] = INTERNAL_ERROR

    def _review_done(self, box: dict[str, Any]) -> dict:
        c = self.c
        hide = {c.cancel: gr.update(visible=False), c.ticket: 0}
        result = box.get("result")
        if result is None:
            return {**hide, c.status: view.status_html(None, box.get("note", "已取消审阅。"))}
        if result["session_id"] is None:
            return {**hide, c.status: view.errors_html(result["errors"], result["notices"])}
        return {**self.open_session(result["session_id"]), **hide}

    def on_cancel(self, ticket: int | None) -> dict:
        event = self._cancels.get(ticket) if isinstance(ticket, int) else None
        if event is not None:
            event.set()
        return {self.c.status: view.status_html(None, "已取消审阅。"), self.c.cancel: gr.update(visible=False),
                self.c.message: ""}

    # -------------------------------------------------------------- sessions

    def on_open(self, sid: str | None) -> dict:
        if not sid:
            return {self.c.message: _msg("请先在列表中选择一个会话。")}
        return self.open_session(sid)

    def on_load(self, last: str | None) -> dict:
        out: dict = {self.c.sessions: gr.update(choices=view.session_choices(self.store.list_sessions()), value=None)}
        if last:
            try:
                out.update(self.open_session(last))
            except StoreError:
                out[self.c.remember] = ""
        return out

    def on_refresh(self, sid: str | None) -> dict:
        return {self.c.sessions: gr.update(choices=view.session_choices(self.store.list_sessions()), value=sid or None),
                self.c.message: ""}

    # -------------------------------------------------------------- list and card

    def on_filter(self, sid: str, key: str, page: int, code: str, sev: str, proj: str, status: str, query: str) -> dict:
        if not sid:
            return {self.c.message: _msg(NO_SESSION)}
        flt = _flt(code, sev, proj, status, query)
        keys = self.store.group_keys(sid, flt)
        return self.move(sid, flt, key if key in keys else self.s.first_key(sid, flt))

    def on_page(self, step: int) -> Callable[..., dict]:
        def handler(sid: str, key: str, page: int, code: str, sev: str, proj: str, status: str, query: str) -> dict:
            if not sid:
                return {self.c.message: _msg(NO_SESSION)}
            rows, info, page, keys = self.table(sid, _flt(code, sev, proj, status, query), int(page or 0) + step, key)
            return {self.c.table: rows, self.c.page_md: info, self.c.page: page, self.c.keys: keys, self.c.message: ""}
        return handler

    def on_select(self, sid: str, keys: list[str], page: int, code: str, sev: str, proj: str, status: str, query: str, evt: gr.SelectData = None) -> dict:  # type: ignore[assignment]
        index = (evt.index[0] if evt is not None and isinstance(evt.index, (list, tuple)) else None) if evt else None
        if not sid:
            return {self.c.message: _msg(NO_SESSION)}
        if index is None or not keys or not 0 <= int(index) < len(keys):
            return {self.c.message: _msg("请在列表中点选一行。")}
        return self.move(sid, _flt(code, sev, proj, status, query), keys[int(index)], int(page or 0))

    def on_nav(self, step: int) -> Callable[..., dict]:
        def handler(sid: str, key: str, page: int, code: str, sev: str, proj: str, status: str, query: str) -> dict:
            if not sid:
                return {self.c.message: _msg(NO_SESSION)}
            flt = _flt(code, sev, proj, status, query)
            target = self.s.neighbour_key(sid, flt, key or None, step=step) or key
            return self.move(sid, flt, target, int(page or 0))
        return handler

    def on_checks(self, sid: str, key: str, checks: list[str] | None, critique: str, critique_orig: str) -> dict:
        """Another choice of findings shows their 审核意见, unless the reviewer has already edited it."""
        if not sid or not key:
            return {self.c.message: _msg("请先在列表中选择一行。")}
        if (critique or "") != (critique_orig or ""):
            return {self.c.message: ""}
        card = self.card(sid, key)
        text = view.critique_text([self.store.finding_detail(sid, f) for f in checks]) if checks else card["critique"]
        return {self.c.critique: text, self.c.critique_orig: text, self.c.message: ""}

    # -------------------------------------------------------------- decisions

    def on_decide(self, action: str) -> Callable[..., dict]:
        def handler(sid: str, key: str, checks: list[str] | None, draft: str, critique: str, critique_orig: str,
                    reason: str, page: int, code: str, sev: str, proj: str, status: str, query: str, request: gr.Request = None) -> dict:  # type: ignore[assignment]
            if not sid:
                return {self.c.message: _msg(NO_SESSION)}
            if not key or not checks:
                return {self.c.message: _msg("请先在列表中选择一行，并勾选要决定的问题。")}
            has_row = bool(key.split("|")[-1])
            act, text = action, (reason if action == "reject" else draft if has_row else None)
            if action == "edit" and not has_row:
                act = "accept"  # a project's own finding has no 偏差原因分析: E confirms it with the edited 审核意见
            elif action == "accept" and has_row and (draft or "").strip() and draft != self._shown_text(sid, key):
                act = "edit"  # the reviewer changed the text before confirming: it is their text
            edited = critique if (critique or "").strip() != (critique_orig or "").strip() else None
            self.s.decide_many(sid, checks, act, text, request_user(request), critique=edited)
            return self._after_decision(sid, key, _flt(code, sev, proj, status, query), int(page or 0), "")
        return handler

    def _shown_text(self, sid: str, key: str) -> str:
        return self.card(sid, key)["explanation"]

    def _after_decision(self, sid: str, key: str, flt: FindingFilter, page: int, note: str) -> dict:
        """Stay on the card while it has open findings, else go to the next card with one."""
        still_open = any(f.status == "open" for f in self.store.group_findings(sid, key))
        target = key if still_open else self.s.neighbour_key(sid, flt, key, only_open=True)
        if target is None:
            target, note = key, note or "当前筛选条件下已没有待处理的问题。"
        out = self.move(sid, flt, target, page, note)
        out[self.c.status] = view.status_html(self.store.get_session(sid))
        return out

    def on_undo(self, sid: str, key: str, page: int, code: str, sev: str, proj: str, status: str, query: str, request: gr.Request = None) -> dict:  # type: ignore[assignment]
        if not sid:
            return {self.c.message: _msg(NO_SESSION)}
        ids = self.s.undo_last(sid, request_user(request))
        target = _group_key(self.store.get_finding(sid, ids[0]).to_json()) if ids else key
        out = self.move(sid, _flt(code, sev, proj, status, query), target, int(page or 0), f"已撤销 {len(ids)} 项决定。")
        out[self.c.status] = view.status_html(self.store.get_session(sid))
        return out

    def on_bulk(self, action: str) -> Callable[..., dict]:
        def handler(sid: str, key: str, reason: str, page: int, code: str, sev: str, proj: str, status: str, query: str,
                    request: gr.Request = None) -> dict:  # type: ignore[assignment]
            if not sid:
                return {self.c.message: _msg(NO_SESSION)}
            flt = _flt(code, sev, proj, status, query)
            if not any((flt.code, flt.severity, flt.project, flt.query)):
                return {self.c.message: _msg("请先用问题类型、项目、严重程度或搜索缩小范围，再批量决定。")}
            ids = self.store.matching_ids(sid, flt, only_open=True)
            if not ids:
                return {self.c.message: _msg("筛选结果中没有待处理的问题。")}
            self.s.decide_many(sid, ids, action, reason if action == "reject" else None, request_user(request))
            name = "确认问题" if action == "accept" else "不是问题"
            key = key or _group_key(self.store.get_finding(sid, ids[0]).to_json())
            return self._after_decision(sid, key, replace(flt), int(page or 0),
                                        f"已将筛选结果中 {len(ids)} 项标为“{name}”；按 U 可撤销。")
        return handler

    # -------------------------------------------------------------- overview, export

    def on_overview_select(self, sid: str, evt: gr.SelectData = None) -> dict:  # type: ignore[assignment]
        if not sid:
            return {self.c.message: _msg(NO_SESSION)}
        items = self.store.overview(sid)
        index = evt.index[0] if evt is not None and isinstance(evt.index, (list, tuple)) else None
        if index is None or not 0 <= int(index) < len(items):
            return {self.c.message: _msg("请在概览中点选一个项目。")}
        item = items[int(index)]
        flt = FindingFilter(project=f"{item['doc_id']}/{item['project_id']}")
        out = self.move(sid, flt, self.s.first_key(sid, flt))
        out.update({self.c.proj: flt.project, self.c.tabs: gr.Tabs(selected="review")})
        return out

    def on_export(self, fmt: str) -> Callable[..., dict]:
        def handler(sid: str, request: gr.Request = None) -> dict:  # type: ignore[assignment]
            if not sid:
                return {self.c.message: _msg(NO_SESSION)}
            path = self.s.export(sid, fmt, request_user(request))
            return {self.c.export_file: gr.update(value=str(path), visible=True), self.c.message: ""}
        return handler
