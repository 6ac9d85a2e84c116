"""Planted copies across sectors: does MISPLACED_INDICATOR find a row copied from another sector's
project, and stay silent on every other row?

Tables: the real tables of ../shared/realdev (rows from expected.json, so the reader's gaps do not
count here) and the project tables of seeds 003 and 004; each document is one sector. Thresholds are
set on these (the tuning split). The tables of tests/data/realextra (other provinces and sectors) are
the held-out split: planted into, reported apart, never used to choose a threshold. A round
plants, into every project of a target document, one row taken from a project of another sector:
- same report: the source project is appended to the target document;
- corpus only: the source documents sit in a temporary corpus, the target is reviewed alone.
Recall counts planted rows flagged with their true source project; false alarms count findings
on every other row. The untouched documents are also reviewed together: they must stay silent.

Run:  .venv/bin/python benchmarks/bench_planted.py [--rounds 3] [--heldout-rounds 10]
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
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(HERE))

from results import update_section

from reviewer.corpus import content_bigrams, template_key
from reviewer.model import Document, IndicatorRow, Project
from reviewer.similarity import STANDARD_INDICATOR, run_similarity


def _num(x: str | None) -> Decimal | None:
    try:
        return Decimal(str(x)) if x not in (None, "") else None
    except InvalidOperation:
        return None


REALEXTRA = ROOT / "tests" / "data" / "realextra"


def realdev_docs(folder: Path = SHARED / "realdev") -> list[tuple[str, Document]]:
    """(sector, document) for every table of a realdev-style folder, built from its expected.json."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
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
    from reviewer.pipeline import parse_path

    return [("人社 (seed)", parse_path(next((SHARED / "seeds").glob(f"{n}_*.txt")))) for n in ("003", "004")]


def plantable(row: IndicatorRow, spread: dict[str, int], specific) -> bool:
    """A row worth planting: not a framework row (满意度, 执行率), saying something of its own once
    common indicator words are removed (保证正常运转 fits any project: planting it copies nothing), not a
    slogan made of common words only (维护社会和谐和稳定), and not a template row that already sits in
    several projects (that is GENERIC's business). The check leaves such rows unjudged, with a reason."""
    return (not STANDARD_INDICATOR.search(row.indicator) and "满意" not in (row.level1 or "")
            and len(content_bigrams(row.indicator)) >= 2 and spread[template_key(row.indicator)] < 3
            and specific(row.indicator))


def _specific():
    """Whether a text names a word rarer than rules.toml's min_specific_rank (the check's own test)."""
    from reviewer.similarity import MIS, LexiconScorer, word_vectors

    scorer = LexiconScorer(word_vectors(), MIS["specific_rank"], cilin_depth=MIS["cilin_depth"])
    return lambda text: max(scorer.words(text)[2] or [0]) >= MIS["min_specific_rank"]


def pool_of(docs: list[tuple[str, Document]]) -> list[tuple[str, Document, Project, IndicatorRow]]:
    """Every plantable row with its sector, document and project."""
    spread: dict[str, int] = {}
    for _s, d in docs:
        for p in d.projects:
            for key in {template_key(r.indicator) for r in p.rows}:
                spread[key] = spread.get(key, 0) + 1
    specific = _specific()
    return [(s, d, p, r) for s, d in docs for p in d.projects for r in p.rows if plantable(r, spread, specific)]


def plant(rng: random.Random, target: Document, pool: list[tuple[str, Document, Project, IndicatorRow]],
          sector: str) -> tuple[Document, list[tuple[str, str, Project, str]]]:
    """A copy of target with one foreign row added to each of its projects:
    (project id, row id, source project, source sector) per planted row."""
    doc = target.model_copy(deep=True)
    planted = []
    own = {r.indicator for p in doc.projects for r in p.rows}
    for p in doc.projects:
        if len(p.rows) < 3 or any(r.goal for r in p.rows):  # goals: a department table's rows
            continue
        # One copy per planted row: a row planted into two projects would be its own source.
        choices = [c for c in pool if c[0] != sector and c[3].indicator not in own]
        src_sector, _d, src, row = rng.choice(choices)
        # The row alone travels: a department table's goal stays behind.
        new = row.model_copy(update={"id": f"{p.id}.planted", "goal": None})
        p.rows.insert(rng.randrange(len(p.rows) + 1), new)
        own.add(row.indicator)
        planted.append((p.id, new.id, src, src_sector))
    return doc, planted


def score(doc: Document, planted: list, sector_of: dict[str, str], known: set[tuple[str, str]]) -> dict[str, Any]:
    """Planted rows found with a source of their sector, planted rows, false alarms (listed), other rows.

    A source of the planted row's sector counts: the same project in another year (the 2023 and 2024
    雾炮车 tables) is as good an answer. `known` rows are labelled copies in the seeds, not alarms.
    """
    flags = {(f.project_id, f.row_id): f for f in doc.findings if f.code == "MISPLACED_INDICATOR"}
    found = sum(1 for pid, rid, _src, sector in planted
                if (pid, rid) in flags and sector_of.get(flags[(pid, rid)].evidence["source"]["project"]) == sector)
    planted_ids = {(pid, rid) for pid, rid, _src, _sector in planted}
    names = {p.id: p.name for p in doc.projects}
    rows = {(p.id, r.id): r.indicator for p in doc.projects for r in p.rows}
    others = sum(1 for key in rows if key not in planted_ids and not key[0].startswith("src"))
    false = [(names[key[0]], rows[key]) for key in flags
             if key not in planted_ids and not key[0].startswith("src") and (names[key[0]], rows[key]) not in known]
    return {"found": found, "planted": len(planted), "false": false, "others": others}


