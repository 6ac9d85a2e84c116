"""Exports of a review, pure: a Report (or a ReviewResult) in, text or a file out.

report.py builds the Report; xlsx.py writes the original table layout with explanations filled
in, html.py the 审核意见 letter, data.py the session JSON, text.py the CLI's table / CSV / JSON.
Loading a stored session into a Report is the UI's job (reviewer.ui.exports): nothing here
reads the store.
"""

from __future__ import annotations

from reviewer.export.data import json_dumps, report_to_json
from reviewer.export.html import report_to_html, review_to_html
from reviewer.export.report import FindingState, Report, report_from_result, safe_name
from reviewer.export.text import check_out_path, finding_rows, parse_lines, render_review
from reviewer.export.xlsx import report_to_xlsx, review_to_xlsx

__all__ = [
    "FindingState",
    "Report",
    "check_out_path",
    "finding_rows",
    "json_dumps",
    "parse_lines",
    "render_review",
    "report_from_result",
    "report_to_html",
    "report_to_json",
    "report_to_xlsx",
    "review_to_html",
    "review_to_xlsx",
    "safe_name",
]
