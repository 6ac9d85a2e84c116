"""Build .docx/.xlsx/.pdf fixtures at test time from the seed text exports (no binaries committed).

A fixture carries the same content as chunks of a seed: the title lines, then a table whose
rows are the seed's tab-separated lines, with the merges a real report has (一级/二级指标
merged down their rows, 项目名称 values merged across). ``expanded`` gives the grid a reader
must return for it: every covered cell repeats its merge origin's text with merged=True.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

Rect = tuple[int, int, int, int]  # (first row, first col, last row, last col), inclusive, 0-based


@dataclass
class Section:
    """One table of a seed with the lines before it."""

    paragraphs: list[str]
    rows: list[list[str]]
    merges: list[Rect] = field(default_factory=list)
    raw: str = ""  # the seed's own text for this chunk (for a .txt with the same content)

    @property
    def width(self) -> int:
        return len(self.rows[0])


def _rows_merged(spec: list[tuple[int, int, int]]) -> list[Rect]:
    """Horizontal merges given as (row, first col, last col)."""
    return [(r, c0, r, c1) for r, c0, c1 in spec]


def _cols_merged(spec: list[tuple[int, int, int]]) -> list[Rect]:
    """Vertical merges given as (col, first row, last row)."""
    return [(r0, c, r1, c) for c, r0, r1 in spec]


# Merges per (seed, table index), read off the seed layout: a covered cell is always empty there.
MERGES: dict[tuple[str, int], list[Rect]] = {
    ("003", 0): _rows_merged([(0, 0, 1), (0, 2, 8), (1, 0, 1), (1, 2, 3), (1, 5, 8), (2, 0, 1),
                              (7, 1, 3), (7, 4, 8), (8, 1, 3), (8, 4, 8), (19, 0, 4)])
    + _cols_merged([(0, 3, 6), (0, 7, 8), (0, 9, 18), (1, 10, 13), (1, 14, 17)]),
    ("003", 1): _rows_merged([(0, 0, 1), (0, 2, 8), (1, 0, 1), (1, 2, 4), (1, 6, 8),
                              (7, 1, 4), (7, 5, 8), (8, 1, 4), (8, 5, 8), (20, 0, 5)])
    + _cols_merged([(0, 2, 6), (0, 7, 8), (0, 9, 19), (1, 10, 13), (1, 14, 17)]),
    ("000", 0): _rows_merged([(0, 0, 1), (0, 2, 7), (3, 2, 7), (4, 3, 5), (4, 6, 7)]
                             + [(r, 3, 5) for r in range(5, 11)] + [(r, 6, 7) for r in range(5, 11)])
    + _cols_merged([(0, 1, 3), (1, 1, 2), (0, 4, 10)]),
    ("000", 1): _cols_merged([(0, 1, 14), (1, 1, 10), (2, 1, 4), (2, 5, 6), (2, 7, 8), (2, 9, 10),
                              (1, 11, 12), (2, 11, 12), (1, 13, 14), (2, 13, 14),
                              (0, 15, 20), (1, 15, 20), (2, 15, 17), (2, 18, 20)]),
}


def seed_sections(seed_path: Path, count: int, key: str) -> list[Section]:
    """The first ``count`` tables of a seed export, each with the paragraphs before it."""
    text = seed_path.read_text(encoding="utf-8")
    sections: list[Section] = []
    paragraphs: list[str] = []
    raw_lines: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        if any("\t" in ln for ln in lines):
            cells = [ln.split("\t") for ln in lines]
            width = max(len(r) for r in cells)
            rows = [[c.strip() for c in r] + [""] * (width - len(r)) for r in cells]
            merges = MERGES.get((key, len(sections)), [])
            raw = "\n\n".join(raw_lines + ["\n".join(lines)])
            sections.append(Section([p.lstrip("# ").strip() for p in paragraphs], rows, merges, raw))
            paragraphs, raw_lines = [], []
            if len(sections) == count:
                break
        else:
            paragraphs.extend(lines)
            raw_lines.extend(lines)
    for s in sections:
        _check_merges(s)
    return sections


def _check_merges(section: Section) -> None:
    for r0, c0, r1, c1 in section.merges:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    assert section.rows[r][c] == "", f"merge {(r0, c0, r1, c1)} covers text at {(r, c)}"


def expanded(section: Section) -> list[list[tuple[str, bool, tuple[int, int] | None]]]:
    """The grid a reader must return: (text, merged, origin_offset) per cell, merges expanded."""
    grid = [[(text, False, None) for text in row] for row in section.rows]
    for r0, c0, r1, c1 in section.merges:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    grid[r][c] = (section.rows[r0][c0], True, (r - r0, c - c0))
    return grid


def text_export(sections: list[Section]) -> str:
    """The seed's own text for these sections: what a .txt with the same content holds."""
    return "\n\n" + "\n\n".join(s.raw for s in sections) + "\n"


