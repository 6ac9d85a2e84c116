"""The Gradio web page (all text Chinese) and its scriptable endpoints /review, /decide, /decide_many, /export.

Imported only when the UI is built (gradio is heavy); ``reviewer.ui.server`` is the light entry point.
The handlers live in ui_handlers.py; this module lays out the page and wires events to them.
"""

from __future__ import annotations

import os

# Before gradio is imported: no analytics, no update check, no hub calls. Nothing leaves the machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import secrets
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from reviewer.settings import MAX_FILE_BYTES, get_settings
from reviewer.store import Store
from reviewer.ui import view as view
from reviewer.ui.access import LoginGuard, write_private
from reviewer.ui.api import register_api
from reviewer.ui.handlers import Handlers, samples
from reviewer.ui.service import ALLOWED_SUFFIXES, ReviewFn, ReviewService

# Keys: a 确认问题 / e 修改后确认 / r 不是问题 / u 撤销上一步 / j 下一行 / k 上一行 / 1–9 勾选或取消本行第 n 个问题.
# Bare keys are ignored while typing in a text field; Alt+key works everywhere, and Ctrl+Enter in a
# text box is 修改后确认. e.code, not e.key, so Alt combos work on macOS too.
SHORTCUTS_JS = """
<script>
(() => {
  const keys = {KeyA: 'rv-accept', KeyE: 'rv-edit', KeyR: 'rv-reject', KeyJ: 'rv-next', KeyK: 'rv-prev',
                KeyU: 'rv-undo'};
  const typing = (t) => t && (t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' ||
    (t.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes(t.type)));
  const press = (id) => {
    const el = document.getElementById(id);
    const btn = el && (el.tagName === 'BUTTON' ? el : el.querySelector('button'));
    if (!btn || btn.disabled) return false;
    btn.click();
    return true;
  };
  document.addEventListener('keydown', (ev) => {
    if (ev.repeat || ev.metaKey) return;
    const bare = !ev.altKey && !ev.ctrlKey && !ev.shiftKey && !typing(ev.target);
    if (bare && /^Digit[1-9]$/.test(ev.code)) {
      const boxes = document.querySelectorAll('#rv-checks input[type=checkbox]');
      const box = boxes[Number(ev.code.slice(5)) - 1];
      if (box) { ev.preventDefault(); box.click(); }
      return;
    }
    let id = null;
    if (ev.ctrlKey && ev.key === 'Enter' && ev.target.closest && ev.target.closest('#rv-draft, #rv-critique')) id = 'rv-edit';
    else if (ev.altKey && !ev.ctrlKey) id = keys[ev.code];
    else if (bare) id = keys[ev.code];
    if (id && press(id)) { ev.preventDefault(); ev.stopPropagation(); }
  }, true);
})();
</script>
"""

KEYS_HELP = ("<div class='rv-keys'><kbd>A</kbd> 确认问题 · <kbd>E</kbd> 修改后确认 · <kbd>R</kbd> 不是问题 · "
             "<kbd>U</kbd> 撤销 · <kbd>J</kbd>/<kbd>K</kbd> 下一行/上一行 · <kbd>1</kbd>–<kbd>9</kbd> 勾选本行第 n 个问题；"
             "决定作用于勾选的问题（默认本行全部待处理问题）。文本框中用 <kbd>Alt</kbd>+键。</div>")


def _browser_secret(home: Path) -> str:
    """A per-install secret for the browser-stored session id, stable across restarts."""
    path = home / "ui-secret"
    try:
        return path.read_text().strip()
    except OSError:
        home.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(16)
        write_private(path, value)  # 0600: it signs the browser-stored session id
        return value


def _dropdown(label: str, elem_id: str, choices: list | None = None) -> gr.Dropdown:
    return gr.Dropdown(choices=choices or [(label, "")], value="", label=label, show_label=False, container=False,
                       interactive=True, elem_id=elem_id, min_width=120)


