"""Run every benchmarks/bench_*.py in turn (`make bench`) and record each one's output.

Scripts print markdown to stdout; a script that does not write its own section of results.md
gets its stdout recorded there. `--full` is passed to scripts that accept it (the 1M-row corpus
benchmark takes several minutes). A failing script is reported and the others still run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from results import RESULTS, update_section


def main() -> int:
    full = "--full" in sys.argv[1:]
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        args = [sys.executable, str(script)]
        if full and "--full" in script.read_text(encoding="utf-8"):
            args.append("--full")
        print(f"\n## {script.stem}\n", flush=True)
        before = RESULTS.stat().st_mtime if RESULTS.exists() else 0.0
        t0 = time.perf_counter()
        res = subprocess.run(args, capture_output=True, text=True, check=False)
        took = time.perf_counter() - t0
        print(res.stdout, flush=True)
        if res.returncode != 0:
            failed.append(script.name)
            print(f"**{script.name} failed (exit {res.returncode}) after {took:.0f} s**\n", flush=True)
            print(res.stderr[-3000:], file=sys.stderr)
            continue
        wrote_itself = RESULTS.exists() and RESULTS.stat().st_mtime > before
        if not wrote_itself:
            update_section(script.stem, res.stdout)
    print(f"\nresults in {RESULTS}")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
