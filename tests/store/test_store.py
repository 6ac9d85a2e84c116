"""The SQLite store: sessions survive reopening, decisions and the audit trail are never lost."""

from __future__ import annotations

import itertools
import sqlite3
import threading

import pytest
from review_samples import sample_document

from reviewer.store import FindingFilter, Store, StoreError
from reviewer.store import migrations as store_migrations


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "reviewer.sqlite3")


@pytest.fixture
def sid(store) -> str:
    return store.create_session([sample_document("a.txt"), sample_document("b.txt", drafts=False)], user="alice")


def test_session_reopens_after_restart_with_the_whole_document(store, sid, tmp_path):
    reopened = Store(tmp_path / "reviewer.sqlite3")
    assert [s.id for s in reopened.list_sessions()] == [sid]
    docs = reopened.load_documents(sid)
    assert docs == [sample_document("a.txt"), sample_document("b.txt", drafts=False)]
    # Fields outside the JSON contract come back too: export needs them for the original layout.
    assert docs[0].projects[0].title == "劳务派遣人员经费（人社局）项目支出绩效自评表"
    assert docs[0].projects[0].budget.rate_text == "100%"
    assert docs[1].drafts is None


def test_finding_ids_are_unique_across_documents(store, sid):
    total, findings = store.query_findings(sid, limit=100)
    ids = [f.id for f in findings]
    assert total == 12 and len(set(ids)) == 12
    assert "d1.f1" in ids and "d2.f1" in ids
    assert store.get_finding(sid, "d2.f1").project_name == "劳务派遣人员经费（人社局）"


def test_accept_takes_the_draft_and_keeps_it_apart_from_the_final_text(store, sid):
    accepted = store.decide(sid, "d1.f3", "accept", reviewer="alice")
    assert accepted.status == "accepted"
    assert accepted.final_text.startswith("生态效益指标得分5分")
    edited = store.decide(sid, "d1.f3", "edit", "因办公用房调整，扣5分。下一步细化考核。", reviewer="bob")
    assert edited.status == "edited" and edited.decided_by == "bob"
    # The machine draft is untouched; the human text lives in the decision.
    detail = store.finding_detail(sid, "d1.f3")
    assert detail.explanation_draft.text.startswith("生态效益指标得分5分")
    assert [h["text"] for h in detail.history][-1] == "因办公用房调整，扣5分。下一步细化考核。"
    assert store.row_texts(sid)[("d1", "p1.r3")]["final_text"] == "因办公用房调整，扣5分。下一步细化考核。"


def test_reject_keeps_the_reason_and_edit_needs_text(store, sid):
    rejected = store.decide(sid, "d1.f4", "reject", "模板要求的指标，不算问题")
    assert (rejected.status, rejected.reason, rejected.final_text) == ("rejected", "模板要求的指标，不算问题", None)
    with pytest.raises(StoreError, match="修改后确认"):
        store.decide(sid, "d1.f1", "edit", "  ")
    with pytest.raises(StoreError, match="找不到"):
        store.decide(sid, "d9.f1", "accept")
    with pytest.raises(StoreError, match="未知操作"):
        store.decide(sid, "d1.f1", "approve")
    assert store.counts(sid) == {"open": 11, "accepted": 0, "edited": 0, "rejected": 1}


def test_audit_log_records_who_what_from_to_and_cannot_be_rewritten(store, sid):
    store.decide(sid, "d1.f2", "accept", "得分应为15分。", reviewer="alice")
    store.decide(sid, "d1.f2", "reject", "原表已更正", reviewer="bob")
    log = [e for e in store.audit_log(sid) if e["target"] == "d1.f2"]
    assert [(e["who"], e["what"]) for e in log] == [("alice", "accept"), ("bob", "reject")]
    assert log[0]["from"]["status"] == "open" and log[0]["to"]["text"] == "得分应为15分。"
    assert log[1]["from"] == log[0]["to"] and log[1]["to"]["reason"] == "原表已更正"
    db = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET who = 'mallory'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM decisions")


def test_filters_paging_and_next_open_errors_first(store, sid):
    total, errors = store.query_findings(sid, FindingFilter(severity="error"), limit=100)
    assert total == 6 and {f.code for f in errors} == {"SCORE_OVER_WEIGHT", "FULL_SCORE_ON_SHORTFALL", "ARITHMETIC_ERROR"}
    # Over the whole session: every error before any warning, every warning before any info.
    _, ordered = store.query_findings(sid, limit=100)
    assert [f.severity for f in ordered] == ["error"] * 6 + ["warning"] * 4 + ["info"] * 2
    assert [f.id for f in ordered[:3]] == ["d1.f2", "d1.f5", "d1.f6"]
    total, page = store.query_findings(sid, FindingFilter(project="d2/p2"), offset=1, limit=1)
    assert total == 2 and [f.id for f in page] == ["d2.f6"]
    store.decide(sid, "d1.f5", "accept")
    assert store.neighbour(sid, FindingFilter(), "d1.f2", only_open=True) == "d1.f6"
    assert store.neighbour(sid, FindingFilter(), "d2.f4", only_open=True) == "d1.f2"  # wraps around
    assert store.position(sid, FindingFilter(status="open"), "d1.f6") == 1
    assert store.position(sid, FindingFilter(status="open"), "d1.f5") is None


