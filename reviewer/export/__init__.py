"""Exports of a review: .xlsx in the original table layout, JSON with the audit trail, HTML letter.

Two entry points share every renderer: ``review_to_xlsx`` / ``review_to_html`` take a
ReviewResult (no human decisions yet, for ``reviewer review --format xlsx|html``), and
``export_session`` takes a stored session with its decisions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from reviewer.codes import CODE_NAMES, STATUS_NAMES, code_name, severity_name, status_name
from reviewer.model import Document, IndicatorRow, Project, ReviewResult
from reviewer.safe_text import cell_text, json_safe, unique_path, visible, visible_all, write_atomic
from reviewer.text import number, percent

__all__ = [
    "CODE_NAMES",
    "export_session",
    "report_to_html",
    "report_to_json",
    "report_to_xlsx",
    "review_to_html",
    "review_to_xlsx",
    "session_report",
]

EXPORT_FORMATS = ("xlsx", "json", "html")


@dataclass
class FindingState:
    status: str = "open"
    final_text: str | None = None
    reason: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    critique: str | None = None  # the reviewer's 审核意见, when they wrote one


@dataclass
class Report:
    """What every exporter renders: documents plus (optionally) the human decisions on them."""

    title: str
    documents: list[tuple[str, Document]]  # (doc_id "d1", document)
    reviewed: bool  # False: straight out of the pipeline, nobody has decided anything
    states: dict[str, FindingState] = field(default_factory=dict)  # keyed "d1.f3"
    row_texts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    session: dict[str, Any] | None = None
    audit: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    def state(self, doc_id: str, finding_id: str) -> FindingState:
        return self.states.get(f"{doc_id}.{finding_id}", FindingState())


def _from_result(result: ReviewResult | Sequence[Document]) -> Report:
    if isinstance(result, ReviewResult):
        docs, errors = list(result.documents), [{"source": e.source, "message": e.message} for e in result.errors]
    else:
        docs, errors = list(result), []
    title = docs[0].title or Path(docs[0].source).name if docs else "审阅结果"
    if len(docs) > 1:
        title = f"{title} 等 {len(docs)} 份"
    return Report(title=title, documents=[(f"d{i}", d) for i, d in enumerate(docs, 1)], reviewed=False,
                  errors=errors)


def session_report(store: Any, session_id: str) -> Report:
    """Load a stored session, its decisions and its audit log into a Report."""
    info = store.get_session(session_id)
    docs = store.load_documents(session_id)
    _, records = store.query_findings(session_id, limit=10**9)
    states = {r.id: FindingState(r.status, r.final_text, r.reason, r.decided_by, r.decided_at, r.critique)
              for r in records}
    return Report(
        title=info.title, documents=[(f"d{i}", d) for i, d in enumerate(docs, 1)], reviewed=True, states=states,
        row_texts=store.row_texts(session_id), errors=info.errors, notices=info.notices,
        session={"id": info.id, "title": info.title, "created_at": info.created_at, "created_by": info.created_by,
                 "counts": info.counts},
        audit=store.audit_log(session_id), decisions=store.decisions(session_id),
    )


def review_to_xlsx(result: ReviewResult | Sequence[Document], path: str | Path) -> Path:
    """Write a pipeline result (no decisions) as .xlsx: 问题清单 plus one sheet per project."""
    return report_to_xlsx(_from_result(result), path)


def review_to_html(result: ReviewResult | Sequence[Document], path: str | Path | None = None) -> str:
    """Render a pipeline result as a self-contained HTML 审核意见 draft; also write it when path is given."""
    text = report_to_html(_from_result(result))
    if path is not None:
        write_atomic(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"), mode=None)
    return text


def export_session(store: Any, session_id: str, fmt: str, out_dir: str | Path | None = None,
                   who: str = "local") -> Path:
    """Write a session as xlsx | json | html under out_dir (default REVIEWER_HOME/exports) and log it."""
    if fmt not in EXPORT_FORMATS:
        from reviewer.store import StoreError

        raise StoreError(f"不支持的导出格式 {fmt!r}，应为 xlsx、json 或 html")
    # Log first, so the exported audit trail includes this export.
    store.log(session_id, who, "export", None, {"format": fmt})
    report = session_report(store, session_id)
    if out_dir is None:
        from reviewer.settings import get_settings

        out_dir = get_settings().home / "exports" / session_id
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    # Two requests in one second must not share a file; each is written whole, then renamed in.
    path = unique_path(out_dir, f"审阅结果_{_safe_name(report.title, 40)}_{stamp}", f".{fmt}")
    if fmt == "xlsx":
        return report_to_xlsx(report, path, mode=0o600)
    text = json_dumps(report_to_json(report)) if fmt == "json" else report_to_html(report)
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), mode=0o600)


def json_dumps(data: Any) -> str:
    """JSON for a file a person may open: C0 controls escaped by json, DEL and C1 escaped here."""
    return json_safe(json.dumps(data, ensure_ascii=False, indent=2))


# ------------------------------------------------------------------ helpers


def _safe_name(text: str, limit: int) -> str:
    return re.sub(r"[\\/:*?\"<>|\[\]\s]+", "_", text).strip("_")[:limit] or "报告"


def _num(value: Decimal | None, text: str | None = None) -> Any:
    """A Decimal as a number openpyxl writes natively; the cell text when it did not parse."""
    if value is None:
        return text or None
    return int(value) if value == value.to_integral_value() else value


def _fmt(value: Decimal | None, text: str | None = None) -> str:
    """A figure as the findings and drafts print it (reviewer.text.number)."""
    if value is None:
        return text or ""
    return number(value)


def _rate(project: Project) -> str:
    b = project.budget
    if b is None:
        return ""
    if b.rate_text:
        return b.rate_text
    return "" if b.rate is None else percent(b.rate)


def _decided_text(report: Report, doc_id: str, finding: Any) -> str:
    """The confirmed 偏差原因分析 (the row's one text, so a later decision never shows an older one) or the reason."""
    state = report.state(doc_id, finding.id)
    if state.status in ("accepted", "edited"):
        row = report.row_texts.get((doc_id, finding.row_id or ""))
        return (row or {}).get("final_text") or state.final_text or ""
    if state.status == "rejected":
        return state.reason or ""
    return ""


def _critique(doc: Document, finding_id: str, row_id: str | None, state: FindingState | None = None) -> str:
    """The reviewer's 审核意见 when they wrote one, else the drafted one (marked as a draft while undecided)."""
    from reviewer.store import critiques_for

    if state is not None and state.critique:
        return state.critique
    text = "\n".join(d.text for d in critiques_for(doc.drafts or [], finding_id, row_id))
    return f"（草稿）{text}" if text and state is not None and state.status == "open" else text


# ------------------------------------------------------------------ xlsx


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
            name = _safe_name(project.name, 28)
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
            critique = _critique(doc, f.id, f.row_id, s if report.reviewed else None)
            ws.append([
                f"{doc_id}.{f.id}", Path(doc.source).name, project.name if project else "",
                row.indicator if row else "（项目整体）", severity_name(f.severity), code_name(f.code), f.message,
                status_name(s.status) if report.reviewed else "待审核", _decided_text(report, doc_id, f),
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


def _project_sheet(ws: Any, report: Report, doc_id: str, doc: Document, project: Project) -> None:
    """One project's 自评表 in its usual layout, explanations as decided, plus a 审核发现 column."""
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter

    st = _styles()
    has_goal = any(r.goal for r in project.rows)
    heads = (["绩效目标"] if has_goal else []) + ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                                   "分值", "得分", "偏差原因分析及改进措施", "审核发现"]
    ncol = len(heads)
    last = get_column_letter(ncol - 1)  # the original table ends before 审核发现
    widths = ([14] if has_goal else []) + [12, 14, 30, 16, 16, 7, 7, 42, 34]
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w

    def put(r: int, c: int, value: Any, style: str = "wrap", span_to: int | None = None) -> None:
        cell = ws.cell(row=r, column=c, value=value)
        cell.alignment, cell.border = st[style] if style in ("wrap", "center") else st["wrap"], st["border"]
        if span_to and span_to > c:
            ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=span_to)

    r = 1
    ws.cell(row=r, column=1, value=project.title or f"{project.name}项目支出绩效自评表").font = st["title"]
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].alignment = st["center"]
    if doc.year:
        r += 1
        ws.cell(row=r, column=1, value=f"（{doc.year} 年度）").alignment = st["center"]
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol - 1)
    r += 1
    put(r, 1, "项目名称", "center")
    put(r, 2, project.name, span_to=ncol - 1)
    r += 1
    half = (ncol - 1) // 2
    put(r, 1, "主管部门", "center")
    put(r, 2, project.department or "", span_to=half)
    put(r, half + 1, "实施单位", "center")
    put(r, half + 2, project.unit or "", span_to=ncol - 1)
    if project.budget:
        b = project.budget
        r += 1
        for c, text in enumerate(["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], 1):
            put(r, c, text, "center")
        r += 1
        for c, value in enumerate(["年度资金总额", _num(b.initial), _num(b.full), _num(b.spent), _num(b.weight),
                                   _rate(project), _num(b.score)], 1):
            put(r, c, value, "center")
    if project.purpose or project.achieved:
        r += 1
        put(r, 1, "年度总体目标", "center")
        put(r, 2, "预期目标", "center", span_to=half)
        put(r, half + 1, "实际完成情况", "center", span_to=ncol - 1)
        r += 1
        put(r, 1, "")
        put(r, 2, project.purpose or "", span_to=half)
        put(r, half + 1, project.achieved or "", span_to=ncol - 1)
    r += 1
    for c, text in enumerate(heads, 1):
        put(r, c, text, "center")
        ws.cell(row=r, column=c).fill = st["head"]
        ws.cell(row=r, column=c).font = st["bold"]
    ws.cell(row=r, column=ncol).fill = st["note"]

    by_row: dict[str, list[str]] = {}
    project_notes = []
    for f in doc.findings:
        if f.project_id != project.id:
            continue
        s = report.state(doc_id, f.id)
        label = f"{severity_name(f.severity)}·{code_name(f.code)}"
        if report.reviewed:
            label += f"（{status_name(s.status)}）"
        (by_row.setdefault(f.row_id, []) if f.row_id else project_notes).append(f"{label}：{f.message}")

    first_row = r + 1
    off = 1 if has_goal else 0
    for row in project.rows:
        r += 1
        cells = ([row.goal or ""] if has_goal else []) + [
            row.level1 or "", row.level2 or "", row.indicator, row.target or "", row.actual or "",
            _num(row.weight, row.weight_text), _num(row.score, row.score_text), row.explanation or "",
            "\n".join(by_row.get(row.id, [])),
        ]
        for c, value in enumerate(cells, 1):
            put(r, c, value, "center" if c <= 2 + off or c in (6 + off, 7 + off) else "wrap")
        decided = report.row_texts.get((doc_id, row.id))
        if decided:
            cell = ws.cell(row=r, column=8 + off, value=decided["final_text"])
            cell.fill = st["changed"]
            who = decided.get("decided_by") or ""
            cell.comment = Comment(f"原文：{row.explanation or '（空）'}\n审核：{who} {decided.get('decided_at') or ''}",
                                   "绩效自评审阅助手", width=300, height=120)
        if by_row.get(row.id):
            ws.cell(row=r, column=ncol).fill = st["note"]
    if has_goal:
        _merge_runs(ws, first_row, r, 1, parent=None)
    _merge_runs(ws, first_row, r, 1 + off, parent=1 if has_goal else None)
    _merge_runs(ws, first_row, r, 2 + off, parent=1 + off)
    if project.total:
        r += 1
        put(r, 1, "总分", "center", span_to=5 + off)
        put(r, 6 + off, _num(project.total.weight), "center")
        put(r, 7 + off, _num(project.total.score), "center")
        put(r, 8 + off, "")
        put(r, ncol, "")
    if project_notes:
        r += 2
        ws.cell(row=r, column=1, value="项目整体审核发现").font = st["bold"]
        for note in project_notes:
            r += 1
            put(r, 1, note, span_to=ncol)
            ws.cell(row=r, column=1).fill = st["note"]
    ws.freeze_panes = None


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


# ------------------------------------------------------------------ json


def report_to_json(report: Report) -> dict[str, Any]:
    """The session with its documents (review contract), findings with decisions, and the audit trail."""
    findings = []
    history: dict[str, list[dict[str, Any]]] = {}
    for d in report.decisions:
        history.setdefault(d["finding_id"], []).append(
            {k: d[k] for k in ("action", "text", "reason", "reviewer", "at")})
    for doc_id, doc in report.documents:
        for f in doc.findings:
            key = f"{doc_id}.{f.id}"
            s = report.state(doc_id, f.id)
            findings.append({
                "id": key, "document": doc.source, "finding_id": f.id, "code": f.code, "code_name": code_name(f.code),
                "severity": f.severity, "project_id": f.project_id, "row_id": f.row_id, "message": f.message,
                "status": s.status, "final_text": s.final_text, "reason": s.reason, "decided_by": s.decided_by,
                "decided_at": s.decided_at, "decisions": history.get(key, []),
            })
    return {
        "schema": "reviewer.session/1",
        "session": report.session,
        "errors": report.errors,
        "notices": report.notices,
        "documents": ReviewResult(documents=[d for _, d in report.documents]).to_contract()["documents"],
        "findings": findings,
        "audit": report.audit,
    }


# ------------------------------------------------------------------ html

_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ report.title }} 审核意见</title>
<style>
body{font-family:"Noto Serif CJK SC","Songti SC",SimSun,serif;max-width:52em;margin:2em auto;padding:0 1em;
line-height:1.75;color:#222}
h1{text-align:center;font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em}h3{font-size:1.05em;margin-bottom:.3em}
.meta{color:#555;font-size:.9em;text-align:center}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #999;padding:.3em .5em;vertical-align:top}th{background:#eef3f8}
.sev-error{color:#b00020;font-weight:bold}.sev-warning{color:#a15c00}.sev-info{color:#555}
.final{background:#fff8e1;padding:.3em .6em;border-left:3px solid #e0a800;margin:.3em 0}
.critique{padding:.3em .6em;border-left:3px solid #7a9cc6;margin:.3em 0}
li{margin-bottom:.8em}.muted{color:#666}
@media print{body{margin:0}}
</style></head><body>
<h1>关于《{{ report.title }}》的审核意见</h1>
<p class="meta">{% if report.session %}会话 {{ report.session.id }} · {% endif %}生成于 {{ generated }}</p>
{% if not report.reviewed %}<p class="muted">本意见由系统自动检查生成，尚未经人工审核。</p>{% endif %}

<h2>一、总体情况</h2>
<p>共审阅 {{ n_docs }} 份报告、{{ n_projects }} 个项目、{{ n_rows }} 个指标行，系统发现问题 {{ n_findings }} 项。
{% if report.reviewed %}经人工审核，确认问题 {{ confirmed|length }} 项（{{ sev_summary }}），排除 {{ rejected|length }} 项，
尚待审核 {{ open|length }} 项。{% else %}其中 {{ sev_summary }}。{% endif %}</p>
{% for e in report.errors %}<p class="muted">未能审阅：{{ e.source_name }}（{{ e.message }}）</p>{% endfor %}
{% for n in report.notices %}<p class="muted">说明：{{ n }}</p>{% endfor %}

<h2>二、{% if report.reviewed %}确认的问题及修改意见{% else %}发现的问题{% endif %}</h2>
{% for group in groups %}
<h3>（{{ loop.index }}）{{ group.project }}{% if multi_docs %} <span class="muted">[{{ group.source }}]</span>{% endif %}</h3>
<ol>{% for item in group["items"] %}
<li><span class="sev-{{ item.severity }}">【{{ item.severity_name }}】{{ item.code_name }}</span>
{% if item.indicator %}—— 指标“{{ item.indicator }}”{% endif %}：{{ item.message }}
{% if item.critique %}<div class="critique">审核意见：{{ item.critique }}</div>{% endif %}
{% if item.final_text %}<div class="final">{{ "修改后" if item.status == "edited" else "" }}偏差原因分析及改进措施：{{ item.final_text }}</div>{% endif %}
</li>{% endfor %}</ol>
{% else %}<p>无。</p>{% endfor %}

{% if report.reviewed and rejected %}
<h2>附一、经审核排除的问题</h2>
<table><tr><th>编号</th><th>项目</th><th>指标</th><th>问题类型</th><th>排除理由</th><th>审核人</th></tr>
{% for item in rejected %}<tr><td>{{ item.id }}</td><td>{{ item.project }}</td><td>{{ item.indicator }}</td>
<td>{{ item.code_name }}</td><td>{{ item.reason or "—" }}</td><td>{{ item.decided_by }}</td></tr>{% endfor %}
</table>{% endif %}
{% if report.reviewed and open %}
<h2>附二、尚待审核的问题</h2>
<table><tr><th>编号</th><th>项目</th><th>指标</th><th>严重程度</th><th>问题类型</th><th>说明</th></tr>
{% for item in open %}<tr><td>{{ item.id }}</td><td>{{ item.project }}</td><td>{{ item.indicator }}</td>
<td>{{ item.severity_name }}</td><td>{{ item.code_name }}</td><td>{{ item.message }}</td></tr>{% endfor %}
</table>{% endif %}
{% if skipped %}
<h2>附三、未能检查的内容</h2>
<table><tr><th>报告</th><th>检查项</th><th>未检查的行及原因</th></tr>
{% for s in skipped %}<tr><td>{{ s.source }}</td><td>{{ s.code_name }}</td><td>{{ s.text }}</td></tr>{% endfor %}
</table>{% endif %}
</body></html>
"""


def report_to_html(report: Report) -> str:
    """A self-contained 审核意见 page: inline CSS, no scripts, fonts or links to fetch."""
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined)
    confirmed, rejected, open_ = [], [], []
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    n_rows = n_projects = 0
    for doc_id, doc in report.documents:
        projects = {p.id: p for p in doc.projects}
        rows: dict[str, IndicatorRow] = {r.id: r for p in doc.projects for r in p.rows}
        n_projects += len(doc.projects)
        n_rows += len(rows)
        for f in doc.findings:
            s = report.state(doc_id, f.id)
            row = rows.get(f.row_id or "")
            project = projects.get(f.project_id or "")
            critique = _critique(doc, f.id, f.row_id, s if report.reviewed else None)
            item = {
                "id": f"{doc_id}.{f.id}", "severity": f.severity, "severity_name": severity_name(f.severity),
                "code_name": code_name(f.code), "message": f.message, "indicator": row.indicator if row else "",
                "project": project.name if project else "（报告整体）", "status": s.status,
                "final_text": _decided_text(report, doc_id, f) if s.status in ("accepted", "edited") else None,
                "reason": s.reason, "decided_by": s.decided_by or "",
                "critique": critique or None,
            }
            if report.reviewed and s.status == "rejected":
                rejected.append(item)
            elif report.reviewed and s.status == "open":
                open_.append(item)
            else:
                confirmed.append(item)
                key = (doc_id, f.project_id or "")
                groups.setdefault(key, {"project": item["project"], "source": Path(doc.source).name, "items": []})
                groups[key]["items"].append(item)
    sev_counts = {}
    for item in confirmed:
        sev_counts[item["severity_name"]] = sev_counts.get(item["severity_name"], 0) + 1
    sev_summary = "、".join(f"{k} {v} 项" for k, v in sev_counts.items()) or "无"
    skipped = [
        {"source": Path(doc.source).name, "code_name": code_name(code),
         "text": "；".join(f"{reason} {n} 行" for reason, n in cov.skipped.items())}
        for _, doc in report.documents for code, cov in doc.coverage.items() if cov.skipped
    ]
    errors = [{"source_name": Path(e["source"]).name, "message": e["message"]} for e in report.errors]
    view = Report(**{**report.__dict__, "errors": errors})
    return visible(env.from_string(_HTML).render(
        report=view, generated=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        n_docs=len(report.documents), n_projects=n_projects, n_rows=n_rows,
        n_findings=sum(len(d.findings) for _, d in report.documents), confirmed=confirmed, rejected=rejected,
        open=open_, sev_summary=sev_summary, groups=list(groups.values()), multi_docs=len(report.documents) > 1,
        skipped=skipped,
    ))
