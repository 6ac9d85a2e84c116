"""Tables exported one cell per line, rows implied by the header's column count.

Web pages and PDF copies often lose a table's grid and print every cell on its own line,
sometimes indented, sometimes with a blank line between rows, sometimes with a blank line for
every empty cell. The header tells the width: a run of lines that are all header words (一级指标,
三级指标, 指标值 …) naming an indicator column and a value column. The lines after it are cut
into rows of that width: blank lines are row separators when every block between them is one
row, and empty cells otherwise.
"""

from __future__ import annotations

import re

from reviewer.vocab.headers import get, is_title, level_weight

# A header cell is short; a longer line is content.
_MAX_HEADER_CELL = 24
# Two Chinese characters: an indicator name, not a stray "=" or "%" from a misaligned reading.
_WORDS = re.compile(r"[\u4e00-\u9fff]{2}")
VALUE_ROLES = {"target", "actual", "weight", "score"}


def _header_word(text: str) -> str | None:
    """The role a line names, "label" for a section label, None for content."""
    t = text.strip()
    if not t or len(t) > _MAX_HEADER_CELL:
        return None
    if level_weight(t)[1] is not None:
        return "label"  # points on a header cell ("绩效指标(90分)") mark a block label, not a column name
    v = get()
    hit = v.header_role(t)
    if hit is not None:
        return hit[0]
    return "label" if v.label("section", t) else None


def find_header(cells: list[str], start: int = 0) -> tuple[int, int] | None:
    """(first, width) of the first header run at or after ``start`` in a list of cell lines."""
    i, n = start, len(cells)
    while i < n:
        roles: list[str] = []
        j = i
        while j < n and (role := _header_word(cells[j])) is not None:
            roles.append(role)
            j += 1
        while roles and roles[-1] == "label":  # a label after the header ("产出指标(70分)") starts the body
            roles.pop()
            j -= 1
        if "indicator" in roles and VALUE_ROLES & set(roles) and len(roles) >= 2:
            return i, j - i
        i = max(j, i + 1)
    return None


def _ends_table(text: str) -> bool:
    """A footer, a new table's title or identity label ends a table printed one cell per line."""
    v = get()
    return bool(text.strip()) and (v.label("footer", text) or is_title(text) or v.label("project", text)
                                   or v.label("department", text))


def rows_after_header(cells: list[str], first: int, width: int) -> tuple[list[list[str]], int]:
    """The header row and the rows after it; returns (rows, index after the table).

    Blank lines are read three ways — empty cells, a separator after every row, or a separator
    between blocks of exactly one row — and the reading whose rows look most like indicator
    rows (text in the indicator column, figures in the 分值/得分 columns) wins.
    """
    end = first + width
    while end < len(cells) and not _ends_table(cells[end]) and find_header(cells[end:end + width + 1]) != (0, width):
        end += 1
    header = cells[first:first + width]
    body = cells[first + width:end]
    score, rows = _best_reading(header, body)
    if _header_word(header[0]) == "label":
        # A block label first in the header ("绩效指标(90分)") is often merged down the block in the
        # source and has no cell on the data rows: read the body without it as well, keep the likelier.
        narrow_score, narrow = _best_reading(header[1:], body)
        if narrow and narrow_score > score:
            return [header[1:]] + narrow, end
    return [header] + rows, end


def _best_reading(header: list[str], body: list[str]) -> tuple[int, list[list[str]]]:
    width = len(header)
    roles = [_header_word(h) for h in header]
    candidates = [c for c in (_as_cells(body, width), _with_separators(body, width), _as_blocks(body, width)) if c]
    if not candidates:
        return -(10**9), []
    best = max(candidates, key=lambda rows: _plausible(rows, roles))
    return _plausible(best, roles), best


def _chunk(body: list[str], width: int) -> list[list[str]]:
    rows = []
    for k in range(0, len(body), width):
        chunk = body[k:k + width]
        if any(c.strip() for c in chunk):
            rows.append(chunk + [""] * (width - len(chunk)))
    return rows


def _as_cells(body: list[str], width: int) -> list[list[str]]:
    """Every blank line is an empty cell (a blank line after the header may be a separator)."""
    if body and not body[0].strip() and len(body) % width not in (0,) and (len(body) - 1) % width == 0:
        body = body[1:]
    return _chunk(body, width)


def _with_separators(body: list[str], width: int) -> list[list[str]] | None:
    """A blank line after every row, empty cells blank too: every (width+1)-th line is blank."""
    lead = 1 if body and not body[0].strip() else 0
    rest = body[lead:]
    stride = width + 1
    if len(rest) < width or any(rest[k].strip() for k in range(width, len(rest), stride)):
        return None
    return [r for r in (rest[k:k + width] for k in range(0, len(rest), stride)) if any(c.strip() for c in r)]


def _as_blocks(body: list[str], width: int) -> list[list[str]] | None:
    """Blank lines only between rows: every block between them is exactly one row."""
    blocks: list[list[str]] = [[]]
    for c in body:
        if c.strip():
            blocks[-1].append(c)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    return blocks if blocks and all(len(b) == width for b in blocks) else None


def _plausible(rows: list[list[str]], roles: list[str | None]) -> int:
    from reviewer.values import is_plain_number

    score = 0
    for row in rows:
        for cell, role in zip(row, roles):
            t = cell.strip()
            if role == "indicator" and t and not is_plain_number(t):
                score += 2 if _WORDS.search(t) else -1  # "=" or "%" in the indicator column: misaligned
            elif role in ("weight", "score") and t:
                score += 1 if is_plain_number(t.removesuffix("分")) else -2
            elif role in ("level1", "level2") and t and len(t) > 16:
                score -= 1
    return score - len(rows)  # fewer, fuller rows beat many sparse ones
