"""Write one indicator table again in every layout published tables come in.

A source table (title, project or unit name, funding line, rows with 一级/二级/三级, target, actual,
weight, score, explanation) is built from ground truth (expected.json) or from a parsed Document,
and written as tab text (with or without a leading label column, labels repeated or blank on
continuation rows, weight suffixes on 一级 labels, header synonyms, 分值 before 年度指标值, a
two-row header, the header repeated mid-table, 二级 labels on rows of their own), one cell per
line (with or without blank lines between rows and indentation), markdown pipes, `|`-separated
text, .docx with merged cells and .xlsx with merged ranges and number formats (layout_office.py).
The layouts are the ones of reviewer issue 9; tests/test_layouts.py reads each file back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROLES = ("level1", "level2", "indicator", "target", "actual", "weight", "score", "explanation")
LABELS = ("level1", "level2")

HEADERS = {"level1": "一级指标", "level2": "二级指标", "indicator": "三级指标", "target": "年度指标值",
           "actual": "实际完成值", "weight": "分值", "score": "得分", "explanation": "偏差原因分析及改进措施"}
# Header words of real templates from other provinces (issue 9), one set per layout.
SYNONYMS = {
    "a": {"indicator": "指标名称", "target": "年度目标值", "actual": "全年实际值", "weight": "权重",
          "score": "评分", "explanation": "偏差原因分析"},
    "b": {"target": "年初目标值(A)", "actual": "实际完成值(B)", "score": "自评得分",
          "explanation": "未完成原因分析及改进措施"},
    "c": {"target": "年初指标值", "actual": "全年完成值", "weight": "指标权重", "score": "指标得分"},
    "d": {"indicator": "指标内容", "target": "指标值(A)", "actual": "完成情况", "score": "评分"},
    "e": {"actual": "实际完成", "score": "自评得分", "explanation": "原因分析"},
}
# 一级 labels with the level's weight, in the forms the pages use.
WEIGHT_FORMS = ("{}({}分)", "{}（{}分）", "{}({})", "{}{}分")


@dataclass
class SourceRow:
    """One indicator row as text; empty string for an empty cell."""

    level1: str = ""
    level2: str = ""
    indicator: str = ""
    target: str = ""
    actual: str = ""
    weight: str = ""
    score: str = ""
    explanation: str = ""

    def as_dict(self) -> dict[str, str]:
        """The row as a dict of its roles (the form rowcompare compares)."""
        return {r: getattr(self, r) for r in ROLES}


@dataclass
class SourceTable:
    """One project's table: what every layout writes."""

    name: str | None
    rows: list[SourceRow]
    year: str | None = None
    department: bool = False
    funding: dict[str, str] = field(default_factory=dict)  # budget, executed, rate, weight, score

    @property
    def self_evaluation(self) -> bool:
        """A table with actuals (自评表) rather than a targets table (目标表)."""
        return any(r.actual for r in self.rows)

    def roles(self) -> list[str]:
        """The columns this table has, in the standard order."""
        keep = {"indicator", "target"} | {r for r in LABELS if any(getattr(x, r) for x in self.rows)}
        keep |= {r for r in ("weight", "score") if any(getattr(x, r) for x in self.rows)}
        if self.self_evaluation:
            keep |= {"actual", "explanation"}
        return [r for r in ROLES if r in keep]


@dataclass(frozen=True)
class Layout:
    """How a table is written: text style, label handling, header words, column order."""

    name: str
    style: str  # tab, pipes, markdown, lines, docx, xlsx
    lead: bool = False  # a leading label column ("绩效指标") before 一级
    repeat_labels: bool = False  # 一级/二级 on every row instead of the first row of a block
    level_weights: bool = False  # "产出指标(50分)"
    synonyms: str | None = None
    weight_first: bool = False  # 分值 before 年度指标值
    blank_between: bool = False  # one-cell-per-line: a blank line after each row
    indent: str = ""
    two_row_header: bool = False  # 指标值 over 年度指标值 / 实际完成值
    repeat_header: bool = False  # the header again mid-table (a page break), labels shown again
    label_rows: bool = False  # 二级 labels on rows of their own above their rows


LAYOUTS = [
    Layout("tab", "tab", repeat_labels=True),
    Layout("tab_lead", "tab", lead=True),
    Layout("tab_blank", "tab"),
    Layout("tab_level_weights", "tab", level_weights=True),
    *(Layout(f"synonyms_{k}", "tab", synonyms=k) for k in SYNONYMS),
    Layout("weight_first", "tab", weight_first=True),
    Layout("two_row_header", "tab", two_row_header=True),
    Layout("repeated_header", "tab", repeat_header=True),
    Layout("label_rows", "tab", label_rows=True),
    Layout("lines", "lines"),
    Layout("lines_blank", "lines", blank_between=True),
    Layout("lines_indent", "lines", indent="  "),
    Layout("lines_blank_indent", "lines", blank_between=True, indent="    "),
    Layout("markdown", "markdown"),
    # Repeated labels: a leading empty cell would make "| …" lines look like markdown borders.
    Layout("pipes", "pipes", repeat_labels=True),
    Layout("docx", "docx", lead=True),
    Layout("docx_split", "docx", lead=True, repeat_header=True),  # a page break splits the table
    Layout("xlsx", "xlsx", lead=True, level_weights=True),
]
SUFFIX = {"docx": ".docx", "xlsx": ".xlsx"}


