"""PDF reader (text layer only): per page, ruled tables as Grids and the text around them.

Merged cells are recovered from geometry: pdfplumber gives each table cell's bounding box,
and a box that reaches past the next column's left edge or the next row's top is a span.
A table continued on the next page is simply the next Grid; tables.py joins them.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from reviewer.errors import InputError
from reviewer.model import Cell, Grid, Paragraph, RawDocument

# Beyond any real batch of 自评表 in one file; bounds the time a hostile PDF can take.
MAX_PAGES = 500
MAX_GRAPHICS = 20_000  # drawing objects (or chars, for the text strategy) per page worth searching for tables
_TOL = 1.0  # points: pdfplumber snaps shared edges, so cell boxes agree to well under this

_LINES = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_TEXT = {"vertical_strategy": "text", "horizontal_strategy": "text"}
_LIST_START = re.compile(r"^(\d+[、.．)）]|[（(]\d+[)）]|[一二三四五六七八九十]+、)")


def read_pdf(path: Path, source: str) -> RawDocument:
    """Read a text-layer PDF into Paragraph and Grid blocks in page order."""
    import pdfplumber

    # pdfminer reports recoverable oddities through logging, which would reach stderr.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # noqa: BLE001 - any parser failure means a corrupt file
        if _is_password_error(exc):
            raise InputError("PDF 受密码保护，无法读取，请提供未加密的 PDF 或 Word 版本") from None
        raise InputError("PDF 文件已损坏，无法打开，请重新导出后再试") from None
    blocks: list[Grid | Paragraph] = []
    with pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise InputError(f"PDF 页数过多（{len(pdf.pages)} 页，上限 {MAX_PAGES} 页），请拆分后再试")
        n_chars = n_unmapped = 0
        for number, page in enumerate(pdf.pages, 1):
            chars = page.chars
            if chars:
                n_chars += len(chars)
                n_unmapped += sum(1 for ch in chars if ch["text"].startswith("(cid:"))
                # Fake bold (each glyph drawn twice, slightly offset) would double every character.
                blocks.extend(_page_blocks(page.dedupe_chars(), number))
            page.close()  # drop the page's cached objects: memory stays flat over long files
    if not n_chars:
        raise InputError("PDF 没有文字层（可能是扫描件），请提供可复制文字的 PDF 或 Word 版本")
    if n_unmapped > n_chars / 2:
        raise InputError("PDF 的文字无法识别（字体缺少字符编码映射），请提供 Word 版本或重新导出 PDF")
    if not blocks:
        raise InputError("PDF 中没有可读取的内容")
    return RawDocument(source=source, format="pdf", blocks=blocks)


def _is_password_error(exc: BaseException) -> bool:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    # pdfplumber wraps pdfminer's exception as the first argument of its own.
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            break
        if isinstance(seen, (PDFPasswordIncorrect, PDFEncryptionError)):
            return True
        seen = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else seen.__cause__
    return False


def _page_blocks(page, number: int) -> list[Grid | Paragraph]:
    if len(page.lines) + len(page.rects) + len(page.curves) > MAX_GRAPHICS:
        tables = []  # a drawing or hatched chart, not a table; table finding would be quadratic in it
    else:
        tables = page.find_tables(_LINES)
    ruled = bool(tables)
    if not tables and len(page.chars) <= MAX_GRAPHICS:
        # Unruled layouts: accept only what looks like a real table, not a column of prose.
        tables = [t for t in page.find_tables(_TEXT) if len(t.rows) >= 2 and len(t.rows[0].cells) >= 3]
    placed: list[tuple[float, Grid | Paragraph]] = []
    for k, table in enumerate(tables, 1):
        grid = _table_grid(table, f"page {number} table {k}", drop_empty=not ruled)
        if grid is not None:
            placed.append((table.bbox[1], grid))
    outside = page
    for table in tables:
        outside = outside.outside_bbox(table.bbox)
    edges = [(t.bbox[0], t.bbox[2]) for t in tables]
    for top, text in _paragraphs(outside.extract_text_lines(), edges):
        placed.append((top, Paragraph(text=text, where=f"page {number}")))
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


def _table_grid(table, where: str, drop_empty: bool = False) -> Grid | None:
    """Expand a pdfplumber table: every covered grid position gets its cell's text.

    ``drop_empty`` removes all-empty rows and columns, which the text strategy invents in the
    gaps between lines and words; in a ruled table an empty row is real and stays.
    """
    cells = table.cells
    if not cells:
        return None
    xs = sorted({c[0] for c in cells})
    ys = sorted({c[1] for c in cells})
    texts = table.extract()  # rows by distinct top, columns by distinct x0: same indexing as xs/ys
    grid: list[list[Cell | None]] = [[None] * len(xs) for _ in ys]
    for i, row in enumerate(table.rows):
        for j, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            text = _join_lines(texts[i][j] or "")
            last_col = max(k for k, x in enumerate(xs) if x < bbox[2] - _TOL)
            last_row = max(k for k, y in enumerate(ys) if y < bbox[3] - _TOL)
            for r in range(i, max(i, last_row) + 1):
                for c in range(j, max(j, last_col) + 1):
                    if grid[r][c] is None:
                        copy = (r, c) != (i, j)
                        grid[r][c] = Cell(text=text, merged=copy, origin_offset=(r - i, c - j) if copy else None)
    rows = [[cell or Cell(text="") for cell in row] for row in grid]
    if drop_empty:
        rows = [row for row in rows if any(cell.text for cell in row)]
        keep = [c for c in range(len(xs)) if any(row[c].text for row in rows)]
        rows = [[row[c] for c in keep] for row in rows]
    if not any(cell.text for row in rows for cell in row):
        return None
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            cell.where = f"{where} r{r + 1}c{c + 1}"
    return Grid(rows=rows, where=where)


def _join_lines(text: str) -> str:
    """Undo line wrapping inside a cell: PDF keeps no paragraph marks, only line positions."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return ""
    out = lines[0]
    for line in lines[1:]:
        if _LIST_START.match(line) and re.search(r"[。；;:：]$", out):
            out += "\n" + line  # an enumerated item starting on its own line
        elif out[-1].isascii() and out[-1].isalpha() and line[0].isascii() and line[0].isalpha():
            out += " " + line  # a wrapped Latin word boundary
        else:
            out += line
    return out


def _paragraphs(lines: list[dict], table_edges: list[tuple[float, float]]) -> list[tuple[float, str]]:
    """Group text lines into paragraphs: a line spanning the text width continues below.

    Titles are centred and narrower than the tables beside them, or set in a larger font,
    so they stay lines of their own.
    """
    lines = [ln for ln in lines if ln["text"].strip()]
    if not lines:
        return []
    left = min([ln["x0"] for ln in lines] + [e[0] for e in table_edges])
    right = max([ln["x1"] for ln in lines] + [e[1] for e in table_edges])
    out: list[tuple[float, str]] = []
    prev = None
    for ln in lines:
        text = ln["text"].strip()
        height = ln["bottom"] - ln["top"]
        wrapped = (
            prev is not None
            and prev["x1"] >= right - 2 * height
            and prev["x0"] <= left + 4 * height
            and abs((prev["bottom"] - prev["top"]) - height) < 0.2 * height
            and ln["top"] - prev["bottom"] < height
            and not _LIST_START.match(text)
        )
        if wrapped:
            top, joined = out[-1]
            out[-1] = (top, _join_lines(joined + "\n" + text))
        else:
            out.append((ln["top"], text))
        prev = ln
    return out
