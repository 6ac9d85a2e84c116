"""End to end in headless Chromium: a reviewer's pass over seed 003.

Errors first; the 绿色办公 row's four findings decided with one key; every 模板化指标 marked
不是问题 in one click; an edited 偏差原因分析 that survives a later decision on its row and reaches
the exported xlsx; an edited 审核意见 in the HTML letter. Screenshots at 1280×720 and 1440×900 land
in tests/output/ (gitignored) for a human to look at.

Needs Debian's chromium (tests/setup_system.sh installs it); skipped when it is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from conftest import seed
from ui_server import ROOT, build_index, new_home, running_server

from reviewer.store import Store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT = ROOT / "tests" / "output"
# Latin words a reviewer may legitimately see: export formats, key names, file suffixes, the user name.
ALLOWED_LATIN = {"Excel", "JSON", "Alt", "Ctrl", "Enter", "txt", "docx", "xlsx", "pdf", "HTML", "html", "json", "local"}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed (run tests/setup_system.sh)")


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _text(page, selector: str) -> str:
    return page.inner_text(selector)


def _wait_text(page, selector: str, text: str, timeout: float = 30_000) -> None:
    page.wait_for_function(f"document.querySelector({selector!r}).innerText.includes({text!r})", timeout=timeout)


def _pick(page, dropdown: str, label: str) -> None:
    page.click(f"{dropdown} input")
    page.keyboard.type(label)
    page.click(f"ul[role=listbox] >> text={label}")


def _leave_inputs(page) -> None:
    page.click("#rv-head")


def _english(page) -> set[str]:
    words = set(re.findall(r"[A-Za-z]{3,}", page.inner_text("body")))
    return {w for w in words - ALLOWED_LATIN if not re.fullmatch(r"[0-9a-f]+", w)}


def _shoot(page, name: str, width: int, height: int) -> Path:
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(400)
    for element in ("#rv-accept", "#rv-reject", "#rv-head", "#rv-checks"):
        box = page.locator(element).bounding_box()
        assert box and box["y"] + box["height"] <= height, f"{element} below the fold at {width}×{height}"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}-{width}x{height}.png"
    page.screenshot(path=str(path))
    return path


def test_a_reviewers_pass_over_seed_003(browser, tmp_path):
    home = new_home(tmp_path / "home", build_index(tmp_path / "index-home", seed("003")))
    with running_server(home) as server:
        page = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900}).new_page()
        outside = []
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
        page.goto(server.url)
        page.wait_for_selector("#rv-review")
        assert "示例" in _text(page, "#rv-tab-upload")  # the empty page offers the shipped samples
        page.set_input_files("input[type=file]", str(seed("003")))
        _wait_text(page, "#rv-upload", seed("003").stem)
        page.click("#rv-review")
        _wait_text(page, "#rv-status", "待处理", timeout=180_000)
        sid = Store(home / "reviewer.sqlite3").list_sessions()[0].id
        assert seed("003").stem not in _text(page, "#rv-upload")  # the box is cleared for the next batch

        # Errors first, over the whole session.
        assert _text(page, '#rv-table [data-testid="cell-0-1"]').strip() == "错误"

        # One card per row: the 绿色办公 row's four findings, decided with one key.
        before = _text(page, "#rv-page")
        page.fill("#rv-search textarea", "绿色办公")
        page.press("#rv-search textarea", "Enter")
        page.wait_for_function(f"document.querySelector('#rv-page').innerText !== {before!r}")
        # The list now starts with that row and its card is open: all four findings ticked.
        page.wait_for_function("document.querySelector('#rv-head').innerText.includes('绿色办公')"
                               " && document.querySelectorAll('#rv-checks input:checked').length === 4")
        assert _text(page, '#rv-table [data-testid="cell-0-5"]').strip() == "4/4"
        page.wait_for_timeout(300)
        _leave_inputs(page)
        page.keyboard.press("a")
        _wait_text(page, "#rv-status", "确认问题 4")

        # A bulk decision on one code, from the filter.
        page.fill("#rv-search textarea", "")
        page.press("#rv-search textarea", "Enter")
        _pick(page, "#rv-filter-code", "模板化指标")
        _wait_text(page, "#rv-checks", "模板化指标")
        page.click("#rv-bulk-reject")
        _wait_text(page, "#rv-message", "不是问题")
        store = Store(home / "reviewer.sqlite3")
        generic = [f for f in store.query_findings(sid, limit=10_000)[1] if f.code == "GENERIC_INDICATOR"]
        assert {f.status for f in generic} == {"rejected", "accepted"}  # 绿色办公's was confirmed before
        _shoot(page, "ui-bulk", 1280, 720)

        # The reviewer's 偏差原因分析 on one finding of a row, then a later decision on the same row.
        _pick(page, "#rv-filter-code", "扣分未说明原因")
        _wait_text(page, "#rv-checks", "扣分未说明原因")
        page.wait_for_function("document.querySelectorAll('#rv-checks input').length >= 2")
        key_row = _text(page, "#rv-head")
        n = page.locator("#rv-checks input").count()
        _leave_inputs(page)
        for k in range(2, n + 1):  # keep only the first finding checked
            page.keyboard.press(str(k))
        page.wait_for_function("document.querySelectorAll('#rv-checks input:checked').length === 1")
        mine = "审阅人写：办公用房调整导致节能考核未开展，扣5分；下年度增设节能指标。"
        page.fill("#rv-draft textarea", mine)
        page.keyboard.press("Alt+e")
        _wait_text(page, "#rv-status", "修改后确认 1")
        assert _text(page, "#rv-head") == key_row  # still open findings on this row: the card stays
        assert page.input_value("#rv-draft textarea") == mine
        _leave_inputs(page)
        page.keyboard.press("a")
        page.wait_for_function(f"document.querySelector('#rv-head').innerText !== {key_row!r}")

        # The 审核意见 the unit receives, edited by the reviewer.
        letter = "审核意见（审阅人）：请补充该指标的佐证材料并说明扣分依据。"
        page.wait_for_timeout(500)  # let the new card settle: a decision key is ignored while one is pending
        before = _text(page, "#rv-status")
        page.fill("#rv-critique textarea", letter)
        page.keyboard.press("Alt+a")
        page.wait_for_function(f"document.querySelector('#rv-status').innerText !== {before!r}")
        _shoot(page, "ui-review", 1440, 900)
        _shoot(page, "ui-review", 1280, 720)

        page.click("#rv-export-xlsx")
        page.wait_for_selector("#rv-export-file a", timeout=60_000)
        page.click("#rv-export-html")
        page.wait_for_function("document.querySelector('#rv-export-file').innerText.includes('.html')",
                               timeout=60_000)
        assert not _english(page), _english(page)
        assert outside == []  # nothing left the machine

    exports = home / "exports" / sid
    xlsx = max(exports.glob("*.xlsx"), key=lambda p: p.stat().st_mtime)
    cells = [c.value for ws in openpyxl.load_workbook(xlsx).worksheets for r in ws.iter_rows() for c in r]
    assert mine in cells
    html = max(exports.glob("*.html"), key=lambda p: p.stat().st_mtime).read_text(encoding="utf-8")
    assert letter in html and mine in html
    texts = Store(home / "reviewer.sqlite3").row_texts(sid)
    assert [t["final_text"] for t in texts.values() if t["edited"]] == [mine]


def test_the_empty_page_is_chinese_in_an_english_browser(browser, tmp_path):
    home = new_home(tmp_path / "home", build_index(tmp_path / "index-home", seed("000")))
    with running_server(home) as server:
        page = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 720}).new_page()
        page.goto(server.url)
        page.wait_for_selector("#rv-review")
        assert "将文件拖放到此处" in page.inner_text("body")
        for _ in range(80):  # let the page's load handlers finish (their status line is transient)
            if not _english(page):
                break
            page.wait_for_timeout(250)
        assert not _english(page), _english(page)
