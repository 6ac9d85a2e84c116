"""The line of reviews waiting to run: at most a few at once, the rest told their place."""

from __future__ import annotations

import os
import threading


class ReviewCancelled(Exception):
    """The reviewer cancelled a review that was waiting or running."""


class ReviewSlots:
    """At most ``limit`` reviews run at once (REVIEWER_CONCURRENT_REVIEWS, default 2); the others wait
    in arrival order and can be told their place, so a small report never waits silently behind a big one."""

    def __init__(self, limit: int | None = None):
        self.limit = max(1, limit or int(os.environ.get("REVIEWER_CONCURRENT_REVIEWS", "2") or 2))
        self._cond = threading.Condition()
        self._waiting: list[int] = []
        self._running: set[int] = set()
        self._next = 0

    def join(self) -> int:
        with self._cond:
            self._next += 1
            self._waiting.append(self._next)
            return self._next

    def try_start(self, ticket: int) -> int:
        """0 when the ticket may run now (it then holds a slot), else its place in the line (1 = next)."""
        with self._cond:
            if ticket in self._running:
                return 0
            if ticket not in self._waiting:
                self._waiting.append(ticket)
            if self._waiting[0] == ticket and len(self._running) < self.limit:
                self._waiting.pop(0)
                self._running.add(ticket)
                return 0
            return self._waiting.index(ticket) + 1

    def wait_start(self, ticket: int, cancelled: threading.Event | None = None) -> None:
        """Block until the ticket may run (the API's way of waiting)."""
        with self._cond:
            while self.try_start(ticket):
                if cancelled is not None and cancelled.is_set():
                    raise ReviewCancelled()
                self._cond.wait(0.5)

    def leave(self, ticket: int) -> None:
        with self._cond:
            self._running.discard(ticket)
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            self._cond.notify_all()


__all__ = ["ReviewCancelled", "ReviewSlots"]
