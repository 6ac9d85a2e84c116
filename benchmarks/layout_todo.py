"""The layout suite's failures as a to-do list: one line per (document × layout) that does not read
back to its rows, with the number of differing cells and the first one, grouped by layout.

Same cases and comparison as tests/tables/test_layouts.py, without pytest's noise.
Run: .venv/bin/python benchmarks/layout_todo.py [--only SUBSTRING]. Always exits 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import layouts as L
from test_layouts import SOURCES, first_difference

from reviewer.pipeline import parse_path


def main(argv: list[str] | None = None) -> int:
    """Run every case and print the failing ones grouped by layout."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="only cases whose 'document-layout' id contains this")
    args = ap.parse_args(argv)
    failing: dict[str, list[str]] = defaultdict(list)
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for source in sorted(SOURCES):
            for layout in L.LAYOUTS:
                if args.only not in f"{source}-{layout.name}":
                    continue
                total += 1
                path = L.write(SOURCES[source], layout, Path(tmp), f"{total}")
                try:
                    count, first = first_difference(SOURCES[source], parse_path(path))
                except Exception as exc:  # noqa: BLE001 - a refusal is this case's failure
                    count, first = 1, f"refused: {exc}".replace(str(path), path.name)
                if count:
                    failing[layout.name].append(f"{source}: {count} cells; {first}")
    print(f"{sum(map(len, failing.values()))} of {total} cases fail")
    per_doc: dict[str, int] = defaultdict(int)
    for lines in failing.values():
        for line in lines:
            per_doc[line.split(":")[0]] += 1
    print("by document: " + ", ".join(f"{d} {n}" for d, n in sorted(per_doc.items(), key=lambda kv: -kv[1])))
    for name, lines in sorted(failing.items(), key=lambda kv: -len(kv[1])):
        print(f"\n## {name} ({len(lines)})")
        print("\n".join(f"- {x}" for x in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
