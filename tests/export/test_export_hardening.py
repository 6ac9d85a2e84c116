"""Exports under load and with hostile text: one whole file per request, no raw control characters
in any export or on the terminal, edits longer than the limit refused in Chinese."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
from conftest import seed
from review_samples import sample_document

from reviewer.export import review_to_html, review_to_xlsx
from reviewer.model import ReviewResult
from reviewer.settings import MAX_EDIT_CHARS
from reviewer.store import Store, StoreError
from reviewer.ui.exports import export_session

REVIEWER = str(Path(sys.executable).with_name("reviewer"))
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
HOSTILE = "绿色\x00办公\x1b[2J\x1b]0;pwned\x07\x9b31m\x7f" + "填" * 5000 + "\x01尾"


def _hostile_document():
    doc = sample_document()
    row = doc.projects[0].rows[2]
    row.indicator, row.explanation = HOSTILE, "原因\x0b不明\x1b[31m"
    doc.projects[0].name = "劳务派遣\x08人员经费"
    doc.findings[0].message = "完成值为空\x00。"
    return doc


def test_24_parallel_exports_get_24_whole_files(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    sid = store.create_session([sample_document()], user="alice")
    formats = ["xlsx", "json", "html"] * 8
    with ThreadPoolExecutor(24) as pool:
        paths = list(pool.map(lambda f: export_session(store, sid, f, tmp_path / "out"), formats))
    assert len(set(paths)) == 24
    for path, fmt in zip(paths, formats):
        if fmt == "xlsx":
            assert openpyxl.load_workbook(path).sheetnames[0] == "问题清单"
        elif fmt == "json":
            assert json.loads(path.read_text(encoding="utf-8"))["schema"] == "reviewer.session/1"
        else:
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)  # no temp left


def test_control_characters_are_shown_not_written_in_every_session_export(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    sid = store.create_session([_hostile_document()], user="alice")
    store.decide(sid, "d1.f3", "edit", "修改\x00后\x1b[2J的说明", reviewer="alice")
    for fmt in ("xlsx", "json", "html"):
        path = export_session(store, sid, fmt, tmp_path)
        if fmt == "xlsx":
            wb = openpyxl.load_workbook(path)
            texts = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
            assert any("绿色␀办公␛[2J" in t for t in texts) and any("修改␀后␛[2J" in t for t in texts)
            assert not any(RAW_CONTROL.search(t) for t in texts)
        else:
            text = path.read_text(encoding="utf-8")
            assert not RAW_CONTROL.search(text), (fmt, RAW_CONTROL.search(text))
            if fmt == "json":  # the data survive as escapes
                data = json.loads(text)
                assert data["documents"][0]["projects"][0]["rows"][2]["indicator"] == HOSTILE
            else:
                assert "绿色␀办公" in text


def test_control_characters_in_pipeline_exports(tmp_path):
    result = ReviewResult(documents=[_hostile_document()])
    wb = openpyxl.load_workbook(review_to_xlsx(result, tmp_path / "r.xlsx"))
    assert wb["问题清单"]["G2"].value == "完成值为空␀。"
    assert not RAW_CONTROL.search(review_to_html(result, tmp_path / "r.html"))


def _hostile_report(tmp_path: Path) -> Path:
    text = seed("003").read_text(encoding="utf-8")
    text = text.replace("指标 1: 绿色办公\t", "指标 1: 绿色办公\x1b]0;pwned\x07\x1b[2J\t", 1)
    path = tmp_path / "hostile.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_cli_output_never_carries_escape_sequences(tmp_path, fmt):
    res = subprocess.run([REVIEWER, "review", str(_hostile_report(tmp_path)), "--no-corpus", "--format", fmt],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    if fmt != "json":
        assert "␛]0;pwned␇␛[2J" in res.stdout


def test_table_output_does_not_read_report_text_as_markup(tmp_path):
    text = seed("003").read_text(encoding="utf-8").replace("指标 1: 绿色办公\t", "指标 1: [bold red]绿色办公\t", 1)
    path = tmp_path / "markup.txt"
    path.write_text(text, encoding="utf-8")
    res = subprocess.run([REVIEWER, "review", str(path), "--no-corpus"], capture_output=True, text=True, timeout=120)
    assert "[bold red]绿色办公" in res.stdout


def test_edits_over_the_limit_are_refused_in_chinese(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    sid = store.create_session([sample_document()], user="alice")
    with pytest.raises(StoreError, match="过长.*最多 10000 字"):
        store.decide(sid, "d1.f1", "edit", "字" * (MAX_EDIT_CHARS + 1))
    assert store.get_finding(sid, "d1.f1").status == "open"
    store.decide(sid, "d1.f1", "edit", "字" * MAX_EDIT_CHARS)
    wb = openpyxl.load_workbook(export_session(store, sid, "xlsx", tmp_path))
    assert "字" * MAX_EDIT_CHARS in [c.value for row in wb["问题清单"].iter_rows() for c in row]


def test_a_report_cell_longer_than_an_xlsx_cell_is_cut_with_a_note(tmp_path):
    doc = sample_document()
    doc.projects[0].rows[0].explanation = "长" * 40_000
    wb = openpyxl.load_workbook(review_to_xlsx(ReviewResult(documents=[doc]), tmp_path / "r.xlsx"))
    cells = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    long = [v for v in cells if v.startswith("长" * 100)]
    assert long and all(len(v) <= 32_767 and v.endswith("原文共 40000 字）") for v in long)
