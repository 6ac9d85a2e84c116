"""Throughput of `reviewer review --format json` on a 5,000-row input built from seed 003.

Prints rows/second for the deterministic pipeline (--no-corpus); bench_corpus.py measures the
corpus path. Run: .venv/bin/python benchmarks/bench_review.py [--rows 5000]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = next((ROOT.parent / "shared" / "seeds").glob("003_*.txt"))


def build_input(rows: int, path: Path) -> int:
    """Repeat seed 003 with renamed projects until `rows` indicator rows exist; return the count."""
    text = SEED.read_text(encoding="utf-8")
    per_copy = 229
    copies = -(-rows // per_copy)
    parts = []
    for i in range(copies):
        suffix = f"（第{i + 1}批）"
        parts.append(re.sub(r"(项目名称\t+)([^\t\n]+)", lambda m, s=suffix: f"{m.group(1)}{m.group(2)}{s}", text))
    path.write_text("\n".join(parts), encoding="utf-8")
    return copies * per_copy


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    reviewer = str(Path(sys.executable).with_name("reviewer"))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "big.txt"
        n = build_input(args.rows, src)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            res = subprocess.run([reviewer, "review", str(src), "--no-corpus", "--format", "json"],
                                 capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            assert res.returncode == 0, res.stderr
        best = min(times)
        print(f"| reviewer review --no-corpus --format json | {n} rows | best of {args.repeat}: {best:.2f} s "
              f"| {n / best:,.0f} rows/s |")


if __name__ == "__main__":
    main()
