"""Every seed parses into the projects and rows a reviewer sees in the source."""

from decimal import Decimal as D

import pytest
from conftest import seed

from reviewer.pipeline import parse_path


def rows_of(doc, project_name):
    return {r.indicator: r for p in doc.projects if p.name == project_name for r in p.rows}


@pytest.mark.parametrize(
    "name, kind, projects, rows",
    [("000", "department_selfeval", 1, 110), ("001", "narrative", 36, 0), ("002", "department_selfeval", 2, 64),
     ("003", "project_selfeval", 24, 229), ("004", "targets", 17, 154)],
)
def test_seed_shapes(name, kind, projects, rows):
    doc = parse_path(seed(name))
    assert doc.kind == kind
    assert len(doc.projects) == projects
    assert sum(len(p.rows) for p in doc.projects) == rows


def test_seed_000_department_table():
    doc = parse_path(seed("000"))
    p = doc.projects[0]
    assert p.name == "天津市人力资源和社会保障局" and doc.year == 2023
    assert (p.budget.full, p.budget.spent, p.budget.rate) == (D("3162376.70"), D("3151155.20"), D("0.9965"))
    assert p.total.weight == 100 and p.total.score == D("98.5")
    r = rows_of(doc, p.name)["数字化加工人次"]
    assert (r.goal, r.level1, r.level2, r.target, r.actual, r.weight, r.score) == (
        "绩效目标3", "产出指标", "数量指标", "≥1260册", "1015册", 1, 0)
    assert r.explanation.startswith("根据工作需要")
    # A row shifted one column left in the export ("符合政策条件…比例" in the 一级 column).
    shifted = rows_of(doc, p.name)["符合政策条件社会保险补贴比例"]
    assert (shifted.goal, shifted.level2, shifted.target, shifted.actual) == ("绩效目标4", "数量指标", "100%", "100%")
    # The table's end: the conclusion paragraph after 总分 is not glued onto the last row.
    assert rows_of(doc, p.name)["学生、家长满意度"].actual == "95%"


def test_seed_003_project_tables():
    doc = parse_path(seed("003"))
    names = [p.name for p in doc.projects]
    assert names.count("档案管理") == 2
    first = doc.projects[0]
    assert first.name == "劳务派遣人员经费(人社局)"
    r = rows_of(doc, first.name)["经费专款专用率,经费专款专业率"]
    assert (r.level1, r.level2, r.actual, r.weight, r.score, r.explanation) == ("产出指标", "质量指标", "完成", 15, 20, "无")
    assert first.level1_weights == {"产出指标": 50, "效益指标": 40}
    fund = next(p for p in doc.projects if p.name.startswith("冀财社[2023]220号"))
    assert (fund.budget.full, fund.budget.spent, fund.budget.rate, fund.budget.score) == (161, D("150.23"), D("0.933"), D("9.3"))
    # "指标 1: " prefixes are stripped; the wrapped 保险信息系统建设 cells are joined.
    assert "指标" not in first.rows[0].indicator[:3]
    assert "当年采购硬件的数量" in rows_of(doc, "保险信息系统建设")


def test_seed_004_targets_and_activity_table():
    doc = parse_path(seed("004"))
    assert doc.year == 2023
    names = [p.name for p in doc.projects]
    assert names[0] == "部门活动绩效指标" and len(doc.projects[0].rows) == 51
    assert "社会保障业务经费" in names and "劳动力市场基础设施维护维修专项经费" in names
    social = rows_of(doc, "社会保障业务经费")
    assert social["电梯更换完成次数"].target == "1次" and social["电梯更换完成次数"].actual is None
    assert doc.projects[0].rows[0].goal == "0101 就业创业扶持政策的制定及管理"


def test_seed_001_lists_projects_with_scores():
    doc = parse_path(seed("001"))
    p = doc.projects[0]
    assert p.name == "补足应急周转金账户资金" and p.total.score == D("97.59")
    assert any(x.budget.full == 0 for x in doc.projects)


def test_gbk_text_reads_the_same(tmp_path):
    src = seed("003").read_text(encoding="utf-8")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(src.encode("gb18030"))
    a, b = parse_path(seed("003")), parse_path(gbk)
    assert [len(p.rows) for p in a.projects] == [len(p.rows) for p in b.projects]


def test_markdown_pipe_table_reads_like_the_tab_export(tmp_path):
    """The same 003 table written as a markdown pipe table gives the same project and rows."""
    lines = seed("003").read_text(encoding="utf-8").splitlines()
    start = lines.index("劳务派遣人员经费（人社局）项目支出绩效自评表")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("总分"))
    out = []
    for line in lines[start:end + 1]:
        if "\t" in line:
            cells = line.split("\t")
            out.append("| " + " | ".join(c if c.strip() else " " for c in cells) + " |")
            if len(out) == 1 or not out[-2].startswith("|"):
                out.append("|" + "---|" * len(cells))
        else:
            out.append(line)
    md = tmp_path / "pipe.md"
    md.write_text("\n".join(out), encoding="utf-8")
    got, want = parse_path(md).projects[0], parse_path(seed("003")).projects[0]
    assert got.name == want.name and got.budget.model_dump() == want.budget.model_dump()
    assert [(r.indicator, r.target, r.actual, r.weight, r.score) for r in got.rows] == \
        [(r.indicator, r.target, r.actual, r.weight, r.score) for r in want.rows]
