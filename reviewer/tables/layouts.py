"""Named layouts that are real kinds of document, not indicator tables.

- A project list with scores: a 部门/区县 绩效自评报告 that lists every project it evaluated
  with its 预算金额 and 自评得分 in one table (no indicator rows). Each line is a project.
"""

from __future__ import annotations

from reviewer.model import Budget, Cell, Grid, Project, Total
from reviewer.tables.header import detect_header
from reviewer.values import normalise_text, to_decimal
from reviewer.vocab.headers import norm


def is_project_list(grid: Grid) -> bool:
    """One header row naming 项目名称 and a score among several columns, and no indicator
    header anywhere in the grid."""
    for row in grid.rows[:3]:
        cells = [norm(c.text) for c in row]
        if len([c for c in cells if c]) >= 3 and any("项目名称" in c for c in cells) and any(
                c.endswith("得分") for c in cells):
            return not any(detect_header([c.text for c in r], "") for r in grid.rows)
    return False


def read_project_list(grid: Grid) -> list[Project]:
    """The projects of a project list, with budget and score."""
    out: list[Project] = []
    header: dict[str, int] | None = None
    for row in grid.rows:
        cells = [norm(c.text) for c in row]
        if header is None:
            if any("项目名称" in c for c in cells) and any("得分" in c for c in cells):
                header = {}
                for i, c in enumerate(cells):
                    if "项目名称" in c:
                        header["name"] = i
                    elif "预算" in c or "金额" in c:
                        header["budget"] = i
                    elif "得分" in c:
                        header["score"] = i
                    elif "主管部门" in c:
                        header["dept"] = i
            continue
        name = normalise_text(_at(row, header, "name"))
        if not name:
            continue
        budget, score = to_decimal(_at(row, header, "budget")), to_decimal(_at(row, header, "score"))
        out.append(Project(id="", name=name, department=normalise_text(_at(row, header, "dept")) or None,
                           budget=Budget(full=budget) if budget is not None else None,
                           total=Total(weight=None, score=score), where=row[header["name"]].where))
    return out


def _at(row: list[Cell], header: dict[str, int], key: str) -> str:
    i = header.get(key, 99)
    return row[i].text if i < len(row) else ""
