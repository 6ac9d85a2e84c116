"""Row pairs of two projects: shared indicators (copied together) and one-to-one matches."""

from __future__ import annotations

from reviewer.similarity.rows import Row
from reviewer.similarity.rules import NEAR_DUP, text_ratio


def match_rows(a: list[Row], b: list[Row]) -> list[tuple[int, int, float]]:
    """One-to-one pairs (positions in a and b, ratio) of rows with near-identical indicators and the
    same target text."""
    pairs = []
    for x in a:
        for y in b:
            if x.tkey != y.tkey:
                continue
            r = text_ratio(x.ikey, y.ikey) if x.ikey and y.ikey else 0.0
            if r >= NEAR_DUP:
                pairs.append((r, x.idx, y.idx))
    pairs.sort(key=lambda p: -p[0])
    used_a: set[int] = set()
    used_b: set[int] = set()
    out = []
    for r, x, y in pairs:
        if x in used_a or y in used_b:
            continue
        used_a.add(x)
        used_b.add(y)
        out.append((x, y, r))
    return out


def shared_rows(a: list[Row], b: list[Row]) -> list[tuple[int, int, float]]:
    """Rows of `a` whose indicator also appears in `b` (copied together): (position in a, position of
    b's closest row, ratio)."""
    out = []
    for x in a:
        best = None
        for y in b:
            r = text_ratio(x.ikey, y.ikey) if x.ikey and y.ikey else 0.0
            if r >= NEAR_DUP and (best is None or r > best[0]):
                best = (r, y)
        if best:
            out.append((x.idx, best[1].idx, best[0]))
    return out