def test_search_matches_indicator_project_or_message_literally(store, sid):
    assert {f.id for f in store.query_findings(sid, FindingFilter(query="绿色办公"), limit=100)[1]} >= {"d1.f3", "d1.f4"}
    assert store.query_findings(sid, FindingFilter(query="创业孵化"), limit=100)[0] == 4  # p2 in both reports
    assert store.query_findings(sid, FindingFilter(query="%"), limit=100)[0] == 0


def test_an_edited_explanation_survives_later_decisions_on_its_row(store, sid):
    store.decide(sid, "d1.f3", "edit", "因办公用房调整扣5分。", reviewer="alice")
    later = store.decide(sid, "d1.f4", "accept", "模板草稿【请补充原因】", reviewer="bob")
    assert later.final_text == "因办公用房调整扣5分。"
    assert store.row_texts(sid)[("d1", "p1.r3")]["final_text"] == "因办公用房调整扣5分。"
    store.decide(sid, "d1.f4", "reject", "模板指标")
    assert store.row_texts(sid)[("d1", "p1.r3")]["final_text"] == "因办公用房调整扣5分。"


def test_decide_many_is_one_batch_that_undo_reverts(store, sid):
    store.decide(sid, "d1.f1", "edit", "实际发放52人。", reviewer="alice", critique="请补充发放人数。")
    done = store.decide_many(sid, ["d1.f1", "d1.f2", "d2.f4"], "reject", "模板指标", reviewer="alice")
    assert [f.status for f in done] == ["rejected"] * 3 and done[0].critique == "请补充发放人数。"
    with pytest.raises(StoreError, match="没有可以撤销"):
        store.undo_last(sid, "bob")
    assert store.undo_last(sid, "alice") == ["d1.f1", "d1.f2", "d2.f4"]
    f1 = store.get_finding(sid, "d1.f1")
    assert (f1.status, f1.final_text, f1.critique) == ("edited", "实际发放52人。", "请补充发放人数。")
    assert store.get_finding(sid, "d1.f2").status == "open"
    assert [e["what"] for e in store.audit_log(sid)][-3:] == ["undo"] * 3
    assert store.undo_last(sid, "alice") == ["d1.f1"]
    assert store.get_finding(sid, "d1.f1").status == "open" and store.row_texts(sid) == {}


def test_migrations_are_recorded_and_new_ones_apply_to_an_old_database(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    Store(path)
    shipped = [m.__name__ for m in store_migrations.MIGRATIONS]
    assert Store(path).migrations_applied() == shipped and shipped[0] == "m001_initial"

    def m002_add_tag(db):
        db.execute("ALTER TABLE sessions ADD COLUMN tag TEXT")

    monkeypatch.setattr(store_migrations, "MIGRATIONS", [*store_migrations.MIGRATIONS, m002_add_tag])
    reopened = Store(path)
    assert reopened.migrations_applied() == [*shipped, "m002_add_tag"]
    columns = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(sessions)")]
    assert "tag" in columns
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_two_reviewers_deciding_at_once_lose_nothing(tmp_path):
    path = tmp_path / "reviewer.sqlite3"
    docs = [sample_document(f"r{i}.txt") for i in range(5)]
    sid = Store(path).create_session(docs)
    ids = [f.id for f in Store(path).query_findings(sid, limit=100)[1]]
    errors = []

    def reviewer(name: str, mine: list[str]) -> None:
        store = Store(path)  # each reviewer its own store object, as two server workers would be
        try:
            for fid in mine:
                store.decide(sid, fid, "edit", f"{name} 的定稿 {fid}", reviewer=name)
                store.decide(sid, "d1.f1", "reject", f"{name} 驳回", reviewer=name)  # both fight over one finding
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=reviewer, args=(n, ids[k::4])) for k, n in enumerate(["甲", "乙", "丙", "丁"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    store = Store(path)
    findings = {f.id: f for f in store.query_findings(sid, limit=100)[1]}
    for k, name in enumerate(["甲", "乙", "丙", "丁"]):
        for fid in ids[k::4]:
            if fid != "d1.f1":
                assert findings[fid].final_text == f"{name} 的定稿 {fid}"
    decisions = store.decisions(sid)
    assert len(decisions) == 2 * len(ids)
    # Serialised writes: every audit entry for the contested finding starts where the previous one ended.
    contested = [e for e in store.audit_log(sid) if e["target"] == "d1.f1"]
    assert len(contested) == len(ids) + 1
    for before, after in itertools.pairwise(contested):
        assert after["from"] == before["to"]
