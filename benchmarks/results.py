"""benchmarks/results.md holds one section per benchmark script; each run replaces its own."""

from __future__ import annotations

import re
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"
HEADER = "# Benchmark results\n\nWritten by `make bench` (benchmarks/run.py); each section by its script.\n"


def update_section(name: str, markdown: str) -> None:
    """Replace (or append) the section of `name` in results.md."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    stamp = time.strftime("%Y-%m-%d %H:%M")
    block = f"<!-- {name} -->\n## {name}\n\n_{stamp}_\n\n{markdown.strip()}\n<!-- /{name} -->\n"
    pattern = re.compile(rf"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(text, encoding="utf-8")
