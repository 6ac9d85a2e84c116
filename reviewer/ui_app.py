"""The Gradio web page (all text Chinese) and its scriptable endpoints /review, /decide, /export.

Imported only when the UI is built (gradio is heavy); ``reviewer.ui`` is the light entry point.
"""

from __future__ import annotations

import os

# Before gradio is imported: no analytics, no update check, no hub calls. Nothing leaves the machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import secrets
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.data_classes import FileData

from reviewer import ui_view as view
from reviewer.access import LoginGuard, write_private
from reviewer.settings import MAX_FILE_BYTES, get_settings
from reviewer.store import DEFAULT_REVIEWER, FindingFilter, Store, StoreError
from reviewer.ui_service import ALLOWED_SUFFIXES, ReviewFn, ReviewService, Upload

# Shortcuts: a 采纳 / e 修改后采纳 / r 驳回 / j 下一条 / k 上一条. Bare keys are ignored while typing in a
# text field (so typing "a" in the draft box types "a"); Alt+key works everywhere, and Ctrl+Enter in the
# draft box is 修改后采纳. e.code, not e.key, so Alt combos work on macOS too.
SHORTCUTS_JS = """
<script>
(() => {
  const keys = {KeyA: 'rv-accept', KeyE: 'rv-edit', KeyR: 'rv-reject', KeyJ: 'rv-next', KeyK: 'rv-prev'};
  const typing = (t) => t && (t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' ||
    (t.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes(t.type)));
  document.addEventListener('keydown', (ev) => {
    if (ev.repeat || ev.metaKey) return;
    let id = null;
    if ((ev.ctrlKey) && ev.key === 'Enter' && ev.target.closest && ev.target.closest('#rv-draft')) id = 'rv-edit';
    else if (ev.altKey && !ev.ctrlKey) id = keys[ev.code];
    else if (!ev.altKey && !ev.ctrlKey && !ev.shiftKey && !typing(ev.target)) id = keys[ev.code];
    if (!id) return;
    const el = document.getElementById(id);
    const btn = el && (el.tagName === 'BUTTON' ? el : el.querySelector('button'));
    if (!btn || btn.disabled) return;
    ev.preventDefault();
    ev.stopPropagation();
    btn.click();
  }, true);
})();
</script>
"""


def _user(request: gr.Request | None) -> str:
    return (getattr(request, "username", None) or DEFAULT_REVIEWER) if request is not None else DEFAULT_REVIEWER


def _flt(code: str | None, severity: str | None, project: str | None, status: str | None) -> FindingFilter:
    return FindingFilter(code=code or None, severity=severity or None, project=project or None, status=status or None)


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


