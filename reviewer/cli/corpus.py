"""`reviewer corpus build|add|stats|search`: the corpus commands with rich output."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import typer

from reviewer.errors import InputError


@contextlib.contextmanager
def _rich_progress(label: str):
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    with RichProgress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(label, total=1.0)

        def update(fraction: float, message: str) -> None:
            bar.update(task, completed=min(max(fraction, 0.0), 1.0), description=message)

        yield update


def _console():
    from rich.console import Console

    return Console(highlight=False)


def cli_build(corpus_dir: Path | None) -> None:
    """`reviewer corpus build`: rebuild the index from every report in the corpus directory."""
    from reviewer.corpus import build

    t0 = time.perf_counter()
    with _rich_progress("建立索引") as progress:
        corpus = build(corpus_dir, progress)
    s = corpus.stats()
    corpus.close()
    con = _console()
    con.print(f"已为 {s['documents']} 份报告、{s['projects']} 个项目、{s['rows']} 行指标建立索引"
              f"（{s['index_type']}，{s['dim']} 维，用时 {time.perf_counter() - t0:.1f} 秒）")
    con.print(f"嵌入模型：{s['embedder']}")
    if s["fit"]:
        con.print(f"内置模型拟合：{s['fit']['texts']} 条不同文本，{s['fit']['features']} 个字符 n-gram，"
                  f"SVD {s['fit']['dims']} 维，保留方差 {s['fit']['explained_variance']:.0%}")
    for file, reason in s["skipped"]:
        con.print(f"[yellow]未入库[/yellow] {file}：{reason}")
    con.print(f"索引位置：{s['index_dir']}")


def cli_add(paths: list[Path], corpus_dir: Path | None) -> int:
    """`reviewer corpus add FILE...`: returns 0, or 2 when any file was unusable (the rest are added)."""
    from reviewer.corpus import add_files

    with _rich_progress("加入报告库") as progress:
        corpus, done, bad = add_files(paths, corpus_dir, progress)
    con = _console()
    for path, note in done:
        con.print(f"{path}：{note}")
    for path, reason in bad:
        con.print(f"[red]{path}：{reason}[/red]")
    con.print(f"报告库现有 {corpus.stats()['documents']} 份报告、{corpus.size} 行指标")
    corpus.close()
    return 2 if bad else 0


def cli_stats(corpus_dir: Path | None) -> None:
    """`reviewer corpus stats`."""
    from rich.table import Table

    from reviewer.corpus import open_corpus

    with _rich_progress("打开报告库") as progress:
        corpus = open_corpus(corpus_dir, progress)
    s = corpus.stats()
    t = Table(title="历史报告库", show_header=False)
    t.add_column("项")
    t.add_column("值")
    t.add_row("报告库目录", s["corpus_dir"])
    t.add_row("索引位置", s["index_dir"])
    t.add_row("报告 / 项目 / 指标行", f"{s['documents']} / {s['projects']} / {s['rows']}")
    t.add_row("年度分布", "，".join(f"{y or '未知'}年 {n} 份" for y, n in s["years"]))
    t.add_row("嵌入模型", f"{s['embedder']}（{s['dim']} 维）")
    t.add_row("索引类型", s["index_type"])
    t.add_row("建立时间", s["built_at"] or "")
    if s["added_after_fit"]:
        t.add_row("拟合后新增报告", f"{s['added_after_fit']} 份（可运行 reviewer corpus build 重新拟合）")
    for file, reason in s["skipped"]:
        t.add_row("未入库", f"{file}：{reason}")
    _console().print(t)
    corpus.close()


def cli_search(query: str, k: int, corpus_dir: Path | None) -> None:
    """`reviewer corpus search TEXT`: the nearest indicator rows, with their report and project."""
    from rich.table import Table

    from reviewer.corpus import open_corpus

    if not query.strip():
        raise InputError("查询内容为空")
    with _rich_progress("打开报告库") as progress:
        corpus = open_corpus(corpus_dir, progress)
    sims, ids = corpus.search(corpus.embedder.encode([query]), max(1, k))
    rows = corpus.rows_by_id(ids[0])
    t = Table(title=f"与“{query}”最相近的指标")
    for col in ("相似度", "指标", "指标值", "项目", "报告"):
        t.add_column(col)
    for sim, vid in zip(sims[0], ids[0]):
        r = rows.get(int(vid))
        if r is None:
            continue
        t.add_row(f"{sim:.2f}", r.indicator, r.target or "", r.project, f"{r.file}（{r.year or '年度未知'}）")
    _console().print(t)
    corpus.close()


def corpus_build(
    corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS", help="历史报告库目录"),
) -> None:
    """为历史报告库中的全部报告建立索引。"""
    cli_build(corpus)


def corpus_add(
    paths: list[Path] = typer.Argument(..., help="已审阅的报告文件"),
    corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS"),
) -> None:
    """把报告加入历史报告库（不重建索引）。"""
    code = cli_add(paths, corpus)
    raise typer.Exit(code)


def corpus_stats(corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS")) -> None:
    """报告库统计。"""
    cli_stats(corpus)


def corpus_search(
    query: str = typer.Argument(..., help="要查找的指标文字"),
    k: int = typer.Option(10, "-k", help="返回条数"),
    corpus: Path | None = typer.Option(None, "--corpus", envvar="REVIEWER_CORPUS"),
) -> None:
    """在报告库中查找最相近的指标行。"""
    cli_search(query, k, corpus)
