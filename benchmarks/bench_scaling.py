"""Does a county's batch cost time and memory linear in rows? `reviewer review FOLDER` of seed 003
repeated under renamed projects (229 rows a copy, each copy its own report file).

A county's batch is many reports that fill in the same templates under different project names:
every row has twins in other reports, under project names that never match. Comparing every
project with every other would be quadratic; the similarity stage must share the work between
identical rows and tables whatever the names. For each size the CLI runs with the shipped corpus
(index built beforehand in a temporary REVIEWER_HOME) and records wall time, CPU time and the peak
memory of the process.

Run:  .venv/bin/python benchmarks/bench_scaling.py [--rows 20000,50000,100000] [--same-names] [--label TEXT]
Prints markdown and updates this script's section of benchmarks/results.md ("bench_scaling").
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = next((ROOT.parent / "shared" / "seeds").glob("003_*.txt"))
REVIEWER = str(Path(sys.executable).with_name("reviewer"))
ROWS_PER_COPY = 229
sys.path.insert(0, str(HERE))

from results import update_section

# Place-like prefixes made of characters, not digits: digits are dropped when project names are
# compared (a year or document number), so numbered copies would look like one project.
_SYLLABLES = "东南西北上下前后新老大小金银石河山林田水"
_TITLE = re.compile(r"^(.+?)(项目支出绩效自评表\s*)$")
_NAME = re.compile(r"^(项目名称\t+)([^\t]+)")


def place(k: int) -> str:
    """A distinct place name for copy k (three characters in base 20, then 乡)."""
    a, b, c = k // 400 % 20, k // 20 % 20, k % 20
    return _SYLLABLES[a] + _SYLLABLES[b] + _SYLLABLES[c] + "乡"


def renamed(text: str, k: int) -> str:
    """The report with every project name and table title prefixed by copy k's place name."""
    p = place(k)
    out = []
    for line in text.splitlines(keepends=True):
        line = _TITLE.sub(lambda m: p + m.group(1) + m.group(2), line)
        line = _NAME.sub(lambda m: m.group(1) + p + m.group(2), line)
        out.append(line)
    return "".join(out)


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident memory (GB) of one `reviewer` process."""
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen([REVIEWER, *args], stdout=sink, stderr=subprocess.PIPE, env=env)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        _pid, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"reviewer {' '.join(args)} failed: {err[-2000:]}")
    return took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1e6  # ru_maxrss is in KB on Linux


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="20000,50000,100000", help="comma-separated batch sizes in rows")
    ap.add_argument("--same-names", action="store_true", help="copies keep the seed's project names")
    ap.add_argument("--label", default="", help="a note for the table (e.g. before/after)")
    args = ap.parse_args()
    sizes = [int(n) for n in args.rows.split(",")]
    text = SEED.read_text(encoding="utf-8")
    lines = ["| batch | reports | rows | wall | CPU | peak memory |", "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, REVIEWER_HOME=str(Path(tmp) / "home"))
        env.pop("REVIEWER_CORPUS", None)
        subprocess.run([REVIEWER, "corpus", "build"], env=env, check=True, capture_output=True)
        for rows in sizes:
            n = max(1, round(rows / ROWS_PER_COPY))
            folder = Path(tmp) / f"batch{n}"
            folder.mkdir()
            for k in range(n):
                body = text if args.same_names else renamed(text, k)
                (folder / f"report{k:04d}.txt").write_text(body, encoding="utf-8")
            wall, cpu, mem = run_cli(["review", str(folder), "--format", "json", "--out", os.devnull], env)
            kind = "same names" if args.same_names else "renamed"
            lines.append(f"| {kind} | {n} | {n * ROWS_PER_COPY:,} | {wall:.1f} s | {cpu:.1f} s | {mem:.2f} GB |")
            print(lines[-1], flush=True)
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
    body = ("`reviewer review FOLDER --format json --out /dev/null` with the shipped corpus, where FOLDER holds "
            "N copies of seed 003 (229 rows each), every copy under its own project names (a place name "
            "prefixed to each 项目名称 and table title). Wall time, CPU time (user + system) and peak RSS of the "
            f"whole CLI process (parse, rule checks, similarity, JSON output). {args.label}\n\n" + "\n".join(lines))
    update_section("bench_scaling", body)
    print("\n" + body)


if __name__ == "__main__":
    main()
