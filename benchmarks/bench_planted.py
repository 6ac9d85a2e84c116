"""Planted copies across sectors: does MISPLACED_INDICATOR find a row copied from another sector's
project, and stay silent on every other row?

Tables: the real tables of ../shared/realdev (rows from expected.json, so the reader's gaps do not
count here) and the project tables of seeds 003 and 004; each document is one sector. A round
plants, into every project of a target document, one row taken from a project of another sector:
- same report: the source project is appended to the target document;
- corpus only: the source documents sit in a temporary corpus, the target is reviewed alone.
Recall counts planted rows flagged with their true source project; false alarms count findings
on every other row. The untouched documents are also reviewed together: they must stay silent.

Run:  .venv/bin/python benchmarks/bench_planted.py [--rounds 3]
Prints markdown and updates this script's section of benchmarks/results.md ("bench_planted").
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(HERE))

from results import update_section

from reviewer.corpus import template_key
from reviewer.model import Document, IndicatorRow, Project
from reviewer.similarity import STANDARD_INDICATOR, run_similarity


def _num(x: str | None) -> Decimal | None:
    try:
        return Decimal(str(x)) if x not in (None, "") else None
    except InvalidOperation:
        return None


def realdev_docs() -> list[tuple[str, Document]]:
    """(sector, document) for every realdev table, built from expected.json."""
    expected = json.loads((SHARED / "realdev" / "expected.json").read_text(encoding="utf-8"))
    out = []
    for name, e in expected.items():
        dept = "部门整体" in (e.get("kind") or "")
        projects = []
        for j, p in enumerate(e.get("projects") or []):
            rows = [IndicatorRow(id=f"p{j + 1}.r{i + 1}", level1=r.get("level1"), level2=r.get("level2"),
                                 indicator=r["indicator"], target=r.get("target"), actual=r.get("actual"),
                                 weight=_num(r.get("weight")), score=_num(r.get("score")))
                    for i, r in enumerate(p.get("rows") or []) if r.get("indicator")]
            if rows:
                projects.append(Project(id=f"p{j + 1}", name=p.get("project") or e.get("unit") or name, rows=rows))
        if projects:
            kind = "department_selfeval" if dept else "project_selfeval"
            out.append((e.get("sector") or name, Document(source=name, kind=kind, projects=projects)))
    return out


def seed_docs() -> list[tuple[str, Document]]:
    from reviewer.review import parse_path

    return [("人社 (seed)", parse_path(next((SHARED / "seeds").glob(f"{n}_*.txt")))) for n in ("003", "004")]


def plantable(row: IndicatorRow) -> bool:
    """A row worth planting: not a framework row, and saying something of its own."""
    return not STANDARD_INDICATOR.search(row.indicator) and len(template_key(row.indicator)) >= 4


def plant(rng: random.Random, target: Document, pool: list[tuple[str, Document, Project, IndicatorRow]],
          sector: str) -> tuple[Document, list[tuple[str, str, Project]]]:
    """A copy of target with one foreign row added to each of its projects; (project id, row id, source)."""
    doc = target.model_copy(deep=True)
    planted = []
    own = {r.indicator for p in doc.projects for r in p.rows}
    for p in doc.projects:
        if len(p.rows) < 3:
            continue
        choices = [c for c in pool if c[0] != sector and c[3].indicator not in own]
        _s, _d, src, row = rng.choice(choices)
        new = row.model_copy(update={"id": f"{p.id}.planted"})
        p.rows.insert(rng.randrange(len(p.rows) + 1), new)
        planted.append((p.id, new.id, src))
    return doc, planted


def score(doc: Document, planted: list[tuple[str, str, Project]]) -> tuple[int, int, int, int]:
    """(planted found with their source, planted, false alarms, other rows) of one reviewed document."""
    flags = {(f.project_id, f.row_id): f for f in doc.findings if f.code == "MISPLACED_INDICATOR"}
    found = sum(1 for pid, rid, src in planted
                if (pid, rid) in flags and flags[(pid, rid)].evidence["source"]["project"] == src.name)
    planted_ids = {(pid, rid) for pid, rid, _src in planted}
    others = sum(1 for p in doc.projects for r in p.rows if (p.id, r.id) not in planted_ids
                 and not p.id.startswith("src"))
    false = sum(1 for key in flags if key not in planted_ids and not key[0].startswith("src"))
    return found, len(planted), false, others


def same_report(target: Document, planted: list[tuple[str, str, Project]]) -> Document:
    """The planted document with each source project appended to it."""
    extra = [src.model_copy(update={"id": f"src{k}", "rows": [r.model_copy(update={"id": f"src{k}.r{i}"})
                                                               for i, r in enumerate(src.rows)]})
             for k, (_pid, _rid, src) in enumerate(planted)]
    return target.model_copy(update={"projects": target.projects + extra})


def corpus_of(docs: list[Document], folder: Path) -> Path:
    """A corpus directory holding these documents (built from the models, not re-read)."""
    from reviewer import corpus as C

    reports = folder / "reports"
    reports.mkdir(parents=True)
    cache = {}
    for k, d in enumerate(docs):
        f = reports / f"doc{k:02d}.txt"  # never parsed: the models are handed over below
        f.write_text(d.model_dump_json(), encoding="utf-8")
        sha = C.file_sha256(f)
        st = f.stat()
        cache[sha] = C._ParsedDoc(f, sha, st.st_size, st.st_mtime_ns, d)
    path = C.index_path(folder)
    with C._locked(path):
        C._build_locked(folder, path, None, cache).close()
    return folder


def run(rounds: int) -> tuple[list[str], dict]:
    docs = realdev_docs() + seed_docs()
    pool = [(s, d, p, r) for s, d in docs for p in d.projects for r in p.rows if plantable(r)]
    totals = {"same": [0, 0, 0, 0], "corpus": [0, 0, 0, 0]}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["REVIEWER_HOME"] = str(Path(tmp) / "home")
        for t, (sector, target) in enumerate(docs):
            others = [d for s, d in docs if d is not target]
            cdir = corpus_of(others, Path(tmp) / f"corpus{t}")
            for k in range(rounds):
                rng = random.Random(1000 * t + k)
                doc, planted = plant(rng, target, pool, sector)
                if not planted:
                    continue
                same = same_report(doc, planted)
                run_similarity([same], use_corpus=False)
                totals["same"] = [a + b for a, b in zip(totals["same"], score(same, planted))]
                alone = doc.model_copy(deep=True)
                run_similarity([alone], corpus_dir=cdir)
                totals["corpus"] = [a + b for a, b in zip(totals["corpus"], score(alone, planted))]
        untouched = [d.model_copy(deep=True) for _s, d in docs]
        run_similarity(untouched, use_corpus=False)
        silent = [(d.source, f.row_id) for d in untouched for f in d.findings if f.code == "MISPLACED_INDICATOR"]
    lines = ["| mode | planted found (with source) | recall | false alarms / other rows | rate |", "|---|---|---|---|---|"]
    for mode, label in (("same", "same report"), ("corpus", "corpus only")):
        found, n, false, others = totals[mode]
        lines.append(f"| {label} | {found}/{n} | {found / max(n, 1):.0%} | {false}/{others} | {false / max(others, 1):.2%} |")
    lines.append(f"\nUntouched documents reviewed together: {len(silent)} MISPLACED findings {silent or ''}")
    return lines, totals


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    lines, _totals = run(args.rounds)
    body = (f"{args.rounds} rounds; each round plants into every project (≥ 3 rows) of each of the "
            "realdev and seed 003/004 documents one row from a project of another sector.\n\n" + "\n".join(lines))
    update_section("bench_planted", body)
    print(body)


if __name__ == "__main__":
    main()
