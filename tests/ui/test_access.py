"""Access (issue 13): empty passwords refused, failed logins throttled, files owner-only, decisions
kept to a session's creator unless REVIEWER_ADMINS names the user, legacy encodings named."""

from __future__ import annotations

import stat

import pytest
from conftest import seed
from review_samples import sample_document

from reviewer.errors import InputError
from reviewer.store import Store, StoreError
from reviewer.ui.access import LoginGuard, auth_problem


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("value", ["admin:", "admin", "admin:pw,bob:", ":pw"])
def test_empty_passwords_are_refused_at_server_start(value, monkeypatch, capsys):
    from reviewer.ui.server import serve

    monkeypatch.setenv("REVIEWER_AUTH", value)
    assert auth_problem(value)
    with pytest.raises(SystemExit) as exc:
        serve(port=0)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "REVIEWER_AUTH" in err[0]


def test_failed_logins_are_throttled_then_allowed_again():
    now = [0.0]
    guard = LoginGuard([("alice", "s3cret")], clock=lambda: now[0])
    assert guard("alice", "s3cret")
    for _ in range(5):
        assert not guard("alice", "wrong")
    assert not guard("alice", "s3cret")  # locked: even the right password is refused for now
    now[0] += 301
    assert guard("alice", "s3cret")


def test_a_spray_over_many_names_is_throttled_too():
    guard = LoginGuard([("alice", "s3cret")], clock=lambda: 0.0)
    for i in range(50):
        guard(f"user{i}", "x")
    assert not guard("alice", "s3cret")


def test_the_ui_logs_in_through_the_guard(monkeypatch):
    from reviewer.ui import app as ui_app

    seen = {}

    class Demo:
        def launch(self, **kw):
            seen.update(kw)

    monkeypatch.setenv("REVIEWER_AUTH", "alice:s3cret")
    ui_app.launch(Demo())
    assert isinstance(seen["auth"], LoginGuard) and seen["auth"]("alice", "s3cret")


def test_store_secret_and_exports_are_owner_only(tmp_path, monkeypatch):
    from reviewer.ui.app import _browser_secret
    from reviewer.ui.exports import export_session

    home = tmp_path / "home"
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    store = Store()
    assert mode(home) == 0o700 and mode(store.path) == 0o600
    sid = store.create_session([sample_document()], user="alice")
    assert all(mode(p) == 0o600 for p in home.glob("reviewer.sqlite3*"))
    _browser_secret(home)
    assert mode(home / "ui-secret") == 0o600
    path = export_session(store, sid, "json")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_with_auth_a_user_decides_on_their_own_sessions_only(tmp_path, monkeypatch):
    from reviewer.ui.service import ReviewService

    monkeypatch.setenv("REVIEWER_AUTH", "alice:a,bob:b,carol:c")
    monkeypatch.setenv("REVIEWER_ADMINS", "carol")
    service = ReviewService(Store(tmp_path / "s.sqlite3"), use_corpus=False, llm=False)
    sid = service.store.create_session([sample_document()], user="alice")
    with pytest.raises(StoreError, match="由 alice 创建"):
        service.decide(sid, "d1.f1", "reject", "不同意", "bob")
    assert service.decide(sid, "d1.f1", "reject", "不同意", "alice")["status"] == "rejected"
    assert service.decide(sid, "d1.f2", "accept", None, "carol")["status"] == "accepted"  # an administrator


def test_without_auth_the_local_user_decides_everywhere(tmp_path):
    from reviewer.ui.service import ReviewService

    service = ReviewService(Store(tmp_path / "s.sqlite3"), use_corpus=False, llm=False)
    sid = service.store.create_session([sample_document()], user="someone")
    assert service.decide(sid, "d1.f1", "reject", "x")["status"] == "rejected"


TRADITIONAL = ("項目名稱\t勞務派遣人員經費\n一級指標\t二級指標\t三級指標\t年度指標值\t實際完成值\t分值\t得分\n"
               "產出指標\t數量指標\t發放人數\t50人\t52人\t10\t10\n")


def test_big5_is_refused_naming_the_encoding_and_gbk_is_read(tmp_path):
    from reviewer.pipeline import parse_path

    big5 = tmp_path / "big5.txt"
    big5.write_bytes(TRADITIONAL.encode("big5"))
    with pytest.raises(InputError, match="Big5"):
        parse_path(big5)
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(seed("003").read_text(encoding="utf-8").encode("gbk"))
    assert parse_path(gbk).projects[0].name.startswith("劳务派遣人员经费")


def test_a_non_chinese_legacy_encoding_is_refused_by_name(tmp_path):
    from reviewer.pipeline import parse_path

    sjis = tmp_path / "sjis.txt"
    sjis.write_bytes(("予算と実績を記入してください。" * 30).encode("shift_jis"))
    with pytest.raises(InputError, match="文件编码为 cp932"):
        parse_path(sjis)
