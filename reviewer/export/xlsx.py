"""The .xlsx export: 问题清单, one sheet per project in its usual 自评表 layout (explanations as
decided, a 审核发现 column), and 审阅概况."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from reviewer.codes import STATUS_NAMES, code_name, severity_name, status_name
from reviewer.export.report import (
    FindingState,
    Report,
    critique_text,
    decided_text,
    report_from_result,
    safe_name,
)
from reviewer.model import Document, Project, ReviewResult
from reviewer.safe_text import cell_text, visible_all, write_atomic
from reviewer.text import percent


def review_to_xlsx(result: ReviewResult | Sequence[Document], path: str | Path) -> Path:
    """Write a pipeline result (no decisions) as .xlsx: 问题清单 plus one sheet per project."""
    return report_to_xlsx(report_from_result(result), path)


def _num(value: Decimal | None, text: str | None = None) -> Any:
    """A Decimal as a number openpyxl writes natively; the cell text when it did not parse."""
    if value is None:
        return text or None
    return int(value) if value == value.to_integral_value() else value


def _rate(project: Project) -> str:
    b = project.budget
    if b is None:
        return ""
    if b.rate_text:
        return b.rate_text
    return "" if b.rate is None else percent(b.rate)


def _cell_report(report: Report) -> Report:
    """A copy whose every text fits a cell: control characters shown (openpyxl refuses a NUL) and
    over-long text cut with a note (openpyxl would cut it silently)."""
    def fix(obj: Any) -> Any:
        return visible_all(obj, cell_text)

    docs = [(i, type(d).model_validate(fix(d.model_dump()))) for i, d in report.documents]
    states = {k: FindingState(**fix(asdict(v))) for k, v in report.states.items()}
    return replace(report, title=fix(report.title), documents=docs, states=states, row_texts=fix(report.row_texts),
                   errors=fix(report.errors), notices=fix(report.notices))


def report_to_xlsx(report: Report, path: str | Path, mode: int | None = None) -> Path:
    from openpyxl import Workbook

    report = _cell_report(report)
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    _findings_sheet(ws, report)
    used = {"问题清单", "审阅概况"}
    for doc_id, doc in report.documents:
        for project in doc.projects:
            name = safe_name(project.name, 28)
            base, n = name, 2
            while name in used:
                name, n = f"{base[:26]}({n})", n + 1
            used.add(name)
            _project_sheet(wb.create_sheet(name), report, doc_id, doc, project)
    _summary_sheet(wb.create_sheet("审阅概况"), report)
    _no_formulas(wb)
    return write_atomic(Path(path), lambda tmp: wb.save(tmp), mode=mode)


def _no_formulas(wb) -> None:  # type: ignore[no-untyped-def]
    """Report text is untrusted: a cell reading "=HYPERLINK(…)" must stay text, never a formula."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    return {
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "wrap": Alignment(wrap_text=True, vertical="center"),
        "center": Alignment(wrap_text=True, vertical="center", horizontal="center"),
        "bold": Font(bold=True),
        "title": Font(bold=True, size=14),
        "head": PatternFill("solid", fgColor="DDEBF7"),
        "changed": PatternFill("solid", fgColor="FFF2CC"),
        "note": PatternFill("solid", fgColor="FCE4D6"),
    }


def _findings_sheet(ws: Any, report: Report) -> None:
    st = _styles()
    header = ["编号", "文件", "项目", "指标", "严重程度", "问题类型", "问题说明", "状态",
              "定稿偏差原因分析 / 不是问题的理由", "审核意见", "审核人", "审核时间"]
    ws.append(header)
    for doc_id, doc in report.documents:
        projects = {p.id: p for p in doc.projects}
        rows = {r.id: r for p in doc.projects for r in p.rows}
        for f in doc.findings:
            s = report.state(doc_id, f.id)
            row = rows.get(f.row_id or "")
            project = projects.get(f.project_id or "")
            critique = critique_text(doc, f.id, f.row_id, s if report.reviewed else None)
            ws.append([
                f"{doc_id}.{f.id}", Path(doc.source).name, project.name if project else "",
                row.indicator if row else "（项目整体）", severity_name(f.severity), code_name(f.code), f.message,
                status_name(s.status) if report.reviewed else "待审核", decided_text(report, doc_id, f),
                critique, s.decided_by or "", s.decided_at or "",
            ])
    widths = [9, 18, 24, 26, 8, 16, 40, 10, 40, 36, 10, 20]
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment, cell.border = st["bold"], st["head"], st["center"], st["border"]
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment, cell.border = st["wrap"], st["border"]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


