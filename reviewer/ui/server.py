"""Entry point of the web UI: ``serve()`` for ``python app.py`` / ``reviewer serve``, and ``build_demo``.

Kept free of gradio imports so the host check answers at once; the page lives in ui_app.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Before anything imports gradio: no analytics, no update check, no hub calls.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

if TYPE_CHECKING:
    import gradio as gr

    from reviewer.store import Store
    from reviewer.ui.service import ReviewFn

LOCAL_HOSTS = ("127.0.0.1", "localhost")


def build_demo(store: Store, *, review_fn: ReviewFn | None = None, use_corpus: bool = True,
               corpus_dir: str | Path | None = None, llm: bool = True) -> gr.Blocks:
    """The page and its endpoints bound to ``store`` (tests hand in a temp one)."""
    from reviewer.ui.app import build_demo as _build

    return _build(store, review_fn=review_fn, use_corpus=use_corpus, corpus_dir=corpus_dir, llm=llm)


def launch(demo: gr.Blocks, **kwargs: Any) -> tuple[Any, str, str]:
    """Launch with the app's settings (auth, upload limit, no telemetry); see ui_app.launch."""
    from reviewer.ui.app import launch as _launch

    return _launch(demo, **kwargs)


def host_refusal(host: str | None, auth: list[tuple[str, str]]) -> str | None:
    """Why the server must not bind to ``host``, or None: without REVIEWER_AUTH only loopback is allowed."""
    if host in (None, *LOCAL_HOSTS) or auth:
        return None
    return f"未设置 REVIEWER_AUTH 时只能监听 127.0.0.1（收到 --host {host}）；请设置 REVIEWER_AUTH=用户名:密码 后再开放访问。"


def default_port() -> int:
    """REVIEWER_PORT, else GRADIO_SERVER_PORT, else 7860 (a bad value falls back to 7860)."""
    for var in ("REVIEWER_PORT", "GRADIO_SERVER_PORT"):
        value = os.environ.get(var, "").strip()
        if value.isdigit():
            return int(value)
    return 7860


def port_busy(host: str, port: int) -> bool:
    """True when something already listens on host:port (checked before the slow start-up)."""
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def serve(port: int | None = None, host: str | None = None) -> None:
    """Start the web UI with the shipped corpus and the store under REVIEWER_HOME (blocks)."""
    from reviewer.settings import get_settings
    from reviewer.ui.access import auth_problem

    settings = get_settings()
    refusal = auth_problem(os.environ.get("REVIEWER_AUTH")) or host_refusal(host, settings.auth)
    if refusal:
        print(refusal, file=sys.stderr)
        raise SystemExit(2)
    port = port or default_port()
    busy = f"端口 {port} 已被占用：请关闭占用它的程序，或换一个端口（REVIEWER_PORT=7861 make run，或 --port 7861）。"
    if port_busy(host or "127.0.0.1", port):
        print(busy, file=sys.stderr)
        raise SystemExit(2)
    from reviewer.errors import SetupError
    from reviewer.store import Store

    try:
        store = Store(settings.db_path)
    except SetupError as err:  # e.g. a read-only REVIEWER_HOME: one line, not a traceback
        print(err, file=sys.stderr)
        raise SystemExit(2) from None
    _warm_corpus()
    demo = build_demo(store)
    try:
        launch(demo, port=port, host=host, prevent_thread_lock=True)
    except OSError:
        print(busy, file=sys.stderr)
        raise SystemExit(2) from None
    print(f"绩效自评审阅助手已启动：http://{host or '127.0.0.1'}:{port}/ （按 Ctrl+C 停止）", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()


def _warm_corpus() -> None:
    """Build or sync the corpus index in the background while the page loads, so the first
    review does not wait for it; a failure here is reported by that review, not here."""
    import threading

    def warm() -> None:
        try:
            from reviewer.corpus import open_corpus

            open_corpus()
        except Exception:  # noqa: BLE001, S110 - the review path reports corpus problems itself
            pass

    threading.Thread(target=warm, name="corpus-warmup", daemon=True).start()