# ------------------------------------------------------------------------------------ docx


def build_docx(sections: list[Section], path: Path) -> Path:
    import docx

    doc = docx.Document()
    for i, section in enumerate(sections):
        if i and not section.paragraphs:
            doc.add_paragraph("")  # Word joins two adjacent tables into one without a paragraph between
        for text in section.paragraphs:
            doc.add_paragraph(text)
        table = doc.add_table(rows=len(section.rows), cols=section.width)
        table.style = "Table Grid"
        for r, row in enumerate(section.rows):
            for c, text in enumerate(row):
                if text:
                    table.cell(r, c).text = text
        for r0, c0, r1, c1 in section.merges:
            table.cell(r0, c0).merge(table.cell(r1, c1))
    doc.save(str(path))
    return path


# ------------------------------------------------------------------------------------ xlsx


def xlsx_value(text: str) -> tuple[object, str | None]:
    """A number typed into Excel is stored as a number with a format; keep other text as text."""
    if re.fullmatch(r"-?\d+", text):
        return int(text), None
    if m := re.fullmatch(r"-?\d+\.(\d+)", text):
        return float(text), ("0." + "0" * len(m.group(1))) if text.endswith("0") else None
    if m := re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.(\d+))?", text):
        decimals = len(m.group(1) or "")
        return float(text.replace(",", "")), "#,##0" + ("." + "0" * decimals if decimals else "")
    if m := re.fullmatch(r"-?\d+(?:\.(\d+))?%", text):
        decimals = len(m.group(1) or "")
        return float(Decimal(text[:-1]) / 100), "0" + ("." + "0" * decimals if decimals else "") + "%"
    return text, None


def build_xlsx(sheets: dict[str, list[Section]], path: Path) -> Path:
    """One sheet per entry; sections stacked with a blank row between, titles merged across."""
    import openpyxl
    from openpyxl.styles import Border, Side

    side = Side(style="thin")
    border = Border(left=side, right=side, top=side, bottom=side)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, sections in sheets.items():
        ws = wb.create_sheet(name)
        row = 1
        for section in sections:
            for text in section.paragraphs:
                ws.cell(row=row, column=1, value=text)
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=section.width)
                row += 1
            top = row
            for values in section.rows:
                for c, text in enumerate(values, 1):
                    cell = ws.cell(row=row, column=c)
                    cell.border = border
                    if text:
                        cell.value, fmt = xlsx_value(text)
                        if fmt:
                            cell.number_format = fmt
                row += 1
            for r0, c0, r1, c1 in section.merges:
                ws.merge_cells(start_row=top + r0, start_column=c0 + 1, end_row=top + r1, end_column=c1 + 1)
            row += 1  # blank row between tables
    wb.save(str(path))
    return path


# ------------------------------------------------------------------------------------ pdf

CJK_FONT = "STSong-Light"  # reportlab's built-in CID font: no font file needed, text extractable


