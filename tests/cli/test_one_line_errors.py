"""Setup problems end as one Chinese line on stderr and exit 2, never a traceback (issue 13, Why §6):
an unusable REVIEWER_HOME, a missing or malformed REVIEWER_RULES, an --out that cannot be written."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, seed
from typer.testing import CliRunner

from reviewer.cli import app


def _one_line_exit_2(res, *words: str) -> None:
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.output and all(w in lines[0] for w in words), lines[0]


@pytest.fixture
def bad_home(tmp_path, monkeypatch):
    """A REVIEWER_HOME that is a file: nothing can be created under it (as root, chmod would not stop a write)."""
    home = tmp_path / "home-is-a-file"
    home.write_text("x")
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    return home


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("args", [
    ["review", seed("000"), "--format", "json"],
    ["corpus", "build"],
    ["corpus", "stats"],
    ["corpus", "search", "培训人次"],
    ["corpus", "add", seed("004")],
])
def test_unusable_home_is_one_line(bad_home, tmp_path, args):
    if args[0] == "corpus":
        corpus = tmp_path / "corpus"
        (corpus / "reports").mkdir(parents=True)
        args = [*args, "--corpus", corpus]
    _one_line_exit_2(invoke(*args), "REVIEWER_HOME", str(bad_home))


def test_unusable_home_still_allows_a_no_corpus_review_that_says_why(bad_home):
    res = invoke("review", seed("000"), "--no-corpus", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)["documents"][0]
    assert any("--no-corpus" in reason for c in doc["coverage"].values() for reason in c["skipped"])


def test_unusable_home_for_the_llm_cache_is_one_line(bad_home, monkeypatch):
    monkeypatch.setenv("REVIEWER_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    _one_line_exit_2(invoke("draft", seed("003")), "REVIEWER_HOME")


def test_server_start_with_unusable_home_is_one_line(bad_home, capsys):
    from reviewer.ui.server import serve

    with pytest.raises(SystemExit) as exc:
        serve(port=0)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "REVIEWER_HOME" in err[0]


SHIPPED_RULES = ROOT / "reviewer" / "rules.toml"


@pytest.mark.parametrize("content, words", [
    (None, ["规则文件", "无法读取"]),
    ("[weights\n产出指标 = 50\n", ["规则文件", "TOML", "第 1 行"]),
    ("[weights]\n\"产出指标\" = 50\n", ["规则文件", "缺少"]),
    ("bad-value", ["规则文件", "写错"]),
])
def test_bad_rules_file_is_one_line(tmp_path, monkeypatch, content, words):
    rules = tmp_path / "rules.toml"
    if content == "bad-value":  # the shipped file with one number written in words
        content = re.sub(r"(?m)^rate_points = .*$", 'rate_points = "五十"', SHIPPED_RULES.read_text(encoding="utf-8"))
    if content is not None:
        rules.write_text(content, encoding="utf-8")
    monkeypatch.setenv("REVIEWER_RULES", str(rules))
    _one_line_exit_2(invoke("review", seed("000"), "--no-corpus"), *words)


def test_bad_rules_file_is_a_chinese_message_in_the_ui(tmp_path, monkeypatch):
    from reviewer.store import Store
    from reviewer.ui.service import ReviewService, Upload

    monkeypatch.setenv("REVIEWER_RULES", str(tmp_path / "missing.toml"))
    service = ReviewService(Store(tmp_path / "s.sqlite3"), use_corpus=False, llm=False)
    out = service.review([Upload(str(seed("000")), "000.txt")])
    assert any("规则文件" in e["message"] and "REVIEWER_RULES" in e["message"] for e in out["errors"]), out


@pytest.mark.parametrize("where", ["missing-folder", "folder"])
def test_bad_out_path_is_one_line(tmp_path, where):
    out = tmp_path / "nope" / "r.json" if where == "missing-folder" else tmp_path
    res = invoke("review", seed("000"), "--no-corpus", "--format", "json", "--out", out)
    _one_line_exit_2(res, "--out", "文件夹")