def _layout(home: Path) -> SimpleNamespace:
    """Every component of the page, named; the page has one status line and tabs to keep it short."""
    c = SimpleNamespace()
    c.sid, c.key, c.page, c.keys = gr.State(""), gr.State(""), gr.State(0), gr.State([])
    c.critique_orig, c.ticket = gr.State(""), gr.State(0)
    c.remember = gr.BrowserState("", storage_key="reviewer-last-session", secret=_browser_secret(home))
    with gr.Row(elem_id="rv-top", equal_height=True):
        gr.HTML("<h2>绩效自评审阅助手</h2>", min_width=160, padding=False)
        with gr.Column(scale=6, min_width=300, elem_id="rv-status-col"):
            c.status = gr.HTML(view.status_html(None), elem_id="rv-status", padding=False)
            c.message = gr.HTML("", elem_id="rv-message", padding=False)
        c.cancel = gr.Button("取消审阅", size="sm", visible=False, elem_id="rv-cancel", min_width=80)
        c.exp_xlsx = gr.Button("导出 Excel", size="sm", elem_id="rv-export-xlsx", min_width=80)
        c.exp_html = gr.Button("导出审核意见", size="sm", elem_id="rv-export-html", min_width=80)
        c.exp_json = gr.Button("导出 JSON", size="sm", elem_id="rv-export-json", min_width=80)
    c.export_file = gr.File(label="导出文件", interactive=False, elem_id="rv-export-file", visible=False, height=60)
    with gr.Tabs(selected="upload", elem_id="rv-tabs") as c.tabs:
        with gr.Tab("上传与历史", id="upload", elem_id="rv-tab-upload"):
            _upload_tab(c)
        with gr.Tab("审阅", id="review", elem_id="rv-tab-review"):
            _review_tab(c)
        with gr.Tab("批次概览", id="overview", elem_id="rv-tab-overview"):
            gr.HTML("<div class='rv-muted'>每份报告、每个项目的问题数（条形：<span style='color:#c62828'>■ 错误</span> "
                    "<span style='color:#ef8f00'>■ 警告</span> <span style='color:#90a4ae'>■ 提示</span>）和总分核对"
                    "（≠ 表示重算总分与填报不符）；点选一行即查看该项目。</div>")
            c.overview = gr.Dataframe(headers=view.OVERVIEW_HEADERS, value=[], interactive=False, wrap=True,
                                      datatype=view.OVERVIEW_TYPES, column_widths=["16%", "28%", "6%", "6%", "6%",
                                                                                   "7%", "8%", "8%", "15%"],
                                      max_height=560, elem_id="rv-overview", show_label=False, label="批次概览",
                                      buttons=[])
        with gr.Tab("检查覆盖情况", id="coverage"):
            c.coverage = gr.HTML(view.coverage_html([]), elem_id="rv-coverage")
    return c


def _upload_tab(c: SimpleNamespace) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            c.files = gr.File(label="上传自评报告（.docx / .xlsx / .pdf / .txt，可多选）", file_count="multiple",
                              file_types=list(ALLOWED_SUFFIXES), height=130, elem_id="rv-upload")
            c.review_btn = gr.Button("开始审阅", variant="primary", elem_id="rv-review")
        with gr.Column(scale=2):
            c.sessions = gr.Dropdown(label="历史审阅会话（时间 · 文件 · 问题数 · 进度）", choices=[], value=None,
                                     interactive=True, elem_id="rv-sessions")
            with gr.Row():
                c.open_btn = gr.Button("打开会话", size="sm", elem_id="rv-open")
                c.refresh_btn = gr.Button("刷新列表", size="sm")
            gr.HTML("<div class='rv-muted'>没有手头的报告？点一下示例报告即可试用：</div>")
            c.sample_btns = [(gr.Button(label, size="sm", elem_id=f"rv-sample-{i}"), path)
                             for i, (label, path) in enumerate(samples())]


