"""The page's handlers in-process: bad input gets a Chinese line, cards decide a row at once,
the reviewer's words survive, bulk decisions undo, the overview adds up."""

from __future__ import annotations

import inspect
import re

import pytest
from conftest import seed

from reviewer.store import FindingFilter, Store
from reviewer.ui import view
from reviewer.ui.service import Upload

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from reviewer.ui.server import build_demo

    store = Store(tmp_path_factory.mktemp("ui") / "db.sqlite3")
    demo = build_demo(store, use_corpus=False)
    h = demo.rv_handlers
    sid = h.s.review([Upload(str(seed("003")), "003.txt")])["session_id"]
    return h, sid


def _handlers(h):
    """Every event handler of the page, factories expanded with each argument they are built with."""
    out = {}
    for name, fn in inspect.getmembers(h):
        if not name.startswith("on_") or not callable(fn):
            continue
        params = list(inspect.signature(fn).parameters)
        if params in (["step"], ["action"], ["fmt"]):
            arg = {"step": 1, "action": "edit", "fmt": "xlsx"}[params[0]]
            out[f"{name}({arg})"] = fn(arg)
        else:
            out[name] = fn
    return out


@pytest.mark.parametrize("junk", [None, "", "不存在的会话"])
def test_every_handler_answers_bad_input_in_chinese(page, junk):
    h, _ = page
    handlers = _handlers(h)
    assert len(handlers) >= 15
    for name, fn in handlers.items():
        n = len(inspect.signature(fn).parameters)
        result = fn(*[junk] * n)
        if inspect.isgenerator(result):
            result = list(result)[-1]
        assert isinstance(result, dict), name
        message = result.get(h.c.message) or result.get(h.c.status) or ""
        if name not in ("on_load", "on_refresh", "on_cancel") and not (name == "on_checks" and junk):
            assert CJK.search(message), (name, junk, result)
        assert "Error" not in message and "Traceback" not in message, (name, message)


def test_a_card_holds_a_rows_findings_and_one_call_decides_them(page):
    h, sid = page
    c = h.c
    out = h.open_session(sid)
    assert out[c.table][0][1] == "错误"  # errors first over the whole session
    row_key = next(k for k in h.store.group_keys(sid) if len(h.store.group_findings(sid, k)) >= 3 and k[-1] != "|")
    card = h.move(sid, FindingFilter(), row_key)
    checked = card[c.checks]["value"]
    assert len(checked) >= 3
    after = h.on_decide("reject")(sid, row_key, checked, "", "", "", "模板指标", 0, "", "", "", "", "")
    assert {f.status for f in h.store.group_findings(sid, row_key)} == {"rejected"}
    assert after[c.key] != row_key  # moved on to the next card with open findings


def test_the_reviewers_text_survives_a_later_decision_on_the_same_row(page):
    h, sid = page
    row_key = next(k for k in h.store.group_keys(sid)
                   if k[-1] != "|" and sum(f.status == "open" for f in h.store.group_findings(sid, k)) >= 2)
    first, second = [f.id for f in h.store.group_findings(sid, row_key) if f.status == "open"][:2]
    h.on_decide("edit")(sid, row_key, [first], "审阅人写的原因。", "", "", "", 0, "", "", "", "", "")
    card = h.card(sid, row_key)
    assert card["explanation"] == "审阅人写的原因。"
    h.on_decide("accept")(sid, row_key, [second], card["explanation"], card["critique"], card["critique"], "", 0,
                          "", "", "", "", "")
    doc, _, row = row_key.split("|")
    assert h.store.row_texts(sid)[(doc, row)]["final_text"] == "审阅人写的原因。"


def test_bulk_on_a_code_needs_a_filter_and_undo_reverts_it(page):
    h, sid = page
    c = h.c
    refused = h.on_bulk("reject")(sid, "", "", 0, "", "", "", "", "")
    assert "缩小范围" in refused[c.message]
    open_generic = h.store.matching_ids(sid, FindingFilter(code="GENERIC_INDICATOR"))
    out = h.on_bulk("reject")(sid, "", "省级模板指标", 0, "GENERIC_INDICATOR", "", "", "", "")
    assert f"{len(open_generic)} 项" in out[c.message]
    assert all(h.store.get_finding(sid, f).status == "rejected" for f in open_generic)
    undone = h.on_undo(sid, "", 0, "", "", "", "", "")
    assert f"已撤销 {len(open_generic)} 项" in undone[c.message]
    assert all(h.store.get_finding(sid, f).status == "open" for f in open_generic)


