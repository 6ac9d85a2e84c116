"""Text exports of reports (Word/PDF/web pages saved as text): table layouts → one RawDocument.

- tab-separated rows, empty leading cells standing for merged columns;
- one cell per line, each line "\\t<cell>", rows separated by blank lines;
- one cell per line with no marker, rows implied by the header's width (read/vertical.py);
- markdown pipe tables ("项目名称 | 劳动仲裁工作经费") and "---" separator rows.
Blank lines inside a horizontal table do not end it (PDF exports break tables at page ends);
a line of prose does.
"""

from __future__ import annotations

import re
from pathlib import Path

from charset_normalizer import from_bytes

from reviewer.errors import InputError
from reviewer.model import Cell, Grid, Paragraph, RawDocument
from reviewer.read.vertical import find_header, rows_after_header
from reviewer.settings import MAX_CELLS
from reviewer.vocab import load

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_HTML_TAG = re.compile(r"</?(?:b|p|i|u|strong|em|br|span)\b[^>]*>", re.IGNORECASE)
_SEPARATOR = re.compile(r"^[\s|:\-\t]*-{3,}[\s|:\-\t]*$")
# Cells between " | " (a run of pipes, "| ||||", is a row padded with empty cells for merged columns).
_PIPE_ROW = re.compile(r"^\s*\|?\s*[^|]+(\s\|(?=[\s|]|$)[\s|]*[^|]*)+$")
_VERTICAL_CELL = re.compile(r"^\t[^\t]*$")