# ---------------------------------------------------------------- source tables


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return " ".join(str(value).split())


def _year(value: Any) -> str | None:
    m = re.match(r"(?:19|20)\d\d", str(value or ""))  # "not stated (page dated 2017)" is no year
    return m.group(0) if m else None


def from_expected(spec: dict) -> list[SourceTable]:
    """The tables of one expected.json document (projects without rows are left out)."""
    tables = []
    for p in spec["projects"]:
        rows = [SourceRow(**{r: _s(row.get(r)) for r in ROLES}) for row in p["rows"]]
        if rows:
            funding = {k: _s(v) for k, v in (p.get("funding") or {}).items() if v is not None}
            tables.append(SourceTable(p.get("project"), rows, _year(spec.get("year")),
                                      "部门整体" in spec.get("kind", ""), funding))
    return tables


def from_document(doc: Any) -> list[SourceTable]:
    """The tables of a parsed Document (projects without rows are left out)."""
    tables = []
    for p in doc.projects:
        rows = [SourceRow(**{r: _s(getattr(x, r)) for r in ROLES}) for x in p.rows if _s(x.indicator)]
        if not rows:
            continue
        funding: dict[str, str] = {}
        b = p.budget
        if b is not None and (b.full or b.initial) is not None:
            funding = {"budget": _s(b.full if b.full is not None else b.initial), "executed": _s(b.spent),
                       "rate": f"{_s(b.rate * 100)}%" if b.rate is not None else "",
                       "weight": _s(b.weight), "score": _s(b.score)}
        tables.append(SourceTable(p.name, rows, str(doc.year) if doc.year else None,
                                  doc.kind == "department_selfeval", funding))
    return tables


# ---------------------------------------------------------------- grids


@dataclass
class Grid:
    """A table as rows of cell texts; spans are vertical merges (column, first row, last row)."""

    rows: list[list[str]]
    spans: list[tuple[int, int, int]] = field(default_factory=list)
    numeric_from: int = 99  # columns from here on hold figures (for .xlsx number cells)


def title(t: SourceTable) -> str:
    """The title line of the table's form."""
    year = f"{t.year}年度" if t.year else ""
    kind = "部门整体支出" if t.department else "项目支出"
    return f"{year}{kind}绩效{'自评表' if t.self_evaluation else '目标表'}"


def info_grids(t: SourceTable) -> list[Grid]:
    """The name line and the funding block above the indicator table."""
    grids = []
    if t.name:
        grids.append(Grid([["部门（单位）名称" if t.department else "项目名称", t.name]]))
    f = t.funding
    if f.get("budget") and t.self_evaluation:
        grids.append(Grid([["项目资金（万元）", "年初预算数", "全年执行数", "分值", "执行率", "得分"],
                           ["年度资金总额", f["budget"], f.get("executed", ""), f.get("weight", ""),
                            f.get("rate", ""), f.get("score", "")]], numeric_from=1))
    elif f.get("budget"):
        grids.append(Grid([["年度资金总额（万元）", f["budget"]]], numeric_from=1))
    return grids


def _blocks(values: list[str]) -> list[tuple[int, int]]:
    """Runs of equal consecutive values as (first, last) index pairs."""
    runs: list[tuple[int, int]] = []
    for i, v in enumerate(values):
        if runs and values[runs[-1][0]] == v:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _weighted_labels(rows: list[SourceRow]) -> list[str]:
    """一级 labels with the block's weight appended (sum of its rows, else 10 per row)."""
    labels = [r.level1 for r in rows]
    out = list(labels)
    for n, (a, b) in enumerate(_blocks(labels)):
        if not labels[a]:  # no 一级 label to carry a weight
            continue
        weights = [Decimal(x.weight) for x in rows[a:b + 1] if re.fullmatch(r"\d+(\.\d+)?", x.weight)]
        w = sum(weights) if weights else Decimal(10 * (b - a + 1))
        base = re.sub(r"[(（]?\d+(?:\.\d+)?(?:[-~]\d+)?[)）]?分?[)）]?$", "", labels[a])
        label = WEIGHT_FORMS[n % len(WEIGHT_FORMS)].format(base, format(w.normalize(), "f"))
        out[a:b + 1] = [label] * (b - a + 1)
    return out