def _review_tab(c: SimpleNamespace) -> None:
    with gr.Row(equal_height=True):
        c.code = _dropdown("全部问题类型", "rv-filter-code")
        c.sev = _dropdown("全部严重程度", "rv-filter-severity")
        c.proj = _dropdown("全部项目", "rv-filter-project")
        c.status_dd = gr.Dropdown(choices=view.STATUS_CHOICES, value="", label="状态", show_label=False, container=False,
                                  interactive=True, elem_id="rv-filter-status", min_width=100)
        c.search = gr.Textbox(placeholder="搜索指标、项目或问题说明，回车", label="搜索", show_label=False, container=False,
                              elem_id="rv-search", min_width=160)
        c.bulk_accept = gr.Button("筛选结果全部确认", size="sm", elem_id="rv-bulk-accept", min_width=90)
        c.bulk_reject = gr.Button("筛选结果全部不是问题", size="sm", elem_id="rv-bulk-reject", min_width=90)
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=380):
            c.table = gr.Dataframe(headers=view.TABLE_HEADERS, value=[], interactive=False, wrap=True,
                                   max_height=470, elem_id="rv-table", show_label=False, label="问题列表", buttons=[],
                                   column_widths=["4%", "10%", "24%", "28%", "24%", "10%"])
            with gr.Row():
                c.prev_page = gr.Button("上一页", size="sm", elem_id="rv-prev-page", min_width=60)
                c.page_md = gr.HTML(view.page_info(0, 0), elem_id="rv-page", padding=False)
                c.next_page = gr.Button("下一页", size="sm", elem_id="rv-next-page", min_width=60)
        with gr.Column(scale=6, elem_id="rv-card", min_width=420):
            with gr.Row(elem_id="rv-actions"):
                c.accept = gr.Button("确认问题 (A)", variant="primary", size="sm", elem_id="rv-accept")
                c.edit = gr.Button("修改后确认 (E)", size="sm", elem_id="rv-edit")
                c.reject = gr.Button("不是问题 (R)", variant="stop", size="sm", elem_id="rv-reject")
                c.undo = gr.Button("撤销 (U)", size="sm", elem_id="rv-undo")
                c.prev = gr.Button("上一行 (K)", size="sm", elem_id="rv-prev")
                c.next = gr.Button("下一行 (J)", size="sm", elem_id="rv-next")
            c.head = gr.HTML(view.empty_card()["head"], elem_id="rv-head", padding=False)
            c.checks = gr.CheckboxGroup(choices=[], value=[], label="本行的问题", show_label=False, container=False,
                                        elem_id="rv-checks", interactive=True)
            c.draft = gr.Textbox(label="偏差原因分析", lines=2, max_lines=5, interactive=True, elem_id="rv-draft")
            with gr.Row(equal_height=True):
                c.critique = gr.Textbox(label="审核意见（发给填报单位，可修改）", lines=2, max_lines=4, interactive=True,
                                        elem_id="rv-critique", scale=3)
                c.reason = gr.Textbox(label="不是问题的理由（可选）", lines=2, interactive=True, elem_id="rv-reason",
                                      scale=2)
            with gr.Column(elem_id="rv-card-scroll"):
                c.cells = gr.HTML("", elem_id="rv-cells", padding=False)
                c.findings = gr.HTML("", elem_id="rv-findings", padding=False)
                c.history = gr.HTML("", elem_id="rv-history", padding=False)
                gr.HTML(KEYS_HELP, padding=False)


def build_demo(store: Store, *, review_fn: ReviewFn | None = None, use_corpus: bool = True,
               corpus_dir: str | Path | None = None, llm: bool = True) -> gr.Blocks:
    """The page and its endpoints, bound to ``store``; ``review_fn`` defaults to review_paths."""
    service = ReviewService(store, review_fn=review_fn, use_corpus=use_corpus, corpus_dir=corpus_dir, llm=llm)
    with gr.Blocks(title="绩效自评审阅助手", analytics_enabled=False, fill_width=True) as demo:
        c = _layout(store.path.parent)
        h = Handlers(service, c)
        _wire(demo, c, h)
        register_api(service)
    demo.rv_handlers = h  # tests call every handler with bad input
    demo.queue(default_concurrency_limit=8)
    return demo


