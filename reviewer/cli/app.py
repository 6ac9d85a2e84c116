"""The typer app every command registers on, and the one handler that turns unusable input into exit 2."""

from __future__ import annotations

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


# ------------------------------------------------------------------ corpus
