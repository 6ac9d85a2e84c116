"""HTML and table views of a review session for the web page (plain strings, no Gradio).

Every piece of report text is escaped: a report is untrusted input and ends up in the page.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewer.codes import STATUS_NAMES, code_name, severity_name, status_name
from reviewer.model import TableParse
from reviewer.store import FilterOptions, FindingDetail, GroupRecord, SessionInfo
from reviewer.text import percent as text_percent
from reviewer.ui.evidence import e, evidence_html, where_zh

if TYPE_CHECKING:
    from reviewer.ui.service import Card

TABLE_HEADERS = ["", "严重程度", "项目", "指标", "问题", "待处理"]
STATUS_CHOICES = [("全部状态", ""), ("待处理", "open"), ("已处理", "decided"), ("确认问题", "accepted"),
                  ("修改后确认", "edited"), ("不是问题", "rejected")]
OVERVIEW_HEADERS = ["报告", "项目", "错误", "警告", "提示", "待处理", "填报总分", "重算总分", "问题分布"]

_STATUS_MARK = {"open": "○", "accepted": "✔", "edited": "✎", "rejected": "✘"}

CSS = """
.gradio-container{padding-top:4px !important}
#rv-top{align-items:center;gap:8px}#rv-top h2{margin:0;font-size:1.15em;white-space:nowrap}
#rv-status{font-size:.88em}#rv-status .rv-counts{line-height:1.35}
.rv-title,.rv-counts{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.rv-sev{display:inline-block;padding:0 .45em;border-radius:3px;color:#fff;font-size:.85em;margin-right:.4em}
.rv-sev-error{background:#c62828}.rv-sev-warning{background:#ef8f00}.rv-sev-info{background:#607d8b}
.rv-head{font-size:1.02em;margin-bottom:.2em}.rv-id{color:#666;font-size:.85em;margin-left:.5em}
.rv-status{display:inline-block;padding:0 .45em;border-radius:3px;font-size:.85em;border:1px solid #999}
.rv-status-open{border-color:#999;color:#555}.rv-status-accepted{border-color:#2e7d32;color:#2e7d32}
.rv-status-edited{border-color:#1565c0;color:#1565c0}.rv-status-rejected{border-color:#6d4c41;color:#6d4c41}
table.rv-cells{border-collapse:collapse;width:100%;font-size:.88em;margin:.15em 0}
table.rv-cells th,table.rv-cells td{border:1px solid var(--border-color-primary,#ddd);padding:.15em .4em;
text-align:left;vertical-align:top}
table.rv-cells th{white-space:nowrap;background:var(--background-fill-secondary,#f6f6f6);font-weight:normal}
table.rv-row th{width:auto}
.rv-muted{color:#777;font-size:.88em}.rv-note{background:#fff8e1;border-left:3px solid #e0a800;padding:.2em .6em;margin:.2em 0}
.rv-keys{color:#777;font-size:.82em}.rv-keys kbd{border:1px solid #bbb;border-radius:3px;padding:0 .3em;font-size:.9em}
.rv-ev-title{font-weight:bold;margin:.3em 0 .1em 0}
.rv-finding{margin:.1em 0 .3em 0}.rv-finding summary{cursor:pointer}
ol.rv-neighbours{margin:0;padding-left:1.4em}ol.rv-neighbours li{margin:.15em 0}
#rv-card-scroll{max-height:calc(100vh - 470px);min-height:110px;overflow-y:auto;flex-wrap:nowrap}
#rv-table .cell-menu-button,#rv-overview .cell-menu-button{display:none !important}
#rv-message{min-height:0 !important}#rv-status-col{gap:2px}
#rv-top{min-height:0}#rv-top>div{min-height:0}
#rv-actions{position:sticky;top:0;z-index:5;background:var(--background-fill-primary,#fff);gap:4px}
#rv-actions button{min-width:0;padding:4px 8px}
#rv-checks label{font-size:.86em}
#rv-table{font-size:.88em}
.rv-bar{display:inline-flex;height:.8em;width:9em;background:#eee;vertical-align:middle}
.rv-bar span{display:block;height:100%}
footer{display:none !important}
"""


def table_rows(groups: list[GroupRecord], current: str | None = None) -> list[list[str]]:
    """One line per card (an indicator row with its findings); the first column marks the card shown."""
    out = []
    for g in groups:
        problems = "、".join(code_name(c) for c in g.codes)
        out.append(["▶" if g.key == current else "", severity_name(g.severity), g.project_name,
                    g.indicator or "（项目整体）", problems, f"{g.n_open}/{g.n}" if g.n_open else "已处理"])
    return out


def page_info(total: int, page: int, findings: int | None = None, pages: int = 1) -> str:
    """The caption under the list: which page of how many, and how many rows and findings match."""
    extra = f"（{findings} 项问题）" if findings is not None else ""
    return f"第 {page + 1} / {pages} 页 · 符合条件 {total} 行{extra}"


def status_html(info: SessionInfo | None, note: str = "") -> str:
    """The one status line: session, counts, and (while a review runs) its progress or queue place."""
    if info is None:
        if note:  # a review's queue place or progress: the one progress indicator of the page
            return f"<div class='rv-note'>{e(note)}</div>"
        return "<div class='rv-muted'>尚未打开审阅会话：请上传报告后点击“开始审阅”，或打开历史会话、示例报告。</div>"
    c = info.counts
    counts = (f"<div class='rv-title'><b>{e(info.title)}</b></div><div class='rv-counts'>"
              f"共 {info.total} 项：待处理 <b>{c.get('open', 0)}</b> · 确认问题 <b>{c.get('accepted', 0)}</b> · "
              f"修改后确认 <b>{c.get('edited', 0)}</b> · 不是问题 <b>{c.get('rejected', 0)}</b>"
              f"<span class='rv-id'>会话 {e(info.id)} · {e(info.created_at[5:16].replace('T', ' '))} · "
              f"{e(info.created_by)}</span></div>")
    parts = [counts]
    if note:
        parts.append(f"<div class='rv-note'>{e(note)}</div>")
    for err in info.errors:
        parts.append(f"<div class='rv-note'>未能审阅：{e(Path(err['source']).name)} —— {e(err['message'])}</div>")
    for n in info.notices:
        parts.append(f"<div class='rv-note'>{e(n)}</div>")
    return "".join(parts)


def errors_html(errors: list[dict[str, str]], notices: list[str] | None = None) -> str:
    """For a batch in which no file could be reviewed (no session was created)."""
    parts = [f"<div class='rv-note'>未能审阅：{e(Path(x['source']).name)} —— {e(x['message'])}</div>" for x in errors]
    parts += [f"<div class='rv-note'>{e(n)}</div>" for n in notices or []]
    return "".join(parts) or "<div class='rv-note'>没有可审阅的文件。</div>"


def session_choices(sessions: list[SessionInfo]) -> list[tuple[str, str]]:
    """History entries: when, which files, how many findings and how far the review has got."""
    out = []
    for s in sessions:
        names = "、".join(s.sources[:2]) + (f" 等 {len(s.sources)} 份" if len(s.sources) > 2 else "")
        done = s.total - s.counts.get("open", 0)
        out.append((f"{s.created_at[5:16].replace('T', ' ')} · {names or s.title} · {s.total} 项 · 已处理 {done}/{s.total}",
                    s.id))
    return out


def filter_choices(opts: FilterOptions) -> dict[str, list[tuple[str, str]]]:
    """(label, value) choices of the code, severity and project filters, each headed by "all"."""
    projects = [(p.name if opts.documents == 1 else f"{p.name}（{p.source}）", p.value) for p in opts.projects]
    # Two tables of one report may carry the same project name: number them, never merge them.
    seen: dict[str, int] = {}
    for k, (label, value) in enumerate(projects):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1 or sum(1 for other, _ in projects if other == label) > 1:
            projects[k] = (f"{label}（第 {seen[label]} 张表）", value)
    return {"codes": [("全部问题类型", ""), *((code_name(c), c) for c in opts.codes)],
            "severities": [("全部严重程度", ""), *((severity_name(s), s) for s in opts.severities)],
            "projects": [("全部项目", ""), *projects]}


# ------------------------------------------------------------------ the card

_ROW_FIELDS = [("goal", "绩效目标"), ("level1", "一级指标"), ("level2", "二级指标"), ("indicator", "三级指标"),
               ("target", "年度指标值"), ("actual", "实际完成值"), ("weight", "分值"), ("score", "得分"),
               ("explanation", "偏差原因分析（原文）"), ("description", "指标说明"), ("basis", "指标值确定依据"),
               ("where", "位置")]
_BUDGET_FIELDS = [("initial", "年初预算数（万元）"), ("full", "全年预算数（万元）"), ("spent", "全年执行数（万元）"),
                  ("rate_text", "执行率"), ("weight", "分值"), ("score", "得分"), ("where", "位置")]


def card_parts(card: Card) -> dict[str, Any]:
    """Head, row cells, finding choices, evidence, the two editable texts and the history of one card."""
    first = card.details[0]
    f0 = first.finding
    where = where_zh((first.row or {}).get("where") or "")
    title = f0.indicator or "（项目整体）"
    head = (f"<div class='rv-head'><span class='rv-sev rv-sev-{e(f0.severity)}'>{e(severity_name(f0.severity))}</span>"
            f"<b>{e(f0.project_name)}</b> · {e(title)} <span class='rv-id'>{e(Path(first.document.get('source', '')).name)}"
            f"{' · ' + e(where) if where else ''}</span></div>")
    choices = [((f"{_STATUS_MARK.get(d.finding.status, '')} {severity_name(d.finding.severity)}·{code_name(d.finding.code)}"
                f"（{status_name(d.finding.status)}）"), d.finding.id) for d in card.details]
    shown = set(card.checked) or {f0.id}  # the findings the next decision is about are unfolded
    findings_html = "".join(_finding_html(d, d.finding.id in shown) for d in card.details)
    explanation, label = _explanation(card)
    critique = critique_text(card.details, card.checked)
    history = "".join(
        f"<li>{e(h['at'][5:16].replace('T', ' '))} {e(h['reviewer'])}：{e(code_name(d.finding.code))} "
        f"{e(_action_name(h['action']))}{'（' + e(h['reason']) + '）' if h.get('reason') else ''}</li>"
        for d in card.details for h in d.history)
    return {"head": head, "cells": _cells_html(first), "choices": choices, "checked": card.checked,
            "findings": findings_html, "explanation": explanation, "explanation_label": label,
            "has_row": bool(f0.row_id), "critique": critique,
            "history": f"<div class='rv-muted'>决定记录：<ul>{history}</ul></div>" if history else ""}


def empty_card(message: str = "在左侧列表中点选一行，查看该行的全部问题。") -> dict[str, Any]:
    return {"head": f"<div class='rv-muted'>{e(message)}</div>", "cells": "", "choices": [], "checked": [],
            "findings": "", "explanation": "", "explanation_label": "偏差原因分析", "has_row": False,
            "critique": "", "history": ""}


def _finding_html(d: FindingDetail, open_: bool) -> str:
    f = d.finding
    decided = ""
    if f.status != "open":
        decided = (f"<div class='rv-muted'>{e(f.decided_by)} 于 {e((f.decided_at or '')[5:16].replace('T', ' '))} "
                   f"{e(status_name(f.status))}{'：' + e(f.reason) if f.reason else ''}</div>")
    return (f"<details class='rv-finding'{' open' if open_ else ''}><summary><span class='rv-sev rv-sev-{e(f.severity)}'>"
            f"{e(severity_name(f.severity))}</span><b>{e(code_name(f.code))}</b> "
            f"<span class='rv-status rv-status-{e(f.status)}'>{e(status_name(f.status))}</span></summary>"
            f"<div>{e(f.message)}</div>{decided}{evidence_html(f.evidence, bool(d.row))}</details>")


def _cells_html(d: FindingDetail) -> str:
    cells: list[tuple[str, Any]] = []
    if d.row:
        for key, label in _ROW_FIELDS:
            value = d.row.get(key)
            if key in ("weight", "score"):
                value = d.row.get(f"{key}_text") or value
            if key == "where":
                value = where_zh(value)
            if value not in (None, "") or key in ("actual", "explanation", "target"):
                cells.append((label, value if value not in (None, "") else "（空）"))
    elif d.project:
        budget = d.project.get("budget") or {}
        if budget and not budget.get("rate_text") and budget.get("rate") is not None:
            budget = {**budget, "rate_text": text_percent(Decimal(str(budget["rate"])))}
        cells += [(label, where_zh(budget.get(key)) if key == "where" else budget.get(key))
                  for key, label in _BUDGET_FIELDS if budget.get(key) not in (None, "")]
        total = d.project.get("total") or {}
        if total:
            cells.append(("总分（分值/得分）", f"{total.get('weight') or '—'} / {total.get('score') or '—'}"))
    head = "".join(f"<th>{e(k)}</th>" for k, _ in cells)
    body = "".join(f"<td>{e(v)}</td>" for _, v in cells)
    return f"<table class='rv-cells rv-row'><tr>{head}</tr><tr>{body}</tr></table>" if cells else ""


def _explanation(card: Card) -> tuple[str, str]:
    """The row's one 偏差原因分析: the reviewer's words, else the draft, else empty."""
    if card.row_text and card.row_text.get("text"):
        who = "审阅人已修改" if card.row_text.get("edited") else "已确认的草稿"
        return card.row_text["text"], f"偏差原因分析（{who}；修改后按 E 保存）"
    draft = next((d.explanation_draft for d in card.details if d.explanation_draft), None)
    if draft:
        src = "大模型起草" if draft.source == "llm" else "离线起草"
        note = "，含材料中找不到的原因，请核实" if draft.unverified_cause else ""
        return draft.text, f"偏差原因分析草稿（{src}{note}，可修改）"
    if card.drafting:
        return "", "偏差原因分析（草稿起草中，稍后重新打开本行即可看到；也可直接填写后按 E 修改后确认）"
    return "", "偏差原因分析（暂无草稿，可直接填写后按 E 修改后确认）"


def critique_text(details: list[FindingDetail], checked: list[str] | None = None) -> str:
    """The 审核意见 of the findings (only the ``checked`` ones if given): the reviewer's own where
    written, else the drafts."""
    texts: list[str] = []
    for d in details:
        if checked and d.finding.id not in checked:
            continue
        for t in [d.finding.critique] if d.finding.critique else [c.text for c in d.critiques]:
            if t and t not in texts:
                texts.append(t)
    return "\n".join(texts)


def _action_name(action: str) -> str:
    from reviewer.codes import ACTION_NAMES

    return ACTION_NAMES.get(action, action)


# ------------------------------------------------------------------ batch overview


_BAR_COLORS = (("error", "#c62828"), ("warning", "#ef8f00"), ("info", "#90a4ae"))
OVERVIEW_TYPES = ["str", "str", "number", "number", "number", "number", "str", "str", "html"]


def overview_rows(items: list[dict[str, Any]]) -> list[list[Any]]:
    """Per report and project: counts by severity, open, reported vs recomputed 总分, a bar of the counts."""
    widest = max((sum(i["counts"].get(s, 0) for s in ("error", "warning", "info")) for i in items), default=0) or 1
    rows = []
    for i in items:
        c = i["counts"]
        reported, recomputed = i["reported_total"], i["recomputed_total"]
        mark = " ≠" if reported is not None and recomputed is not None and reported != recomputed else ""
        bar = "".join(f"<span title='{severity_name(s)} {c.get(s, 0)}' style='display:inline-block;height:12px;"
                      f"width:{round(140 * c.get(s, 0) / widest)}px;background:{color}'></span>"
                      for s, color in _BAR_COLORS if c.get(s))
        rows.append([Path(i["source"]).name, i["project"], c.get("error", 0), c.get("warning", 0), c.get("info", 0),
                     c.get("open", 0), _num(reported), f"{_num(recomputed)}{mark}", bar or "—"])
    return rows


def _num(value: Any) -> str:
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def coverage_html(coverage: list[tuple[str, dict[str, Any]]],
                  parse: list[tuple[str, list[TableParse]]] | None = None) -> str:
    """Per document: how its tables were read (columns recognised, not recognised, rows set
    aside) and the checks that skipped rows and why, so "clean" and "not looked at" differ."""
    from reviewer.export import parse_lines

    reads = dict(parse or [])
    parts = []
    for source, cov in coverage:
        parts.append(f"<div><b>{e(Path(source).name)}</b></div>")
        lines = parse_lines(reads.get(source, []))
        if lines:
            parts.append("<ul class='rv-parse'>" + "".join(f"<li>{e(x)}</li>" for x in lines) + "</ul>")
        rows = []
        for code, entry in sorted(cov.items(), key=lambda kv: -sum((kv[1].get("skipped") or {}).values())):
            skipped = entry.get("skipped") or {}
            reasons = "；".join(f"{reason}：{n} 行" for reason, n in skipped.items())
            rows.append(f"<tr><td>{e(code_name(code))}</td><td>{e(entry.get('checked', 0))}</td>"
                        f"<td>{e(reasons) if reasons else '—'}</td></tr>")
        if rows:
            parts.append("<table class='rv-cells'><tr><th>检查项</th><th>已检查行数</th><th>未检查的行及原因</th></tr>"
                         f"{''.join(rows)}</table>")
        else:
            parts.append("<div>没有覆盖情况记录。</div>")
    return "".join(parts) or "<div class='rv-muted'>打开会话后显示。</div>"


__all__ = [
    "CSS",
    "OVERVIEW_HEADERS",
    "OVERVIEW_TYPES",
    "STATUS_CHOICES",
    "STATUS_NAMES",
    "TABLE_HEADERS",
    "card_parts",
    "coverage_html",
    "critique_text",
    "empty_card",
    "errors_html",
    "filter_choices",
    "overview_rows",
    "page_info",
    "session_choices",
    "status_html",
    "table_rows",
]
