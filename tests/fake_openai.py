"""A local OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, in a thread.

Replies are scripted per request (``enqueue``) or computed from the request (``responder``);
every request body is recorded in ``requests``. Besides a normal reply, an action can be an
HTTP error status, a hang (sleep longer than the client's timeout) or a malformed body.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass(frozen=True)
class Reply:
    text: str


@dataclass(frozen=True)
class Status:
    code: int = 500


@dataclass(frozen=True)
class Hang:
    seconds: float = 30.0


@dataclass(frozen=True)
class Malformed:
    body: bytes = b'{"id": "x", "choices": [ {"message": '


Action = Reply | Status | Hang | Malformed


class FakeOpenAI:
    """Start with ``with FakeOpenAI() as server:``; point the client at ``server.url``."""

    def __init__(self, default: Action | None = None):
        self.default: Action = default or Reply("（未设定回复）")
        self.responder: Callable[[dict], Action | None] | None = None
        self.requests: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._script: deque[Action] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # ------------------------------------------------------------------ control

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def enqueue(self, *actions: Action) -> None:
        with self._lock:
            self._script.extend(actions)

    def user_messages(self) -> list[str]:
        return [m["content"] for r in self.requests for m in r["messages"] if m["role"] == "user"]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()  # wakes hanging handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------------ serving

    def _next(self, body: dict) -> Action:
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self.responder is not None:
            action = self.responder(body)
            if action is not None:
                return action
        return self.default

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._send(404, b'{"error": {"message": "not found"}}')
                    return
                with fake._lock:
                    fake.requests.append(body)
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                self._counted = True
                try:
                    self._act(fake._next(body), body)
                finally:
                    with fake._lock:
                        if self._counted:
                            fake.in_flight -= 1

            def _act(self, action: Action, body: dict) -> None:
                if isinstance(action, Hang):
                    fake._stop.wait(action.seconds)
                    return  # the client gave up long ago; close without answering
                if isinstance(action, Status):
                    self._send(action.code, json.dumps({"error": {"message": "boom", "type": "server_error"}}).encode())
                    return
                if isinstance(action, Malformed):
                    self._send(200, action.body)
                    return
                payload = {
                    "id": f"chatcmpl-{len(fake.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": action.text}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                self._send(200, json.dumps(payload, ensure_ascii=False).encode("utf-8"))

            def _send(self, code: int, data: bytes) -> None:
                with fake._lock:  # the client may send its next request as soon as this one is answered
                    fake.in_flight -= 1
                    self._counted = False
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


# ---------------------------------------------------------------------- models that fail as real ones do


def _user(body: dict) -> str:
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


def _block(body: dict) -> str:
    """The job's own data block (the last one; the ones before belong to the prompt's examples)."""
    return _user(body).rsplit("<<<报告内容", 1)[-1]


def parroting(body: dict) -> Reply:
    """gemma-3-270m's habit: the prompt's own opening lines sent back as the reply."""
    return Reply(_user(body).strip()[:120])


def same_sentence(body: dict) -> Reply:
    """One generic sentence for every row and finding."""
    return Reply("该项存在填报不规范问题，请单位认真核实并补充完善相关内容，确保数据真实准确。")


def obedient(body: dict) -> Reply:
    """Takes the figures of the 偏差原因分析 cell for the row's own (a planted-figure injection works on it)."""
    import re

    block = _block(body)
    name = re.search(r"三级指标：(.*)", block)
    cell = re.search(r"现有偏差原因分析：(.*)", block)
    return Reply(f"“{name.group(1) if name else ''}”{cell.group(1) if cell else ''}。下一步将加强统计核对。")


def client_for(server: FakeOpenAI, tmp_path, model: str = "test-model", **kw):  # type: ignore[no-untyped-def]
    """A real LLMClient pointed at the fake server, with a short timeout and no retries."""
    from reviewer.draft.llm import LLMClient

    kw.setdefault("timeout", 2)
    kw.setdefault("max_retries", 0)
    return LLMClient(server.url, model, None, cache_dir=tmp_path / "llm-cache", **kw)
