"""Drive the running app (`python app.py`) through its named endpoints with gradio_client.

review → decide → restart → reopen → export; concurrent reviewers; SIGKILL; auth; bad files.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import pytest
from conftest import seed
from gradio_client import Client, handle_file
from ui_server import ROOT, Server, build_index, new_home, running_server

from reviewer.settings import MAX_FILE_BYTES
from reviewer.store import Store
from reviewer.ui.service import ReviewService, Upload


def client(server: Server, **kwargs) -> Client:
    return Client(server.url, verbose=False, download_files=str(server.home / "downloads"), **kwargs)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("index-home"), seed("003"))


@pytest.fixture
def home(tmp_path, index):
    return new_home(tmp_path / "home", index)


@pytest.fixture(scope="module")
def shared(tmp_path_factory, index):
    """One server for the tests that do not restart it, with seed 003 already reviewed."""
    home = new_home(tmp_path_factory.mktemp("shared") / "home", index)
    with running_server(home) as server:
        result = client(server).predict(files=[handle_file(str(seed("003")))], api_name="/review")
        yield server, result


def _find_texts(path, text: str) -> list[tuple[str, str]]:
    """(sheet, column header) of every cell holding ``text``."""
    wb = openpyxl.load_workbook(path)
    hits = []
    for ws in wb.worksheets:
        headers: dict[int, str] = {}
        for row in ws.iter_rows():
            if any(c.value in ("三级指标", "问题类型") for c in row):
                headers = {c.column: c.value for c in row}
            for c in row:
                if c.value == text:
                    hits.append((ws.title, headers.get(c.column, "")))
    return hits


def test_review_decide_restart_reopen_export(home):
    with running_server(home) as server:
        c = client(server)
        result = c.predict(files=[handle_file(str(seed("003")))], api_name="/review")
        sid, findings = result["session_id"], result["findings"]
        assert sid and len(findings) > 50 and len({f["id"] for f in findings}) == len(findings)
        deduction = next(f for f in findings if f["code"] == "UNEXPLAINED_DEDUCTION")
        empty = next(f for f in findings if f["code"] == "EMPTY_ACTUAL")
        updated = c.predict(session_id=sid, finding_id=deduction["id"], action="edit",
                            text="扣5分：绿色办公无量化考核。改进措施：增设节能指标。", api_name="/decide")
        assert updated["status"] == "edited" and updated["status_name"] == "修改后确认"
        assert c.predict(session_id=sid, finding_id=empty["id"], action="reject", text="已在附件说明",
                         api_name="/decide")["status"] == "rejected"
        with pytest.raises(Exception, match="修改后确认需要填写"):
            c.predict(session_id=sid, finding_id=empty["id"], action="edit", text="", api_name="/decide")

    with running_server(home) as server:  # a fresh process on the same REVIEWER_HOME
        c = client(server)
        assert sid in [s["session_id"] for s in c.predict(api_name="/sessions")]
        reopened = {f["id"]: f for f in c.predict(session_id=sid, api_name="/session")["findings"]}
        assert reopened[deduction["id"]]["final_text"] == "扣5分：绿色办公无量化考核。改进措施：增设节能指标。"
        assert reopened[empty["id"]]["reason"] == "已在附件说明"

        xlsx = c.predict(session_id=sid, format="xlsx", api_name="/export")
        hits = _find_texts(xlsx, "扣5分：绿色办公无量化考核。改进措施：增设节能指标。")
        assert ("偏差原因分析及改进措施" in {h for _, h in hits}), hits
        assert any(sheet == "问题清单" for sheet, _ in hits)

        audit = json.loads(Path(c.predict(session_id=sid, format="json", api_name="/export")).read_text("utf-8"))
        trail = [(e["what"], e["target"]) for e in audit["audit"]]
        assert ("edit", deduction["id"]) in trail and ("reject", empty["id"]) in trail
        assert audit["audit"][-1]["what"] == "export"

        html = Path(c.predict(session_id=sid, format="html", api_name="/export")).read_text("utf-8")
        assert "审核意见" in html and "增设节能指标" in html
        with pytest.raises(Exception, match="不支持的导出格式"):
            c.predict(session_id=sid, format="docx", api_name="/export")


def test_concurrent_decides_on_one_session_lose_nothing(shared):
    server, result = shared
    sid = result["session_id"]
    targets = [f["id"] for f in result["findings"][:24]]
    errors = []

    def reviewer(name: str, mine: list[str]) -> None:
        c = client(server)
        try:
            for fid in mine:
                c.predict(session_id=sid, finding_id=fid, action="edit", text=f"{name}:{fid}", api_name="/decide")
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=reviewer, args=(f"审阅员{k}", targets[k::4])) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    after = {f["id"]: f for f in client(server).predict(session_id=sid, api_name="/session")["findings"]}
    for k in range(4):
        for fid in targets[k::4]:
            assert after[fid]["final_text"] == f"审阅员{k}:{fid}"


def test_bad_files_get_a_chinese_message_and_the_rest_is_reviewed(shared, tmp_path):
    server, _ = shared
    corrupt = tmp_path / "损坏的报告.docx"
    corrupt.write_bytes(b"this is not a zip file")
    wrong = tmp_path / "旧格式.doc"
    wrong.write_bytes(b"\xd0\xcf\x11\xe0")
    result = client(server).predict(
        files=[handle_file(str(corrupt)), handle_file(str(seed("004"))), handle_file(str(wrong))],
        api_name="/review")
    assert result["session_id"] and result["findings"]
    errors = {e["source"]: e["message"] for e in result["errors"]}
    assert set(errors) == {"损坏的报告.docx", "旧格式.doc"}
    assert "不支持的文件类型" in errors["旧格式.doc"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in errors.values())


def test_oversized_upload_is_refused_before_reading(tmp_path):
    big = tmp_path / "巨大.pdf"
    with open(big, "wb") as fh:  # sparse: no real disk use
        fh.truncate(MAX_FILE_BYTES + 1)
    service = ReviewService(Store(tmp_path / "db.sqlite3"), use_corpus=False, llm=False)
    result = service.review([Upload(str(big), big.name), Upload(str(seed("003")), "003.txt")])
    assert result["errors"] == [{"source": "巨大.pdf", "message": "文件大小 50.0 MB，超过 50 MB 的上限。"}]
    assert result["findings"]


def test_sigkill_mid_session_loses_no_committed_decision(home):
    server = Server(home).wait_ready()
    try:
        c = client(server)
        result = c.predict(files=[handle_file(str(seed("003")))], api_name="/review")
        sid, ids = result["session_id"], [f["id"] for f in result["findings"]]
        committed: list[str] = []
        stop = threading.Event()

        def keep_deciding() -> None:
            mine = client(server)
            for fid in ids:
                if stop.is_set():
                    return
                try:
                    mine.predict(session_id=sid, finding_id=fid, action="reject", text="误报", api_name="/decide")
                except Exception:  # noqa: BLE001 - the kill interrupts the call in flight
                    return
                committed.append(fid)

        worker = threading.Thread(target=keep_deciding)
        worker.start()
        while len(committed) < 15 and worker.is_alive():
            threading.Event().wait(0.05)
        server.kill(signal.SIGKILL)  # no shutdown hooks, no flush: like a power cut of the process
        stop.set()
        worker.join(60)
        assert server.proc.returncode == -signal.SIGKILL
    finally:
        server.kill()
    assert len(committed) >= 15
    store = Store(home / "reviewer.sqlite3")
    _, findings = store.query_findings(sid, limit=10_000)
    rejected = {f.id for f in findings if f.status == "rejected"}
    assert set(committed) <= rejected
    assert {e["target"] for e in store.audit_log(sid) if e["what"] == "reject"} >= set(committed)


def test_auth_puts_the_reviewer_name_in_the_audit_log(home):
    with running_server(home, env={"REVIEWER_AUTH": "张三:pw1,李四:pw2"}, args=["--host", "0.0.0.0"]) as server:
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do; a stranger gets nothing
            Client(server.url, verbose=False).predict(api_name="/sessions")
        c = client(server, auth=("李四", "pw2"))
        result = c.predict(files=[handle_file(str(seed("004")))], api_name="/review")
        sid = result["session_id"]
        fid = result["findings"][0]["id"]
        assert c.predict(session_id=sid, finding_id=fid, action="accept", text="确认", api_name="/decide")[
            "decided_by"] == "李四"
    log = Store(home / "reviewer.sqlite3").audit_log(sid)
    assert {e["who"] for e in log} == {"李四"}


def test_without_auth_the_server_refuses_a_public_host(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "app.py"), "--host", "0.0.0.0", "--port", "7999"],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "REVIEWER_HOME": str(tmp_path), "HOME": str(tmp_path)})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "REVIEWER_AUTH" in lines[0] and "127.0.0.1" in lines[0]


def test_decide_many_critique_and_a_rows_text_through_the_api(shared):
    server, result = shared
    sid = result["session_id"]
    c = client(server)
    assert [f["severity"] for f in result["findings"]][:1] == ["error"]  # errors first
    by_row: dict[str, list[dict]] = {}
    for f in c.predict(session_id=sid, api_name="/session")["findings"]:
        if f["row_id"] and f["status"] == "open":
            by_row.setdefault(f"{f['doc_id']}|{f['row_id']}", []).append(f)
    row = next(fs for fs in by_row.values() if len(fs) >= 3)
    first, *rest = row
    edited = c.predict(session_id=sid, finding_id=first["id"], action="edit", text="审阅人改写的偏差原因。",
                       critique="请补充佐证材料。", api_name="/decide")
    assert edited["critique"] == "请补充佐证材料。" and edited["status_name"] == "修改后确认"
    done = c.predict(session_id=sid, finding_ids=[f["id"] for f in rest], action="accept", text="模板草稿",
                     api_name="/decide_many")
    assert [f["status"] for f in done] == ["accepted"] * len(rest)
    assert {f["final_text"] for f in done} == {"审阅人改写的偏差原因。"}  # the reviewer's words stay
    assert c.predict(session_id=sid, api_name="/undo") == [f["id"] for f in rest]
    with pytest.raises(Exception, match="没有选中"):
        c.predict(session_id=sid, finding_ids=[], action="reject", text="", api_name="/decide_many")