class _ProjectSheet:
    """A project's sheet being written: its worksheet, styles, column layout and current row."""

    def __init__(self, ws: Any, project: Project):
        from openpyxl.utils import get_column_letter

        self.ws, self.st, self.r = ws, _styles(), 0
        self.has_goal = any(r.goal for r in project.rows)
        self.off = 1 if self.has_goal else 0  # the 绩效目标 column shifts every other one right
        self.heads = (["绩效目标"] if self.has_goal else []) + [
            "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施", "审核发现"]
        self.ncol = len(self.heads)
        self.half = (self.ncol - 1) // 2
        widths = ([14] if self.has_goal else []) + [12, 14, 30, 16, 16, 7, 7, 42, 34]
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w

    def put(self, c: int, value: Any, style: str = "wrap", span_to: int | None = None) -> Any:
        """Write a bordered cell in the current row, merged up to column ``span_to``."""
        cell = self.ws.cell(row=self.r, column=c, value=value)
        cell.alignment, cell.border = self.st[style] if style in ("wrap", "center") else self.st["wrap"], self.st["border"]
        if span_to and span_to > c:
            self.ws.merge_cells(start_row=self.r, start_column=c, end_row=self.r, end_column=span_to)
        return cell

    def next_row(self, step: int = 1) -> None:
        self.r += step


def _project_sheet(ws: Any, report: Report, doc_id: str, doc: Document, project: Project) -> None:
    """One project's 自评表 in its usual layout, explanations as decided, plus a 审核发现 column."""
    sh = _ProjectSheet(ws, project)
    _title_rows(sh, doc, project)
    _budget_rows(sh, project)
    _header_row(sh)
    by_row, project_notes = _finding_notes(report, doc_id, doc, project)
    _indicator_rows(sh, report, doc_id, project, by_row)
    _total_and_notes(sh, project, project_notes)
    ws.freeze_panes = None


def _title_rows(sh: _ProjectSheet, doc: Document, project: Project) -> None:
    """Title, year, 项目名称, 主管部门 and 实施单位."""
    from openpyxl.utils import get_column_letter

    ws, st, last = sh.ws, sh.st, sh.ncol - 1  # the original table ends before 审核发现
    sh.next_row()
    ws.cell(row=sh.r, column=1, value=project.title or f"{project.name}项目支出绩效自评表").font = st["title"]
    ws.merge_cells(f"A1:{get_column_letter(last)}1")
    ws["A1"].alignment = st["center"]
    if doc.year:
        sh.next_row()
        ws.cell(row=sh.r, column=1, value=f"（{doc.year} 年度）").alignment = st["center"]
        ws.merge_cells(start_row=sh.r, start_column=1, end_row=sh.r, end_column=last)
    sh.next_row()
    sh.put(1, "项目名称", "center")
    sh.put(2, project.name, span_to=last)
    sh.next_row()
    sh.put(1, "主管部门", "center")
    sh.put(2, project.department or "", span_to=sh.half)
    sh.put(sh.half + 1, "实施单位", "center")
    sh.put(sh.half + 2, project.unit or "", span_to=last)


