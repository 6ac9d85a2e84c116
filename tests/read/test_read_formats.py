"""The .docx/.xlsx/.pdf readers return what the seed text exports show, merges expanded.

Fixtures are built from the seeds at test time (tests/fixtures_build.py): seed 003's first two
project tables and seed 000's department table plus its first 年度指标 chunk.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pytest
from conftest import seed
from fixtures_build import (
    CJK_FONT,
    NARRATIVE,
    UNRULED,
    Section,
    build_docx,
    build_encrypted_pdf,
    build_pdf,
    build_pdf_narrative,
    build_pdf_without_text,
    build_xlsx,
    build_zip_bomb,
    expanded,
    register_cjk_font,
    seed_sections,
    text_export,
)

from reviewer.errors import InputError
from reviewer.model import Grid, Paragraph
from reviewer.read import read_path


@pytest.fixture(scope="module")
def sections() -> list[Section]:
    return seed_sections(seed("003"), 2, "003") + seed_sections(seed("000"), 2, "000")


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory, sections):
    out = tmp_path_factory.mktemp("formats")
    s003, s000 = sections[:2], sections[2:]
    return {
        "docx": build_docx(sections, out / "report.docx"),
        "xlsx": build_xlsx({"自评表": s003, "部门整体": s000}, out / "report.xlsx"),
        "pdf": build_pdf(sections, out / "report.pdf"),
        "txt": _write(out / "report.txt", text_export(s003) + text_export(s000)),
    }


def _write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def _grids(doc) -> list[Grid]:
    return [b for b in doc.blocks if isinstance(b, Grid)]


WHERE = {
    "docx": re.compile(r"^table \d+ r\d+c\d+$"),
    "xlsx": re.compile(r"^(自评表|部门整体)![A-Z]+\d+$"),
    "pdf": re.compile(r"^page \d+ table \d+ r\d+c\d+$"),
}


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf"])
def test_grids_equal_seed_text_cell_by_cell_with_merges_expanded(fmt, fixtures, sections):
    doc = read_path(fixtures[fmt])
    assert doc.format == fmt
    grids = _grids(doc)
    assert len(grids) == len(sections)
    for grid, section in zip(grids, sections):
        got = [[(cell.text, cell.merged, cell.origin_offset) for cell in row] for row in grid.rows]
        assert got == expanded(section), f"{fmt} {grid.where}"
        for row in grid.rows:
            assert all(WHERE[fmt].match(cell.where) for cell in row), [c.where for c in row]


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf"])
def test_level1_column_is_vertically_merged_over_its_rows(fmt, fixtures):
    grid = _grids(read_path(fixtures[fmt]))[0]
    column = [(row[1].text, row[1].merged) for row in grid.rows[10:18]]
    assert column == [("产出指标 50分", False)] + [("产出指标 50分", True)] * 3 + [
        ("效益指标 40分", False)] + [("效益指标 40分", True)] * 3
    name_row = [(c.text, c.merged) for c in grid.rows[0]]
    assert name_row[2] == ("劳务派遣人员经费（人社局）", False)
    assert name_row[3:] == [("劳务派遣人员经费（人社局）", True)] * 6


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf"])
def test_titles_come_as_paragraphs_before_their_table(fmt, fixtures, sections):
    blocks = read_path(fixtures[fmt]).blocks
    expected: list[str] = []
    for section in sections:
        expected += [f"P:{p}" for p in section.paragraphs] + ["G"]
    got = [f"P:{b.text}" if isinstance(b, Paragraph) else "G" for b in blocks]
    assert got == expected


def test_where_points_at_the_cell(fixtures):
    docx_grid = _grids(read_path(fixtures["docx"]))[1]
    assert docx_grid.where == "table 2"
    assert docx_grid.rows[10][3].where == "table 2 r11c4"
    xlsx_grids = _grids(read_path(fixtures["xlsx"]))
    # Sheet 自评表: title, year, then the table from row 3; second table after a blank row and two titles.
    assert xlsx_grids[0].sheet == "自评表" and xlsx_grids[0].where == "自评表!A3:I22"
    assert xlsx_grids[0].rows[10][3].where == "自评表!D13"
    assert xlsx_grids[1].rows[0][0].where == "自评表!A26"
    assert xlsx_grids[3].sheet == "部门整体"
    pdf_grid = _grids(read_path(fixtures["pdf"]))[3]
    assert pdf_grid.where == "page 4 table 1"
    assert pdf_grid.rows[2][3].where == "page 4 table 1 r3c4"


def test_xlsx_numbers_read_as_displayed(fixtures):
    grids = _grids(read_path(fixtures["xlsx"]))
    funding = grids[0].rows[3]
    # 139.04 and 100% are stored as numbers (139.04, 1.0 with format 0%), 10 as an integer.
    assert [c.text for c in funding[2:8]] == ["139.04", "139.04", "139.04", "10分", "100%", "10"]
    dept = grids[2].rows[2]
    assert [c.text for c in dept[2:8]] == ["2,975,867.80", "3,162,376.70", "3,151,155.20", "10", "10", "99.65%"]


def test_xlsx_number_formats_dates_hidden_sheets_and_titles(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表1"
    ws["A1"] = "某项目支出绩效自评表"
    ws.merge_cells("A1:D1")
    values = [
        (0.9422, "0.00%"), (139.04, "General"), (10.0, "General"), (0.1 + 0.2, "General"),
        (dt.datetime(2023, 12, 31), "yyyy-mm-dd"), (1234.5, "#,##0.00"), (260, '0"人"'),
        (0, '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ '),
    ]
    for i, (value, fmt) in enumerate(values):
        cell = ws.cell(row=2 + i // 4, column=1 + i % 4, value=value)
        cell.number_format = fmt
    hidden = wb.create_sheet("备份")
    hidden["A1"], hidden["B1"] = "不应读取", "隐藏表"
    hidden.sheet_state = "hidden"
    path = tmp_path / "formats.xlsx"
    wb.save(path)

    blocks = read_path(path).blocks
    assert isinstance(blocks[0], Paragraph) and blocks[0].text == "某项目支出绩效自评表"
    assert blocks[0].where == "表1!A1"
    assert len(blocks) == 2, "the hidden sheet is not read"
    rows = [[c.text for c in row] for row in blocks[1].rows]
    assert rows == [["94.22%", "139.04", "10", "0.3"], ["2023-12-31", "1,234.50", "260人", "-"]]


def test_xlsx_with_too_many_cells_is_refused_before_loading(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目名称"
    wb.active.cell(row=2000, column=200, value=1)  # declares A1:GR2000, 400k cells
    path = tmp_path / "big.xlsx"
    wb.save(path)
    with pytest.raises(InputError, match="过大"):
        read_path(path)


def test_xlsx_declaring_a_small_sheet_over_many_cells_is_refused(tmp_path):
    """Some generators write <dimension ref="A1"/> whatever the size: the real extent counts."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目名称"
    template = tmp_path / "template.xlsx"
    wb.save(template)
    cells = "".join(f'<c r="{col}{{r}}"><v>1</v></c>' for col in "ABCDEFGHIJ")
    rows = "".join(f'<row r="{r}">' + cells.format(r=r) + "</row>" for r in range(1, 25_001))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="A1"/><sheetData>{rows}</sheetData></worksheet>')
    path = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename)
            out.writestr(info.filename, data)
    with pytest.raises(InputError, match="过大"):
        read_path(path)


