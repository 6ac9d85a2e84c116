"""Header detection: which column of an indicator table holds what.

A header row is one whose cells name at least an indicator column and a value column (target,
actual, weight or score). A second header row directly below it (cells that are header words
and no indicator text, e.g. 指标值 split into 2021年实际实现值 / 预期2022年实现值) refines the
columns it names. Cells no role knows are kept for the parse report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewer.values import is_plain_number
from reviewer.vocab.headers import get, norm

VALUE_ROLES = {"target", "actual", "weight", "score", "grade_a"}
NUMERIC_ROLES = ("weight", "score", "level_weight")
# Roles whose column a check needs: an unrecognised header beside them is reported as such.
TEXT_ROLES = ("indicator", "description", "target", "actual", "basis")


@dataclass
class Header:
    cols: dict[str, int]
    width: int
    where: str
    texts: list[str] = field(default_factory=list)  # header cell text per column
    unknown: dict[int, str] = field(default_factory=dict)  # column → header text no role knows
    inferred: dict[str, str] = field(default_factory=dict)  # role → why it was inferred
    label_col: int | None = None  # a section-label column left of the table ("绩效指标")

    @property
    def indicator_col(self) -> int:
        return self.cols.get("indicator", -1)

    @property
    def target_col(self) -> int | None:
        return self.cols.get("target", self.cols.get("grade_a"))

    @property
    def has_actual(self) -> bool:
        return "actual" in self.cols

    def text_fields(self) -> list[str]:
        """Text columns in column order (for rows read by content)."""
        names = {"indicator": self.indicator_col, "description": self.cols.get("description"),
                 "target": self.target_col, "actual": self.cols.get("actual"), "basis": self.cols.get("basis")}
        return [k for k, v in sorted(names.items(), key=lambda kv: (kv[1] is None, kv[1] or 0)) if v is not None]

    def recognised(self) -> dict[str, str]:
        """Header text → role, for the parse report."""
        return {f"{self.texts[i] or '（无表头）'}": role for role, i in sorted(self.cols.items(), key=lambda kv: kv[1])}


def _roles(cells: list[str]) -> tuple[dict[str, tuple[int, int]], dict[int, str]]:
    """Best column per role (column, rank) and the header cells no role claims.

    A role named twice at the same rank (一级指标 | 分值 | … | 三级指标 | … | 分值 | 得分) goes to
    the column right of the indicator; the other one is the level's weight column.
    """
    v = get()
    found: dict[str, list[tuple[int, int]]] = {}
    unknown: dict[int, str] = {}
    for i, raw in enumerate(cells):
        t = norm(raw)
        if not t:
            continue
        hit = v.header_role(t)
        if hit is None:
            if not is_plain_number(t) and not v.label("section", t):
                unknown[i] = raw.strip()
            continue
        role, rank = hit
        if role == "indicator" and rank == len(v.roles["indicator"]) - 1 and v.label("section", t):
            # "绩效指标" is both a section label and, in some templates, the indicator column:
            # it is the indicator column only where no other column is.
            role = "perf"
        found.setdefault(role, []).append((i, rank))
    ind = min(found.get("indicator", found.get("perf", [(-1, 0)])), key=lambda c: c[1])[0]
    best: dict[str, tuple[int, int]] = {}
    for role, cands in found.items():
        top = min(r for _, r in cands)
        tied = [c for c in cands if c[1] == top]
        after = [c for c in tied if c[0] > ind]
        choice = after[0] if after and role in NUMERIC_ROLES else tied[0]
        best[role] = choice
        for col, rank in cands:
            if (col, rank) == choice:
                continue
            if role in NUMERIC_ROLES and col < ind:
                best.setdefault("level_weight", (col, rank))
            else:
                unknown[col] = cells[col].strip()
    return best, unknown


def detect_header(cells: list[str], where: str) -> Header | None:
    """A Header when these cells are an indicator table's header row, else None."""
    best, unknown = _roles(cells)
    perf = best.pop("perf", None)
    if "indicator" not in best and perf is not None:
        best["indicator"] = perf
    if "indicator" not in best or not (VALUE_ROLES & set(best)):
        return None
    cols = {role: i for role, (i, _rank) in best.items()}
    h = Header(cols=cols, width=len(cells), where=where, texts=[c.strip() for c in cells], unknown=unknown)
    if perf is not None and perf[0] != cols["indicator"]:
        h.label_col = perf[0]
    _infer_numeric_column(h, cells)
    return h


def _infer_numeric_column(h: Header, cells: list[str]) -> None:
    """A header cell that is a bare number is a section total printed over a column of
    per-row points: the row score where the table has no score column (else the weight)."""
    for i, raw in enumerate(cells):
        if i in h.cols.values() or not is_plain_number(norm(raw)):
            continue
        if i < h.indicator_col:
            continue
        role = "score" if "score" not in h.cols else "weight" if "weight" not in h.cols else None
        if role:
            h.cols[role] = i
            h.inferred[role] = f"表头为数字“{norm(raw)}”（小计），按列内容读作{'得分' if role == 'score' else '分值'}"


def extend_wrapped_header(h: Header, cells: list[str]) -> bool:
    """A header whose line wrapped ("一级指标 | … | 年度 指标值 |" then "实际 完成值 |" then "分值 | 得分"):
    a row of header words only, each naming a role the header lacks and sitting where the header
    already has another role, continues the header to the right. False when it is not such a row."""
    texts = [(i, norm(c)) for i, c in enumerate(cells) if norm(c)]
    if not texts:
        return False
    v = get()
    roles = []
    for i, t in texts:
        hit = v.header_role(t)
        if hit is None or hit[0] in h.cols or hit[0] in roles or i not in h.cols.values():
            return False
        roles.append(hit[0])
    for k, ((_i, t), role) in enumerate(zip(texts, roles)):
        h.cols[role] = h.width + k
        h.texts.append(t)
    h.width += len(roles)
    return True


def refine_header(h: Header, cells: list[str]) -> bool:
    """Apply a second header row under ``h``; False when the row is not a header row."""
    texts = [norm(c) for c in cells]
    if not any(texts):
        return False
    v = get()
    hits: dict[int, str] = {}
    for i, t in enumerate(texts):
        if not t:
            continue
        hit = v.header_role(t)
        if hit is None:
            return False  # a data row: it has text no header role knows
        hits[i] = hit[0]
    if not hits or "indicator" in hits.values():
        return False
    for i, role in hits.items():
        for old, col in list(h.cols.items()):
            if col == i:
                del h.cols[old]
        h.cols[role] = i
        h.unknown.pop(i, None)
        if i < len(h.texts):
            h.texts[i] = cells[i].strip()
    return True


def near_miss(cells: list[str]) -> tuple[list[str], list[str]] | None:
    """(roles found, header cells not known) for a row that looks like a header without an
    indicator column: what to tell the reviewer when no table could be read."""
    best, unknown = _roles(cells)
    roles = set(best) - {"perf"}
    if "indicator" in roles or len(VALUE_ROLES & roles) < 2:
        return None
    return sorted(roles, key=lambda r: best[r][0]), list(unknown.values())
