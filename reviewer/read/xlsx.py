"""Excel (.xlsx) reader: every visible sheet becomes title Paragraphs and Grids, merges expanded.

Values come out as the text Excel shows (number formats applied, see numfmt.py). Formulas
give their cached result; a workbook saved by a program that never calculated them shows
those cells empty, as a viewer without recalculation would.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from reviewer.errors import InputError
from reviewer.model import Cell, Grid, Paragraph, RawDocument
from reviewer.read.numfmt import display_text
from reviewer.read.zipguard import check_zip

# openpyxl keeps every cell as a Python object (~0.5 KB): 200k cells is ~100 MB, which is
# far beyond any real 自评表 and still safe on a shared server.
MAX_CELLS_PER_SHEET = 200_000


@dataclass
class _Slot:
    text: str
    coord: str
    merged: bool = False
    origin: str | None = None  # coordinate of the merge origin for a covered cell, else own
    hspan: int = 1  # width of the merge this slot belongs to
    offset: tuple[int, int] | None = None  # (rows up, columns left) to the origin, on a copy


def read_xlsx(path: Path, source: str) -> RawDocument:
    """Read a .xlsx workbook into blocks, sheet by sheet."""
    check_zip(path)
    import openpyxl

    with warnings.catch_warnings():
        # openpyxl warns about unsupported extensions (data validation, slicers) on stderr.
        warnings.simplefilter("ignore")
        try:
            _check_dimensions(openpyxl, path)
            wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
            formulas = _uncached_formulas(openpyxl, path)
        except (InputError, MemoryError, RecursionError):
            raise
        except Exception:  # noqa: BLE001 - any parser failure means a corrupt file
            raise InputError("Excel 文件结构已损坏，无法打开，请用 Excel 另存为 .xlsx 后再试") from None
    blocks: list[Grid | Paragraph] = []
    try:
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue  # a reviewer does not see hidden sheets (often template backups or lookups)
            blocks.extend(_sheet_blocks(ws, formulas.get(ws.title, {})))
    finally:
        wb.close()
    if not blocks:
        raise InputError("工作簿中没有可读取的内容（所有工作表均为空）")
    return RawDocument(source=source, format="xlsx", blocks=blocks)


def _check_dimensions(openpyxl, path: Path) -> None:
    """Refuse sheets too large to load, using the streaming reader so nothing big is built.

    The declared <dimension> is checked first (instant), then the real extent is measured
    while streaming, because a generator may declare "A1" over a million cells.
    """
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            rows, cols = ws.max_row or 0, ws.max_column or 0
            if rows * cols > MAX_CELLS_PER_SHEET:
                raise _too_big(ws.title, rows, cols)
            ws.reset_dimensions()
            max_row = max_col = 0
            for r, row in enumerate(ws.iter_rows(values_only=True), 1):
                if row:
                    max_row, max_col = r, max(max_col, len(row))
                # Reaching row r means a row at least that far down exists: stop early either way.
                if max_row * max_col > MAX_CELLS_PER_SHEET:
                    raise _too_big(ws.title, max_row, max_col)
                if r > MAX_CELLS_PER_SHEET:
                    raise InputError(f"工作表“{ws.title}”超过 {MAX_CELLS_PER_SHEET} 行，超出读取上限，请删除多余的行后再试")
    finally:
        wb.close()


def _too_big(title: str, rows: int, cols: int) -> InputError:
    return InputError(
        f"工作表“{title}”过大（{rows} 行 × {cols} 列），超出读取上限 {MAX_CELLS_PER_SHEET} 个单元格，"
        "请删除多余的行列后再试"
    )


def _uncached_formulas(openpyxl, path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Formula text per sheet and cell. A workbook saved by a converter keeps "=100%" or ">=90%"
    typed into a cell as a formula with no cached value: the text is what the unit wrote."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    out: dict[str, dict[tuple[int, int], str]] = {}
    try:
        for ws in wb.worksheets:
            found = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row
                     if getattr(c, "data_type", None) == "f" and isinstance(c.value, str)}
            if found:
                out[ws.title] = found
    finally:
        wb.close()
    return out


def _sheet_blocks(ws, formulas: dict[tuple[int, int], str]) -> list[Grid | Paragraph]:
    from openpyxl.utils import get_column_letter

    if ws.max_row < 1 or ws.max_column < 1:
        return []
    r0, c0, r1, c1 = ws.min_row, ws.min_column, ws.max_row, ws.max_column
    sheet = ws.title
    slots: dict[tuple[int, int], _Slot] = {}
    for r in range(r0, r1 + 1):
        for c in range(c0, c1 + 1):
            cell = ws.cell(row=r, column=c)
            coord = f"{get_column_letter(c)}{r}"
            value = cell.value if cell.value is not None else formulas.get((r, c))
            slots[(r, c)] = _Slot(display_text(value, cell.number_format), coord, origin=coord)
    for rng in ws.merged_cells.ranges:
        origin = slots.get((rng.min_row, rng.min_col))
        if origin is None:
            continue  # a merge wholly outside the used range carries no text
        width = rng.max_col - rng.min_col + 1
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                slot = slots.get((r, c))
                if slot is None:
                    continue
                slot.hspan = width
                if slot is origin:
                    continue
                slot.text, slot.merged, slot.origin = origin.text, True, origin.coord
                slot.offset = (r - rng.min_row, c - rng.min_col)
    matrix = [[slots[(r, c)] for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]
    return _split(matrix, sheet)


def _split(matrix: list[list[_Slot]], sheet: str) -> list[Grid | Paragraph]:
    """Title rows become Paragraphs; runs of other rows separated by empty rows become Grids."""
    blocks: list[Grid | Paragraph] = []
    width = len(matrix[0]) if matrix else 0
    run: list[list[_Slot]] = []
    prev = "start"  # kind of the previous row: start | empty | title | grid

    def flush() -> None:
        if run:
            grid = _grid(run, sheet)
            if grid is not None:
                blocks.append(grid)
            run.clear()

    for row in matrix:
        filled = [s for s in row if s.text]
        if not filled:
            flush()
            prev = "empty"
            continue
        origins = {s.origin for s in filled}
        single = len(origins) == 1 and not any(s.offset and s.offset[0] for s in filled)
        wide = single and filled[0].hspan >= 2 and filled[0].hspan * 2 >= width
        if single and (wide or prev in ("start", "empty", "title")):
            flush()
            blocks.append(Paragraph(text=filled[0].text, where=f"{sheet}!{filled[0].origin}"))
            prev = "title"
            continue
        run.append(row)
        prev = "grid"
    flush()
    return blocks


def _grid(rows: list[list[_Slot]], sheet: str) -> Grid | None:
    """A Grid of the rows, leading and trailing empty columns dropped."""
    used = [c for c in range(len(rows[0])) if any(row[c].text for row in rows)]
    if not used:
        return None
    lo, hi = used[0], used[-1]
    cells = [
        [Cell(text=s.text, where=f"{sheet}!{s.coord}", merged=s.merged, origin_offset=s.offset) for s in row[lo:hi + 1]]
        for row in rows
    ]
    where = f"{sheet}!{rows[0][lo].coord}:{rows[-1][hi].coord}"
    return Grid(rows=cells, where=where, sheet=sheet)
