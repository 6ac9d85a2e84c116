"""The `reviewer` command line: one typer app (app.py), one module per command group.

Heavy libraries are imported inside commands, never at the top, so the CLI starts fast.
"""

import sys

from reviewer.cli import corpus, draft, eval, llm, review
from reviewer.cli.app import app, corpus_app, llm_app

# The order here is the order of `reviewer --help`.
app.command()(review.review)
app.command()(draft.draft)
app.command("eval")(eval.eval_)
app.command()(review.serve)
corpus_app.command("build")(corpus.corpus_build)
corpus_app.command("add")(corpus.corpus_add)
corpus_app.command("stats")(corpus.corpus_stats)
corpus_app.command("search")(corpus.corpus_search)
llm_app.command("check")(llm.llm_check)

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
