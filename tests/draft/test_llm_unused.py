"""When the model was not used, say so: one line on stderr, a notice in the UI, and
`reviewer llm check` (wrong key, closed port, timeout)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import seed
from fake_openai import Hang, Reply, Status

REVIEWER = str(Path(sys.executable).with_name("reviewer"))


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def run(*args: str, url: str, timeout: str = "5") -> subprocess.CompletedProcess:
    env = {**__import__("os").environ, "REVIEWER_LLM_BASE_URL": url, "REVIEWER_LLM_MODEL": "m"}
    return subprocess.run([REVIEWER, *args], capture_output=True, text=True, timeout=180, env=env)


@pytest.mark.parametrize("case, words", [
    ("401", ["HTTP 401", "REVIEWER_LLM_API_KEY"]),
    ("closed", ["无法连接"]),
])
def test_review_says_in_one_line_that_the_model_was_not_used(server, case, words):
    server.default = Status(401)
    url = server.url if case == "401" else closed_port_url()
    res = run("review", str(seed("003")), "--no-corpus", "--llm", "--format", "json", url=url)
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if "LLM 未被使用" in ln]
    assert len(lines) == 1 and all(w in lines[0] for w in words) and "离线起草" in lines[0], res.stderr


def test_llm_check_reports_each_failure_in_one_line(server):
    server.default = Status(401)
    res = run("llm", "check", url=server.url)
    assert res.returncode == 2 and "HTTP 401" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = run("llm", "check", url=closed_port_url())
    assert res.returncode == 2 and "无法连接" in res.stderr
    server.default = Hang(10)
    res = run("llm", "check", "--timeout", "1", url=server.url)
    assert res.returncode == 2 and "秒内没有回复" in res.stderr
    server.default = Reply("可以")
    res = run("llm", "check", url=server.url)
    assert res.returncode == 0 and "LLM 端点可用" in res.stdout


def test_llm_check_without_an_endpoint(monkeypatch):
    from typer.testing import CliRunner

    from reviewer.cli import app

    res = CliRunner().invoke(app, ["llm", "check"])
    assert res.exit_code == 2 and "未配置 REVIEWER_LLM_BASE_URL" in res.stderr


def test_the_ui_shows_a_notice_when_the_model_was_not_used(server, monkeypatch, tmp_path):
    from reviewer.store import Store
    from reviewer.ui.service import ReviewService, Upload

    server.default = Status(401)
    monkeypatch.setenv("REVIEWER_LLM_BASE_URL", server.url)
    service = ReviewService(Store(tmp_path / "s.sqlite3"), use_corpus=False, llm=True)
    out = service.review([Upload(str(seed("003")), "003.txt")])
    assert out["session_id"] and any("LLM 未被使用" in n and "HTTP 401" in n for n in out["notices"]), out["notices"]
