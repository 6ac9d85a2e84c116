"""The reader works from the header's vocabulary, says what it could not read, and learns new
header words from a province's vocabulary file — no code change."""

import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from reviewer.errors import InputError
from reviewer.pipeline import parse_path, review_paths

REVIEWER = str(Path(sys.executable).with_name("reviewer"))

# A 项目支出绩效自评表 as a county in Anhui prints it: level weights in the 一级 cell, "指标N:" prefixes.
TABLE = """防震减灾项目支出绩效自评表
(2021年度)
项目名称\t防震减灾综合保障
主管部门\t宣城市地震局\t实施单位\t宣城市地震局
项目资金(万元)\t\t年初预算数\t全年预算数(A)\t全年执行数(B)\t分值\t执行率(B/A)\t得分
\t年度资金总额:\t55\t55\t55\t10\t100%\t10
年度绩效指标完成情况\t一级指标\t二级指标\t三级指标\t年度指标值\t{actual}\t分值\t得分\t偏差原因分析及改进措施
\t产出指标(50分)\t数量指标\t指标1:接受业务培训人数\t≥200人\t180人\t10\t9\t
\t\t\t指标2:科普馆参观人数\t500\t600余人\t10\t10\t
\t\t质量指标\t指标1:台网运行率\t≥95%\t99.12%\t10\t10\t
"""


def write(tmp_path, text, name="t.txt"):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def test_rows_read_by_column_with_weight_suffix_on_level(tmp_path):
    doc = parse_path(write(tmp_path, TABLE.format(actual="实际完成值")))
    p = doc.projects[0]
    r = p.rows[0]
    assert (r.level1, r.level2, r.indicator, r.target, r.actual, r.weight, r.score) == (
        "产出指标", "数量指标", "接受业务培训人数", "≥200人", "180人", 10, 9)
    assert p.level1_weights == {"产出指标": 50}
    assert p.rows[2].level1 == "产出指标" and p.rows[2].level2 == "质量指标"
    assert (p.budget.full, p.budget.spent, p.budget.rate, p.budget.weight, p.budget.score) == (55, 55, 1, 10, 10)
    rep = doc.parse[0]
    assert rep.columns["实际完成值"] == "actual" and rep.unrecognised == [] and rep.missing == []


@pytest.mark.parametrize("word", ["全年实际值", "实际完成", "完成情况", "全年完成值", "实际完成值(B)"])
def test_actual_header_synonyms(tmp_path, word):
    doc = parse_path(write(tmp_path, TABLE.format(actual=word)))
    assert [r.actual for r in doc.projects[0].rows] == ["180人", "600余人", "99.12%"]
    assert doc.kind == "project_selfeval"


def test_unknown_header_is_reported_and_checks_say_not_checked(tmp_path):
    res = review_paths([write(tmp_path, TABLE.format(actual="年终实测数"))], use_corpus=False)
    doc = res.documents[0]
    assert doc.parse[0].unrecognised == ["年终实测数"]
    assert doc.parse[0].missing == ["actual"]
    skipped = doc.coverage["EMPTY_ACTUAL"].skipped
    assert any("年终实测数" in reason for reason in skipped), skipped
    assert "FULL_SCORE_ON_SHORTFALL" in doc.coverage and doc.coverage["FULL_SCORE_ON_SHORTFALL"].skipped


def test_province_vocabulary_file_teaches_a_header_word(tmp_path, monkeypatch):
    f = write(tmp_path, TABLE.format(actual="年终实测数"))
    vocab = tmp_path / "vocab"
    vocab.mkdir()
    (vocab / "headers.toml").write_text('[roles]\nactual = ["年终实测数"]\n', encoding="utf-8")
    monkeypatch.setenv("REVIEWER_VOCAB", str(vocab))
    doc = parse_path(f)
    assert [r.actual for r in doc.projects[0].rows] == ["180人", "600余人", "99.12%"]
    assert doc.parse[0].unrecognised == []


