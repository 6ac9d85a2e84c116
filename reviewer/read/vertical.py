"""Tables exported one cell per line, rows implied by the header's column count.

Web pages and PDF copies often lose a table's grid and print every cell on its own line,
sometimes indented, sometimes with a blank line between rows, sometimes with a blank line for
every empty cell. The header tells the width: a run of lines that are all header words (一级指标,
三级指标, 指标值 …) naming an indicator column and a value column. The lines after it are cut
into rows of that width: blank lines are row separators when every block between them is one
row, and empty cells otherwise.
"""

from __future__ import annotations

from reviewer.vocab.headers import get

# A header cell is short; a longer line is content.
_MAX_HEADER_CELL = 24
VALUE_ROLES = {"target", "actual", "weight", "score"}


def _header_word(text: str) -> str | None:
    """The role a line names, "label" for a section label, None for content."""
    t = text.strip()
    if not t or len(t) > _MAX_HEADER_CELL:
        return None
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
        if "indicator" in roles and VALUE_ROLES & set(roles) and len(roles) >= 3:
            return i, j - i
        i = max(j, i + 1)
    return None


def _ends_table(text: str) -> bool:
    v = get()
    return bool(text.strip()) and v.label("footer", text)


def rows_after_header(cells: list[str], first: int, width: int) -> tuple[list[list[str]], int]:
    """The header row and the rows after it; returns (rows, index after the table)."""
    end = first + width
    while end < len(cells) and not _ends_table(cells[end]) and find_header(cells[end:end + width + 1]) != (0, width):
        end += 1
    body = cells[first + width:end]
    rows = [cells[first:first + width]]
    # Blank lines as separators: every block between them is exactly one row.
    blocks: list[list[str]] = [[]]
    for c in body:
        if c.strip():
            blocks[-1].append(c)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    if blocks and all(len(b) == width for b in blocks) and any(not c.strip() for c in body):
        return rows + blocks, end
    while body and not body[0].strip() and len(body) % width != 0:
        body = body[1:]  # a blank line between the header and the first row
    for k in range(0, len(body), width):
        chunk = body[k:k + width]
        if any(c.strip() for c in chunk):
            rows.append(chunk + [""] * (width - len(chunk)))
    return rows, end
