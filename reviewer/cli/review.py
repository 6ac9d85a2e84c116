"""`reviewer review`: review reports and print or write the findings."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer


class ReviewFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    html = "html"


def review(
    paths: list[Path] = typer.Argument(..., help="要审阅的报告文件"),
    format: ReviewFormat = typer.Option(ReviewFormat.table, "--format", "-f", help="输出格式"),
    out: Path | None = typer.Option(None, "--out", "-o", help="写入文件（默认输出到屏幕）"),
    corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS", help="历史报告库目录"),
    no_corpus: bool = typer.Option(False, "--no-corpus", help="不与历史报告库比对"),
    llm: bool = typer.Option(False, "--llm/--no-llm", help="为偏差行起草偏差原因分析"),
    stats: bool = typer.Option(False, "--stats", help="在 stderr 打印 LLM 调用与缓存命中次数"),
) -> None:
    """审阅报告：解析表格、运行规则检查，输出发现的问题。"""
    from reviewer.cli.progress import cli_progress
    from reviewer.export.text import check_out_path, render_review
    from reviewer.pipeline import review_paths
    from reviewer.settings import get_settings

    if out is not None:
        check_out_path(out)
    with cli_progress(enabled=len(paths) > 1 or not no_corpus or llm) as progress:
        result = review_paths(paths, use_corpus=not no_corpus, corpus_dir=corpus, llm=llm, progress=progress)
    from reviewer.safe_text import visible

    for err in result.errors:
        typer.echo(visible(f"{err.source}: {err.message}"), err=True)
    if result.llm_unused:
        typer.echo(result.llm_unused, err=True)
    elif llm and result.documents and not get_settings().llm_base_url:
        typer.echo("LLM 未被使用：未配置 REVIEWER_LLM_BASE_URL，草稿均为离线起草", err=True)
    if stats:
        typer.echo(f"llm_calls={result.llm_calls} cache_hits={result.llm_cache_hits}", err=True)
    if result.documents:
        render_review(result, format.value, out)
    if result.errors:
        raise typer.Exit(2)


def serve(
    port: int | None = typer.Option(None, "--port", help="端口（默认取 REVIEWER_PORT，其次 GRADIO_SERVER_PORT，再次 7860）"),
    host: str | None = typer.Option(None, "--host", help="监听地址（未设置 REVIEWER_AUTH 时只能是 127.0.0.1）"),
) -> None:
    """启动网页界面（与 python app.py 相同）。"""
    from reviewer.ui.server import serve as serve_ui

    serve_ui(port=port, host=host)
