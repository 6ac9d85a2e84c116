"""Does a small report wait behind a big one? Two clients upload at once: a ~10 MB report and seed 004.

Starts the real app (`python app.py`) on a temp REVIEWER_HOME with the corpus index prebuilt, then
per repetition: client A sends the big report to /review, client B sends seed 004 half a second
later; B's time from its request to its findings is measured. The server is restarted between
repetitions so the big review of one repetition does not occupy a slot in the next.
Run: .venv/bin/python benchmarks/bench_ui_concurrency.py [--mb 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
SEEDS = ROOT.parent / "shared" / "seeds"


def build_big(megabytes: float, path: Path) -> int:
    """Seed 003 repeated with renamed projects until the file reaches ``megabytes``."""
    text = next(SEEDS.glob("003_*.txt")).read_text(encoding="utf-8")
    parts, size, i = [], 0, 0
    while size < megabytes * 1024 * 1024:
        i += 1
        part = re.sub(r"(项目名称\t+)([^\t\n]+)", lambda m, i=i: f"{m.group(1)}{m.group(2)}（第{i}批）", text)
        part = re.sub(r"^(.+)(项目支出绩效自评表)$", lambda m, i=i: f"{m.group(1)}（第{i}批）{m.group(2)}", part,
                      flags=re.MULTILINE)
        parts.append(part)
        size += len(part.encode("utf-8"))
    path.write_text("\n".join(parts), encoding="utf-8")
    return path.stat().st_size


def uploaded(folder: Path, size: int, timeout: float = 120) -> None:
    """Wait until the server holds the whole big upload (so its review, not its upload, is timed against)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(f.is_file() and f.stat().st_size == size for f in folder.rglob("*")):
            return
        time.sleep(0.1)
    raise RuntimeError("the big report never reached the server")


def one_round(home: Path, big: Path, small: Path) -> tuple[float, int]:
    from gradio_client import Client, handle_file
    from ui_server import running_server

    with running_server(home) as server:
        started = threading.Event()

        def big_client() -> None:
            c = Client(server.url, verbose=False, download_files=False)
            job = c.submit(files=[handle_file(str(big))], api_name="/review")
            started.set()
            try:
                job.result(timeout=3600)
            except Exception:  # noqa: BLE001 - the server is stopped under it at the end of the round
                return

        threading.Thread(target=big_client, daemon=True).start()
        started.wait(120)
        uploaded(home / "gradio-tmp", big.stat().st_size)
        time.sleep(1.0)  # the big report is uploaded and its review under way
        c = Client(server.url, verbose=False, download_files=False)
        t0 = time.perf_counter()
        result = c.predict(files=[handle_file(str(small))], api_name="/review")
        return time.perf_counter() - t0, len(result["findings"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from ui_server import build_index, new_home

    small = next(SEEDS.glob("004_*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big = tmp / "十兆报告.txt"
        size = build_big(args.mb, big)
        index = build_index(tmp / "index-home", small)
        print(f"big report: {size / 1024 / 1024:.1f} MB; small: {small.name}")
        times = []
        for k in range(args.repeat):
            seconds, n = one_round(new_home(tmp / f"home{k}", index), big, small)
            times.append(seconds)
            print(f"round {k + 1}: seed 004 findings ({n}) after {seconds:.2f} s while the big report was reviewed")
        print(f"| seed 004 beside a {size / 1024 / 1024:.0f} MB report | median {statistics.median(times):.2f} s "
              f"| max {max(times):.2f} s | n={len(times)} |")


if __name__ == "__main__":
    main()