def register_cjk_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def build_pdf(sections: list[Section], path: Path, col_widths: dict[int, list[float]] | None = None) -> Path:
    """Landscape A4, one table per page, ruled grid with SPAN for every merge."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus import Paragraph as P

    register_cjk_font()
    title = ParagraphStyle("title", fontName=CJK_FONT, fontSize=12, leading=16, alignment=1)
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=6.5, leading=8, wordWrap="CJK")
    widths = {8: [60, 70, 170, 80, 80, 70, 60, 180], 9: [45, 70, 70, 150, 110, 110, 35, 35, 145]}
    widths.update(col_widths or {})
    story = []
    for i, section in enumerate(sections):
        if i:
            story.append(PageBreak())
        for text in section.paragraphs:
            story.append(P(escape(text), title))
        story.append(Spacer(1, 6))
        data = [[P(escape(text), body) if text else "" for text in row] for row in section.rows]
        style = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                 ("FONTNAME", (0, 0), (-1, -1), CJK_FONT)]
        style += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in section.merges]
        story.append(Table(data, colWidths=widths[section.width], style=TableStyle(style)))
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=30, rightMargin=30,
                            topMargin=30, bottomMargin=30)
    doc.build(story)
    return path


NARRATIVE = [
    "一、项目基本情况",
    (
        "本项目为劳务派遣人员经费，主要用于人员工资发放和社会保险缴纳。2024年全年预算139.04万元，实际执行139.04万元，"
        "执行率100%。项目实施过程中严格按照相关制度执行，资金使用规范，未发现违规情况。"
    ),
    "二、绩效目标完成情况",
    "1.产出指标：发放人数按计划完成；经费专款专用率100%；工资及保险发放及时。",
    "2.效益指标：保证各项工作正常运转，有助于提升日常办公服务质量，长期保证人员稳定性，对工作开展起到了积极作用。",
]
UNRULED = [["一级指标", "三级指标", "指标值", "完成值", "得分"], ["产出指标", "发放人数", "≥20人", "22人", "10"],
           ["效益指标", "服务质量", "提升", "提升", "10"], ["满意度", "满意度", "≥95%", "96%", "10"]]


def build_pdf_narrative(path: Path) -> Path:
    """Page 1: a heading and wrapped prose paragraphs; page 2: a caption and a table without rules."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer, Table
    from reportlab.platypus import Paragraph as P

    register_cjk_font()
    body = ParagraphStyle("b", fontName=CJK_FONT, fontSize=10, leading=14, wordWrap="CJK")
    head = ParagraphStyle("t", fontName=CJK_FONT, fontSize=14, leading=18, alignment=1)
    story = [P(NARRATIVE[0], head), Spacer(1, 8)] + [P(text, body) for text in NARRATIVE[1:]]
    story += [PageBreak(), P("表2 指标得分情况", head), Table(UNRULED, style=[("FONTNAME", (0, 0), (-1, -1), CJK_FONT)])]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def build_pdf_without_text(path: Path) -> Path:
    """A page carrying only a drawn rectangle: what a scan without OCR looks like to a reader."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.rect(100, 400, 300, 200, fill=1)
    c.save()
    return path


def build_encrypted_pdf(path: Path, password: str = "secret") -> Path:
    from reportlab.pdfgen import canvas

    register_cjk_font()
    c = canvas.Canvas(str(path), encrypt=password)
    c.setFont(CJK_FONT, 12)
    c.drawString(72, 720, "项目支出绩效自评表")
    c.save()
    return path


# ------------------------------------------------------------------------------------ hostile


def build_zip_bomb(path: Path, unzipped_bytes: int, member: str = "xl/worksheets/sheet1.xml") -> Path:
    """An Office-looking package with one member of zeros, streamed so memory and disk stay small."""
    chunk = b"\0" * (4 * 1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with zf.open(member, "w", force_zip64=True) as fh:
            left = unzipped_bytes
            while left > 0:
                fh.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
    return path


def docx_bytes_without_tables() -> bytes:
    import docx

    doc = docx.Document()
    doc.add_paragraph("关于2024年度项目支出绩效自评工作的说明")
    doc.add_paragraph("本单位已按要求完成自评，详见附件。")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
