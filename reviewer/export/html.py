"""The HTML export: a self-contained 审核意见 letter (inline CSS, no scripts, nothing to fetch)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reviewer.codes import code_name, severity_name
from reviewer.export.report import Report, critique_text, decided_text, report_from_result
from reviewer.model import Document, IndicatorRow, ReviewResult
from reviewer.safe_text import visible, write_atomic


def review_to_html(result: ReviewResult | Sequence[Document], path: str | Path | None = None) -> str:
    """Render a pipeline result as a self-contained HTML 审核意见 draft; also write it when path is given."""
    text = report_to_html(report_from_result(result))
    if path is not None:
        write_atomic(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"), mode=None)
    return text


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
            critique = critique_text(doc, f.id, f.row_id, s if report.reviewed else None)
            item = {
                "id": f"{doc_id}.{f.id}", "severity": f.severity, "severity_name": severity_name(f.severity),
                "code_name": code_name(f.code), "message": f.message, "indicator": row.indicator if row else "",
                "project": project.name if project else "（报告整体）", "status": s.status,
                "final_text": decided_text(report, doc_id, f) if s.status in ("accepted", "edited") else None,
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


__all__ = ["report_to_html", "review_to_html"]
