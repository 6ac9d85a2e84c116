"""A ReviewResult for the CLI: a readable table, the JSON contract, CSV, or (via xlsx.py / html.py) a file;
and the parse report in a reviewer's words."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

from reviewer.codes import code_name, severity_name
from reviewer.errors import SetupError
from reviewer.model import ReviewResult, TableParse
from reviewer.safe_text import for_terminal, json_safe, visible, write_atomic
from reviewer.text import number

CSV_COLUMNS = ["source", "finding_id", "code", "code_name", "severity", "project_id", "project", "row_id",
               "indicator", "target", "actual", "weight", "score", "message"]


def finding_rows(result: ReviewResult) -> list[dict[str, str]]:
    """One flat dict per finding, with the row's cells, for CSV and the table view."""
    out = []
    for doc in result.documents:
        projects = {p.id: p for p in doc.projects}
        rows = {r.id: r for p in doc.projects for r in p.rows}
        for f in doc.findings:
            p = projects.get(f.project_id or "")
            r = rows.get(f.row_id or "")
            out.append({
                "source": doc.source, "finding_id": f.id, "code": f.code, "code_name": code_name(f.code),
                "severity": f.severity, "project_id": f.project_id or "", "project": p.name if p else "",
                "row_id": f.row_id or "", "indicator": r.indicator if r else "", "target": (r.target or "") if r else "",
                "actual": (r.actual or "") if r else "", "weight": number(r.weight) if r and r.weight is not None else "",
                "score": number(r.score) if r and r.score is not None else "", "message": f.message,
            })
    return out


def _csv_safe(value: str) -> str:
    """Spreadsheets run a CSV cell starting with = + - @ as a formula; report text must not.
    Control characters are shown, not written raw."""
    value = visible(value)
    return "'" + value if value[:1] in {"=", "+", "-", "@"} and not _NUMBER.fullmatch(value) else value


class _JsonSafeWriter:
    """Passes json.dump's chunks on with DEL and C1 escaped (json escapes only C0)."""

    def __init__(self, fh):  # type: ignore[no-untyped-def]
        self.fh = fh

    def write(self, chunk: str) -> int:
        return self.fh.write(json_safe(chunk))


_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")


def check_out_path(out: Path) -> None:
    """Refuse an --out that cannot be written before any work is done (SetupError, one line)."""
    if out.is_dir():
        raise SetupError(f"--out 指向的是文件夹 {out}；请给出文件名，如 {out / 'review.json'}")
    if not out.parent.is_dir():
        raise SetupError(f"--out 的文件夹不存在：{out.parent}；请先建立该文件夹")


def render_review(result: ReviewResult, fmt: str, out: Path | None) -> None:
    """Write the result in `fmt` to `out` (or stdout for text formats)."""
    if fmt in {"xlsx", "html"}:
        from reviewer.export.html import review_to_html
        from reviewer.export.xlsx import review_to_xlsx

        target = out or Path(f"review.{fmt}")
        (review_to_xlsx if fmt == "xlsx" else review_to_html)(result, target)
        print(f"已写入 {target}", file=sys.stderr)
        return
    if fmt == "json":
        # Streamed: building the whole string first doubles peak memory on a 100k-row report.
        contract = result.to_contract()
        if out is None:
            json.dump(contract, _JsonSafeWriter(sys.stdout), ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            def dump(tmp: Path) -> None:
                with tmp.open("w", encoding="utf-8") as fh:
                    json.dump(contract, _JsonSafeWriter(fh), ensure_ascii=False, indent=2)
                    fh.write("\n")

            write_atomic(out, dump, mode=None)
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows({k: _csv_safe(v) for k, v in row.items()} for row in finding_rows(result))
        text = buf.getvalue()
    else:
        text = _table(result, width=None if out is None else 200)
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8"), mode=None)


def _table(result: ReviewResult, width: int | None) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(record=True, width=width or 160, file=io.StringIO(), force_terminal=False)
    for doc in result.documents:
        nrows = sum(len(p.rows) for p in doc.projects)
        console.print(f"[bold]{for_terminal(doc.source)}[/bold]  {for_terminal(doc.title or '')}  {doc.year or ''}年  "
                      f"类型：{_KIND.get(doc.kind, doc.kind)}  项目 {len(doc.projects)} 个  指标行 {nrows} 行  "
                      f"问题 {len(doc.findings)} 条")
        table = Table(show_lines=False, expand=False)
        for col in ("编号", "级别", "问题类型", "项目", "指标", "指标值", "完成值", "说明"):
            table.add_column(col, overflow="fold")
        rows = {r.id: r for p in doc.projects for r in p.rows}
        names = {p.id: p.name for p in doc.projects}
        for f in doc.findings:
            r = rows.get(f.row_id or "")
            cells = [names.get(f.project_id or "", "")[:16], (r.indicator[:18] if r else "（整表）"),
                     (r.target or "")[:12] if r else "", (r.actual or "")[:12] if r else "", f.message]
            table.add_row(f.id, severity_name(f.severity), code_name(f.code), *map(for_terminal, cells))
        console.print(table)
        for line in parse_lines(doc.parse):
            console.print(f"[dim]{for_terminal(line)}[/dim]")  # table and header names come from the report
        skipped = {c: v.skipped for c, v in doc.coverage.items() if v.skipped}
        if skipped:
            parts = [f"{code_name(c)}：" + "、".join(f"{for_terminal(k)} {n} 行" for k, n in s.items())
                     for c, s in skipped.items()]
            console.print("[dim]未能检查：" + "；".join(parts) + "[/dim]")
        console.print()
    return console.export_text()


def parse_lines(reports: list[TableParse]) -> list[str]:
    """The parse report in a reviewer's words: one line per table."""
    from reviewer import vocab

    names = vocab.load("headers")["role_names"]
    out = []
    for rep in reports:
        parts = [f"读取“{rep.table}”：{rep.rows} 行，识别列 " + "、".join(
            f"{text}→{names.get(role, role)}" for text, role in rep.columns.items())]
        if rep.unrecognised:
            parts.append("未识别的列：" + "、".join(rep.unrecognised))
        if rep.inferred:
            parts.append("；".join(rep.inferred.values()))
        if rep.missing:
            parts.append("无" + "、".join(names.get(r, r) for r in rep.missing) + "列")
        if rep.dropped:
            reasons: dict[str, int] = {}
            for d in rep.dropped:
                reasons[d.reason] = reasons.get(d.reason, 0) + 1
            parts.append("略过 " + "、".join(f"{r} {n} 行" for r, n in reasons.items()))
        out.append("；".join(parts))
    return out


_KIND = {"project_selfeval": "项目支出自评表", "department_selfeval": "部门整体支出自评表",
         "targets": "绩效目标表", "narrative": "自评报告（仅项目清单）"}