def test_header_without_indicator_column_exits_2_naming_it(tmp_path):
    f = write(tmp_path, "项目名称\t测试\n名目\t年度指标值\t实际完成值\t分值\t得分\n甲\t≥1\t1\t10\t10\n")
    with pytest.raises(InputError, match="没有三级指标.*未识别的列：名目"):
        parse_path(f)
    res = subprocess.run([REVIEWER, "review", str(f), "--no-corpus"], check=False, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2
    assert "名目" in res.stderr and "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_one_cell_per_line_rows_from_header_width(tmp_path):
    # Empty cells are blank lines; no blank line separates rows.
    lines = ["项目名称", "雾炮车服务", "一级指标", "二级指标", "三级指标", "指标值",
             "产出指标", "数量指标", "配备车辆数", "10辆",
             "", "", "风炮射程", "80米",
             "", "质量指标", "空气质量", "优良"]
    doc = parse_path(write(tmp_path, "\n".join(lines) + "\n"))
    p = doc.projects[0]
    assert p.name == "雾炮车服务"
    assert [(r.level2, r.indicator, r.target) for r in p.rows] == [
        ("数量指标", "配备车辆数", "10辆"), ("数量指标", "风炮射程", "80米"), ("质量指标", "空气质量", "优良")]


def test_level1_printed_mid_block_covers_rows_above(tmp_path):
    text = ("项目名称\t主体班\n"
            "一级指标\t二级指标\t三级指标\t指标值\n"
            "\t数量指标\t培训人次\t280人次\n"
            "产出指标\t\t课程数量\t220门\n"
            "\t质量指标\t培训完成率\t100%\n"
            "满意度指标\t服务对象满意度指标\t学员满意度\t≥95%\n")
    rows = parse_path(write(tmp_path, text)).projects[0].rows
    assert [(r.level1, r.level2) for r in rows] == [
        ("产出指标", "数量指标"), ("产出指标", "数量指标"), ("产出指标", "质量指标"), ("满意度指标", "服务对象满意度指标")]


def test_funding_blank_initial_budget_does_not_shift(tmp_path):
    text = TABLE.format(actual="实际完成值").replace("\t年度资金总额:\t55\t55\t55\t10\t100%\t10",
                                                "\t年度资金总额:\t\t65.07\t64.42\t10\t\t9.9")
    b = parse_path(write(tmp_path, text)).projects[0].budget
    assert (b.initial, b.full, b.spent, b.weight, b.rate, b.score) == (None, D("65.07"), D("64.42"), 10, None, D("9.9"))


def test_xlsx_formula_text_without_cached_value(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "结算费用"])
    ws.append(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"])
    ws.append(["产出指标", "数量指标", "结算完成率", "=100%", 1, 10, 10])
    ws["E3"].number_format = "0%"
    f = tmp_path / "t.xlsx"
    wb.save(f)
    r = parse_path(f).projects[0].rows[0]
    assert (r.target, r.actual) == ("=100%", "100%")


def test_targets_table_rows_with_blank_labels_stay_apart(tmp_path):
    text = ("项目名称\t农村道路\n"
            "一级指标\t二级指标\t三级指标\t指标值\n"
            "产出指标\t数量指标\t道路硬化里程\t≥100公里\n"
            "\t\t脱贫户供水设施数量\t≥20座\n"
            "数量指标\n"
            "\t\t桥梁维修座数\t≥3座\n")
    rows = parse_path(write(tmp_path, text)).projects[0].rows
    assert [(r.indicator, r.target) for r in rows] == [
        ("道路硬化里程", "≥100公里"), ("脱贫户供水设施数量", "≥20座"), ("桥梁维修座数", "≥3座")]


def test_level2_label_on_its_own_row_sets_the_category_below(tmp_path):
    text = ("项目名称\t文物保护\n"
            "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\n"
            "产出指标\t数量指标\t修缮文物点数\t3处\t3处\t10\t10\n"
            "\t质量指标\t\t\t\t\t\n"
            "\t\t验收合格率\t100%\t100%\t10\t10\n")
    doc = parse_path(write(tmp_path, text))
    rows = doc.projects[0].rows
    assert [(r.level1, r.level2, r.indicator) for r in rows] == [
        ("产出指标", "数量指标", "修缮文物点数"), ("产出指标", "质量指标", "验收合格率")]


def test_ui_coverage_panel_shows_how_tables_were_read(tmp_path):
    from reviewer.store import Store
    from reviewer.ui import view as ui_view

    res = review_paths([write(tmp_path, TABLE.format(actual="年终实测数"))], use_corpus=False)
    store = Store(tmp_path / "s.sqlite3")
    sid = store.create_session(res.documents)
    html = ui_view.coverage_html(store.coverage(sid), store.parse_reports(sid))
    assert "未识别的列：年终实测数" in html
    assert "列未识别（年终实测数），缺少实际完成值列" in html


def test_project_period_outside_the_report_year_is_a_year_mismatch(tmp_path):
    text = ("2023年度项目支出绩效目标表\n"
            "项目名称\t安全生产专项督查经费\t项目分类\t运转类\n"
            "建设周期\t2025年1月1日-2025年12月31日\n"
            "一级指标\t二级指标\t三级指标\t指标值\t分值\n"
            "产出指标\t数量指标\t专项督查次数\t≥5次\t10\n")
    res = review_paths([write(tmp_path, text)], use_corpus=False)
    doc = res.documents[0]
    assert doc.projects[0].name == "安全生产专项督查经费" and doc.projects[0].period.startswith("2025年")
    years = [f for f in doc.findings if f.code == "YEAR_MISMATCH"]
    assert years and years[0].row_id is None and "2025年1月1日" in years[0].message
