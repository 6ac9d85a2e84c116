"""The audit log: every change and export, append-only (triggers refuse updates and deletes)."""

from __future__ import annotations

import json
from typing import Any

from reviewer.store.db import StoreBase


class AuditMixin(StoreBase):
    """The append-only audit log: events that change no finding, and reading the log back."""

    def log(self, sid: str, who: str, what: str, target: str | None = None, detail: Any = None) -> None:
        """Append an event that changes no finding (an export, say) to the audit log."""
        with self._tx(write=True) as db:
            self._audit(db, sid, who, what, target, None, detail)

    def audit_log(self, sid: str) -> list[dict[str, Any]]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM audit WHERE session_id = ? ORDER BY id", (sid,)).fetchall()
        return [
            {"id": r["id"], "at": r["at"], "who": r["who"], "what": r["what"], "target": r["target"],
             "from": json.loads(r["from_value"]) if r["from_value"] else None,
             "to": json.loads(r["to_value"]) if r["to_value"] else None}
            for r in rows
        ]


__all__ = ["AuditMixin"]
