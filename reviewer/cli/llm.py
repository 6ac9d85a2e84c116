"""`reviewer llm check`: is the configured LLM endpoint answering?"""

from __future__ import annotations

import typer

from reviewer.cli.app import fail


def llm_check(timeout: float = typer.Option(60.0, "--timeout", help="等待回复的秒数")) -> None:
    """测试 REVIEWER_LLM_BASE_URL 指向的端点能否回复（不用缓存）。"""
    from reviewer.draft.llm import LLMClient, LLMError

    client = LLMClient.from_settings(timeout=timeout, max_retries=0)
    if client is None:
        fail("未配置 REVIEWER_LLM_BASE_URL：审阅时将只用离线起草")
    try:
        seconds = client.check()
    except LLMError as err:
        fail(f"LLM 端点不可用：{err.reason}" if err.kind == "unavailable" else f"LLM 端点的回复无法读取（{err.detail}）")
    typer.echo(f"LLM 端点可用：{client.base_url}，模型 {client.model}，{seconds:.1f} 秒回复")
