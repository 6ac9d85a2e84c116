"""Chat model from settings: langchain-openai ChatOpenAI against any OpenAI-compatible endpoint
(vLLM, Ollama, a llama.cpp server, DeepSeek, Qwen …), with an on-disk reply cache.

- Timeouts and retries with exponential backoff are the openai client's own (``timeout``,
  ``max_retries``); a semaphore caps concurrent requests.
- ``max_tokens`` goes in the body as well as langchain's ``max_completion_tokens``: llama.cpp's
  server ignores the latter and would otherwise generate until its context is full.
- Replies are cached on disk, one JSON file per sha256 of (template name and version,
  rendered messages, model, endpoint, generation settings), so re-running a review costs no call.
- After two consecutive transport failures the endpoint is treated as down for the rest of
  the run: every later request fails fast and the caller uses the offline drafter.
Plain-text replies only (no structured output), so servers that reject json_schema work too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reviewer.draft.templates import render, template_version
from reviewer.settings import Settings, get_settings, writable_dir

DEFAULT_TIMEOUT = 60.0  # seconds per request; a local 7B model drafts a paragraph well within it
DEFAULT_RETRIES = 2
DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_TOKENS = 600  # a draft is two to four sentences; this bounds a runaway server
BREAKER_FAILURES = 2
SYSTEM_TEMPLATE = "system.j2"

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


class LLMError(Exception):
    """The endpoint gave no usable reply: ``kind`` is "unavailable" (timeout, connection,
    HTTP error after retries, breaker open) or "malformed" (a body that is not a chat reply)."""

    def __init__(self, kind: Literal["unavailable", "malformed"], detail: str, reason: str = ""):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.reason = reason or detail  # one Chinese clause for the reviewer


def why_unavailable(exc: Exception, base_url: str, timeout: float) -> str:
    """An openai transport error as one Chinese clause: wrong key, wrong address, down, too slow."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return f"LLM 端点 {base_url} 在 {timeout:g} 秒内没有回复（模型太慢或已卡住）"
    if isinstance(exc, openai.APIConnectionError):
        return f"无法连接 LLM 端点 {base_url}（地址或端口不对，或服务未启动）"
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        if code in (401, 403):
            return f"LLM 端点拒绝了密钥（HTTP {code}），请检查 REVIEWER_LLM_API_KEY"
        if code == 404:
            return f"LLM 端点 {base_url} 找不到接口或模型（HTTP 404），请检查 REVIEWER_LLM_BASE_URL 和 REVIEWER_LLM_MODEL"
        return f"LLM 端点返回错误（HTTP {code}）"
    return f"LLM 端点出错（{type(exc).__name__}）"


@dataclass(frozen=True)
class Reply:
    text: str
    cached: bool
    prompt: str = ""  # the rendered user message: a reply must not repeat its instructions