def _wire(demo: gr.Blocks, c: SimpleNamespace, h: Handlers) -> None:
    quiet: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
    filters = [c.code, c.sev, c.proj, c.status_dd, c.search]
    nav_in = [c.sid, c.key, c.page, *filters]
    decide_in = [c.sid, c.key, c.checks, c.draft, c.critique, c.critique_orig, c.reason, c.page, *filters]
    review_run = c.review_btn.click(h.on_review, [c.files], h.review_out, concurrency_limit=16,
                                    concurrency_id="review-page", **quiet)
    runs = [review_run]
    for btn, path in c.sample_btns:
        runs.append(btn.click(h.sample_review(path), None, h.review_out, concurrency_limit=16,
                              concurrency_id="review-page", **quiet))
    c.cancel.click(h.on_cancel, [c.ticket], [c.status, c.cancel, c.message], cancels=runs, **quiet)
    c.open_btn.click(h.on_open, [c.sessions], h.session_out, **quiet)
    c.refresh_btn.click(h.on_refresh, [c.sid], [c.sessions, c.message], **quiet)
    demo.load(h.on_load, [c.remember], h.session_out, **quiet)
    for dd in filters[:4]:
        dd.input(h.on_filter, nav_in, h.move_out, **quiet)
    c.search.submit(h.on_filter, nav_in, h.move_out, **quiet)
    c.prev_page.click(h.on_page(-1), nav_in, h.table_out, **quiet)
    c.next_page.click(h.on_page(1), nav_in, h.table_out, **quiet)
    c.table.select(h.on_select, [c.sid, c.keys, c.page, *filters], h.move_out, **quiet)
    c.prev.click(h.on_nav(-1), nav_in, h.move_out, **quiet)
    c.next.click(h.on_nav(1), nav_in, h.move_out, **quiet)
    c.checks.input(h.on_checks, [c.sid, c.key, c.checks, c.critique, c.critique_orig],
                   [c.critique, c.critique_orig, c.message], **quiet)
    for btn, action in ((c.accept, "accept"), (c.edit, "edit"), (c.reject, "reject")):
        btn.click(h.on_decide(action), decide_in, h.decide_out, concurrency_limit=8, concurrency_id="decide", **quiet)
    c.undo.click(h.on_undo, nav_in, h.decide_out, concurrency_limit=8, concurrency_id="decide", **quiet)
    for btn, action in ((c.bulk_accept, "accept"), (c.bulk_reject, "reject")):
        btn.click(h.on_bulk(action), [c.sid, c.key, c.reason, c.page, *filters], h.decide_out,
                  concurrency_limit=8, concurrency_id="decide", **quiet)
    for btn, fmt in ((c.exp_xlsx, "xlsx"), (c.exp_html, "html"), (c.exp_json, "json")):
        btn.click(h.on_export(fmt), [c.sid], [c.export_file, c.message], **quiet)
    c.overview.select(h.on_overview_select, [c.sid], h.move_out + [c.tabs], **quiet)


def launch(demo: gr.Blocks, *, port: int = 7860, host: str | None = None, prevent_thread_lock: bool = False,
           quiet: bool = True) -> tuple[Any, str, str]:
    """Launch with the app's settings: auth from REVIEWER_AUTH, upload limit, no telemetry, Chinese login.

    Quiet: Gradio's own start-up lines (English, with a share-link hint) are replaced by one Chinese line.
    """
    settings = get_settings()
    exports = settings.home / "exports"
    exports.mkdir(parents=True, exist_ok=True, mode=0o700)
    return demo.launch(
        server_name=host or "127.0.0.1", server_port=port, auth=LoginGuard(settings.auth) if settings.auth else None,
        auth_message="请输入审阅账号和密码。", max_file_size=MAX_FILE_BYTES,
        allowed_paths=[str(exports), *{str(Path(p).parent) for _, p in samples()}],
        prevent_thread_lock=prevent_thread_lock, quiet=quiet, show_error=False, footer_links=[],
        run_history=False, enable_monitoring=False, mcp_server=False, ssr_mode=False, pwa=False,
        css=view.CSS, head=SHORTCUTS_JS, theme=gr.themes.Default(spacing_size="sm", text_size="sm"),
        i18n=gr.I18n(**{locale: GRADIO_CHINESE for locale in ("en", "en-US", "en-GB")}),
    )


# Gradio's own words (upload box, login page) follow the browser's language: a reviewer whose
# browser is set to English still gets the page in Chinese.
GRADIO_CHINESE = {
    "upload_text.drop_file": "将文件拖放到此处", "upload_text.click_to_upload": "点击上传",
    "upload_text.drop_csv": "将表格拖放到此处", "upload_text.paste_clipboard": "从剪贴板粘贴", "common.or": "或",
    "common.clear": "清除", "common.download": "下载", "common.remove": "移除", "common.loading": "加载中",
    "common.error": "出错", "login.login": "登录", "login.username": "用户名", "login.password": "密码",
    "login.incorrect_credentials": "用户名或密码不正确",
}
