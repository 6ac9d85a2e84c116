"""`reviewer eval`: score the review on a labelled dataset; the baseline gate for CI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from reviewer.errors import InputError


def run_eval_command(dataset: Path, *, as_json: bool, use_corpus: bool, llm: bool, update_baseline: bool,
                     check_baseline: bool, baseline_path: Path | None = None) -> int:
    """`reviewer eval`: print the report; exit code 1 when --check-baseline finds a regression."""
    from reviewer.cli.progress import cli_progress
    from reviewer.eval.run import BASELINE_PATH, check_against_baseline, render_text, run_eval, write_baseline

    if update_baseline and check_baseline:
        raise InputError("--update-baseline 与 --check-baseline 不能同时使用")
    path = baseline_path or BASELINE_PATH
    with cli_progress(enabled=True) as progress:
        report = run_eval(dataset, use_corpus=use_corpus, llm=llm, progress=progress)
    code, lines = 0, []
    baseline: dict[str, Any] | None = None
    if check_baseline:
        worse, better = check_against_baseline(report, path)
        code = 1 if worse else 0
        baseline = {"path": str(path), "regressions": worse, "improvements": better}
        lines += [f"低于基线：{w}" for w in worse] or ["基线检查通过。"]
        lines += [f"高于基线：{b}（可用 --update-baseline 记录）" for b in better]
    if update_baseline:
        write_baseline(report, path)
        baseline = {"path": str(path), "updated": True}
        lines.append(f"已把本次结果写入基线 {path}（{report.key}）。")
    if as_json:
        payload = report.to_dict()
        payload["baseline"] = baseline
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(render_text(report, lines))
    return code


def eval_(
    dataset: Path = typer.Argument(..., help="标注数据集目录（含 labels.jsonl）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    no_corpus: bool = typer.Option(False, "--no-corpus"),
    llm: bool = typer.Option(False, "--llm/--no-llm"),
    update_baseline: bool = typer.Option(False, "--update-baseline", help="把本次结果写为基线"),
    check_baseline: bool = typer.Option(False, "--check-baseline", help="低于基线时以非零退出"),
) -> None:
    """用标注数据集评估准确率与召回率。"""
    code = run_eval_command(dataset, as_json=as_json, use_corpus=not no_corpus, llm=llm,
                            update_baseline=update_baseline, check_baseline=check_baseline)
    raise typer.Exit(code)
