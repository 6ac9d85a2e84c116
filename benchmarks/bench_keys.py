"""Keys per finding for seed 003: how many decisions a reviewer makes to get through every finding.

Plays the page's own handlers in-process (the code the buttons run) on a fresh REVIEWER_HOME:
  - before (one finding per decision, as the page was up to commit 6ad9c17): one key per finding;
  - by row: the card of each row decides all its open findings with one key (A), moving on by itself;
  - by row with one bulk action: first every 模板化指标 marked 不是问题 from the filter (choose the
    filter, click, clear the filter: three actions), then one key per remaining card.
Run: .venv/bin/python benchmarks/bench_keys.py [SEED_PREFIX]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


def play(h, sid: str, code: str = "") -> int:
    """Press A on the current card until nothing is open; the number of key presses."""
    keys = 0
    out = h.on_filter(sid, "", 0, code, "", "", "", "")
    key = out[h.c.key]
    while h.store.get_session(sid).counts.get("open", 0):
        card = h.card(sid, key)
        checked = card["checked"]
        out = h.on_decide("accept")(sid, key, checked, card["explanation"], card["critique"], card["critique"], "",
                                    0, code, "", "", "", "")
        keys += 1
        key = out[h.c.key]
        if keys > 10_000:
            raise RuntimeError("no progress")
    return keys


def main() -> None:
    prefix = sys.argv[1] if len(sys.argv) > 1 else "003"
    report = next(SEEDS.glob(f"{prefix}_*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["REVIEWER_HOME"] = tmp
        from reviewer.store import Store
        from reviewer.ui.server import build_demo
        from reviewer.ui.service import Upload

        h = build_demo(Store(Path(tmp) / "db.sqlite3"), llm=False).rv_handlers
        first = h.s.review([Upload(str(report), report.name)])["session_id"]
        findings = h.store.get_session(first).total
        by_row = play(h, first)
        second = h.s.review([Upload(str(report), report.name)])["session_id"]
        h.on_bulk("reject")(second, "", "模板指标", 0, "GENERIC_INDICATOR", "", "", "", "")
        with_bulk = 3 + play(h, second)
    print(f"{report.name}: {findings} findings")
    print(f"| one finding per key (before) | {findings} keys | {findings / findings:.2f} keys per finding |")
    print(f"| one card per row | {by_row} keys | {by_row / findings:.2f} keys per finding |")
    print(f"| bulk 模板化指标 + cards | {with_bulk} actions | {with_bulk / findings:.2f} keys per finding |")


if __name__ == "__main__":
    main()
