"""HTML and table views of a review session for the web page (plain strings, no Gradio).

Every piece of report text is escaped: a report is untrusted input and ends up in the page.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from reviewer.codes import STATUS_NAMES, code_name, severity_name, status_name
from reviewer.store import FindingDetail, FindingRecord, SessionInfo
from reviewer.text import number as text_number
from reviewer.text import percent as text_percent

PAGE_SIZE = 50
TABLE_HEADERS = ["", "编号", "严重程度", "问题类型", "项目", "指标", "指标值", "实际完成值", "得分/分值", "状态"]
STATUS_CHOICES = [("全部", ""), ("待处理", "open"), ("已处理", "decided"), ("已采纳", "accepted"),
                  ("修改后采纳", "edited"), ("已驳回", "rejected")]
ALL = ("全部", "")

_STATUS_MARK = {"open": "○ 待处理", "accepted": "✔ 已采纳", "edited": "✎ 修改后采纳", "rejected": "✘ 已驳回"}

CSS = """
.rv-sev{display:inline-block;padding:0 .45em;border-radius:3px;color:#fff;font-size:.85em;margin-right:.4em}
.rv-sev-error{background:#c62828}.rv-sev-warning{background:#ef8f00}.rv-sev-info{background:#607d8b}
.rv-head{font-size:1.05em;margin-bottom:.3em}.rv-id{color:#666;font-size:.85em;margin-left:.5em}
.rv-msg{margin:.3em 0 .5em 0}
.rv-status{display:inline-block;padding:0 .45em;border-radius:3px;font-size:.85em;border:1px solid #999}
.rv-status-open{border-color:#999;color:#555}.rv-status-accepted{border-color:#2e7d32;color:#2e7d32}
.rv-status-edited{border-color:#1565c0;color:#1565c0}.rv-status-rejected{border-color:#6d4c41;color:#6d4c41}
table.rv-cells{border-collapse:collapse;width:100%;font-size:.9em}
table.rv-cells th,table.rv-cells td{border:1px solid var(--border-color-primary,#ddd);padding:.2em .45em;
text-align:left;vertical-align:top}
table.rv-cells th{white-space:nowrap;width:7.5em;background:var(--background-fill-secondary,#f6f6f6);font-weight:normal}
.rv-muted{color:#777;font-size:.88em}.rv-note{background:#fff8e1;border-left:3px solid #e0a800;padding:.3em .6em;margin:.3em 0}
.rv-critique{border-left:3px solid #7a9cc6;padding:.3em .6em;margin:.3em 0}
.rv-keys{color:#777;font-size:.85em}.rv-keys kbd{border:1px solid #bbb;border-radius:3px;padding:0 .3em;font-size:.9em}
.rv-counts b{font-size:1.05em}
ol.rv-neighbours{margin:0;padding-left:1.4em}ol.rv-neighbours li{margin:.15em 0}
"""


def e(value: Any) -> str:
    return escape("" if value is None else str(value))


ID_COLUMN = 1


def table_rows(records: list[FindingRecord], current: str | None = None) -> list[list[str]]:
    """One table row per finding; the first column marks the finding shown in the detail panel."""
    out = []
    for f in records:
        score = f"{f.score}/{f.weight}" if f.score or f.weight else ""
        out.append(["▶" if f.id == current else "", f.id, severity_name(f.severity), code_name(f.code), f.project_name,
                    f.indicator or "（项目整体）", f.target, f.actual, score, _STATUS_MARK.get(f.status, f.status)])
    return out


def page_info(total: int, page: int) -> str:
    pages = max(1, -(-total // PAGE_SIZE))
    return f"第 {page + 1} / {pages} 页 · 符合条件 {total} 项"


def status_html(info: SessionInfo | None) -> str:
    if info is None:
        return "<div class='rv-muted'>尚未打开审阅会话：请上传报告后点击“开始审阅”，或从右侧历史会话中打开。</div>"
    c = info.counts
    counts = (f"<div class='rv-counts'><b>{e(info.title)}</b> <span class='rv-id'>会话 {e(info.id)} · "
              f"{e(info.created_at[:16].replace('T', ' '))} · {e(info.created_by)}</span><br>"
              f"共 {info.total} 项：待处理 <b>{c.get('open', 0)}</b> · 已采纳 <b>{c.get('accepted', 0)}</b> · "
              f"修改后采纳 <b>{c.get('edited', 0)}</b> · 已驳回 <b>{c.get('rejected', 0)}</b></div>")
    parts = [counts]
    for err in info.errors:
        parts.append(f"<div class='rv-note'>未能审阅：{e(Path(err['source']).name)} —— {e(err['message'])}</div>")
    for note in info.notices:
        parts.append(f"<div class='rv-note'>{e(note)}</div>")
    return "".join(parts)


def errors_html(errors: list[dict[str, str]], notices: list[str] | None = None) -> str:
    """For a batch in which no file could be reviewed (no session was created)."""
    parts = [f"<div class='rv-note'>未能审阅：{e(Path(x['source']).name)} —— {e(x['message'])}</div>" for x in errors]
    parts += [f"<div class='rv-note'>{e(n)}</div>" for n in notices or []]
    return "".join(parts) or "<div class='rv-note'>没有可审阅的文件。</div>"


def session_choices(sessions: list[SessionInfo]) -> list[tuple[str, str]]:
    out = []
    for s in sessions:
        c = s.counts
        out.append((f"{s.created_at[:16].replace('T', ' ')} · {s.title} · 待处理 {c.get('open', 0)}/{s.total}", s.id))
    return out


# ------------------------------------------------------------------ detail panel

_ROW_FIELDS = [("goal", "绩效目标"), ("level1", "一级指标"), ("level2", "二级指标"), ("indicator", "三级指标"),
               ("target", "年度指标值"), ("actual", "实际完成值"), ("weight", "分值"), ("score", "得分"),
               ("explanation", "偏差原因分析（原文）"), ("description", "指标说明"), ("basis", "指标值确定依据"),
               ("where", "位置")]
_BUDGET_FIELDS = [("initial", "年初预算数（万元）"), ("full", "全年预算数（万元）"), ("spent", "全年执行数（万元）"),
                  ("rate_text", "执行率"), ("weight", "分值"), ("score", "得分"), ("where", "位置")]

EVIDENCE_LABELS = {
    "neighbours": "相似的历史指标", "neighbors": "相似的历史指标", "nearest": "相似的历史指标",
    "matches": "相似的指标", "document": "来源报告", "doc": "来源报告", "source": "来源报告", "project": "项目",
    "indicator": "指标", "similarity": "相似度", "score": "得分", "weight": "分值", "target": "年度指标值",
    "actual": "实际完成值", "explanation": "偏差原因分析", "year": "年份", "report_year": "报告年份",
    "rate": "执行率", "computed": "计算值", "expected": "应为", "sum": "合计", "total": "总分",
    "count": "次数", "projects": "项目", "rows": "指标行", "other_project": "另一项目", "share": "占比",
    "level1": "一级指标", "level2": "二级指标", "where": "位置", "row_id": "行", "text": "原文",
    "cells": "单元格", "reason": "判断依据", "points_lost": "扣分", "excess": "超出分值", "field": "所在栏目",
    "year_found": "出现的年份", "completion": "完成比例", "deviation": "偏差方向", "other_actual": "另一处完成值",
    "other_where": "另一处位置", "row_rate": "指标行执行率", "table_rate": "资金表执行率", "title": "表格标题",
    "name": "项目名称", "target_unit": "指标值单位", "actual_unit": "完成值单位", "weight_sum": "分值合计",
    "total_weight": "总分分值", "declared": "标注分值", "score_sum": "得分合计", "reported_total": "填报总分",
    "expected_score": "按规则应得分", "reported_score": "填报得分", "computed_rate": "计算执行率",
    "reported_rate": "填报执行率", "comparator": "比较符号", "document_title": "报告标题", "examples": "示例",
    "scope": "范围", "lexical": "字面相似度",
}
# Internal ids mean nothing to a reviewer; the project name and position next to them do.
_HIDDEN_KEYS = {"project_id", "row_id", "doc_id", "vector_id", "id"}
# Enumerated evidence values the checks use, as a reviewer would say them.
EVIDENCE_VALUES = {
    "bare_done": "只写了“完成”类字样", "empty": "空白", "slogan": "口号式表述", "vague_for_numeric": "数量类指标用了模糊表述",
    "restates_indicator": "照抄指标名称", "short": "未达到指标值", "over": "大幅超过指标值", "<=": "≤（不高于）",
    ">=": "≥（不低于）", "<": "<", ">": ">", "achieved": "实际完成情况", "purpose": "年度目标", "target": "年度指标值",
    "actual": "实际完成值", "explanation": "偏差原因分析", "indicator": "三级指标", "title": "表格标题",
}
_PERCENT_KEYS = {"similarity", "completion", "row_rate", "table_rate", "computed_rate", "reported_rate", "rate", "share"}


def detail_parts(d: FindingDetail) -> dict[str, Any]:
    """Header, row cells, evidence, draft box value and label, critique and history for one finding."""
    f = d.finding
    head = (f"<div class='rv-head'><span class='rv-sev rv-sev-{e(f.severity)}'>{e(severity_name(f.severity))}</span>"
            f"<b>{e(code_name(f.code))}</b><span class='rv-id'>{e(f.id)}</span> "
            f"<span class='rv-status rv-status-{e(f.status)}'>{e(status_name(f.status))}</span></div>"
            f"<div class='rv-msg'>{e(f.message)}</div>")
    if f.status != "open":
        head += (f"<div class='rv-muted'>{e(f.decided_by)} 于 {e((f.decided_at or '')[:16].replace('T', ' '))} "
                 f"{e(status_name(f.status))}{'：' + e(f.reason) if f.reason else ''}</div>")
    cells = [("文件", Path(d.document.get("source", "")).name), ("项目", f.project_name)]
    if d.row:
        for key, label in _ROW_FIELDS:
            value = d.row.get(key)
            if key in ("weight", "score"):
                value = d.row.get(f"{key}_text") or value
            if value not in (None, "") or key in ("actual", "explanation", "target"):
                cells.append((label, value if value not in (None, "") else "（空）"))
    elif d.project:
        budget = d.project.get("budget") or {}
        if budget and not budget.get("rate_text") and budget.get("rate") is not None:
            budget = {**budget, "rate_text": text_percent(Decimal(str(budget["rate"])))}
        cells += [(label, budget.get(key)) for key, label in _BUDGET_FIELDS if budget.get(key) not in (None, "")]
        total = d.project.get("total") or {}
        if total:
            cells.append(("总分（分值/得分）", f"{total.get('weight') or '—'} / {total.get('score') or '—'}"))
        cells = [c for c in cells if c[1] not in ("", None)]
    cells_html = "<table class='rv-cells'>" + "".join(
        f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in cells) + "</table>"

    if f.status in ("accepted", "edited") and f.final_text:
        draft_value, draft_label = f.final_text, "偏差原因分析（已定稿，可修改后再次采纳）"
    elif d.explanation_draft:
        src = "大模型起草" if d.explanation_draft.source == "llm" else "离线起草"
        draft_value, draft_label = d.explanation_draft.text, f"偏差原因分析草稿（{src}，可修改）"
    else:
        draft_value, draft_label = "", "偏差原因分析（暂无草稿，可直接填写后“修改后采纳”）"

    notes = []
    for critique in d.critiques:
        tag = "（含材料中没有的原因，待核实）" if critique.unverified_cause else ""
        notes.append(f"<div class='rv-critique'><b>审核意见草稿{tag}：</b>{e(critique.text)}</div>")
    if "【请补充" in (draft_value or ""):
        notes.append("<div class='rv-muted'>文中【请补充…】处材料里没有依据，采纳后由填报单位补充。</div>")
    if d.explanation_draft and d.explanation_draft.unverified_cause:
        notes.append("<div class='rv-note'>草稿中的原因在报告材料中找不到依据，采纳前请核实。</div>")
    if d.rejected_drafts and not d.explanation_draft:
        bad = "、".join(x for r in d.rejected_drafts for x in r.ungrounded)[:80]
        notes.append(f"<div class='rv-muted'>系统草稿含报告中没有的数字（{e(bad) or '未核实'}），已弃用，未作为建议显示。</div>")
    critique_html = "".join(notes) or "<div class='rv-muted'>暂无审核意见草稿。</div>"

    history = "".join(
        f"<li>{e(h['at'][:16].replace('T', ' '))} {e(h['reviewer'])}：{e(_action_name(h['action']))}"
        f"{'（' + e(h['reason']) + '）' if h.get('reason') else ''}</li>" for h in d.history)
    history_html = f"<div class='rv-muted'>决定记录：<ul>{history}</ul></div>" if history else ""
    return {"head": head, "cells": cells_html, "evidence": evidence_html(f.evidence, bool(d.row)),
            "draft_value": draft_value,
            "draft_label": draft_label, "critique": critique_html, "history": history_html}


def empty_detail(message: str = "在左侧表格中点选一行，查看该问题的详细信息。") -> dict[str, Any]:
    return {"head": f"<div class='rv-muted'>{e(message)}</div>", "cells": "", "evidence": "", "draft_value": "",
            "draft_label": "偏差原因分析", "critique": "", "history": ""}


def _action_name(action: str) -> str:
    from reviewer.codes import ACTION_NAMES

    return ACTION_NAMES.get(action, action)


def _fmt_value(key: str, value: Any) -> str:
    """Rates as percentages, long decimals rounded, enum values in words, file paths as names."""
    if isinstance(value, bool):
        return "是" if value else "否"
    number = _as_number(value)
    if number is not None:
        # The one formatter (reviewer.text): a figure prints here as in findings, drafts and xlsx.
        if key in _PERCENT_KEYS and abs(number) <= 10:
            return text_percent(Decimal(str(number)))
        return text_number(Decimal(str(number)))
    if key in ("document", "doc", "source") and isinstance(value, str):
        return Path(value).name or value
    if isinstance(value, str) and value in EVIDENCE_VALUES and key in ("reason", "deviation", "comparator", "field"):
        return EVIDENCE_VALUES[value]
    return str(value)


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value and value.strip().lstrip("-").replace(".", "", 1).isdigit():
        return float(value)
    return None


def evidence_html(evidence: Any, row_shown: bool = False) -> str:
    """Render whatever the checks and the corpus put in ``evidence``, readably and escaped.

    The row's own cells are left out when the panel already shows them above; keys this view has
    no Chinese name for (scoring internals) go into a collapsed 技术细节 block.
    """
    if not evidence:
        return ""
    if not isinstance(evidence, dict):
        return "<div><b>依据</b></div>" + _render(evidence, depth=0)
    shown = {k: v for k, v in evidence.items() if k in EVIDENCE_LABELS and not (row_shown and k == "cells")}
    rest = {k: v for k, v in evidence.items() if k not in EVIDENCE_LABELS and k not in _HIDDEN_KEYS}
    out = "<div><b>依据</b></div>" + (_render(shown, depth=0) if shown else "")
    if rest:
        out += f"<details class='rv-muted'><summary>技术细节</summary>{_render(rest, depth=0)}</details>"
    return out


_NEIGHBOUR_KEYS = {"indicator", "project"}


def _neighbours(items: list[dict[str, Any]]) -> str:
    """Corpus neighbours as one line each: where it comes from, what it says, how similar."""
    lines = []
    for x in items[:10]:
        scope = f"【{e(x['scope'])}】" if x.get("scope") else ""
        source = x.get("source") or x.get("document") or x.get("doc")
        where = " ".join(str(v) for v in (Path(str(source)).name if source else None, x.get("year"), x.get("where"))
                         if v)
        target = f"（指标值 {e(x['target'])}）" if x.get("target") else ""
        sim = f" · 相似度 {e(_fmt_value('similarity', x['similarity']))}" if x.get("similarity") is not None else ""
        lines.append(f"<li>{scope}<b>{e(x.get('project') or '')}</b> · {e(x.get('indicator') or '')}{target}"
                     f"<span class='rv-muted'> · {e(where)}{sim}</span></li>")
    more = f"<div class='rv-muted'>另有 {len(items) - 10} 条未显示</div>" if len(items) > 10 else ""
    return f"<ol class='rv-neighbours'>{''.join(lines)}</ol>{more}"


def _render(value: Any, depth: int, key: str = "") -> str:
    if depth > 4:
        return e(value)
    if isinstance(value, list) and value and all(isinstance(x, dict) for x in value) and any(
            _NEIGHBOUR_KEYS <= set(x) for x in value):
        return _neighbours(value)
    if isinstance(value, dict):
        rows = "".join(f"<tr><th>{e(EVIDENCE_LABELS.get(k, k))}</th><td>{_render(v, depth + 1, k)}</td></tr>"
                       for k, v in value.items() if k not in _HIDDEN_KEYS)
        return f"<table class='rv-cells'>{rows}</table>"
    if isinstance(value, list):
        if value and all(isinstance(x, dict) for x in value):
            keys: list[str] = []
            for x in value:
                keys += [k for k in x if k not in keys and k not in _HIDDEN_KEYS]
            head = "".join(f"<th>{e(EVIDENCE_LABELS.get(k, k))}</th>" for k in keys)
            body = "".join("<tr>" + "".join(
                f"<td>{_render(x.get(k, ''), depth + 1, k)}</td>" for k in keys) + "</tr>" for x in value[:20])
            more = f"<div class='rv-muted'>另有 {len(value) - 20} 条未显示</div>" if len(value) > 20 else ""
            return f"<table class='rv-cells'><tr>{head}</tr>{body}</table>{more}"
        return "、".join(_render(x, depth + 1, key) for x in value)
    if value is None or value == "":
        return "—"
    return e(_fmt_value(key, value))


def coverage_html(coverage: list[tuple[str, dict[str, Any]]]) -> str:
    """Per document: checks that skipped rows and why, so "clean" and "not looked at" differ."""
    parts = []
    for source, cov in coverage:
        rows = []
        for code, entry in sorted(cov.items(), key=lambda kv: -sum((kv[1].get("skipped") or {}).values())):
            skipped = entry.get("skipped") or {}
            reasons = "；".join(f"{reason}：{n} 行" for reason, n in skipped.items())
            rows.append(f"<tr><td>{e(code_name(code))}</td><td>{e(entry.get('checked', 0))}</td>"
                        f"<td>{e(reasons) if reasons else '—'}</td></tr>")
        if rows:
            parts.append(f"<div><b>{e(Path(source).name)}</b></div><table class='rv-cells'><tr><th>检查项</th>"
                         f"<th>已检查行数</th><th>未检查的行及原因</th></tr>{''.join(rows)}</table>")
        else:
            parts.append(f"<div><b>{e(Path(source).name)}</b>：没有覆盖情况记录。</div>")
    return "".join(parts) or "<div class='rv-muted'>打开会话后显示。</div>"


__all__ = [
    "CSS",
    "PAGE_SIZE",
    "STATUS_CHOICES",
    "STATUS_NAMES",
    "TABLE_HEADERS",
    "coverage_html",
    "detail_parts",
    "empty_detail",
    "errors_html",
    "evidence_html",
    "page_info",
    "session_choices",
    "status_html",
    "table_rows",
]
