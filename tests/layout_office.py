"""The office layouts of the layout suite: .docx with merged cells, .xlsx with merged ranges and
figures stored as numbers with their number format (tests/layouts.py has the text layouts)."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from layouts import Grid, Layout, SourceTable, grids, indicator_grid, info_grids, title


def _number(text: str) -> tuple[Any, str | None]:
    """A figure as an .xlsx value and number format: "100%" → (1, "0%"), "1,200.5" → 1200.5."""
    m = re.fullmatch(r"(\d+)(?:\.(\d+))?%", text)
    if m:
        places = len(m.group(2) or "")
        value = Decimal(text[:-1]) / 100
        return float(value), "0%" if not places else "0." + "0" * places + "%"
    m = re.fullmatch(r"(0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.(\d+))?", text)
    if m:
        places = len(m.group(2) or "")
        value = Decimal(text.replace(",", ""))
        fmt = ("#,##0" if "," in text else "0") + ("." + "0" * places if places else "")
        return (int(value) if not places else float(value)), fmt
    return text, None


def _width(g: list[Grid]) -> int:
    return max(len(r) for grid in g for r in grid.rows)


def write_docx(tables: list[SourceTable], path: Path, layout: Layout) -> None:
    """One Word table per project (two when the layout splits it at a page break, the second
    repeating the header): name, funding, indicators; labels merged vertically and short rows'
    last cell merged across the remaining columns."""
    import docx

    d = docx.Document()
    for t in tables:
        d.add_paragraph(title(t))
        if layout.repeat_header and len(t.rows) >= 4:
            middle = len(t.rows) // 2
            plain = replace(layout, repeat_header=False)
            _docx_table(d, [*info_grids(t), indicator_grid(replace(t, rows=t.rows[:middle]), plain)])
            _docx_table(d, [indicator_grid(replace(t, rows=t.rows[middle:]), plain)])
        else:
            _docx_table(d, grids(t, layout))
    d.save(str(path))


def _docx_table(d: Any, gs: list[Grid]) -> None:
    from docx.table import _Cell

    width = _width(gs)
    table = d.add_table(rows=sum(len(g.rows) for g in gs), cols=width)
    table.style = "Table Grid"
    trs = table._tbl.tr_lst  # table.cell() rebuilds the whole grid per call: quadratic
    top = 0
    for g in gs:
        for i, row in enumerate(g.rows):
            tcs = trs[top + i].tc_lst
            for j, text in enumerate(row):
                if text:  # an empty cell keeps no paragraph text, so merges add no blank lines
                    _Cell(tcs[j], table).text = text
            if len(row) < width:
                _Cell(tcs[len(row) - 1], table).merge(_Cell(tcs[width - 1], table))
        for col, a, b in g.spans:
            _Cell(trs[top + a].tc_lst[col], table).merge(_Cell(trs[top + b].tc_lst[col], table))
        top += len(g.rows)


_SHEET_BAD = re.compile(r"[\][:*?/\\]")


def write_xlsx(tables: list[SourceTable], path: Path, layout: Layout) -> None:
    """One sheet per project: title row, name, funding, indicators; merged label ranges, figures
    stored as numbers with their number format (a 100% target is 1 formatted 0%)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for n, t in enumerate(tables, 1):
        ws = wb.create_sheet((str(n) + _SHEET_BAD.sub("", t.name or "表"))[:31])
        gs = grids(t, layout)
        width = _width(gs)
        ws.cell(1, 1, title(t))
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        top = 2
        for g in gs:
            for i, row in enumerate(g.rows):
                for j, text in enumerate(row):
                    value, fmt = _number(text) if i > 0 or len(g.rows) == 1 else (text, None)
                    if j < g.numeric_from or not text:
                        value, fmt = (text or None), None
                    c = ws.cell(top + i, j + 1, value)
                    if fmt:
                        c.number_format = fmt
                if len(row) < width:
                    ws.merge_cells(start_row=top + i, start_column=len(row), end_row=top + i, end_column=width)
            for col, a, b in g.spans:
                ws.merge_cells(start_row=top + a, start_column=col + 1, end_row=top + b, end_column=col + 1)
            top += len(g.rows)
    wb.save(str(path))
