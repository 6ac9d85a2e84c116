"""Every seed's rows and rule findings, pinned as readable JSON (tests/golden/).

A change in what a real file yields must be looked at, not drift quietly: on a difference the test
fails with a diff and writes the new version to tests/output/; run with REVIEWER_UPDATE_GOLDEN=1 to
accept it (then read the git diff of tests/golden/ before committing).
"""

from __future__ import annotations

import difflib
import json
import os

import pytest
from conftest import TESTS, seed

from reviewer import review_paths

GOLDEN = TESTS / "golden"
OUTPUT = TESTS / "output"
SEEDS = ["000", "001", "002", "003", "004"]


def _cell(value) -> str | None:
    return None if value is None else str(value)


def golden_text(name: str) -> str:
    """The seed reviewed without the corpus: projects, rows (one per line) and rule findings."""
    result = review_paths([seed(name)], use_corpus=False)
    assert not result.errors, result.errors
    doc = result.documents[0]
    title = json.dumps(doc.title, ensure_ascii=False)
    lines = ["{", f'  "title": {title}, "year": {doc.year}, "kind": {json.dumps(doc.kind)},', '  "projects": [']
    for i, p in enumerate(doc.projects):
        head = {"id": p.id, "name": p.name, "total": [_cell(p.total.weight), _cell(p.total.score)] if p.total else None}
        lines.append(f"    {{{json.dumps(head, ensure_ascii=False)[1:-1]}, \"rows\": [")
        for j, r in enumerate(p.rows):
            row = [r.id, r.level1, r.level2, r.indicator, r.target, r.actual, _cell(r.weight), _cell(r.score)]
            lines.append("      " + json.dumps(row, ensure_ascii=False) + ("," if j < len(p.rows) - 1 else ""))
        lines.append("    ]}" + ("," if i < len(doc.projects) - 1 else ""))
    lines.append("  ],")
    lines.append('  "findings": [')
    for k, f in enumerate(doc.findings):
        item = [f.id, f.code, f.severity, f.project_id, f.row_id]
        lines.append("    " + json.dumps(item, ensure_ascii=False) + ("," if k < len(doc.findings) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", SEEDS)
def test_seed_output_matches_golden(name):
    path = GOLDEN / f"seed_{name}.json"
    now = golden_text(name)
    json.loads(now)  # the golden file is real JSON
    if os.environ.get("REVIEWER_UPDATE_GOLDEN") == "1":
        path.write_text(now, encoding="utf-8")
    was = path.read_text(encoding="utf-8")
    if now != was:
        OUTPUT.mkdir(exist_ok=True)
        (OUTPUT / path.name).write_text(now, encoding="utf-8")
        diff = "".join(list(difflib.unified_diff(was.splitlines(True), now.splitlines(True), str(path),
                                                 str(OUTPUT / path.name)))[:60])
        pytest.fail(f"seed {name} reads differently from {path.name}:\n{diff}")