def build_demo(store: Store, *, review_fn: ReviewFn | None = None, use_corpus: bool = True,
               corpus_dir: str | Path | None = None, llm: bool = True) -> gr.Blocks:
    """The page and its endpoints, bound to ``store``; ``review_fn`` defaults to review_paths."""
    service = ReviewService(store, review_fn=review_fn, use_corpus=use_corpus, corpus_dir=corpus_dir, llm=llm)
    home = store.path.parent

    with gr.Blocks(title="绩效自评审阅助手", analytics_enabled=False, fill_width=True) as demo:
        sid_state = gr.State("")
        fid_state = gr.State("")
        page_state = gr.State(0)
        remember = gr.BrowserState("", storage_key="reviewer-last-session", secret=_browser_secret(home))

        gr.Markdown("## 绩效自评审阅助手")
        upload_box = gr.Accordion("上传报告 / 打开历史会话", open=True)
        with upload_box, gr.Row(equal_height=False):
            with gr.Column(scale=3):
                files = gr.File(label="上传自评报告（.docx / .xlsx / .pdf / .txt，可多选）", file_count="multiple",
                                file_types=list(ALLOWED_SUFFIXES), height=120, elem_id="rv-upload")
                review_btn = gr.Button("开始审阅", variant="primary", elem_id="rv-review")
            with gr.Column(scale=2):
                sessions_dd = gr.Dropdown(label="历史审阅会话", choices=[], value=None, interactive=True,
                                          elem_id="rv-sessions")
                with gr.Row():
                    open_btn = gr.Button("打开会话", size="sm")
                    refresh_btn = gr.Button("刷新列表", size="sm")
        status_html = gr.HTML(view.status_html(None), elem_id="rv-status")
        with gr.Row():
            code_dd = gr.Dropdown(label="问题类型", choices=[view.ALL], value="", interactive=True, elem_id="rv-filter-code")
            sev_dd = gr.Dropdown(label="严重程度", choices=[view.ALL], value="", interactive=True, elem_id="rv-filter-severity")
            proj_dd = gr.Dropdown(label="项目", choices=[view.ALL], value="", interactive=True, elem_id="rv-filter-project")
            status_dd = gr.Dropdown(label="状态", choices=view.STATUS_CHOICES, value="", interactive=True, elem_id="rv-filter-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                table = gr.Dataframe(headers=view.TABLE_HEADERS, value=[], interactive=False, wrap=True,
                                     max_height=640, elem_id="rv-table", label="发现的问题（点选一行查看详情）",
                                     column_widths=["3%", "9%", "6%", "11%", "12%", "18%", "11%", "10%", "8%", "12%"])
                with gr.Row():
                    prev_page = gr.Button("上一页", size="sm", elem_id="rv-prev-page")
                    page_md = gr.Markdown(view.page_info(0, 0), elem_id="rv-page")
                    next_page = gr.Button("下一页", size="sm", elem_id="rv-next-page")
            with gr.Column(scale=2, elem_id="rv-detail"):
                head_html = gr.HTML(view.empty_detail()["head"], elem_id="rv-head")
                cells_html = gr.HTML("", elem_id="rv-cells")
                evidence_html = gr.HTML("", elem_id="rv-evidence")
                draft_box = gr.Textbox(label="偏差原因分析", lines=5, max_lines=12, interactive=True,
                                       elem_id="rv-draft")
                critique_html = gr.HTML("", elem_id="rv-critique")
                reason_box = gr.Textbox(label="驳回理由（可选）", lines=1, interactive=True, elem_id="rv-reason")
                with gr.Row():
                    accept_btn = gr.Button("采纳 (A)", variant="primary", elem_id="rv-accept")
                    edit_btn = gr.Button("修改后采纳 (E)", elem_id="rv-edit")
                    reject_btn = gr.Button("驳回 (R)", variant="stop", elem_id="rv-reject")
                with gr.Row():
                    prev_btn = gr.Button("上一条 (K)", size="sm", elem_id="rv-prev")
                    next_btn = gr.Button("下一条 (J)", size="sm", elem_id="rv-next")
                    reopen_btn = gr.Button("撤销决定", size="sm", elem_id="rv-reopen")
                gr.HTML("<div class='rv-keys'>快捷键：<kbd>A</kbd> 采纳 · <kbd>E</kbd> 修改后采纳 · <kbd>R</kbd> 驳回 · "
                        "<kbd>J</kbd>/<kbd>K</kbd> 下一条/上一条；在文本框中请用 <kbd>Alt</kbd>+键，"
                        "或 <kbd>Ctrl</kbd>+<kbd>Enter</kbd> 修改后采纳。决定后自动跳到下一条待处理问题。</div>")
                history_html = gr.HTML("", elem_id="rv-history")
        with gr.Accordion("检查覆盖情况：哪些行未能检查（区分“没有问题”和“没有检查”）", open=False):
            coverage_html = gr.HTML(view.coverage_html([]), elem_id="rv-coverage")
        with gr.Row():
            exp_xlsx = gr.Button("导出 Excel（原表格式）", elem_id="rv-export-xlsx")
            exp_html = gr.Button("导出审核意见（HTML）", elem_id="rv-export-html")
            exp_json = gr.Button("导出 JSON（含审核记录）", elem_id="rv-export-json")
        export_file = gr.File(label="导出文件", interactive=False, elem_id="rv-export-file", visible=False)

        filters = [code_dd, sev_dd, proj_dd, status_dd]
        detail_out = [fid_state, head_html, cells_html, evidence_html, draft_box, critique_html, reason_box,
                      history_html]
        table_out = [table, page_md, page_state]
        session_out = [sid_state, remember, status_html, *filters, *table_out, *detail_out, coverage_html,
                       sessions_dd, export_file, upload_box]

        # ---------------------------------------------------------- view helpers

        def detail_update(sid: str, fid: str | None) -> dict:
            parts = service.detail(sid, fid)
            return {fid_state: fid or "", head_html: parts["head"], cells_html: parts["cells"],
                    evidence_html: parts["evidence"], critique_html: parts["critique"],
                    draft_box: gr.update(value=parts["draft_value"], label=parts["draft_label"]),
                    reason_box: "", history_html: parts["history"]}

        def table_update(sid: str, flt: FindingFilter, page: int, current: str | None = None) -> dict:
            rows, info, page = service.table_page(sid, flt, page, current)
            return {table: gr.update(value=rows), page_md: info, page_state: page}

        def open_session(sid: str) -> dict:
            info = store.get_session(sid)
            opts = store.filter_options(sid)
            flt = FindingFilter()
            first = store.neighbour(sid, flt, None, only_open=True) or store.neighbour(sid, flt, None)
            page = (store.position(sid, flt, first) or 0) // view.PAGE_SIZE if first else 0
            out = {
                sid_state: sid, remember: sid, status_html: view.status_html(info),
                upload_box: gr.Accordion(open=False),
                code_dd: gr.update(choices=[view.ALL, *opts["codes"]], value=""),
                sev_dd: gr.update(choices=[view.ALL, *opts["severities"]], value=""),
                proj_dd: gr.update(choices=[view.ALL, *opts["projects"]], value=""),
                status_dd: gr.update(value=""),
                coverage_html: view.coverage_html(store.coverage(sid)),
                sessions_dd: gr.update(choices=view.session_choices(store.list_sessions()), value=sid),
                export_file: gr.update(value=None, visible=False),
            }
            out.update(table_update(sid, flt, page, first))
            out.update(detail_update(sid, first))
            return out

        # ---------------------------------------------------------- handlers

        def on_review(paths: list[str] | None, request: gr.Request, progress=gr.Progress()) -> dict:  # noqa: B008
            if not paths:
                gr.Warning("请先选择要审阅的文件。")
                return {}
            uploads = [Upload(path=p, name=Path(p).name) for p in paths]
            result = service.review(uploads, _user(request), progress=lambda f, m: progress(f, desc=m))
            if result["session_id"] is None:
                return {status_html: view.errors_html(result["errors"], result["notices"])}
            for err in result["errors"]:
                gr.Warning(f"{Path(err['source']).name}：{err['message']}")
            return open_session(result["session_id"])

        def on_open(sid: str | None) -> dict:
            if not sid:
                gr.Warning("请先在列表中选择一个会话。")
                return {}
            try:
                return open_session(sid)
            except StoreError as err:
                gr.Warning(str(err))
                return {}

        def on_load(last: str | None) -> dict:
            out: dict = {sessions_dd: gr.update(choices=view.session_choices(store.list_sessions()), value=None)}
            if last:
                try:
                    out.update(open_session(last))
                except StoreError:
                    out[remember] = ""
            return out

        def on_refresh(sid: str) -> dict:
            return {sessions_dd: gr.update(choices=view.session_choices(store.list_sessions()), value=sid or None)}

        def on_filter(sid: str, fid: str, code: str, sev: str, proj: str, status: str) -> dict:
            if not sid:
                return {}
            return table_update(sid, _flt(code, sev, proj, status), 0, fid)

        def on_page(step: int):
            def handler(sid: str, fid: str, page: int, code: str, sev: str, proj: str, status: str) -> dict:
                if not sid:
                    return {}
                return table_update(sid, _flt(code, sev, proj, status), int(page or 0) + step, fid)
            return handler

        def on_select(sid: str, page: int, code: str, sev: str, proj: str, status: str,
                      evt: gr.SelectData) -> dict:
            row = evt.row_value or []
            fid = str(row[view.ID_COLUMN]) if len(row) > view.ID_COLUMN else ""
            if not sid or not fid:
                return {}
            try:
                out = detail_update(sid, fid)
            except StoreError as err:
                gr.Warning(str(err))
                return {}
            out.update(table_update(sid, _flt(code, sev, proj, status), int(page or 0), fid))
            return out

        def move_to(sid: str, fid: str | None, flt: FindingFilter, page: int) -> dict:
            out = {}
            pos = store.position(sid, flt, fid) if fid else None
            out.update(table_update(sid, flt, pos // view.PAGE_SIZE if pos is not None else page, fid))
            out.update(detail_update(sid, fid))
            return out

        def on_nav(step: int):
            def handler(sid: str, fid: str, page: int, code: str, sev: str, proj: str, status: str) -> dict:
                if not sid:
                    return {}
                flt = _flt(code, sev, proj, status)
                target = store.neighbour(sid, flt, fid or None, step=step) or fid
                return move_to(sid, target, flt, int(page or 0))
            return handler

        def on_decide(action: str):
            def handler(sid: str, fid: str, draft: str, reason: str, page: int, code: str, sev: str, proj: str,
                        status: str, request: gr.Request) -> dict:
                if not sid or not fid:
                    gr.Warning("请先在表格中选择一个问题。")
                    return {}
                text = reason if action == "reject" else draft
                try:
                    service.decide(sid, fid, action, text, _user(request))
                except StoreError as err:
                    gr.Warning(str(err))
                    return {}
                flt = _flt(code, sev, proj, status)
                if action == "reopen":
                    target = fid
                elif flt.status in (None, "open"):
                    target = store.neighbour(sid, FindingFilter(flt.code, flt.severity, flt.project), fid,
                                             only_open=True)
                else:
                    target = store.neighbour(sid, flt, fid)
                if target is None:
                    target = fid
                    gr.Info("当前筛选条件下已没有待处理的问题。")
                out = move_to(sid, target, flt, int(page or 0))
                out[status_html] = view.status_html(store.get_session(sid))
                return out
            return handler

        def on_export(fmt: str):
            def handler(sid: str, request: gr.Request) -> dict:
                if not sid:
                    gr.Warning("请先打开一个审阅会话。")
                    return {}
                try:
                    return {export_file: gr.update(value=str(service.export(sid, fmt, _user(request))), visible=True)}
                except StoreError as err:
                    gr.Warning(str(err))
                    return {}
            return handler

        # ---------------------------------------------------------- wiring (page)

        review_btn.click(on_review, [files], session_out, api_visibility="private", concurrency_limit=1,
                         concurrency_id="review")
        open_btn.click(on_open, [sessions_dd], session_out, api_visibility="private")
        refresh_btn.click(on_refresh, [sid_state], [sessions_dd], api_visibility="private")
        demo.load(on_load, [remember], session_out, api_visibility="private")
        for dd in filters:
            dd.input(on_filter, [sid_state, fid_state, *filters], table_out, api_visibility="private")
        prev_page.click(on_page(-1), [sid_state, fid_state, page_state, *filters], table_out,
                        api_visibility="private")
        next_page.click(on_page(1), [sid_state, fid_state, page_state, *filters], table_out,
                        api_visibility="private")
        table.select(on_select, [sid_state, page_state, *filters], [*table_out, *detail_out],
                     api_visibility="private", show_progress="hidden")
        nav_in = [sid_state, fid_state, page_state, *filters]
        prev_btn.click(on_nav(-1), nav_in, [*table_out, *detail_out], api_visibility="private",
                       show_progress="hidden")
        next_btn.click(on_nav(1), nav_in, [*table_out, *detail_out], api_visibility="private",
                       show_progress="hidden")
        decide_in = [sid_state, fid_state, draft_box, reason_box, page_state, *filters]
        decide_out = [status_html, *table_out, *detail_out]
        for btn, action in ((accept_btn, "accept"), (edit_btn, "edit"), (reject_btn, "reject"),
                            (reopen_btn, "reopen")):
            btn.click(on_decide(action), decide_in, decide_out, api_visibility="private", show_progress="hidden",
                      concurrency_limit=8, concurrency_id="decide")
        for btn, fmt in ((exp_xlsx, "xlsx"), (exp_html, "html"), (exp_json, "json")):
            btn.click(on_export(fmt), [sid_state], [export_file], api_visibility="private")

        # ---------------------------------------------------------- wiring (scriptable endpoints)

        def review(files: list[FileData], request: gr.Request) -> dict:
            """审阅上传的报告：返回 session_id 和全部问题（每项带 id）。"""
            uploads = []
            for f in files or []:
                data = f if isinstance(f, dict) else f.model_dump()
                uploads.append(Upload(path=data["path"], name=data.get("orig_name") or Path(data["path"]).name))
            if not uploads:
                raise gr.Error("没有收到文件。")
            return service.review(uploads, _user(request))

        def decide(session_id: str, finding_id: str, action: str, text: str = "",
                   request: gr.Request = None) -> dict:  # type: ignore[assignment]
            """对一个问题作出决定：action 为 accept | edit | reject（| reopen），text 为定稿文字或驳回理由。"""
            try:
                return service.decide(session_id, finding_id, action, text, _user(request))
            except StoreError as err:
                raise gr.Error(str(err)) from None

        def export(session_id: str, format: str = "xlsx", request: gr.Request = None) -> FileData:  # type: ignore[assignment]
            """导出会话：format 为 xlsx | json | html。"""
            try:
                return FileData(path=str(service.export(session_id, format, _user(request))))
            except StoreError as err:
                raise gr.Error(str(err)) from None

        def session(session_id: str) -> dict:
            """重新打开一个会话：返回其全部问题及当前状态。"""
            try:
                return service.session_json(session_id)
            except StoreError as err:
                raise gr.Error(str(err)) from None

        def sessions() -> list[dict]:
            """全部审阅会话（新的在前）。"""
            return service.sessions_json()

        gr.api(review, api_name="review", concurrency_limit=1, concurrency_id="review")
        gr.api(decide, api_name="decide", concurrency_limit=8, concurrency_id="decide")
        gr.api(export, api_name="export")
        gr.api(session, api_name="session")
        gr.api(sessions, api_name="sessions")

    demo.queue(default_concurrency_limit=4)
    return demo


def launch(demo: gr.Blocks, *, port: int = 7860, host: str | None = None, prevent_thread_lock: bool = False,
           quiet: bool = False) -> tuple[Any, str, str]:
    """Launch with the app's settings: auth from REVIEWER_AUTH, upload limit, no telemetry, Chinese login."""
    settings = get_settings()
    exports = settings.home / "exports"
    exports.mkdir(parents=True, exist_ok=True, mode=0o700)
    return demo.launch(
        server_name=host or "127.0.0.1", server_port=port, auth=LoginGuard(settings.auth) if settings.auth else None,
        auth_message="请输入审阅账号和密码。", max_file_size=MAX_FILE_BYTES, allowed_paths=[str(exports)],
        prevent_thread_lock=prevent_thread_lock, quiet=quiet, show_error=True, footer_links=[],
        run_history=False, enable_monitoring=False, mcp_server=False, ssr_mode=False, pwa=False,
        css=view.CSS, head=SHORTCUTS_JS, theme=gr.themes.Default(),
    )