def _budget_rows(sh: _ProjectSheet, project: Project) -> None:
    """The funding table and the 年度总体目标 block, when the report has them."""
    last = sh.ncol - 1
    if project.budget:
        b = project.budget
        sh.next_row()
        for c, text in enumerate(["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], 1):
            sh.put(c, text, "center")
        sh.next_row()
        for c, value in enumerate(["年度资金总额", _num(b.initial), _num(b.full), _num(b.spent), _num(b.weight),
                                   _rate(project), _num(b.score)], 1):
            sh.put(c, value, "center")
    if project.purpose or project.achieved:
        sh.next_row()
        sh.put(1, "年度总体目标", "center")
        sh.put(2, "预期目标", "center", span_to=sh.half)
        sh.put(sh.half + 1, "实际完成情况", "center", span_to=last)
        sh.next_row()
        sh.put(1, "")
        sh.put(2, project.purpose or "", span_to=sh.half)
        sh.put(sh.half + 1, project.achieved or "", span_to=last)


def _header_row(sh: _ProjectSheet) -> None:
    sh.next_row()
    for c, text in enumerate(sh.heads, 1):
        cell = sh.put(c, text, "center")
        cell.fill, cell.font = sh.st["head"], sh.st["bold"]
    sh.ws.cell(row=sh.r, column=sh.ncol).fill = sh.st["note"]


def _finding_notes(report: Report, doc_id: str, doc: Document,
                   project: Project) -> tuple[dict[str, list[str]], list[str]]:
    """The project's findings as 审核发现 lines: per row id, and those about the project as a whole."""
    by_row: dict[str, list[str]] = {}
    project_notes: list[str] = []
    for f in doc.findings:
        if f.project_id != project.id:
            continue
        label = f"{severity_name(f.severity)}·{code_name(f.code)}"
        if report.reviewed:
            label += f"（{status_name(report.state(doc_id, f.id).status)}）"
        (by_row.setdefault(f.row_id, []) if f.row_id else project_notes).append(f"{label}：{f.message}")
    return by_row, project_notes


def _indicator_rows(sh: _ProjectSheet, report: Report, doc_id: str, project: Project,
                    by_row: dict[str, list[str]]) -> None:
    """One line per indicator row, the decided 偏差原因分析 highlighted with the original in a comment."""
    from openpyxl.comments import Comment

    first_row, off = sh.r + 1, sh.off
    for row in project.rows:
        sh.next_row()
        cells = ([row.goal or ""] if sh.has_goal else []) + [
            row.level1 or "", row.level2 or "", row.indicator, row.target or "", row.actual or "",
            _num(row.weight, row.weight_text), _num(row.score, row.score_text), row.explanation or "",
            "\n".join(by_row.get(row.id, [])),
        ]
        for c, value in enumerate(cells, 1):
            sh.put(c, value, "center" if c <= 2 + off or c in (6 + off, 7 + off) else "wrap")
        decided = report.row_texts.get((doc_id, row.id))
        if decided:
            cell = sh.ws.cell(row=sh.r, column=8 + off, value=decided["final_text"])
            cell.fill = sh.st["changed"]
            who = decided.get("decided_by") or ""
            cell.comment = Comment(f"原文：{row.explanation or '（空）'}\n审核：{who} {decided.get('decided_at') or ''}",
                                   "绩效自评审阅助手", width=300, height=120)
        if by_row.get(row.id):
            sh.ws.cell(row=sh.r, column=sh.ncol).fill = sh.st["note"]
    if sh.has_goal:
        _merge_runs(sh.ws, first_row, sh.r, 1, parent=None)
    _merge_runs(sh.ws, first_row, sh.r, 1 + off, parent=1 if sh.has_goal else None)
    _merge_runs(sh.ws, first_row, sh.r, 2 + off, parent=1 + off)


def _total_and_notes(sh: _ProjectSheet, project: Project, project_notes: list[str]) -> None:
    """The 总分 line, then the findings about the project as a whole."""
    off = sh.off
    if project.total:
        sh.next_row()
        sh.put(1, "总分", "center", span_to=5 + off)
        sh.put(6 + off, _num(project.total.weight), "center")
        sh.put(7 + off, _num(project.total.score), "center")
        sh.put(8 + off, "")
        sh.put(sh.ncol, "")
    if project_notes:
        sh.next_row(2)
        sh.ws.cell(row=sh.r, column=1, value="项目整体审核发现").font = sh.st["bold"]
        for note in project_notes:
            sh.next_row()
            sh.put(1, note, span_to=sh.ncol).fill = sh.st["note"]


def _merge_runs(ws: Any, top: int, bottom: int, col: int, parent: int | None) -> None:
    """Merge vertical runs of equal text (一级/二级指标), as the source tables do.

    A run never crosses a change in the parent column, so 二级指标 merges stay inside their 一级.
    Values are compared before any merge in this column, parents were merged earlier: compare
    against the run's first cell, which keeps its value after merging.
    """
    values = [ws.cell(row=r, column=col).value for r in range(top, bottom + 1)]
    parents = [_run_key(ws, r, parent) for r in range(top, bottom + 1)] if parent else [None] * len(values)
    start = 0
    for i in range(1, len(values) + 1):
        if i < len(values) and values[i] == values[start] and parents[i] == parents[start]:
            continue
        if i - 1 > start and values[start]:
            ws.merge_cells(start_row=top + start, start_column=col, end_row=top + i - 1, end_column=col)
        start = i


def _run_key(ws: Any, r: int, col: int) -> Any:
    """The merged range a cell belongs to (or the cell itself): two rows share a parent only if merged."""
    for rng in ws.merged_cells.ranges:
        if rng.min_col <= col <= rng.max_col and rng.min_row <= r <= rng.max_row:
            return rng.coord
    return (r, col)


def _summary_sheet(ws: Any, report: Report) -> None:
    st = _styles()
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 60
    ws.append(["审阅概况"])
    ws["A1"].font = st["title"]
    ws.append(["审阅对象", report.title])
    if report.session:
        ws.append(["会话编号", report.session["id"]])
        ws.append(["创建时间", report.session["created_at"]])
        for status, n in report.session["counts"].items():
            ws.append([STATUS_NAMES.get(status, status), n])
    ws.append(["导出时间", datetime.now().astimezone().isoformat(timespec="seconds")])
    for e in report.errors:
        ws.append(["未能审阅的文件", f"{Path(e['source']).name}：{e['message']}"])
    for note in report.notices:
        ws.append(["提示", note])
    ws.append([])
    ws.append(["检查覆盖情况", "已检查行数；未能检查的行及原因"])
    for _doc_id, doc in report.documents:
        for code, cov in doc.coverage.items():
            skipped = "；".join(f"{reason} {n} 行" for reason, n in cov.skipped.items())
            ws.append([f"{code_name(code)}（{Path(doc.source).name}）",
                       f"已检查 {cov.checked} 行" + (f"；跳过：{skipped}" if skipped else "")])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = st["wrap"]


__all__ = ["report_to_xlsx", "review_to_xlsx"]
