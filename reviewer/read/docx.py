"""Word (.docx) reader: body paragraphs and tables in document order, merged cells expanded.

Works on the XML under python-docx rather than ``table.rows[i].cells``: that API repeats the
same cell object for every grid column a merge covers, so it cannot say which copy is the
origin. Here ``w:gridSpan`` (horizontal) and ``w:vMerge`` (vertical) decide that.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from reviewer.errors import InputError
from reviewer.model import Cell, Grid, Paragraph, RawDocument
from reviewer.read.zipguard import check_zip
from reviewer.settings import MAX_CELLS

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
P, TBL, TR, TC = _W + "p", _W + "tbl", _W + "tr", _W + "tc"
# Containers that only wrap content (content controls, custom XML, smart tags, tracked
# insertions/moves): their children are read as if they stood in the parent.
_WRAPPERS = {_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "smartTag"}
# Subtrees whose text a reader of the document does not see as running text: deleted or
# moved-away revisions, field codes, drawings and text boxes (mc:AlternateContent repeats a
# text box twice, as DrawingML and as VML fallback), properties.
_SKIP = {
    _W + "del", _W + "moveFrom", _W + "delText", _W + "instrText", _W + "drawing", _W + "pict",
    _W + "object", _W + "rPr", _W + "pPr", _W + "sdtPr", _W + "sdtEndPr", _W + "tcPr", _W + "trPr",
    _W + "tblPr", _W + "tblGrid", _MC + "AlternateContent", _W + "footnoteReference",
    _W + "endnoteReference", _W + "commentReference",
}


def read_docx(path: Path, source: str) -> RawDocument:
    """Read a .docx into Paragraph and Grid blocks in body order."""
    check_zip(path)
    import docx  # python-docx; imported here so the CLI starts without it

    try:
        document = docx.Document(str(path))
    except (MemoryError, RecursionError):
        raise
    except Exception:  # noqa: BLE001 - any parser failure means a corrupt file
        raise InputError("Word 文件结构已损坏，无法打开，请用 Word 另存为 .docx 后再试") from None
    blocks: list[Grid | Paragraph] = []
    n_par = n_tbl = n_cells = 0
    for el in _children(document.element.body):
        if el.tag == P:
            n_par += 1
            text = paragraph_text(el).strip()
            if text:
                blocks.append(Paragraph(text=text, where=f"paragraph {n_par}"))
        elif el.tag == TBL:
            n_tbl += 1
            n_cells += sum(1 for _ in el.iter(TC))
            if n_cells > MAX_CELLS:
                raise InputError(f"表格单元格过多（超过 {MAX_CELLS:,} 个），疑似异常文件，已拒绝读取")
            grid = table_grid(el, f"table {n_tbl}")
            if grid.rows:
                blocks.append(grid)
    if not blocks:
        raise InputError("文档中没有可读取的文字或表格")
    return RawDocument(source=source, format="docx", blocks=blocks)


def _children(el, tags: tuple[str, ...] = (P, TBL)) -> Iterator:
    """Child elements with one of ``tags``, looking through wrapper elements."""
    for child in el:
        if child.tag in tags:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tags)


def paragraph_text(p) -> str:
    """The text of one w:p as shown: runs, hyperlinks, tracked insertions; tabs and breaks kept."""
    parts: list[str] = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if tag == _W + "t":
                parts.append(child.text or "")
            elif tag == _W + "tab":
                parts.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                parts.append("\n")
            elif tag == _W + "noBreakHyphen":
                parts.append("-")
            elif tag not in _SKIP and isinstance(tag, str):
                walk(child)

    walk(p)
    return "".join(parts)


def cell_text(tc) -> str:
    """A cell's paragraphs joined by newlines; a nested table is flattened row by row."""
    lines: list[str] = []
    for el in _children(tc):
        if el.tag == P:
            text = paragraph_text(el).strip()
        else:
            text = "\n".join(
                " ".join(t for t in (cell_text(c) for c in _children(tr, (TC,))) if t)
                for tr in _children(el, (TR,))
            ).strip()
        if text:
            lines.append(text)
    return "\n".join(lines)


def table_grid(tbl, where: str) -> Grid:
    """Expand a w:tbl into a rectangular grid; copies of merged cells carry merged=True."""
    # Per grid position: (text, columns right of the span's first column, continues a vMerge)
    empty = ("", 0, False)
    raw: list[list[tuple[str, int, bool]]] = []
    for tr in _children(tbl, (TR,)):
        row: list[tuple[str, int, bool]] = [empty] * _int_attr(tr, "gridBefore")
        for tc in _children(tr, (TC,)):
            text = cell_text(tc)
            span = max(1, min(_int_attr(tc, "gridSpan", 1), 64))
            continues = _vmerge_continues(tc)
            row.extend((text, k, continues) for k in range(span))
        row.extend([empty] * _int_attr(tr, "gridAfter"))
        raw.append(row)
    width = max((len(r) for r in raw), default=0)
    if width == 0:
        return Grid(rows=[], where=where)
    rows: list[list[Cell]] = []
    for r, raw_row in enumerate(raw):
        raw_row = raw_row + [empty] * (width - len(raw_row))
        cells = []
        for c, (text, left, continues) in enumerate(raw_row):
            offset = (0, left) if left else None
            if continues and r > 0:
                # Word leaves a vMerge continuation cell empty; its text is the origin's above.
                above = rows[r - 1][c]
                text = above.text
                offset = (above.origin_offset[0] + 1, above.origin_offset[1]) if above.origin_offset else (1, 0)
            cells.append(Cell(text=text, where=f"{where} r{r + 1}c{c + 1}", merged=offset is not None,
                              origin_offset=offset))
        rows.append(cells)
    return Grid(rows=rows, where=where)


def _int_attr(el, name: str, default: int = 0) -> int:
    """Integer w:val of w:trPr/w:NAME or w:tcPr/w:NAME (gridBefore, gridAfter, gridSpan)."""
    found = el.find(f"./{_W}trPr/{_W}{name}")
    if found is None:
        found = el.find(f"./{_W}tcPr/{_W}{name}")
    if found is None:
        return default
    try:
        return max(0, min(int(found.get(_W + "val", default)), 64))
    except ValueError:
        return default


def _vmerge_continues(tc) -> bool:
    """True for a w:vMerge without val="restart" (the OOXML default value is "continue")."""
    vm = tc.find(f"./{_W}tcPr/{_W}vMerge")
    return vm is not None and vm.get(_W + "val", "continue") != "restart"
