"""Deterministic checks: one function per code family, registered in one list (base.CHECKS)."""

from __future__ import annotations

from reviewer.checks import cells, consistency, scoring  # noqa: F401  (registers the checks)
from reviewer.checks.base import CHECKS, SEVERITY, Ctx
from reviewer.checks.rules import Rules, load_rules
from reviewer.model import Document

__all__ = ["CHECKS", "SEVERITY", "Ctx", "Rules", "load_rules", "run_checks"]


def run_checks(doc: Document, rules: Rules | None = None) -> Document:
    """Append every deterministic finding and its coverage to `doc` (in place) and return it."""
    ctx = Ctx(doc=doc, rules=rules or load_rules())
    for check in CHECKS:
        check(ctx)
    return doc
