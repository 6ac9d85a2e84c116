"""Who may log in and who may decide: REVIEWER_AUTH checked, failed logins throttled, decisions
on a session kept to the reviewer who created it unless REVIEWER_ADMINS names the user.

Without REVIEWER_AUTH the UI listens on 127.0.0.1 only and everyone is the one local user, so
none of this applies.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

# Failed logins for one user name within WINDOW seconds before further tries are refused until
# the oldest failure ages out; every name together gets GLOBAL_FAILURES (a spray over many names).
MAX_FAILURES = 5
GLOBAL_FAILURES = 50
WINDOW = 300.0


def auth_problem(value: str | None) -> str | None:
    """Why REVIEWER_AUTH cannot be used (an entry without a password), or None."""
    for part in (value or "").split(","):
        if not part.strip():
            continue
        user, sep, password = part.partition(":")
        if not user.strip():
            return "REVIEWER_AUTH 中有一项没有用户名（应为 用户名:密码[,用户名:密码]）"
        if not sep or not password:
            return f"REVIEWER_AUTH 中用户 {user.strip()} 的密码为空；请为每个用户设置密码"
    return None


def admins() -> set[str]:
    """User names in REVIEWER_ADMINS (comma-separated): they may decide on anyone's session."""
    return {u.strip() for u in os.environ.get("REVIEWER_ADMINS", "").split(",") if u.strip()}


class LoginGuard:
    """The auth callable handed to Gradio: constant-time compare, failures throttled per user name."""

    def __init__(self, pairs: list[tuple[str, str]], clock=time.monotonic):  # type: ignore[no-untyped-def]
        self._pairs = list(pairs)
        self._clock = clock
        self._failed: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def locked(self, username: str) -> bool:
        """Too many recent failures for this name (or for all names together): refuse without checking."""
        now = self._clock()
        with self._lock:
            for key in (username, "*"):
                q = self._failed[key]
                while q and now - q[0] > WINDOW:
                    q.popleft()
            return len(self._failed[username]) >= MAX_FAILURES or len(self._failed["*"]) >= GLOBAL_FAILURES

    def __call__(self, username: str, password: str) -> bool:
        if self.locked(username):
            return False
        ok = False
        for user, pw in self._pairs:  # compare with every pair: the time says nothing about which matched
            ok |= hmac.compare_digest(user.encode(), username.encode()) & hmac.compare_digest(pw.encode(),
                                                                                                password.encode())
        with self._lock:
            if ok:
                self._failed.pop(username, None)
            else:
                now = self._clock()
                self._failed[username].append(now)
                self._failed["*"].append(now)
        return ok


def check_decider(store, sid: str, user: str) -> None:  # type: ignore[no-untyped-def]
    """With auth on, only the session's creator or an administrator may decide on its findings."""
    from reviewer.settings import get_settings
    from reviewer.store import StoreError

    if not get_settings().auth or user in admins():
        return
    owner = store.get_session(sid).created_by
    if owner != user:
        raise StoreError(f"该审阅会话由 {owner} 创建，只能由创建人或管理员（REVIEWER_ADMINS）处理")


def write_private(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only (0600) and write ``text``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
