"""A self-evaluation published with its 完成值 column blank, and a table whose funding block was not read."""

from __future__ import annotations

from reviewer.pipeline import review_paths

HEADER = "一级指标\t二级指标\t三级指标\t指标值\t完成值\t分值\t得分\t偏差原因分析"


def _review(tmp_path, rows: list[str], total: str = "总分\t100\t") -> object:
    text = "\n".join(["某某项目支出绩效自评表（2023年度）", "项目名称\t道路养护", HEADER, *rows, total]) + "\n"
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    result = review_paths([path], use_corpus=False)
    assert not result.errors
    return result.documents[0]


def test_a_blank_actual_column_is_an_unfilled_self_evaluation(tmp_path):
    doc = _review(tmp_path, ["产出指标\t数量指标\t养护里程\t≥120公里\t\t50\t", "效益指标\t社会效益指标\t道路通行状况\t良好\t\t40\t"])
    assert doc.kind == "project_selfeval"
    flagged = {f.row_id for f in doc.findings if f.code == "EMPTY_ACTUAL"}
    assert flagged == {"p1.r1", "p1.r2"}


def test_weights_short_by_the_budget_points_of_an_unread_funding_block_are_not_an_error(tmp_path):
    doc = _review(tmp_path, ["产出指标\t数量指标\t养护里程\t≥120公里\t126公里\t50\t50",
                             "效益指标\t社会效益指标\t道路通行状况\t良好\t良好\t40\t40"])
    assert not [f for f in doc.findings if f.code == "ARITHMETIC_ERROR" and f.row_id is None]
    assert any("未读到资金执行表" in reason for reason in doc.coverage["ARITHMETIC_ERROR"].skipped)


def test_weights_short_by_anything_else_are_still_flagged(tmp_path):
    doc = _review(tmp_path, ["产出指标\t数量指标\t养护里程\t≥120公里\t126公里\t50\t50",
                             "效益指标\t社会效益指标\t道路通行状况\t良好\t良好\t30\t30"])
    assert any(f.code == "ARITHMETIC_ERROR" and "分值合计 80" in f.message for f in doc.findings)
