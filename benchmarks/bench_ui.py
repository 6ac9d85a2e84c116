"""Is a 1,000-row report usable in the web UI? Time the detail panel, paging and a keyboard decision.

Builds a report from seed 003's tables repeated with renamed projects, starts the real app
(`python app.py`) on a temp REVIEWER_HOME, uploads the report in headless Chromium, then measures
  - server side: what the row-select handler runs (the row's card + the list page), in-process on the same store;
  - end to end in the browser: click a line of the list → the card shows that row;
  - paging (下一页) and a keyboard decision (A → the next row with open findings shown).
Run: .venv/bin/python benchmarks/bench_ui.py [--rows 1000] [--samples 30]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
SEED = next((ROOT.parent / "shared" / "seeds").glob("003_*.txt"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def build_input(rows: int, path: Path) -> int:
    """Repeat seed 003 with renamed projects and titles until ``rows`` indicator rows exist."""
    from reviewer.pipeline import parse_path

    text = SEED.read_text(encoding="utf-8")
    per_copy = sum(len(p.rows) for p in parse_path(SEED).projects)
    copies = -(-rows // per_copy)
    parts = []
    for i in range(copies):
        part = re.sub(r"(项目名称\t+)([^\t\n]+)", lambda m, i=i: f"{m.group(1)}{m.group(2)}（第{i + 1}批）", text)
        part = re.sub(r"^(.+)(项目支出绩效自评表)$", lambda m, i=i: f"{m.group(1)}（第{i + 1}批）{m.group(2)}", part,
                      flags=re.MULTILINE)
        parts.append(part)
    path.write_text("\n".join(parts), encoding="utf-8")
    return sum(len(p.rows) for p in parse_path(path).projects)


def summary(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (f"| {label} | n={len(ms)} | median {statistics.median(ms):.1f} ms | p95 {p95:.1f} ms "
            f"| max {ms[-1]:.1f} ms |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=30)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    from ui_server import running_server

    from reviewer.store import FindingFilter, Store
    from reviewer.ui import view
    from reviewer.ui.service import ReviewService

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "千行报告.txt"
        n_rows = build_input(args.rows, src)
        home = tmp / "home"
        home.mkdir()
        print(f"report: {n_rows} indicator rows ({src.stat().st_size // 1024} KB)")
        with running_server(home) as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 1000}).new_page()
            page.goto(server.url)
            page.wait_for_selector("#rv-review")
            page.set_input_files("input[type=file]", str(src))
            page.wait_for_function(f"document.querySelector('#rv-upload').innerText.includes({src.stem!r})")
            t0 = time.perf_counter()
            page.click("#rv-review")
            page.wait_for_function("document.querySelector('#rv-status').innerText.includes('待处理')",
                                   timeout=900_000)
            review_s = time.perf_counter() - t0
            store = Store(home / "reviewer.sqlite3")
            sid = store.list_sessions()[0].id
            total = store.get_session(sid).total
            print(f"upload → findings table (parse, checks, corpus, drafts): {review_s:.1f} s, {total} findings")

            # Server side: the body of the row-select handler, on the same database.
            service = ReviewService(store)
            keys = store.group_keys(sid)
            server_ms = []
            for n, key in enumerate(random.Random(1).sample(keys, min(len(keys), 200))):
                t = time.perf_counter()
                view.card_parts(service.card(sid, key, FindingFilter()))
                view.table_rows(service.table_page(sid, FindingFilter(), n % 5).groups, key)
                server_ms.append((time.perf_counter() - t) * 1000)

            # End to end: click another line of the current page, wait until the card shows that row.
            click_ms = []
            current = 0
            for k in range(args.samples):
                r = (k * 7) % 12
                if r == current:
                    r = (r + 1) % 12
                head = page.inner_text("#rv-head")
                t = time.perf_counter()
                page.click(f'#rv-table [data-testid="cell-{r}-3"]')
                page.wait_for_function(f"document.querySelector('#rv-head').innerText !== {head!r}", polling="raf")
                click_ms.append((time.perf_counter() - t) * 1000)
                current = r
                if k % 10 == 9:  # move on to later pages now and then
                    page.click("#rv-next-page")
                    page.wait_for_timeout(300)

            page_ms = []
            for _ in range(10):
                before = page.inner_text("#rv-page")
                t = time.perf_counter()
                page.click("#rv-next-page")
                page.wait_for_function(f"document.querySelector('#rv-page').innerText !== {before!r}",
                                       polling="raf")
                page_ms.append((time.perf_counter() - t) * 1000)

            decide_ms = []
            for _ in range(10):
                head = page.inner_text("#rv-head")
                t = time.perf_counter()
                page.keyboard.press("a")
                page.wait_for_function(f"document.querySelector('#rv-head').innerText !== {head!r}", polling="raf")
                decide_ms.append((time.perf_counter() - t) * 1000)
            browser.close()

        print(summary("select → card, server handler (in-process)", server_ms))
        print(summary("select → card, browser end to end", click_ms))
        print(summary("下一页, browser end to end", page_ms))
        print(summary("A (确认问题) → next row shown, browser end to end", decide_ms))


if __name__ == "__main__":
    main()
