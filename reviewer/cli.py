"""The `reviewer` command line. Heavy libraries are imported inside commands, never at the top."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer
from typer.core import TyperGroup

from reviewer.errors import InputError, SetupError


class _OneLineErrors(TyperGroup):
    """Every command's unusable input or setup ends as one line on stderr and exit 2 (no traceback)."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        import sqlite3

        from reviewer.settings import os_reason

        try:
            return super().invoke(ctx)
        except (InputError, SetupError) as err:
            fail(str(err))
        except OSError as err:  # a path the checks above did not foresee: still one line
            where = f" {err.filename}" if err.filename else ""
            fail(f"无法读写{where}（{os_reason(err)}）")
        except sqlite3.DatabaseError as err:
            fail(f"数据库不可用（{err}）；请检查 REVIEWER_HOME")


app = typer.Typer(
    cls=_OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="绩效自评审阅助手：审阅预算绩效自评表（.docx/.xlsx/.pdf/.txt）。",
)
corpus_app = typer.Typer(no_args_is_help=True, help="历史报告库：build | add | stats | search")
app.add_typer(corpus_app, name="corpus")
llm_app = typer.Typer(no_args_is_help=True, help="LLM 端点：check")
app.add_typer(llm_app, name="llm")


def fail(message: str) -> None:
    """One line on stderr, exit 2: the contract for input the tool cannot use."""
    from reviewer.safe_text import visible

    typer.echo(visible(message.replace("\n", " ")), err=True)
    raise typer.Exit(2)


class ReviewFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    html = "html"


@app.command()
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
    from reviewer.output import check_out_path, render_review
    from reviewer.progress import cli_progress
    from reviewer.review import review_paths
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


@app.command()
def draft(
    path: Path = typer.Argument(..., help="报告文件"),
    project: str | None = typer.Option(None, "--project", help="只为该项目起草（项目名称或 id）"),
    row: str | None = typer.Option(None, "--row", help="只为该行起草（如 p1.r3），不论是否有问题"),
    format: str = typer.Option("json", "--format", "-f", help="json 或 text"),
    llm: bool = typer.Option(True, "--llm/--no-llm", help="使用配置的 LLM 端点（未配置时用离线起草）"),
    stats: bool = typer.Option(False, "--stats", help="在 stderr 打印 LLM 调用与缓存命中次数"),
    corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS", help="历史报告库目录"),
    no_corpus: bool = typer.Option(False, "--no-corpus", help="不与历史报告库比对（与 review 的同名选项一致）"),
) -> None:
    """为偏差行起草偏差原因分析和审核意见。"""
    from reviewer.draft import run_draft_command

    run_draft_command(path, project=project, row=row, fmt=format, use_llm=llm, stats=stats,
                      use_corpus=not no_corpus, corpus_dir=corpus)


@app.command("eval")
def eval_(
    dataset: Path = typer.Argument(..., help="标注数据集目录（含 labels.jsonl）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    no_corpus: bool = typer.Option(False, "--no-corpus"),
    llm: bool = typer.Option(False, "--llm/--no-llm"),
    update_baseline: bool = typer.Option(False, "--update-baseline", help="把本次结果写为基线"),
    check_baseline: bool = typer.Option(False, "--check-baseline", help="低于基线时以非零退出"),
) -> None:
    """用标注数据集评估准确率与召回率。"""
    from reviewer.evaluate import run_eval_command

    code = run_eval_command(dataset, as_json=as_json, use_corpus=not no_corpus, llm=llm,
                            update_baseline=update_baseline, check_baseline=check_baseline)
    raise typer.Exit(code)


@app.command()
def serve(
    port: int | None = typer.Option(None, "--port", help="端口（默认取 REVIEWER_PORT，其次 GRADIO_SERVER_PORT，再次 7860）"),
    host: str | None = typer.Option(None, "--host", help="监听地址（未设置 REVIEWER_AUTH 时只能是 127.0.0.1）"),
) -> None:
    """启动网页界面（与 python app.py 相同）。"""
    from reviewer.ui import serve as serve_ui

    serve_ui(port=port, host=host)


# ------------------------------------------------------------------ corpus


@corpus_app.command("build")
def corpus_build(
    corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS", help="历史报告库目录"),
) -> None:
    """为历史报告库中的全部报告建立索引。"""
    from reviewer.corpus import cli_build

    cli_build(corpus)


@corpus_app.command("add")
def corpus_add(
    paths: list[Path] = typer.Argument(..., help="已审阅的报告文件"),
    corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS"),
) -> None:
    """把报告加入历史报告库（不重建索引）。"""
    from reviewer.corpus import cli_add

    code = cli_add(paths, corpus)
    raise typer.Exit(code)


@corpus_app.command("stats")
def corpus_stats(corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS")) -> None:
    """报告库统计。"""
    from reviewer.corpus import cli_stats

    cli_stats(corpus)


@corpus_app.command("search")
def corpus_search(
    query: str = typer.Argument(..., help="要查找的指标文字"),
    k: int = typer.Option(10, "-k", help="返回条数"),
    corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS"),
) -> None:
    """在报告库中查找最相近的指标行。"""
    from reviewer.corpus import cli_search

    cli_search(query, k, corpus)


@llm_app.command("check")
def llm_check(timeout: float = typer.Option(60.0, "--timeout", help="等待回复的秒数")) -> None:
    """测试 REVIEWER_LLM_BASE_URL 指向的端点能否回复（不用缓存）。"""
    from reviewer.llm import LLMClient, LLMError

    client = LLMClient.from_settings(timeout=timeout, max_retries=0)
    if client is None:
        fail("未配置 REVIEWER_LLM_BASE_URL：审阅时将只用离线起草")
    try:
        seconds = client.check()
    except LLMError as err:
        fail(f"LLM 端点不可用：{err.reason}" if err.kind == "unavailable" else f"LLM 端点的回复无法读取（{err.detail}）")
    typer.echo(f"LLM 端点可用：{client.base_url}，模型 {client.model}，{seconds:.1f} 秒回复")


def main() -> None:  # pragma: no cover - console entry
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
