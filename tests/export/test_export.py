"""Exports a reviewer sends back: the original table with decided explanations, the audit JSON, the letter."""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import seed
from review_samples import sample_document

from reviewer.export import review_to_html, review_to_xlsx
from reviewer.model import ReviewError, ReviewResult
from reviewer.store import Store
from reviewer.ui.exports import export_session


@pytest.fixture
def reviewed(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    sid = store.create_session([sample_document("003_劳务派遣.txt")], user="alice")
    store.decide(sid, "d1.f3", "accept", reviewer="alice")  # takes the draft
    store.decide(sid, "d1.f1", "edit", "实际发放52人，发放率100%。", reviewer="bob")
    store.decide(sid, "d1.f4", "reject", "省级模板指标", reviewer="bob")
    return store, sid


def _indicator_table(ws):
    """Header cells → column index, and rows below the 一级指标 header keyed by 三级指标."""
    for row in ws.iter_rows():
        texts = [c.value for c in row]
        if "三级指标" in texts and "偏差原因分析及改进措施" in texts:
            cols = {t: i for i, t in enumerate(texts) if t}
            body = {}
            for r in ws.iter_rows(min_row=row[0].row + 1):
                if r[cols["三级指标"]].value:
                    body[r[cols["三级指标"]].value] = r
            return cols, body
    raise AssertionError("no indicator table in sheet")


def test_xlsx_keeps_the_layout_and_writes_decided_explanations(reviewed, tmp_path):
    store, sid = reviewed
    path = export_session(store, sid, "xlsx", tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "问题清单" and "劳务派遣人员经费（人社局）" in wb.sheetnames
    ws = wb["劳务派遣人员经费（人社局）"]
    assert ws["A1"].value == "劳务派遣人员经费（人社局）项目支出绩效自评表"
    cols, body = _indicator_table(ws)
    assert list(cols)[:8] == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                              "偏差原因分析及改进措施"]
    explain = cols["偏差原因分析及改进措施"]
    edited, accepted, untouched = body["发放人数，按人数发放率"], body["绿色办公"], body["服务对象满意度"]
    assert edited[explain].value == "实际发放52人，发放率100%。"
    assert accepted[explain].value.startswith("生态效益指标得分5分")
    assert untouched[explain].value == "无"
    # Changed cells are highlighted and carry the original text; untouched ones are not.
    assert edited[explain].fill.fgColor.rgb.endswith("FFF2CC") and "原文：无" in edited[explain].comment.text
    assert untouched[explain].fill.fgColor.rgb in (None, "00000000")
    assert (accepted[cols["分值"]].value, accepted[cols["得分"]].value) == (10, 5)
    # 一级指标 cells are merged as in the source table.
    assert any(str(r).startswith("A") and r.max_row > r.min_row for r in ws.merged_cells.ranges)

    findings = list(wb["问题清单"].iter_rows(values_only=True))
    header, rows = findings[0], {r[0]: r for r in findings[1:]}
    assert len(rows) == 6
    f1 = dict(zip(header, rows["d1.f1"]))
    assert (f1["问题类型"], f1["状态"], f1["审核人"]) == ("实际完成值缺失", "修改后确认", "bob")
    assert dict(zip(header, rows["d1.f4"]))["定稿偏差原因分析 / 不是问题的理由"] == "省级模板指标"
    assert dict(zip(header, rows["d1.f3"]))["审核意见"].startswith("该指标扣5分")  # decided: no longer a draft
    assert not any("草稿" in str(h) for h in header)


def test_the_reviewers_critique_and_row_text_are_what_is_exported(reviewed, tmp_path):
    store, sid = reviewed
    store.decide(sid, "d1.f3", "edit", "办公用房调整，扣5分。", critique="请说明扣分依据。", reviewer="bob")
    store.decide(sid, "d1.f4", "accept", reviewer="bob")  # same row: must not bring the draft back
    wb = openpyxl.load_workbook(export_session(store, sid, "xlsx", tmp_path))
    _, body = _indicator_table(wb["劳务派遣人员经费（人社局）"])
    cols, _ = _indicator_table(wb["劳务派遣人员经费（人社局）"])
    assert body["绿色办公"][cols["偏差原因分析及改进措施"]].value == "办公用房调整，扣5分。"
    sheet = list(wb["问题清单"].iter_rows(values_only=True))
    f3 = dict(zip(sheet[0], next(r for r in sheet if r[0] == "d1.f3")))
    assert f3["审核意见"] == "请说明扣分依据。" and f3["状态"] == "修改后确认"
    html = export_session(store, sid, "html", tmp_path).read_text(encoding="utf-8")
    assert "请说明扣分依据。" in html and "【请补充" not in html


def test_json_export_carries_the_full_audit_trail(reviewed, tmp_path):
    store, sid = reviewed
    data = json.loads(export_session(store, sid, "json", tmp_path, who="carol").read_text(encoding="utf-8"))
    assert data["schema"] == "reviewer.session/1" and data["session"]["id"] == sid
    assert [(e["who"], e["what"], e["target"]) for e in data["audit"]] == [
        ("alice", "create_session", None), ("alice", "accept", "d1.f3"), ("bob", "edit", "d1.f1"),
        ("bob", "reject", "d1.f4"), ("carol", "export", None)]
    f1 = next(f for f in data["findings"] if f["id"] == "d1.f1")
    assert f1["status"] == "edited" and f1["decisions"][0]["text"] == "实际发放52人，发放率100%。"
    assert data["documents"][0]["projects"][0]["rows"][0]["indicator"] == "发放人数，按人数发放率"


def test_html_letter_is_self_contained_and_escapes_report_text(reviewed, tmp_path):
    store, sid = reviewed
    html = export_session(store, sid, "html", tmp_path).read_text(encoding="utf-8")
    assert "关于《劳务派遣人员经费（人社局）项目支出绩效自评表》的审核意见" in html
    assert "实际发放52人，发放率100%。" in html and "省级模板指标" in html  # confirmed and excluded sections
    for external in ("http://", "https://", "<script", "<link", "@import", "url("):
        assert external not in html

    doc = sample_document()
    doc.projects[0].rows[0].indicator = "<script>alert(1)</script>"
    letter = review_to_html(ReviewResult(documents=[doc]))
    assert "<script>alert" not in letter and "&lt;script&gt;" in letter
    assert "尚未经人工审核" in letter


def test_pipeline_result_exports_without_decisions(tmp_path):
    from reviewer.pipeline import review_paths

    result = review_paths([seed("003")], use_corpus=False)
    result.errors.append(ReviewError(source="/tmp/坏文件.pdf", message="文件已损坏，无法读取。"))
    path = review_to_xlsx(result, tmp_path / "review.xlsx")
    wb = openpyxl.load_workbook(path)
    doc = result.documents[0]
    assert len(wb.sheetnames) == 2 + len(doc.projects)
    rows = list(wb["问题清单"].iter_rows(values_only=True))[1:]
    assert len(rows) == len(doc.findings) and {r[7] for r in rows} == {"待审核"}
    summary = [r for r in wb["审阅概况"].iter_rows(values_only=True)]
    assert ("未能审阅的文件", "坏文件.pdf：文件已损坏，无法读取。") in summary
    html = review_to_html(result, tmp_path / "review.html")
    assert (tmp_path / "review.html").read_text(encoding="utf-8") == html
    assert "坏文件.pdf" in html
