"""The page's scriptable endpoints for gradio_client: /review, /decide, /decide_many, /undo, /export,
/session, /sessions. They run the same service code as the page's buttons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.data_classes import FileData

from reviewer.store import StoreError
from reviewer.ui.handlers import request_user
from reviewer.ui.service import ReviewService, Upload


def register_api(s: ReviewService) -> None:
    """Declare the endpoints inside the Blocks being built."""

    def call(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except StoreError as err:
            raise gr.Error(str(err)) from None

    def review(files: list[FileData], request: gr.Request) -> dict:
        """审阅上传的报告：返回 session_id 和全部问题（每项带 id），错误在前。"""
        uploads = []
        for f in files or []:
            data = f if isinstance(f, dict) else f.model_dump()
            uploads.append(Upload(path=data["path"], name=data.get("orig_name") or Path(data["path"]).name))
        if not uploads:
            raise gr.Error("没有收到文件。")
        ticket = s.slots.join()
        try:
            s.slots.wait_start(ticket)
            return s.review(uploads, request_user(request))
        finally:
            s.slots.leave(ticket)

    def decide(session_id: str, finding_id: str, action: str, text: str = "", critique: str | None = None,
               request: gr.Request = None) -> dict:  # type: ignore[assignment]
        """对一个问题作出决定：action 为 accept（确认问题）| edit（修改后确认）| reject（不是问题）| reopen；
        text 为偏差原因分析定稿或“不是问题”的理由；critique 为审核意见（可选）。"""
        return call(lambda: s.decide(session_id, finding_id, action, text, request_user(request), critique))

    def decide_many(session_id: str, finding_ids: list[str], action: str, text: str = "",
                    request: gr.Request = None) -> list[dict]:  # type: ignore[assignment]
        """一次决定多个问题（作为一步记录，可撤销）：返回更新后的问题。"""
        return call(lambda: s.decide_many(session_id, list(finding_ids or []), action, text, request_user(request)))

    def undo(session_id: str, request: gr.Request = None) -> list[str]:  # type: ignore[assignment]
        """撤销本人最近一步决定（单个或批量），返回恢复的问题编号。"""
        return call(lambda: s.undo_last(session_id, request_user(request)))

    def export(session_id: str, format: str = "xlsx", request: gr.Request = None) -> FileData:  # type: ignore[assignment]
        """导出会话：format 为 xlsx | json | html。"""
        return call(lambda: FileData(path=str(s.export(session_id, format, request_user(request)))))

    def session(session_id: str) -> dict:
        """重新打开一个会话：返回其全部问题及当前状态。"""
        return call(lambda: s.session_json(session_id))

    def sessions() -> list[dict]:
        """全部审阅会话（新的在前）。"""
        return s.sessions_json()

    gr.api(review, api_name="review", concurrency_limit=16, concurrency_id="review-api")
    for fn in (decide, decide_many, undo):
        gr.api(fn, api_name=fn.__name__, concurrency_limit=8, concurrency_id="decide")
    gr.api(export, api_name="export")
    gr.api(session, api_name="session")
    gr.api(sessions, api_name="sessions")