def decode(data: bytes, source: str) -> str:
    """UTF-8 first (with or without BOM); then GB18030 or Big5, whichever reads as Chinese a report
    uses (Big5 bytes also decode as GB18030, into rare characters); otherwise charset-normalizer.
    A traditional-Chinese (Big5) file or a non-Chinese legacy encoding is refused with its name."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("这不是文本文件（含二进制内容），请提供 .docx/.xlsx/.pdf 或文本导出", source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    vocab = load("text_encoding")
    scored = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            scored.append((_chinese_score(text, vocab["frequent"]), enc, text))
    if scored:
        score, enc, text = max(scored)
        if score >= 0.3:
            if enc == "big5":
                raise InputError(_refuse("Big5（繁体中文）"), source)
            return text
    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise InputError("无法识别文本编码，请另存为 UTF-8 后再试", source)
    name = best.encoding.lower().replace("_", "")
    if name in vocab["traditional"]:
        raise InputError(_refuse("Big5（繁体中文）"), source)
    if name not in vocab["chinese"] and not name.startswith("utf"):
        raise InputError(_refuse(best.encoding), source)
    return data.decode(best.encoding, errors="replace")


def _chinese_score(text: str, frequent: str) -> float:
    """Share of the CJK characters in ``text`` that reports use often (0 when there are none)."""
    cjk = [ch for ch in text[:50_000] if "\u4e00" <= ch <= "\u9fff"]
    return sum(ch in frequent for ch in cjk) / len(cjk) if cjk else 0.0


def _refuse(encoding: str) -> str:
    return f"文件编码为 {encoding}，本工具读取 UTF-8 或 GBK/GB18030 简体中文文本；请另存为 UTF-8（简体）后再试"


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n\f") or 0xE000 <= ord(ch) <= 0xF8FF)
    return bad / len(sample) < 0.01


def read_text(path: Path, source: str) -> RawDocument:
    """Read a plain-text export into Grids and Paragraphs."""
    text = decode(path.read_bytes(), source)
    if not _looks_like_text(text):
        raise InputError("这不是文本文件（含大量不可见字符），请提供 .docx/.xlsx/.pdf 或文本导出", source)
    # Every cell costs a parsed object: count the separators first and refuse before parsing.
    cells = text.count("\t") + text.count("|")
    if cells > MAX_CELLS:
        raise InputError(f"表格单元格过多（约 {cells:,} 个，上限 {MAX_CELLS:,}），疑似异常文件，已拒绝读取", source)
    return RawDocument(source=source, format="text", blocks=parse_lines(text.splitlines()))


def _split(line: str, sep: str) -> list[str]:
    """Cells of a row; trailing empty cells carry nothing and are dropped."""
    parts = line.split(sep)
    while len(parts) > 1 and not parts[-1].strip():
        parts.pop()
    return parts


def _blank(line: str) -> bool:
    """Empty or whitespace, but a lone tab is an empty cell of a one-cell-per-line table."""
    return not line.strip() and "\t" not in line


def _clean(line: str) -> str:
    return _HTML_TAG.sub("", _BOOKMARK.sub("", line)).rstrip("\r\n")


def parse_lines(lines: list[str]) -> list[Grid | Paragraph]:
    """Split lines into blocks. Line numbers in `where` are 1-based."""
    blocks: list[Grid | Paragraph] = []
    i, n = 0, len(lines)
    while i < n:
        line = _clean(lines[i])
        if _blank(line) or _SEPARATOR.match(line) or (not line.strip() and not _VERTICAL_CELL.match(line)):
            i += 1
            continue
        if _VERTICAL_CELL.match(line):
            grid, i = _vertical_block(lines, i)
            blocks.append(grid)
        elif "\t" in line.strip("\t") or (line.startswith("\t") and line.count("\t") > 1):
            grid, i = _tab_block(lines, i)
            blocks.append(grid)
        elif _PIPE_ROW.match(line) and len(_pipe_cells(line)) == 1:
            # "(2023年度) | ||||": a title line of a web page's table, padded like its rows.
            blocks.append(Paragraph(text=_pipe_cells(line)[0], where=f"line {i + 1}"))
            i += 1
        elif _PIPE_ROW.match(line):
            grid, i = _pipe_block(lines, i)
            blocks.append(grid)
        elif (found := _cell_per_line_block(lines, i)) is not None:
            grid, i = found
            blocks.append(grid)
        else:
            blocks.append(Paragraph(text=line.strip(), where=f"line {i + 1}"))
            i += 1
    return blocks


def _is_tab_row(line: str) -> bool:
    return "\t" in line and not _VERTICAL_CELL.match(line)


def _tab_block(lines: list[str], i: int) -> tuple[Grid, int]:
    rows: list[list[Cell]] = []
    start = i
    while i < len(lines):
        line = _clean(lines[i])
        if not line.strip() or _SEPARATOR.match(line):
            # A blank line may be a page break inside the table: look past it.
            j = i
            while j < len(lines) and (not _clean(lines[j]).strip() or _SEPARATOR.match(_clean(lines[j]))):
                j += 1
            if j < len(lines) and _is_tab_row(_clean(lines[j])):
                i = j
                continue
            break
        if not _is_tab_row(line):
            break
        rows.append([Cell(text=c.strip(), where=f"line {i + 1}") for c in _split(line, "\t")])
        i += 1
    return Grid(rows=rows, where=f"line {start + 1}"), i


def _pipe_block(lines: list[str], i: int) -> tuple[Grid, int]:
    rows: list[list[Cell]] = []
    start = i
    while i < len(lines):
        line = _clean(lines[i])
        if _SEPARATOR.match(line):
            i += 1
            continue
        if not line.strip() or not _PIPE_ROW.match(line):
            break
        rows.append([Cell(text=c, where=f"line {i + 1}") for c in _pipe_cells(line)])
        i += 1
    return Grid(rows=rows, where=f"line {start + 1}"), i


def _pipe_cells(line: str) -> list[str]:
    """The cells of a `|` row, without the padding a web page adds for merged columns at the end."""
    body = line.strip().removeprefix("|").removesuffix("|")
    cells = [c.strip() for c in body.split("|")]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _cell_per_line_block(lines: list[str], i: int) -> tuple[Grid, int] | None:
    """A table printed one cell per line (indented or not) whose header starts at line ``i``."""
    head = [_clean(x).strip() for x in lines[i:i + 40]]
    hit = find_header(head)
    if hit is None or hit[0] != 0:
        return None
    cells = [_clean(x).strip() for x in lines[i:]]
    rows, end = rows_after_header(cells, 0, hit[1])
    grid_rows: list[list[Cell]] = []
    k = i
    for row in rows:
        while k < len(lines) and _clean(lines[k]).strip() != row[0] and not row[0]:
            break
        grid_rows.append([Cell(text=c, where=f"line {i + 1}") for c in row])
    # Line numbers: the first non-empty cell of each row, found in order.
    cursor = i
    for row in grid_rows:
        for c in row:
            if c.text:
                while cursor < i + end and _clean(lines[cursor]).strip() != c.text:
                    cursor += 1
                c.where = f"line {cursor + 1}"
    return Grid(rows=grid_rows, where=f"line {i + 1}"), i + end


def _vertical_block(lines: list[str], i: int) -> tuple[Grid, int]:
    """Cells one per line; a blank line ends a row. Rows split by a stray blank line are rejoined
    when they add up to the header's width (a page break inside a row: "⇥9", blank, the rest)."""
    groups: list[list[Cell]] = []
    current: list[Cell] = []
    start = i
    while i < len(lines):
        raw = _clean(lines[i])
        if _VERTICAL_CELL.match(raw):
            text = raw[1:].replace("\u3000", " ").strip()
            current.append(Cell(text=text, where=f"line {i + 1}"))
            i += 1
            continue
        if not raw.strip():
            if current:
                groups.append(current)
                current = []
            # Two or more blank lines followed by prose end the table; blank lines followed by
            # more cells continue it.
            j = i
            while j < len(lines) and _blank(_clean(lines[j])):
                j += 1
            if j < len(lines) and _VERTICAL_CELL.match(_clean(lines[j])):
                i = j
                continue
            i = j
            break
        break
    if current:
        groups.append(current)
    width = len(groups[0]) if groups else 0
    rows: list[list[Cell]] = []
    k = 0
    while k < len(groups):
        g = groups[k]
        if width >= 4 and len(g) < width and k + 1 < len(groups) and len(g) + len(groups[k + 1]) == width:
            rows.append(g + groups[k + 1])
            k += 2
            continue
        rows.append(g)
        k += 1
    return Grid(rows=rows, where=f"line {start + 1}"), i