class LLMClient:
    """Renders a task template with the system template, asks the endpoint, caches the reply."""

    def __init__(
        self,
        base_url: str,
        model: str | None,
        api_key: str | None = None,
        *,
        cache_dir: Path | None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_RETRIES,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ):
        self.base_url = base_url
        self.model = model or "default"  # llama.cpp's server ignores the name; others need one
        self.api_key = api_key or "not-needed"  # local servers want no key, the client wants one
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.max_retries = max_retries
        self.concurrency = max(1, concurrency)
        self.max_tokens = max_tokens
        self.calls = 0
        self.cache_hits = 0
        self._failures = 0
        self._down = False
        self.failure: str | None = None  # why the endpoint was not used, the first time it failed
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._chat_model = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides) -> LLMClient | None:
        """A client for REVIEWER_LLM_BASE_URL, or None when no endpoint is configured."""
        s = settings or get_settings()
        if not s.llm_base_url:
            return None
        writable_dir(s.llm_cache_dir)
        # A slow local model on a small CPU needs a longer wait and a shorter reply cap.
        for var, key in (("REVIEWER_LLM_TIMEOUT", "timeout"), ("REVIEWER_LLM_MAX_TOKENS", "max_tokens")):
            value = os.environ.get(var)
            if value and key not in overrides:
                overrides[key] = float(value) if key == "timeout" else int(value)
        return cls(s.llm_base_url, s.llm_model, s.llm_api_key, cache_dir=s.llm_cache_dir, **overrides)

    # ------------------------------------------------------------------ public

    def system_prompt(self) -> str:
        return render(SYSTEM_TEMPLATE)

    def chat(self, template: str, **context: object) -> Reply:
        """Ask for one reply to ``template`` rendered with ``context``; cached replies cost nothing."""
        system = self.system_prompt()
        user = render(template, **context)
        key = self._key(template, system, user)
        cached = self._cache_get(key)
        if cached is not None:
            with self._lock:
                self.cache_hits += 1
            return Reply(cached, cached=True, prompt=user)
        if self._down:
            raise LLMError("unavailable", "endpoint marked down after repeated failures", self.failure or "")
        text = self._invoke(system, user)
        self._cache_put(key, template, text)
        return Reply(text, cached=False, prompt=user)

    # ------------------------------------------------------------------ internals

    def _chat(self):
        if self._chat_model is None:
            from langchain_openai import ChatOpenAI

            self._chat_model = ChatOpenAI(
                model=self.model,
                base_url=self.base_url,
                api_key=self.api_key,
                timeout=self.timeout,
                max_retries=self.max_retries,
                temperature=0,
                max_tokens=self.max_tokens,
                extra_body={"max_tokens": self.max_tokens},
                use_responses_api=False,
                streaming=False,
            )
        return self._chat_model

    def _invoke(self, system: str, user: str) -> str:
        import openai
        from langchain_core.messages import HumanMessage, SystemMessage

        with self._lock:
            self.calls += 1
        try:
            with self._slots:
                message = self._chat().invoke([SystemMessage(system), HumanMessage(user)])
        except (openai.APITimeoutError, openai.APIConnectionError, openai.APIStatusError) as exc:
            reason = why_unavailable(exc, self.base_url, self.timeout)
            self._failed(reason)
            raise LLMError("unavailable", f"{type(exc).__name__}: {exc}", reason) from None
        except Exception as exc:  # noqa: BLE001 - any body the client could not read as a chat completion
            raise LLMError("malformed", f"{type(exc).__name__}: {exc}") from None
        with self._lock:
            self._failures = 0
        content = message.content
        if isinstance(content, list):  # content parts
            content = "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
        if not isinstance(content, str) or not content.strip():
            raise LLMError("malformed", "empty reply")
        return _THINK.sub("", content).strip()

    def check(self) -> float:
        """Ask the endpoint for one short reply, bypassing the cache; seconds taken, or LLMError."""
        import time

        started = time.monotonic()
        self._invoke(self.system_prompt(), render("check.j2"))
        return time.monotonic() - started

    def _failed(self, reason: str) -> None:
        with self._lock:
            self.failure = self.failure or reason
            self._failures += 1
            if self._failures >= BREAKER_FAILURES:
                self._down = True

    def _key(self, template: str, system: str, user: str) -> str:
        blob = json.dumps(
            {
                "template": template,
                "version": template_version(template),
                "system_version": template_version(SYSTEM_TEMPLATE),
                "messages": [system, user],
                "model": self.model,
                "endpoint": self.base_url.rstrip("/"),
                "max_tokens": self.max_tokens,
                "temperature": 0,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _cache_path(self, key: str) -> Path | None:
        return self.cache_dir / key[:2] / f"{key}.json" if self.cache_dir else None

    def _cache_get(self, key: str) -> str | None:
        path = self._cache_path(key)
        if path is None or not path.exists():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))["reply"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged entry is a miss, not a failure

    def _cache_put(self, key: str, template: str, text: str) -> None:
        path = self._cache_path(key)
        if path is None:
            return
        payload = json.dumps({"template": template, "model": self.model, "reply": text}, ensure_ascii=False)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
            os.replace(tmp, path)  # atomic: a concurrent reader never sees half a file
        except OSError:
            pass  # a full or read-only disk costs a repeated call next time, not this draft
