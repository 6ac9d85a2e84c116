"""Evidence of a finding as a reviewer reads it: Chinese labels, Chinese positions, twin rows side by side.

Every piece of report text is escaped: a report is untrusted input and ends up in the page.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from reviewer.text import number as text_number
from reviewer.text import percent as text_percent


def e(value: Any) -> str:
    return escape("" if value is None else str(value))


_WHERE = [
    (re.compile(r"\bpage (\d+)"), r"第 \1 页"),
    (re.compile(r"\btable (\d+)"), r"表 \1"),
    (re.compile(r"\br(\d+)c(\d+)\b"), r"第 \1 行第 \2 列"),
    (re.compile(r"\bline (\d+)"), r"第 \1 行"),
    (re.compile(r"\bparagraph (\d+)"), r"第 \1 段"),
    (re.compile(r"^([^!]+)!([A-Z]+\d+(?::[A-Z]+\d+)?)$"), r"工作表“\1” \2"),
]


def where_zh(where: Any) -> str:
    """A reader's position ("line 17", "table 1 r3c1", "Sheet1!B3") as a reviewer says it."""
    text = "" if where is None else str(where)
    for pattern, repl in _WHERE:
        text = pattern.sub(repl, text)
    return text


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
    "scope": "范围", "lexical": "字面相似度", "other": "另一项目", "matched": "两项目相同的指标行",
    "own_support": "与本项目的相关度", "source_support": "与来源项目的相关度", "own_detail": "与本项目的比较",
    "source_detail": "与来源项目的比较", "bigram_share": "字面重合比例", "concept_share": "领域重合比例",
    "row_concepts": "本行涉及的领域", "context_concepts": "项目涉及的领域", "project_text": "本项目名称与目标",
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
_PERCENT_KEYS = {"similarity", "completion", "row_rate", "table_rate", "computed_rate", "reported_rate", "rate", "share",
                 "own_support", "source_support", "bigram_share", "concept_share", "lexical"}


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
    if key in ("where", "other_where"):
        return where_zh(value)
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
    no Chinese name for (scoring internals) are left out: the JSON export keeps them.
    """
    if not evidence:
        return ""
    if not isinstance(evidence, dict):
        return _render(evidence, depth=0)
    out = ""
    if isinstance(evidence.get("matched"), list) and isinstance(evidence.get("other"), dict):
        out += twin_rows_html(evidence["matched"], evidence["other"])
    neighbours = evidence.get("neighbours")
    if isinstance(neighbours, list) and neighbours and isinstance(evidence.get("cells"), dict):
        out += source_row_html(neighbours[0])
    skip = {"matched", "other", "project_text"} if out else set()
    shown = {k: v for k, v in evidence.items()
             if k in EVIDENCE_LABELS and k not in skip and v not in (None, "", [], {})
             and not (row_shown and k == "cells")}
    return out + (_render(shown, depth=0) if shown else "")


def twin_rows_html(matched: list[Any], other: dict[str, Any]) -> str:
    """指标体系重复: this project's rows and the other project's identical rows side by side."""
    name = other.get("project") or "另一项目"
    source = Path(str(other.get("source") or "")).name
    rows = []
    for m in matched[:30]:
        if not isinstance(m, dict):
            continue
        o = m.get("other") or {}
        rows.append(f"<tr><td>{e(m.get('indicator'))}</td><td>{e(m.get('target'))}</td>"
                    f"<td>{e(o.get('indicator'))}</td><td>{e(o.get('target'))}</td>"
                    f"<td>{e(where_zh(o.get('where')))}</td></tr>")
    more = f"<div class='rv-muted'>另有 {len(matched) - 30} 行未显示</div>" if len(matched) > 30 else ""
    return (f"<div class='rv-ev-title'>与“{e(name)}”{('（' + e(source) + '）') if source else ''}相同的指标行</div>"
            "<table class='rv-cells rv-twin'><tr><th>本项目指标</th><th>本项目指标值</th>"
            f"<th>{e(name)} 指标</th><th>{e(name)} 指标值</th><th>{e(name)} 位置</th></tr>{''.join(rows)}</table>{more}")


def source_row_html(n: dict[str, Any]) -> str:
    """指标与项目不符: the row this indicator most likely came from, with its project and position."""
    if not isinstance(n, dict):
        return ""
    source = Path(str(n.get("source") or n.get("document") or "")).name
    cells = [("来源", n.get("scope")), ("来源报告", source), ("来源项目", n.get("project")),
             ("来源指标", n.get("indicator")), ("指标值", n.get("target")), ("位置", where_zh(n.get("where"))),
             ("相似度", _fmt_value("similarity", n["similarity"]) if n.get("similarity") is not None else None)]
    body = "".join(f"<tr><th>{k}</th><td>{e(v)}</td></tr>" for k, v in cells if v not in (None, ""))
    return f"<div class='rv-ev-title'>疑似来源行</div><table class='rv-cells'>{body}</table>"


_NEIGHBOUR_KEYS = {"indicator", "project"}


def _neighbours(items: list[dict[str, Any]]) -> str:
    """Corpus neighbours as one line each: where it comes from, what it says, how similar."""
    lines = []
    for x in items[:10]:
        scope = f"【{e(x['scope'])}】" if x.get("scope") else ""
        source = x.get("source") or x.get("document") or x.get("doc")
        where = " ".join(str(v) for v in (Path(str(source)).name if source else None, x.get("year"),
                                          where_zh(x.get("where"))) if v)
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
        rows = "".join(f"<tr><th>{e(EVIDENCE_LABELS[k])}</th><td>{_render(v, depth + 1, k)}</td></tr>"
                       for k, v in value.items() if k in EVIDENCE_LABELS and k not in _HIDDEN_KEYS)
        return f"<table class='rv-cells'>{rows}</table>"
    if isinstance(value, list):
        if value and all(isinstance(x, dict) for x in value):
            keys: list[str] = []
            for x in value:
                keys += [k for k in x if k not in keys and k in EVIDENCE_LABELS and k not in _HIDDEN_KEYS]
            head = "".join(f"<th>{e(EVIDENCE_LABELS[k])}</th>" for k in keys)
            body = "".join("<tr>" + "".join(
                f"<td>{_render(x.get(k, ''), depth + 1, k)}</td>" for k in keys) + "</tr>" for x in value[:20])
            more = f"<div class='rv-muted'>另有 {len(value) - 20} 条未显示</div>" if len(value) > 20 else ""
            return f"<table class='rv-cells'><tr>{head}</tr>{body}</table>{more}"
        return "、".join(_render(x, depth + 1, key) for x in value)
    if value is None or value == "":
        return "—"
    return e(_fmt_value(key, value))

