"""Drafts made after a session is stored, so findings are shown as soon as the checks are done.

One background thread drafts the session project by project; a project a reviewer opens before
the thread reaches it is drafted at once, ahead of the queue.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from typing import Any

from reviewer.model import Document
from reviewer.store import Store

log = logging.getLogger(__name__)


class LazyDrafter:
    """Makes drafts after a session is stored: one background thread, project by project.

    A project a reviewer opens is drafted at once in the reviewer's own request; the lock per
    session keeps the two from drafting the same project twice.
    """

    def __init__(self, store: Store, cache_size: int = 2):
        self.store = store
        self._queue: queue.Queue[str] = queue.Queue()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._docs: OrderedDict[tuple[str, str], Document] = OrderedDict()
        self._findings: dict[tuple[str, str], dict[str, list[Any]]] = {}
        self._cache_size = cache_size
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._client_made = False
        self._now = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drafts-now")
        self._pending: dict[tuple[str, str, str], Future[None]] = {}

    def request(self, sid: str, doc_id: str, project_id: str, wait: float) -> bool:
        """Draft one project ahead of the background pass; True once its drafts exist (within ``wait`` s)."""
        if (doc_id, project_id) in self.store.drafted_projects(sid):
            return True
        key = (sid, doc_id, project_id)
        with self._guard:
            future = self._pending.get(key)
            if future is None or future.done():
                future = self._pending[key] = self._now.submit(self.draft_project, sid, doc_id, project_id)
        try:
            future.result(timeout=wait)
        except FuturesTimeout:
            return False
        return True

    def enqueue(self, sid: str) -> None:
        with self._guard:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="lazy-drafts", daemon=True)
                self._thread.start()
        self._queue.put(sid)

    def _run(self) -> None:
        while True:
            sid = self._queue.get()
            try:
                self.draft_session(sid)
            except Exception:
                log.exception("background drafting failed for session %s", sid)

    def draft_session(self, sid: str) -> None:
        """Draft every project of the session that has no drafts yet."""
        done = self.store.drafted_projects(sid)
        for item in self.store.overview(sid):
            if (item["doc_id"], item["project_id"]) not in done:
                self.draft_project(sid, item["doc_id"], item["project_id"])

    def draft_project(self, sid: str, doc_id: str, project_id: str) -> None:
        with self._lock(sid):
            if (doc_id, project_id) in self.store.drafted_projects(sid):
                return
            from reviewer.draft import client_for, draft_document

            if not self._client_made:
                self._client, self._client_made = client_for(True), True
            doc, by_project = self._document(sid, doc_id)
            # Only the project's own findings: drafting one project then costs what the project holds,
            # not the whole report's findings again (a 10 MB report has thousands of projects).
            mine = doc.model_copy(update={"findings": by_project.get(project_id, [])})
            drafts = draft_document(mine, client=self._client, project_ids={project_id})
            self.store.add_drafts(sid, doc_id, project_id, drafts)

    def _lock(self, sid: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(sid, threading.Lock())

    def _document(self, sid: str, doc_id: str) -> tuple[Document, dict[str, list[Any]]]:
        """The stored document (cached) and its findings by project."""
        key = (sid, doc_id)
        with self._guard:
            if key in self._docs:
                self._docs.move_to_end(key)
                return self._docs[key], self._findings[key]
        doc = self.store.load_documents(sid, doc_id)[0]
        by_project: dict[str, list[Any]] = {}
        for f in doc.findings:
            by_project.setdefault(f.project_id or "", []).append(f)
        with self._guard:
            self._docs[key], self._findings[key] = doc, by_project
            while len(self._docs) > self._cache_size:
                old, _ = self._docs.popitem(last=False)
                self._findings.pop(old, None)
        return doc, by_project


__all__ = ["LazyDrafter"]
