"""Print offline drafts beside the explanations staff wrote, for a reader to judge the register.

Every deviation row of seed 000 (the seed with real staff explanations) is drafted as if the
department had written "无": the staff text is removed before drafting, so the draft cannot
copy it. The list is topped up to ten with deviation rows of the other seeds, where staff
wrote nothing. Each draft's grounding result is printed with it.

    .venv/bin/python benchmarks/show_drafts.py [SEEDS_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.draft import draft_document
from reviewer.draft.figures import compute_figures
from reviewer.pipeline import review_paths

WANTED = 10


def deviation_rows(seed: Path):
    doc = review_paths([seed], use_corpus=False).documents[0]
    for project in doc.projects:
        for row in project.rows:
            figures = compute_figures(row)
            if figures.status in {"shortfall", "over"} or figures.lost:
                yield doc, row


def main() -> None:
    seeds_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "seeds"
    seeds = sorted(seeds_dir.glob("*.txt"))
    shown = 0
    for seed in seeds:
        for doc, row in deviation_rows(seed):
            if shown >= WANTED:
                return
            staff = (row.explanation or "").strip()
            row.explanation = "无"  # draft as if nothing had been written
            [draft] = [d for d in draft_document(doc, row_id=row.id) if d.kind == "explanation"]
            shown += 1
            print(f"## {shown}. {seed.name[:3]} {row.id} {row.level2 or ''}：{row.indicator}"
                  f"（{row.target} → {row.actual}）")
            print(f"员工原文：{staff if staff and staff != '无' else '（原表未填写）'}")
            print(f"离线起草：{draft.text}")
            print(f"核验：grounded={draft.grounded} ungrounded={draft.ungrounded}\n")


if __name__ == "__main__":
    main()
