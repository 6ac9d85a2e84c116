"""Rows read from a labelled folder of real tables, compared with its expected.json cell by cell.

Reads every document of each folder with the public API (reviewer.pipeline.parse_path), pairs its
projects and rows with expected.json (rows in order, by indicator text when the counts differ),
and prints documents read/failed, rows found vs expected, the exact-row rate and the exact-cell
rate per field (indicator, target, actual, weight, score). Normalisation: tests/rowcompare.py.

Run: .venv/bin/python benchmarks/realdev_rows.py [FOLDER ...] [--extra] [--diff] [--json]
  FOLDER defaults to ../shared/realdev; --extra adds tests/data/realextra. Always exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from rowcompare import VALUE_FIELDS, Tally, compare_rows, got_row, match_projects, normal

REALDEV = ROOT.parent / "shared" / "realdev"
REALEXTRA = ROOT / "tests" / "data" / "realextra"


def score_document(path: Path, spec: dict) -> tuple[Tally, str | None]:
    """Tally one document against its expected.json entry; the error text if it was refused."""
    from reviewer.pipeline import parse_path

    try:
        doc = parse_path(path)
    except Exception as exc:  # noqa: BLE001 - any refusal counts as a failed document, with every row missing
        tally = Tally()
        for p in spec["projects"]:
            tally.add(compare_rows(str(p.get("project")), p["rows"], []))
        return tally, f"{type(exc).__name__}: {exc}"
    got = [(p.name, [got_row(r) for r in p.rows]) for p in doc.projects]
    chosen = match_projects(spec["projects"], got)
    total = Tally()
    for exp, index in zip(spec["projects"], chosen, strict=True):
        rows = got[index][1] if index is not None else []
        total.add(compare_rows(str(exp.get("project")), exp["rows"], rows))
    unused = [g for i, g in enumerate(got) if i not in chosen]
    for name, rows in unused:  # rows read into projects nobody expected
        total.add(compare_rows(name, [], rows))
    skip = {normal("indicator", t) for p in spec["projects"]
            for t in p.get("placeholder_rows", []) + p.get("category_rows_without_indicator", [])}
    for d in total.differences:
        if d.got == "extra row" and normal("indicator", d.indicator) in skip | {""}:
            d.got = "extra row (a placeholder or category row read as an indicator)"
    return total, None


def score_folder(folder: Path) -> dict:
    """Every document of one labelled folder: per-document tallies and the folder total."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    docs, total, failed = [], Tally(), []
    for name, spec in expected.items():
        tally, error = score_document(folder / name, spec)
        total.add(tally)
        if error:
            failed.append(name)
        docs.append({"file": name, "error": error, **summary(tally),
                     "differences": [d.__dict__ for d in tally.differences]})
    return {"folder": str(folder), "documents": len(expected), "failed": failed,
            "total": summary(total), "per_document": docs, "_tally": total}


def summary(t: Tally) -> dict:
    """The reported numbers of a tally (rates over the expected rows)."""
    n = t.expected_rows or 1
    return {"rows_expected": t.expected_rows, "rows_found": t.found_rows, "rows_paired": t.paired_rows,
            "rows_extra": t.extra_rows, "exact_rows": t.exact_rows,
            "exact_row_rate": round(t.exact_rows / n, 4),
            "exact_cell_rate": {f: round(t.exact_cells[f] / n, 4) for f in VALUE_FIELDS},
            "differing_cells": sum(d.field != "row" for d in t.differences)}


def print_folder(result: dict, diff: bool) -> None:
    """The human-readable report of one folder."""
    s = result["total"]
    print(f"== {result['folder']}")
    print(f"documents read {result['documents'] - len(result['failed'])} / {result['documents']}"
          f"  failed {len(result['failed'])}: {', '.join(result['failed']) or '-'}")
    print(f"rows found {s['rows_found']} vs expected {s['rows_expected']}"
          f"  (paired {s['rows_paired']}, extra {s['rows_extra']})")
    print(f"exact rows {s['exact_rows']}/{s['rows_expected']} = {s['exact_row_rate']:.1%}")
    print("exact cells: " + "  ".join(f"{f} {r:.1%}" for f, r in s["exact_cell_rate"].items()))
    print(f"{'document':<34} {'found':>5} {'exp':>4} {'exact':>5}  error")
    for d in result["per_document"]:
        print(f"{d['file']:<34} {d['rows_found']:>5} {d['rows_expected']:>4} {d['exact_rows']:>5}"
              f"  {(d['error'] or '')[:70]}")
    if diff:
        print("-- file | project | indicator | field | expected | got")
        for d in result["per_document"]:
            for x in d["differences"]:
                print(" | ".join((d["file"], x["project"], x["indicator"], x["field"], x["expected"],
                                  x["got"])))
    print()


def main(argv: list[str] | None = None) -> int:
    """Score each folder and print the report (text or --json). Exits 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, help="labelled folders (default ../shared/realdev)")
    ap.add_argument("--extra", action="store_true", help="also score tests/data/realextra")
    ap.add_argument("--diff", action="store_true", help="list every differing cell")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    folders = list(args.folders) or [REALDEV]
    if args.extra and REALEXTRA not in folders:
        folders.append(REALEXTRA)
    results = [score_folder(f) for f in folders]
    overall = Tally()
    for r in results:
        overall.add(r.pop("_tally"))
    if args.json:
        if not args.diff:
            for r in results:
                for d in r["per_document"]:
                    d.pop("differences")
        print(json.dumps({"folders": results, "total": summary(overall)}, ensure_ascii=False, indent=1))
        return 0
    for r in results:
        print_folder(r, args.diff)
    if len(results) > 1:
        s = summary(overall)
        print(f"== all folders: exact rows {s['exact_rows']}/{s['rows_expected']} = {s['exact_row_rate']:.1%};"
              " cells " + "  ".join(f"{f} {v:.1%}" for f, v in s["exact_cell_rate"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