def indicator_grid(t: SourceTable, layout: Layout) -> Grid:
    """The header and indicator rows, with label blocks blank below their first row."""
    roles = t.roles()
    if layout.weight_first and "weight" in roles:
        roles.remove("weight")
        roles.insert(roles.index("target"), "weight")
    level1 = _weighted_labels(t.rows) if layout.level_weights else [r.level1 for r in t.rows]
    full = [[level1[i] if r == "level1" else getattr(row, r) for r in roles] for i, row in enumerate(t.rows)]
    cells = [list(r) for r in full]
    lead = 1 if layout.lead else 0
    spans: list[tuple[int, int, int]] = []
    keys = {"level1": level1, "level2": [f"{a}\0{r.level2}" for a, r in zip(level1, t.rows, strict=True)]}
    for role in (r for r in LABELS if r in roles):
        col = roles.index(role)
        for a, b in _blocks(keys[role]):
            if b > a:
                spans.append((col + lead, a + 1, b + 1))
            if not layout.repeat_labels:
                for i in range(a + 1, b + 1):
                    cells[i][col] = ""
    header = header_rows(t, roles, layout)
    if layout.label_rows and "level2" in roles:
        cells, spans = _label_rows(cells, roles, keys["level2"]), []
    if layout.repeat_header and len(cells) >= 4:
        middle = len(cells) // 2
        cells[middle] = [full[middle][j] if r in LABELS else c for j, (r, c) in enumerate(zip(roles, cells[middle], strict=True))]
        cells[middle:middle] = [list(h) for h in header]
        spans = []
    rows = [*header, *cells]
    if layout.lead:
        rows = [["绩效指标"] + r if i == 0 else [""] + r for i, r in enumerate(rows)]
        spans.append((0, 0, len(rows) - 1))
    return Grid(rows, spans, numeric_from=lead + roles.index("target"))


def header_rows(t: SourceTable, roles: list[str], layout: Layout) -> list[list[str]]:
    """The header: one row of words, or two with 指标值 spanning the target and actual columns."""
    words = {**HEADERS, **SYNONYMS.get(layout.synonyms or "", {})}
    if not t.self_evaluation and not layout.synonyms:
        words["target"] = "指标值"
    if not layout.two_row_header or "actual" not in roles:  # one value column has nothing to group
        return [[words[r] for r in roles]]
    top = ["指标值" if r == "target" else "" if r == "actual" else words[r] for r in roles]
    below = {"target": "年度指标值", "actual": "实际完成值"}
    return [top, [below.get(r, "") for r in roles]]


def _label_rows(cells: list[list[str]], roles: list[str], level2_keys: list[str]) -> list[list[str]]:
    """A label-only row (一级 where its block starts, 二级) above each 二级 block, whose rows
    then carry no labels: the category is set by the row above."""
    c1, c2 = roles.index("level1") if "level1" in roles else None, roles.index("level2")
    out: list[list[str]] = []
    for a, b in _blocks(level2_keys):
        label = [""] * len(roles)
        label[c2] = cells[a][c2]
        if c1 is not None:
            label[c1] = cells[a][c1]
        out.append(label)
        for row in cells[a:b + 1]:
            out.append(["" if j in (c1, c2) else c for j, c in enumerate(row)])
    return out


def grids(t: SourceTable, layout: Layout) -> list[Grid]:
    """Every grid of one table, top to bottom."""
    return [*info_grids(t), indicator_grid(t, layout)]


# ---------------------------------------------------------------- text layouts


def _clean(text: str, style: str) -> str:
    text = " ".join(text.split())
    return text.replace("|", "｜") if style in ("pipes", "markdown") else text


def text_lines(tables: list[SourceTable], layout: Layout) -> list[str]:
    """The lines of a text layout."""
    out: list[str] = []
    for t in tables:
        out.append(title(t))
        for g in grids(t, layout):
            for n, row in enumerate(g.rows):
                cells = [_clean(c, layout.style) for c in row]
                if layout.style == "tab":
                    out.append("\t".join(cells))
                elif layout.style == "pipes":
                    out.append(" | ".join(cells))
                elif layout.style == "markdown":
                    out.append("| " + " | ".join(cells) + " |")
                    if n == 0:
                        out.append("|" + "---|" * len(cells))
                else:
                    out.extend(layout.indent + c for c in cells)
                    if layout.blank_between:
                        out.append("")
            if layout.style != "lines":
                out.append("")
    return out


def write(tables: list[SourceTable], layout: Layout, folder: Path, stem: str = "table") -> Path:
    """Write the tables in one layout into folder; return the file's path."""
    path = folder / f"{stem}_{layout.name}{SUFFIX.get(layout.style, '.txt')}"
    if layout.style in ("docx", "xlsx"):
        import layout_office  # imports this module: loaded on first use

        getattr(layout_office, f"write_{layout.style}")(tables, path, layout)
    else:
        path.write_text("\n".join(text_lines(tables, layout)) + "\n", encoding="utf-8")
    return path

