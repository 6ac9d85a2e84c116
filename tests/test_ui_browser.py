"""End to end in headless Chromium: upload a seed, pick a finding, accept its draft with the keyboard.

Needs Debian's chromium (tests/setup_system.sh installs it); skipped when it is missing.
The screenshot lands in out/ui.png for a human to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import seed
from ui_server import ROOT, build_index, new_home, running_server

from reviewer.store import Store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed (run tests/setup_system.sh)")


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _status(page) -> str:
    return page.inner_text("#rv-status")


def test_upload_select_and_accept_with_the_keyboard(browser, tmp_path):
    home = new_home(tmp_path / "home", build_index(tmp_path / "index-home", seed("003")))
    with running_server(home) as server:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        outside = []
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
        page.goto(server.url)
        page.wait_for_selector("#rv-review")
        page.set_input_files("input[type=file]", str(seed("003")))
        page.wait_for_function(f"document.querySelector('#rv-upload').innerText.includes({seed('003').stem!r})")
        page.click("#rv-review")
        page.wait_for_function("document.querySelector('#rv-status').innerText.includes('待处理')", timeout=120_000)
        assert "已采纳 0" in _status(page)

        # Narrow the table to unexplained deductions, the rows that get a drafted 偏差原因分析.
        page.click("#rv-filter-code input")
        page.keyboard.type("扣分未说明原因")
        page.click("ul[role=listbox] >> text=扣分未说明原因")
        page.wait_for_function("document.querySelector('#rv-page').innerText.includes('第 1 / 1 页')")
        page.click('#rv-table [data-testid="cell-0-4"]')
        page.wait_for_function("document.querySelector('#rv-head').innerText.includes('扣分未说明原因')")
        fid = page.inner_text('#rv-table [data-testid="cell-0-1"]').strip()
        assert fid in page.inner_text("#rv-head")
        draft = page.input_value("#rv-draft textarea")

        # Typing in a text box must not trigger the shortcuts.
        page.click("#rv-reason textarea")
        page.keyboard.type("are")
        assert "已采纳 0" in _status(page) and "已驳回 0" in _status(page)
        page.fill("#rv-reason textarea", "")

        # Leave the text box, then accept with the bare key: decides and moves to the next open finding.
        page.click("#rv-head")
        page.keyboard.press("a")
        page.wait_for_function("document.querySelector('#rv-status').innerText.includes('已采纳 1')")
        page.wait_for_function(f"!document.querySelector('#rv-head').innerText.includes('{fid}')")
        row = page.inner_text('#rv-table [data-testid="cell-0-9"]')
        assert "已采纳" in row
        shot = tmp_path / "ui.png"
        page.screenshot(path=str(shot), full_page=True)
        (ROOT / "out").mkdir(exist_ok=True)
        shutil.copy(shot, ROOT / "out" / "ui.png")
        assert outside == []  # nothing left the machine

    sid = Store(home / "reviewer.sqlite3").list_sessions()[0].id
    decided = Store(home / "reviewer.sqlite3").get_finding(sid, fid)
    assert decided.status == "accepted" and decided.decided_by == "local"
    assert (decided.final_text or "") == draft.strip()
