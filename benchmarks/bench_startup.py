"""Start-up time of the CLI: `reviewer --help` and `reviewer review SEED --no-corpus` (target < 1 s)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = next((ROOT.parent / "shared" / "seeds").glob("000_*.txt"))
REVIEWER = str(Path(sys.executable).with_name("reviewer"))


def timed(args: list[str], n: int = 5) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([REVIEWER, *args], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    print(f"| reviewer --help | median of 5: {timed(['--help']):.2f} s |")
    print(f"| reviewer review seed000 --no-corpus --format json | median of 5: "
          f"{timed(['review', str(SEED), '--no-corpus', '--format', 'json']):.2f} s |")


if __name__ == "__main__":
    main()
