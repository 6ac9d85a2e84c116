"""SQLite store for review sessions: documents, rows, findings, drafts, decisions and an audit log.

One connection per operation (safe across threads and processes), WAL journal, writes inside
``BEGIN IMMEDIATE`` so two reviewers deciding at once serialise instead of overwriting each
other. Schema changes are small functions in ``migrations.MIGRATIONS``, applied in order and
recorded in ``_migrations`` so an old database opens in a new version.

The Store is one class assembled from one mixin per concern: sessions and documents
(sessions.py), finding queries (findings.py), decisions and undo (decisions.py), the audit
log (audit.py), over the plumbing in db.py.
"""

from __future__ import annotations

from reviewer.model import critiques_for
from reviewer.store.audit import AuditMixin
from reviewer.store.db import DEFAULT_REVIEWER, StoreError
from reviewer.store.decisions import ACTIONS, DecisionsMixin
from reviewer.store.encoding import plain
from reviewer.store.findings import FindingsMixin
from reviewer.store.migrations import MIGRATIONS
from reviewer.store.records import (
    FilterOptions,
    FindingDetail,
    FindingFilter,
    FindingRecord,
    GroupRecord,
    ProjectOption,
    SessionInfo,
)
from reviewer.store.sessions import SessionsMixin


class Store(SessionsMixin, FindingsMixin, DecisionsMixin, AuditMixin):
    """Review sessions in one SQLite file (default: settings.db_path under REVIEWER_HOME)."""


__all__ = [
    "ACTIONS",
    "DEFAULT_REVIEWER",
    "MIGRATIONS",
    "FilterOptions",
    "FindingDetail",
    "FindingFilter",
    "FindingRecord",
    "GroupRecord",
    "ProjectOption",
    "SessionInfo",
    "Store",
    "StoreError",
    "critiques_for",
    "plain",
]
