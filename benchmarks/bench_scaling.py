"""Does a review scale linearly with the rows? `reviewer review` of one report that repeats seed 003
10, 50, 100 and 450 times (229 rows a copy; 450 copies is ~2M separators, the text reader's limit).

Every row of a copy has identical twins in the same report, which is the worst case for the
copy-paste checks: comparing every copy with every copy would be quadratic. For each size the CLI
runs with --no-corpus and with the shipped corpus (index built beforehand in a temporary
REVIEWER_HOME), recording wall time and the peak memory of the process; a separate in-process run
times the corpus-free similarity stage alone (parse and rule checks excluded).

Run:  .venv/bin/python benchmarks/bench_scaling.py [--copies 10,50,100,450]
Prints markdown and updates this script's section of benchmarks/results.md ("bench_scaling").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = next((ROOT.parent / "shared" / "seeds").glob("003_*.txt"))
REVIEWER = str(Path(sys.executable).with_name("reviewer"))
sys.path.insert(0, str(HERE))

from results import update_section

# Run in a child process so each size starts cold and its memory is its own.
STAGE = """
import sys, time
from reviewer.review import parse_path
from reviewer.similarity import run_similarity
doc = parse_path(sys.argv[1])
t0 = time.perf_counter()
run_similarity([doc], use_corpus=False)
print(time.perf_counter() - t0)
"""


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (GB) of one `reviewer` process."""
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen([REVIEWER, *args], stdout=sink, stderr=subprocess.PIPE, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"reviewer {' '.join(args)} failed: {err[-2000:]}")
    return took, usage.ru_maxrss / 1e6  # ru_maxrss is in KB on Linux


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", default="10,50,100,450", help="comma-separated numbers of copies")
    args = ap.parse_args()
    sizes = [int(n) for n in args.copies.split(",")]
    text = SEED.read_text(encoding="utf-8")
    rows_per_copy = 229
    header = ("| copies | rows | --no-corpus | peak memory | with corpus | peak memory "
              "| similarity stage (--no-corpus) | stage µs/row |")
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, REVIEWER_HOME=str(Path(tmp) / "home"))
        env.pop("REVIEWER_CORPUS", None)
        subprocess.run([REVIEWER, "corpus", "build"], env=env, check=True, capture_output=True)
        for n in sizes:
            src = Path(tmp) / f"copies{n}.txt"
            src.write_text(text * n, encoding="utf-8")
            rows = n * rows_per_copy
            t_plain, m_plain = run_cli(["review", str(src), "--no-corpus", "--format", "json"], env)
            t_corpus, m_corpus = run_cli(["review", str(src), "--format", "json"], env)
            stage = float(subprocess.run([sys.executable, "-c", STAGE, str(src)], env=env, check=True,
                                         capture_output=True, text=True).stdout.strip().splitlines()[-1])
            lines.append(f"| {n} | {rows:,} | {t_plain:.1f} s | {m_plain:.2f} GB | {t_corpus:.1f} s "
                         f"| {m_corpus:.2f} GB | {stage:.2f} s | {stage / rows * 1e6:.0f} |")
            print(lines[-1], flush=True)
            src.unlink()
    body = ("`reviewer review copiesN.txt --format json` where copiesN.txt is seed 003 repeated N times "
            "(229 rows each; every row has N − 1 identical twins). Wall time and peak RSS of the whole "
            "CLI process (parse, rule checks, similarity, JSON output); the similarity stage is timed "
            "alone in a separate process.\n\n" + "\n".join(lines))
    update_section("bench_scaling", body)
    print("\n" + body)


if __name__ == "__main__":
    main()