def test_docx_nested_table_is_flattened_into_its_cell(tmp_path):
    import docx

    d = docx.Document()
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "实际完成情况"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "季度", (0, 1): "完成率", (1, 0): "一季度", (1, 1): "95%"}.items():
        inner.cell(r, c).text = text
    path = tmp_path / "nested.docx"
    d.save(path)
    grid = _grids(read_path(path))[0]
    assert grid.rows[0][0].text == "实际完成情况"
    assert grid.rows[0][1].text == "季度 完成率\n一季度 95%"


def test_docx_reads_tracked_insertions_not_deletions(tmp_path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d.element.body.insert(0, parse_xml(
        f'<w:p {ns}><w:r><w:t>偏差原因：</w:t></w:r>'
        f'<w:ins w:id="1" w:author="a"><w:r><w:t>资金拨付滞后</w:t></w:r></w:ins>'
        f'<w:del w:id="2" w:author="a"><w:r><w:delText>无</w:delText></w:r></w:del></w:p>'))
    path = tmp_path / "revised.docx"
    d.save(path)
    assert [b.text for b in read_path(path).blocks] == ["偏差原因：资金拨付滞后"]


def test_pdf_without_text_layer_is_refused_as_scan(tmp_path):
    with pytest.raises(InputError, match="没有文字层"):
        read_path(build_pdf_without_text(tmp_path / "scan.pdf"))


def test_encrypted_pdf_is_refused_with_password_message(tmp_path):
    with pytest.raises(InputError, match="密码"):
        read_path(build_encrypted_pdf(tmp_path / "locked.pdf"))


def test_pdf_table_continued_on_next_page_gives_consecutive_grids(tmp_path, sections):
    indicators = sections[3]
    rows = [indicators.rows[0]] + indicators.rows[1:] * 4  # ~80 rows: more than a page
    long = Section(paragraphs=["年度指标完成情况"], rows=rows)
    grids = _grids(read_path(build_pdf([long], tmp_path / "long.pdf")))
    assert len(grids) >= 2
    assert [g.where.split(" table")[0] for g in grids] == [f"page {i}" for i in range(1, len(grids) + 1)]
    assert [[c.text for c in row] for g in grids for row in g.rows] == rows


def test_pdf_prose_is_rejoined_into_paragraphs_and_unruled_table_found(tmp_path):
    blocks = read_path(build_pdf_narrative(tmp_path / "narrative.pdf")).blocks
    page1 = [b.text for b in blocks if b.where == "page 1"]
    assert page1 == NARRATIVE
    assert isinstance(blocks[-2], Paragraph) and blocks[-2].text == "表2 指标得分情况"
    assert isinstance(blocks[-1], Grid)
    assert [[c.text for c in row] for row in blocks[-1].rows] == UNRULED


def test_pdf_fake_bold_title_is_not_doubled(tmp_path):
    from reportlab.pdfgen import canvas

    register_cjk_font()
    path = tmp_path / "bold.pdf"
    c = canvas.Canvas(str(path))
    c.setFont(CJK_FONT, 16)
    for dx in (0, 0.4):  # how some exporters fake bold: the same glyphs drawn twice
        c.drawString(100 + dx, 700, "劳务派遣人员经费项目支出绩效自评表")
    c.save()
    assert [b.text for b in read_path(path).blocks] == ["劳务派遣人员经费项目支出绩效自评表"]


def test_zip_member_with_absurd_compression_ratio_is_refused(tmp_path):
    # 40 MB of zeros: under the total unzipped limit, but ~1000:1, which no Office XML reaches.
    path = build_zip_bomb(tmp_path / "ratio.xlsx", 40 * 1024 * 1024)
    with pytest.raises(InputError, match="压缩炸弹"):
        read_path(path)


# ------------------------------------------------------------------ end to end with tables.py


def _rows(doc, squash: bool = False):
    norm = (lambda s: re.sub(r"\s+", "", s) if s else s) if squash else (lambda s: s)
    return [
        (norm(p.name), [(norm(r.indicator), norm(r.target), norm(r.actual), r.weight, r.score) for r in p.rows])
        for p in doc.projects
    ]


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf"])
def test_parse_path_finds_the_same_projects_and_rows_as_the_text_export(fmt, fixtures):
    from reviewer.pipeline import parse_path

    expected = _rows(parse_path(fixtures["txt"]), squash=fmt == "pdf")
    got = _rows(parse_path(fixtures[fmt]), squash=fmt == "pdf")
    assert sum(len(rows) for _, rows in expected) >= 30
    assert [name for name, _ in got] == [name for name, _ in expected]
    differing = [(g, e) for (_, got_rows), (_, exp_rows) in zip(got, expected)
                 for g, e in zip(got_rows, exp_rows) if g != e]
    assert differing == [], f"{fmt} rows differ from the text export (got, expected)"
    assert got == expected


def test_gbk_text_export_reads_like_utf8(tmp_path):
    from reviewer.pipeline import parse_path

    text = seed("003").read_text(encoding="utf-8")
    utf8 = parse_path(_write(tmp_path / "utf8.txt", text))
    gbk = parse_path(_write(tmp_path / "gbk.txt", text, encoding="gbk"))
    n = sum(len(p.rows) for p in utf8.projects)
    assert n > 100
    assert sum(len(p.rows) for p in gbk.projects) == n
    assert [p.name for p in gbk.projects] == [p.name for p in utf8.projects]