def same_report(target: Document, planted: list[tuple[str, str, Project]]) -> Document:
    """The planted document with each source project appended to it."""
    extra = [src.model_copy(update={"id": f"src{k}", "rows": [r.model_copy(update={"id": f"src{k}.r{i}"})
                                                               for i, r in enumerate(src.rows)]})
             for k, (_pid, _rid, src, _sector) in enumerate(planted)]
    return target.model_copy(update={"projects": target.projects + extra})


def corpus_of(docs: list[Document], folder: Path) -> Path:
    """A corpus directory holding these documents (built from the models, not re-read)."""
    from reviewer import corpus as C
    from reviewer.corpus import sync  # its build step takes parsed models: the only way to skip the reader

    reports = folder / "reports"
    reports.mkdir(parents=True)
    cache = {}
    for k, d in enumerate(docs):
        f = reports / f"doc{k:02d}.txt"  # never parsed: the models are handed over below
        f.write_text(d.model_dump_json(), encoding="utf-8")
        sha = C.file_sha256(f)
        st = f.stat()
        cache[sha] = C.ParsedDoc(f, sha, st.st_size, st.st_mtime_ns, d)
    path = C.index_path(folder)
    with sync._locked(path):
        sync._build_locked(folder, path, None, cache).close()
    return folder


# Copies the checklist names in seed 004 (社会保障业务经费 copied from 劳动力市场基础设施维护维修专项经费).
KNOWN_COPIES = {("社会保障业务经费", "电梯更换完成次数"), ("社会保障业务经费", "修缮改造任务完成率")}


def _empty() -> dict[str, dict[str, Any]]:
    return {m: {"found": 0, "planted": 0, "false": [], "others": 0} for m in ("same", "corpus")}


def run_split(targets: list[tuple[str, Document]], docs: list[tuple[str, Document]], rounds: int,
              tmp: Path, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Plant rows of `docs` (other sectors) into each project table of `targets`, both modes."""
    pool = pool_of(docs)
    sector_of = {p.name: s for s, d in docs for p in d.projects}
    totals = _empty()
    for t, (sector, target) in enumerate(targets):
        if target.kind == "department_selfeval":
            continue  # a whole-department table covers every function: belonging is not judged there
        others = [d for s, d in docs if d is not target]
        cdir = corpus_of(others, tmp / f"corpus{seed}-{t}")
        for k in range(rounds):
            doc, planted = plant(random.Random(seed + 1000 * t + k), target, pool, sector)
            if not planted:
                continue
            same = same_report(doc, planted)
            run_similarity([same], use_corpus=False)
            alone = doc.model_copy(deep=True)
            run_similarity([alone], corpus_dir=cdir)
            for mode, result in (("same", score(same, planted, sector_of, KNOWN_COPIES)),
                                 ("corpus", score(alone, planted, sector_of, KNOWN_COPIES))):
                for key, value in result.items():
                    totals[mode][key] += value
    return totals


def _table(totals: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["| mode | planted found (with a source of their sector) | recall | false alarms / other rows | rate |",
             "|---|---|---|---|---|"]
    for mode, label in (("same", "same report"), ("corpus", "corpus only")):
        t = totals[mode]
        n_false = len(t["false"])
        lines.append(f"| {label} | {t['found']}/{t['planted']} | {t['found'] / max(t['planted'], 1):.1%} "
                     f"| {n_false}/{t['others']} | {n_false / max(t['others'], 1):.2%} |")
    for mode in ("same", "corpus"):
        distinct = sorted(set(totals[mode]["false"]))
        lines.append(f"\nFalse alarms ({mode}), distinct rows: " + ("; ".join(f"{p}: {i}" for p, i in distinct) or "none"))
    return lines


def run(rounds: int, heldout_rounds: int) -> tuple[list[str], dict]:
    """Tuning split (realdev + seeds as targets), held-out split (realextra tables as targets, never
    used to set a threshold), and the untouched documents reviewed together."""
    tmp_dir = tempfile.TemporaryDirectory()
    os.environ["REVIEWER_HOME"] = str(Path(tmp_dir.name) / "home")
    tune = realdev_docs() + seed_docs()
    extra = realdev_docs(REALEXTRA)
    with tmp_dir as tmp:
        totals = run_split(tune, tune, rounds, Path(tmp))
        held = run_split(extra, tune + extra, heldout_rounds, Path(tmp), seed=500_000)
        untouched = [d.model_copy(deep=True) for _s, d in tune + extra]
        run_similarity(untouched, use_corpus=False)
        silent = [(p.name, r.indicator) for d in untouched for f in d.findings if f.code == "MISPLACED_INDICATOR"
                  for p in d.projects if p.id == f.project_id for r in p.rows if r.id == f.row_id]
    lines = [f"Tuning split (realdev + seeds 003/004 as targets, {rounds} rounds):", "", *_table(totals),
             "", (f"Held-out split (the {len(extra)} tables of tests/data/realextra as targets, sources from every "
                  f"other sector; {heldout_rounds} rounds; not used to set thresholds):"), "", *_table(held)]
    lines.append("\nUntouched documents (tuning and held-out) reviewed together, MISPLACED findings: "
                 + ("; ".join(f"{p}: {i}" for p, i in silent) or "none")
                 + f" (known copies in seed 004: {sorted(i for _p, i in KNOWN_COPIES)})")
    return lines, {"tune": totals, "heldout": held}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--heldout-rounds", type=int, default=10, help="rounds on the held-out tables (few tables)")
    args = ap.parse_args()
    lines, _totals = run(args.rounds, args.heldout_rounds)
    body = ("Each round plants into every project (≥ 3 rows, not a department table) of each target "
            "document one row from a project of another sector.\n\n" + "\n".join(lines))
    update_section("bench_planted", body)
    print(body)


if __name__ == "__main__":
    main()