def test_search_and_overview_click_through(page):
    h, sid = page
    c = h.c
    out = h.on_filter(sid, "", 0, "", "", "", "", "绿色办公")
    assert all("绿色办公" in r[3] or "绿色办公" in r[2] for r in out[c.table])

    from types import SimpleNamespace

    items = h.store.overview(sid)
    assert sum(sum(v for k, v in i["counts"].items() if k != "open") for i in items) == h.store.get_session(sid).total
    assert items[0]["recomputed_total"] == items[0]["reported_total"] == 100  # rows + funding score
    jumped = h.on_overview_select(sid, SimpleNamespace(index=[2, 0]))
    assert jumped[c.proj] == f"{items[2]['doc_id']}/{items[2]['project_id']}"
    assert all(r[2] == items[2]["project"] for r in jumped[c.table])


def test_a_second_review_waits_in_line_sees_its_place_and_can_cancel():
    import threading

    from reviewer.ui.service import ReviewCancelled, ReviewSlots

    slots = ReviewSlots(limit=1)
    big, small = slots.join(), slots.join()
    assert slots.try_start(big) == 0 and slots.try_start(small) == 1  # 1 = next in line
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(ReviewCancelled):
        slots.wait_start(small, cancelled)
    slots.leave(small)
    third = slots.join()
    assert slots.try_start(third) == 1
    slots.leave(big)
    assert slots.try_start(third) == 0


def test_a_cancelled_review_makes_no_session(tmp_path):
    import threading

    from reviewer.ui.service import ReviewCancelled, ReviewService

    store = Store(tmp_path / "db.sqlite3")
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(ReviewCancelled):
        ReviewService(store, use_corpus=False, llm=False).review([Upload(str(seed("004")), "004.txt")],
                                                                  cancelled=cancelled)
    assert store.list_sessions() == []


def test_the_same_file_twice_is_reviewed_once_and_a_repeat_is_named(tmp_path):
    from reviewer.ui.service import ReviewService

    service = ReviewService(Store(tmp_path / "db.sqlite3"), use_corpus=False, llm=False)
    first = service.review([Upload(str(seed("004")), "a.txt"), Upload(str(seed("004")), "b.txt")])
    assert service.store.get_session(first["session_id"]).documents == 1
    assert any("内容相同" in n for n in first["notices"])
    again = service.review([Upload(str(seed("004")), "c.txt")])
    assert any(first["session_id"] in n for n in again["notices"])
    assert service.store.list_sessions()[0].sources == ["c.txt"]  # the history names the file


def test_findings_come_before_drafts_and_opening_a_row_drafts_it(tmp_path):
    from reviewer.ui.service import LazyDrafter, ReviewService

    service = ReviewService(Store(tmp_path / "db.sqlite3"), use_corpus=False, llm=True)
    service.drafter.enqueue = lambda sid: None  # no background thread: drafts only on demand
    sid = service.review([Upload(str(seed("003")), "003.txt")])["session_id"]
    assert service.store.drafted_projects(sid) == set()
    key = next(k for k in service.store.group_keys(sid)
               if any(f.code == "UNEXPLAINED_DEDUCTION" for f in service.store.group_findings(sid, k)))
    card = view.card_parts(service.card(sid, key))
    doc, project, _ = key.split("|")
    assert (doc, project) in service.store.drafted_projects(sid)
    assert card["explanation"] and "草稿" in card["explanation_label"]
    LazyDrafter(service.store).draft_session(sid)  # the background pass skips what is drafted
    assert len(service.store.drafted_projects(sid)) == len(service.store.overview(sid))


def test_positions_read_in_chinese():
    from reviewer.ui.evidence import where_zh

    assert where_zh("line 17") == "第 17 行"
    assert where_zh("table 1 r3c1") == "表 1 第 3 行第 1 列"
    assert where_zh("page 2 table 1 r3c1") == "第 2 页 表 1 第 3 行第 1 列"
    assert where_zh("Sheet1!B3") == "工作表“Sheet1” B3"


def test_two_tables_with_one_project_name_stay_apart_in_the_project_filter(tmp_path):
    """The store says which projects exist (no labels); the page numbers the tables that share a name."""
    from review_samples import sample_document

    doc = sample_document("a.txt")
    doc.projects[1].name = doc.projects[0].name
    other = sample_document("b.txt")
    store = Store(tmp_path / "db.sqlite3")
    sid = store.create_session([doc, other])
    opts = store.filter_options(sid)
    assert [p.value for p in opts.projects] == ["d1/p1", "d1/p2", "d2/p1", "d2/p2"]
    assert opts.codes[0] == "EMPTY_ACTUAL" and opts.severities == ["error", "warning", "info"]
    labels = [label for label, _ in view.filter_choices(opts)["projects"]]
    name = doc.projects[0].name
    assert labels[:3] == ["全部项目", f"{name}（a.txt）（第 1 张表）", f"{name}（a.txt）（第 2 张表）"]
    assert labels[3] == f"{name}（b.txt）"
    assert view.filter_choices(opts)["codes"][1] == ("实际完成值缺失", "EMPTY_ACTUAL")
