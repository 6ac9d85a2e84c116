"""Finding ids are given once and mean the same finding in `reviewer review` and `reviewer draft`,
with or without the corpus (seed 004: before, 7 of 23 critiques pointed at another row's finding)."""

from __future__ import annotations

import json

import pytest
from conftest import seed
from typer.testing import CliRunner

from reviewer.checks.base import SIMILARITY_CODES
from reviewer.cli import app


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    runner = CliRunner()
    path = str(seed("004"))

    def run(*args: str) -> dict:
        res = runner.invoke(app, list(args), env={"REVIEWER_HOME": str(home)})
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)

    out = {}
    for mode in ("corpus", "no-corpus"):
        extra = ["--no-corpus"] if mode == "no-corpus" else []
        out["review", mode] = run("review", path, "--format", "json", *extra)
        out["draft", mode] = run("draft", path, "--format", "json", "--no-llm", *extra)
    return out


def _findings(review: dict) -> dict[str, dict]:
    return {f["id"]: f for d in review["documents"] for f in d["findings"]}


@pytest.mark.parametrize("review_mode", ["corpus", "no-corpus"])
@pytest.mark.parametrize("draft_mode", ["corpus", "no-corpus"])
def test_every_critique_points_at_its_own_finding(outputs, review_mode, draft_mode):
    findings = _findings(outputs["review", review_mode])
    critiques = [d for d in outputs["draft", draft_mode]["drafts"] if d["kind"] == "critique"]
    assert len(critiques) >= 20
    for c in critiques:
        f = findings.get(c["finding_id"])
        if f is None:  # a corpus-only finding the other run did not make
            assert review_mode == "no-corpus" and draft_mode == "corpus"
            continue
        assert (f["project_id"], f["row_id"]) == (c["project_id"], c["row_id"]), c["finding_id"]


def test_rule_findings_keep_their_ids_with_or_without_the_corpus(outputs):
    def rule_ids(mode: str) -> dict[str, tuple]:
        return {i: (f["row_id"], f["project_id"], f["code"]) for i, f in _findings(outputs["review", mode]).items()
                if f["code"] not in SIMILARITY_CODES}

    with_corpus, without = rule_ids("corpus"), rule_ids("no-corpus")
    assert with_corpus == without and len(with_corpus) >= 10
    ids = sorted(int(i[1:]) for i in with_corpus)
    assert ids == list(range(1, len(ids) + 1))  # rule findings come first, numbered f1 … fN
