"""`reviewer review` as a user runs it: the JSON contract, exit codes, one-line errors, fast start."""

import json
import subprocess
import sys
from pathlib import Path

from conftest import TESTS, seed

REVIEWER = str(Path(sys.executable).with_name("reviewer"))


def run(*args, **kw):
    return subprocess.run([REVIEWER, *map(str, args)], capture_output=True, text=True, timeout=120, **kw)


def test_review_json_contract():
    res = run("review", seed("000"), "--no-corpus", "--format", "json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["schema"] == "reviewer.review/1"
    [doc] = out["documents"]
    assert set(doc) >= {"source", "title", "year", "kind", "projects", "findings", "coverage"}
    assert doc["source"] == str(seed("000")) and doc["year"] == 2023 and doc["kind"] == "department_selfeval"
    p = doc["projects"][0]
    assert set(p) == {"id", "name", "department", "unit", "budget", "total", "rows"}
    assert set(p["budget"]) == {"initial", "full", "spent", "rate", "weight", "score"}
    assert p["budget"]["rate"] == 0.9965 and p["total"] == {"weight": 100, "score": 98.5}
    row = p["rows"][0]
    assert set(row) == {"id", "goal", "level1", "level2", "indicator", "target", "actual", "weight", "score",
                        "explanation", "where"}
    assert row["id"] == "p1.r1" and row["goal"] == "绩效目标1" and row["where"] == "line 20"
    f = doc["findings"][0]
    assert set(f) == {"id", "code", "severity", "project_id", "row_id", "message", "evidence"} and f["id"] == "f1"
    assert doc["coverage"]["EMPTY_ACTUAL"]["checked"] > 0


def test_review_table_and_csv(tmp_path):
    res = run("review", seed("003"), "--no-corpus")
    assert res.returncode == 0 and "得分超过分值" in res.stdout and "劳务派遣人员经费" in res.stdout
    out = tmp_path / "f.csv"
    assert run("review", seed("003"), "--no-corpus", "--format", "csv", "--out", out).returncode == 0
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("source,finding_id,code") and "SCORE_OVER_WEIGHT" in text


def test_bad_file_among_good_ones(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"\x00\x01 not a docx" * 50)
    res = run("review", bad, seed("002"), "--no-corpus", "--format", "json")
    assert res.returncode == 2
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "bad.docx" in lines[0] and "Traceback" not in res.stderr
    assert [d["source"] for d in json.loads(res.stdout)["documents"]] == [str(seed("002"))]


def test_table_less_text_file(tmp_path):
    f = tmp_path / "prose.txt"
    f.write_text("本年度工作总结。\n没有任何表格。\n", encoding="utf-8")
    res = run("review", f, "--no-corpus")
    assert res.returncode == 2 and "未找到绩效指标表" in res.stderr and res.stderr.count("\n") == 1


def test_cli_starts_without_heavy_imports():
    code = ("import sys, reviewer.cli, reviewer.pipeline, reviewer.checks, reviewer.tables, reviewer.export;"
            "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'gradio', 'langchain_openai', 'openai')"
            " if m in sys.modules]; print(heavy); assert not heavy")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_report_text_never_becomes_a_spreadsheet_formula(tmp_path):
    """A cell reading =HYPERLINK(…) in a report stays text in the exported .xlsx and .csv."""
    import openpyxl

    report = TESTS / "data" / "formula_report.txt"
    xlsx = tmp_path / "out.xlsx"
    assert run("review", report, "--no-corpus", "--format", "xlsx", "--out", xlsx).returncode == 0
    wb = openpyxl.load_workbook(xlsx)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(isinstance(c.value, str) and c.value.startswith("=HYPERLINK") for c in cells)
    csv_out = run("review", report, "--no-corpus", "--format", "csv").stdout
    assert "'=HYPERLINK" in csv_out and ",=HYPERLINK" not in csv_out


def test_a_folder_stands_for_the_reports_in_it(tmp_path):
    """A county's batch as a folder: every report under it is reviewed, lock files are skipped."""
    import shutil

    batch = tmp_path / "县级报告"
    (batch / "二批").mkdir(parents=True)
    shutil.copy(seed("000"), batch / "a.txt")
    shutil.copy(seed("002"), batch / "二批" / "b.txt")
    (batch / "~$a.docx").write_bytes(b"lock")
    res = run("review", batch, "--no-corpus", "--format", "json")
    assert res.returncode == 0, res.stderr
    sources = [d["source"] for d in json.loads(res.stdout)["documents"]]
    assert sources == [str(batch / "a.txt"), str(batch / "二批" / "b.txt")]
