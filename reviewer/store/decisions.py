"""Decisions: accept / edit / reject / reopen, one batch at a time, undoable; the row's one 偏差原因分析."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from reviewer.settings import MAX_EDIT_CHARS
from reviewer.store.db import DEFAULT_REVIEWER, StoreBase, StoreError
from reviewer.store.encoding import now
from reviewer.store.records import FindingRecord

ACTIONS = ("accept", "edit", "reject", "reopen")
_STATUS_OF = {"accept": "accepted", "edit": "edited", "reject": "rejected", "reopen": "open"}


def _state(r: sqlite3.Row) -> dict[str, Any]:
    return {"status": r["status"], "text": r["final_text"], "reason": r["reason"]}


_RESTORED = ("decided_by", "decided_at", "decision_id")  # kept in a batch item so undo restores them


def _row_text(db: sqlite3.Connection, sid: str, doc_id: str, row_id: str) -> dict[str, Any] | None:
    r = db.execute("SELECT text, edited, decided_by, decided_at FROM row_texts WHERE session_id = ? AND doc_id = ?"
                   " AND row_id = ?", (sid, doc_id, row_id)).fetchone()
    return dict(r) if r else None


def _set_row_text(db: sqlite3.Connection, key: tuple[str, str, str], text: str, edited: bool, who: str | None,
                  at: str | None) -> None:
    db.execute("INSERT OR REPLACE INTO row_texts VALUES (?, ?, ?, ?, ?, ?, ?)", (*key, text, int(edited), who, at))


def _draft_text(db: sqlite3.Connection, sid: str, doc_id: str, row_id: str | None) -> str | None:
    """The usable explanation draft of a row, if one was made."""
    if not row_id:
        return None
    r = db.execute("SELECT text FROM drafts WHERE session_id = ? AND doc_id = ? AND row_id = ? AND kind = 'explanation'"
                   " AND status = 'ok' ORDER BY seq LIMIT 1", (sid, doc_id, row_id)).fetchone()
    return r[0] if r else None


class DecisionsMixin(StoreBase):
    """A reviewer's decisions, in batches that \"undo last\" reverts, and the row texts they set."""

    def decide(self, sid: str, fid: str, action: str, text: str | None = None,
               reviewer: str = DEFAULT_REVIEWER, critique: str | None = None) -> FindingRecord:
        """Record a decision (accept | edit | reject | reopen) and return the updated finding.

        See ``decide_many``; committed before returning.
        """
        return self.decide_many(sid, [fid], action, text, reviewer=reviewer, critique=critique)[0]

    def decide_many(self, sid: str, fids: Sequence[str], action: str, text: str | None = None,
                    reviewer: str = DEFAULT_REVIEWER, critique: str | None = None) -> list[FindingRecord]:
        """Decide several findings at once, as one batch that "undo last" reverts; returns them updated.

        edit needs ``text`` and makes it the row's 偏差原因分析; accept takes ``text`` (else the row's
        draft) unless the reviewer already wrote the row's text, which no later accept replaces;
        reject takes ``text`` as the reason. ``critique`` (optional) is the reviewer's 审核意见.
        """
        if action not in ACTIONS:
            raise StoreError(f"未知操作 {action!r}，应为 accept、edit、reject 或 reopen")
        fids = list(dict.fromkeys(f for f in fids if f))
        if not fids:
            raise StoreError("没有选中任何问题。")
        text = (text or "").strip() or None
        critique = None if critique is None else (critique.strip() or None)
        for written in (text, critique):
            if written and len(written) > MAX_EDIT_CHARS:
                raise StoreError(f"填写的文字过长（{len(written)} 字），最多 {MAX_EDIT_CHARS} 字；请精简后再提交")
        if action == "edit" and not text:
            raise StoreError("修改后确认需要填写修改后的文字")
        at = now()
        with self._tx(write=True) as db:
            found = {r["id"]: r for r in db.execute(
                f"SELECT * FROM findings WHERE session_id = ? AND id IN ({','.join('?' * len(fids))})", [sid, *fids])}
            missing = [f for f in fids if f not in found]
            if missing:
                raise StoreError(f"会话 {sid} 中找不到问题 {missing[0]}")
            batch = db.execute("INSERT INTO batches (session_id, reviewer, at, action, size) VALUES (?, ?, ?, ?, ?)",
                               (sid, reviewer, at, action, len(fids))).lastrowid
            for fid in fids:
                self._decide_one(db, sid, found[fid], action, text, critique, reviewer, at, batch)
            rows = {r["id"]: r for r in db.execute(
                f"SELECT * FROM findings WHERE session_id = ? AND id IN ({','.join('?' * len(fids))})", [sid, *fids])}
        return [FindingRecord.from_row(rows[f]) for f in fids]

    def _decide_one(self, db: sqlite3.Connection, sid: str, r: sqlite3.Row, action: str, text: str | None,
                    critique: str | None, reviewer: str, at: str, batch: int) -> None:
        fid = r["id"]
        row_key = (sid, r["doc_id"], r["row_id"]) if r["row_id"] else None
        row_before = _row_text(db, *row_key) if row_key else None
        before = {**_state(r), "critique": r["critique"]}
        db.execute("INSERT INTO batch_items VALUES (?, ?, ?, ?)",
                   (batch, fid, json.dumps({**before, **{k: r[k] for k in _RESTORED}}, ensure_ascii=False),
                    None if row_before is None else json.dumps(row_before, ensure_ascii=False)))
        final_text = reason = None
        if action == "accept":
            if row_before and row_before["edited"]:
                final_text = row_before["text"]  # the reviewer's words stay; an accept never replaces them
            else:
                final_text = text or _draft_text(db, sid, r["doc_id"], r["row_id"])
                if row_key and final_text:
                    _set_row_text(db, row_key, final_text, False, reviewer, at)
        elif action == "edit":
            final_text = text
            if row_key:
                _set_row_text(db, row_key, final_text, True, reviewer, at)
        elif action == "reject":
            reason = text
        critique = critique if critique is not None else r["critique"]
        cur = db.execute(
            "INSERT INTO decisions (session_id, finding_id, action, text, reason, reviewer, at, critique, batch)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (sid, fid, action, final_text, reason, reviewer, at, critique, batch))
        status = _STATUS_OF[action]
        opened = status == "open"
        db.execute(
            "UPDATE findings SET status = ?, final_text = ?, reason = ?, decided_by = ?, decided_at = ?,"
            " decision_id = ?, critique = ? WHERE session_id = ? AND id = ?",
            (status, final_text, reason, None if opened else reviewer, None if opened else at,
             None if opened else cur.lastrowid, critique, sid, fid))
        after = {"status": status, "text": final_text, "reason": reason, "critique": critique}
        self._audit(db, sid, reviewer, action, fid, before, after, at=at)

    def undo_last(self, sid: str, reviewer: str = DEFAULT_REVIEWER) -> list[str]:
        """Revert this reviewer's latest batch of decisions in the session (audited); the ids it touched."""
        at = now()
        with self._tx(write=True) as db:
            b = db.execute("SELECT id FROM batches WHERE session_id = ? AND reviewer = ? AND undone = 0"
                           " AND action != 'undo' ORDER BY id DESC LIMIT 1", (sid, reviewer)).fetchone()
            if b is None:
                raise StoreError("没有可以撤销的决定。")
            db.execute("UPDATE batches SET undone = 1 WHERE id = ?", (b[0],))
            items = db.execute("SELECT * FROM batch_items WHERE batch = ? ORDER BY rowid DESC", (b[0],)).fetchall()
            for item in items:
                self._restore(db, sid, item, reviewer, at)
        return list(dict.fromkeys(i["finding_id"] for i in reversed(items)))

    def _restore(self, db: sqlite3.Connection, sid: str, item: sqlite3.Row, reviewer: str, at: str) -> None:
        r = db.execute("SELECT * FROM findings WHERE session_id = ? AND id = ?", (sid, item["finding_id"])).fetchone()
        old = json.loads(item["before"])
        db.execute(
            "UPDATE findings SET status = ?, final_text = ?, reason = ?, critique = ?, decided_by = ?, decided_at = ?,"
            " decision_id = ? WHERE session_id = ? AND id = ?",
            (old["status"], old["text"], old["reason"], old["critique"], old["decided_by"], old["decided_at"],
             old["decision_id"], sid, r["id"]))
        if r["row_id"]:
            row_old = json.loads(item["row_before"]) if item["row_before"] else None
            if row_old is None:
                db.execute("DELETE FROM row_texts WHERE session_id = ? AND doc_id = ? AND row_id = ?",
                           (sid, r["doc_id"], r["row_id"]))
            else:
                _set_row_text(db, (sid, r["doc_id"], r["row_id"]), row_old["text"], bool(row_old["edited"]),
                              row_old["decided_by"], row_old["decided_at"])
        db.execute("INSERT INTO decisions (session_id, finding_id, action, text, reason, reviewer, at, critique)"
                   " VALUES (?, ?, 'undo', ?, ?, ?, ?, ?)",
                   (sid, r["id"], old["text"], old["reason"], reviewer, at, old["critique"]))
        self._audit(db, sid, reviewer, "undo", r["id"], {**_state(r), "critique": r["critique"]},
                    {k: old[k] for k in ("status", "text", "reason", "critique")}, at=at)

    def decisions(self, sid: str) -> list[dict[str, Any]]:
        with self._connect() as db:
            return [dict(r) for r in db.execute("SELECT * FROM decisions WHERE session_id = ? ORDER BY id", (sid,))]

    def row_texts(self, sid: str) -> dict[tuple[str, str], dict[str, Any]]:
        """Final 偏差原因分析 per (doc_id, row_id): the reviewer's own words, or the draft they confirmed."""
        with self._connect() as db:
            return {(r["doc_id"], r["row_id"]): {**dict(r), "final_text": r["text"]} for r in db.execute(
                "SELECT * FROM row_texts WHERE session_id = ?", (sid,))}

    def row_text(self, sid: str, doc_id: str, row_id: str | None) -> dict[str, Any] | None:
        """The row's stored 偏差原因分析 (text, edited, decided_by, decided_at), or None."""
        if not row_id:
            return None
        with self._connect() as db:
            return _row_text(db, sid, doc_id, row_id)


__all__ = ["ACTIONS", "DecisionsMixin"]
