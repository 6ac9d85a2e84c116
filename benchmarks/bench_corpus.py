"""Corpus benchmarks: encoding speed, FAISS build/query/recall by size, adding a report, and an
end-to-end `reviewer review` of a 5,000-row input with the corpus.

Run:  .venv/bin/python benchmarks/bench_corpus.py            (10k and 100k rows, a few minutes)
      .venv/bin/python benchmarks/bench_corpus.py --full     (adds 1M rows: several more minutes)

Synthetic corpus rows are recombined from fragments of the seeds' real indicators and embedded
with the real built-in model fitted on the shipped corpus, so recall is measured on embeddings
with the structure of real ones (clusters, duplicates), not on random vectors. Recall@10 is
tie-aware: a returned row counts when its exact similarity reaches the 10th exact similarity.
Prints markdown and updates this script's section of benchmarks/results.md ("bench_corpus", or
"bench_corpus --full" for the 1M-row run).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results import update_section

SEEDS = ROOT.parent / "shared" / "seeds"
SUFFIXES = ["人数", "完成率", "及时率", "覆盖率", "到位率", "合格率", "满意度", "次数", "数量", "发放率", "达标率",
            "执行率", "使用率", "知晓率", "成本", "标准", "金额", "时限", "情况", "完成时间"]


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_rows(fragments: list[str], n: int, seed: int) -> list[str]:
    """Indicator-like texts: 1–3 fragments of real indicators plus a common ending; ~10 % exact
    template rows, as real corpora repeat 绿色办公 and 服务对象满意度 everywhere."""
    rng = np.random.default_rng(seed)
    k = rng.integers(1, 4, size=n)
    picks = rng.integers(0, len(fragments), size=(n, 3))
    suffix = rng.integers(0, len(SUFFIXES), size=n)
    templates = ["绿色办公", "服务对象满意度", "控制预算成本内", "预算执行率", "项目持续发挥作用期限", "保证正常运转"]
    tpl = rng.random(n) < 0.1
    tpl_pick = rng.integers(0, len(templates), size=n)
    out = []
    for i in range(n):
        if tpl[i]:
            out.append(templates[tpl_pick[i]])
        else:
            out.append("".join(fragments[j] for j in picks[i, :k[i]]) + SUFFIXES[suffix[i]])
    return out


def fragments_from(texts: list[str]) -> list[str]:
    """Every 2–4-character piece of the real indicators (so synthetic rows rarely repeat by chance)."""
    out = set()
    for t in texts:
        t = re.sub(r"[\W\d_a-zA-Z]+", "", t)
        for n in (2, 3, 4):
            out.update(t[i:i + n] for i in range(len(t) - n + 1))
    return sorted(out)


def timed_queries(index, queries: np.ndarray, k: int = 10) -> tuple[float, float]:
    lat = []
    for q in queries:
        t0 = time.perf_counter()
        index.search(q.reshape(1, -1), k)
        lat.append((time.perf_counter() - t0) * 1000)
    return float(np.percentile(lat, 50)), float(np.percentile(lat, 95))


def recall_at_k(index, exact, queries: np.ndarray, k: int = 10) -> float:
    """Tie-aware recall@k of `index` against exact search."""
    true_s, _ = exact.search(queries, k)
    _s, got = index.search(queries, k)
    vectors = exact.reconstruct_n(0, exact.ntotal) if exact.ntotal <= 200_000 else None
    hits = 0
    for qi in range(len(queries)):
        kth = true_s[qi, -1] - 1e-5
        ids = [int(i) for i in got[qi] if i >= 0]
        if vectors is not None:
            sims = vectors[ids] @ queries[qi]
        else:
            sims = np.array([exact.reconstruct(i) @ queries[qi] for i in ids])
        hits += int((sims >= kth).sum())
    return hits / (k * len(queries))


def bench_index(vectors: np.ndarray, queries: np.ndarray, rows: list) -> None:
    import faiss

    from reviewer import corpus as C

    n, dim = vectors.shape
    exact = faiss.IndexFlatIP(dim)
    exact.add(vectors)
    r0 = rss_mb()
    t0 = time.perf_counter()
    from reviewer.corpus.index import new_index

    index = new_index(vectors, dim)  # what `reviewer corpus build` picks for this size
    t_train = time.perf_counter() - t0
    index.add(vectors)
    t_build = time.perf_counter() - t0
    mem = rss_mb() - r0
    size_mb = faiss.serialize_index(index).nbytes / 2**20
    p50, p95 = timed_queries(index, queries[:300])
    rec = recall_at_k(index, exact, queries[:500]) if not isinstance(index, faiss.IndexFlat) else 1.0
    flat50, _flat95 = timed_queries(exact, queries[:100])
    kind = type(index).__name__ + (f" nlist={index.nlist} nprobe={index.nprobe}" if hasattr(index, "nlist") else "")
    rows.append((n, kind, t_train, t_build, size_mb, mem, p50, p95, rec, flat50))
    if hasattr(index, "nprobe"):
        sweep = []
        for nprobe in (4, 8, 16, 32, 64):
            index.nprobe = nprobe
            a, b = timed_queries(index, queries[:200])
            sweep.append((nprobe, a, b, recall_at_k(index, exact, queries[:500])))
        index.nprobe = C.IVF_NPROBE
        bench_index.sweeps[n] = sweep
    bench_index.last = index
    del exact


bench_index.sweeps = {}


def bench_add(index, embedder, tmp: Path) -> float:
    """Add seed 003 (229 rows) to a large index through the Corpus API: SQLite + encode + FAISS + save."""
    from reviewer import corpus as C
    from reviewer.corpus.db import connect
    from reviewer.corpus.sync import _parse  # one report read as the corpus reads it

    d = tmp / "add"
    d.mkdir()
    corpus = C.Corpus(tmp, d, embedder, index, connect(d / "meta.sqlite3"))
    pd = _parse(next(SEEDS.glob("003_*.txt")))
    t0 = time.perf_counter()
    corpus.add_parsed([pd], ["003.txt"])
    dt = time.perf_counter() - t0
    corpus.close()
    return dt


def big_input(rows: int, path: Path) -> int:
    """Seed 003 repeated with renamed projects: every table has many copies (worst case for the
    copy checks, which must compare each project with all of them)."""
    text = next(SEEDS.glob("003_*.txt")).read_text(encoding="utf-8")
    copies = -(-rows // 229)
    parts = [re.sub(r"(项目名称\t+)([^\t\n]+)", lambda m, i=i: f"{m.group(1)}{m.group(2)}（第{i + 1}批）", text)
             for i in range(copies)]
    path.write_text("\n".join(parts), encoding="utf-8")
    return copies * 229


def bench_e2e(tmp: Path) -> list[tuple[str, float, int]]:
    reviewer = str(Path(sys.executable).with_name("reviewer"))
    src = tmp / "big.txt"
    n = big_input(5000, src)
    env = dict(os.environ, REVIEWER_HOME=str(tmp / "e2e-home"))
    env.pop("REVIEWER_CORPUS", None)
    env.pop("REVIEWER_EMBED_MODEL", None)
    out = []
    t0 = time.perf_counter()
    res = subprocess.run([reviewer, "review", str(src), "--format", "json"], capture_output=True, env=env,
                         check=False)
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    out.append(("first run (builds the shipped corpus index)", time.perf_counter() - t0, n))
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([reviewer, "review", str(src), "--format", "json"], capture_output=True, env=env,
                       check=True)
        times.append(time.perf_counter() - t0)
    out.append(("with corpus, index on disk (best of 3)", min(times), n))
    t0 = time.perf_counter()
    subprocess.run([reviewer, "review", str(src), "--no-corpus", "--format", "json"], capture_output=True,
                   env=env, check=True)
    out.append(("--no-corpus (for comparison)", time.perf_counter() - t0, n))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="also 1M rows (several minutes, ~4 GB RAM)")
    ap.add_argument("--sizes", default=None, help="comma-separated corpus sizes (default 10000,100000)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [10_000, 100_000]
    if args.full and 1_000_000 not in sizes:
        sizes.append(1_000_000)


    from reviewer import corpus as C

    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.environ["REVIEWER_HOME"] = str(tmp / "home")
        os.environ.pop("REVIEWER_EMBED_MODEL", None)
        os.environ.pop("REVIEWER_CORPUS", None)
        t0 = time.perf_counter()
        corpus = C.build(None)
        t_seed_build = time.perf_counter() - t0
        embedder = corpus.embedder
        real = [r[0] for r in corpus.db.execute("SELECT indicator FROM rows")]
        fit = corpus.stats()["fit"]
        corpus.close()

        frags = fragments_from(real)
        n_max = max(sizes)
        texts = synthetic_rows(frags, n_max, seed=1)
        distinct = len(set(texts))
        qtexts = synthetic_rows(frags, 400, seed=2) + real[:100]
        t0 = time.perf_counter()
        enc_n = min(n_max, 200_000)
        embedder.encode(texts[:enc_n])
        enc_rate = enc_n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        vectors = embedder.encode(texts)
        t_enc_all = time.perf_counter() - t0
        queries = embedder.encode(qtexts)
        # SVD fidelity where it matters: every near-duplicate pair of the real corpus (rapidfuzz ≥ 90,
        # not identical — identical keys are also found by SQL) is among the 32 nearest vectors.
        from rapidfuzz import fuzz, process

        keys = [C.match_key(t) for t in real]
        ratios = process.cdist(keys, keys, scorer=fuzz.ratio)
        pairs = [(i, j) for i in range(len(keys)) for j in range(len(keys))
                 if i != j and ratios[i, j] >= 90 and keys[i] != keys[j]]
        rv = embedder.encode(real)
        top = np.argsort(-(rv @ rv.T), axis=1)[:, :33]
        nd_found = sum(j in top[i] for i, j in pairs)

        lines += ["### Built-in embedder", "",
                  "| measure | value |", "|---|---|",
                  f"| shipped corpus (5 seeds) build, incl. parse + fit | {t_seed_build:.1f} s |",
                  f"| fitted on | {fit['texts']} distinct texts, {fit['features']} char 1–3-grams |",
                  f"| SVD dims (≤ 256 and < rank) | {fit['dims']} (explained variance {fit['explained_variance']:.0%}) |",
                  (f"| near-duplicate pairs of the seeds (ratio ≥ 90, not identical) among the 32 nearest "
                   f"| {nd_found}/{len(pairs)} |"),
                  f"| encode rows/s (1 process, 2 cores) | {enc_rate:,.0f} |",
                  f"| encode {n_max:,} synthetic rows ({distinct:,} distinct) | {t_enc_all:.1f} s |", ""]

        rows: list = []
        for n in sizes:
            bench_index(np.ascontiguousarray(vectors[:n]), queries, rows)
        lines += ["### FAISS index by corpus size (256-d, real embeddings of synthetic rows)", "",
                  ("| corpus rows | index (as built by `reviewer corpus build`) | train s | build s | index MB "
                   "| RSS +MB | query p50 ms | query p95 ms | recall@10 | flat p50 ms (for comparison) |"),
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for n, kind, tt, tb, mb, mem, p50, p95, rec, flat50 in rows:
            lines.append(f"| {n:,} | {kind} | {tt:.1f} | {tb:.1f} | {mb:.0f} | {mem:.0f} | {p50:.2f} | {p95:.2f} "
                         f"| {rec:.3f} | {flat50:.2f} |")
        lines.append("")
        for n, sweep in bench_index.sweeps.items():
            lines += [f"nprobe sweep at {n:,} rows:", "", "| nprobe | p50 ms | p95 ms | recall@10 |",
                      "|---|---|---|---|"]
            lines += [f"| {p} | {a:.2f} | {b:.2f} | {r:.3f} |" for p, a, b, r in sweep]
            lines.append("")
        t_add = bench_add(bench_index.last, embedder, tmp)
        lines += [(f"Adding one report (seed 003, 229 rows) to the {sizes[-1]:,}-row index without rebuilding "
                   f"(SQLite insert + encode + FAISS add + write index): {t_add:.2f} s."), "",
                  (f"Peak RSS of this benchmark process: {peak_mb():,.0f} MB "
                   "(holds the synthetic vectors and an exact index for recall next to the index under test)."), ""]
        del vectors

        e2e = bench_e2e(tmp)
        lines += ["### End-to-end `reviewer review --format json` (subprocess, 2-core machine)", "",
                  "| run | rows | seconds | rows/s |", "|---|---|---|---|"]
        lines += [f"| {name} | {n:,} | {s:.2f} | {n / s:,.0f} |" for name, s, n in e2e]
        lines.append("")
        shutil.rmtree(tmp / "home", ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    # The 1M-row run keeps its own section, so a quick `make bench` does not erase its numbers.
    update_section("bench_corpus --full" if args.full else "bench_corpus", text)


if __name__ == "__main__":
    main()
