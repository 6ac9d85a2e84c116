"""How the store turns models and figures into what SQLite holds, and back."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def plain(obj: Any) -> Any:
    """A JSON-ready copy of a model tree, *including* fields marked exclude=True.

    The public JSON contract leaves those out, but export needs them (titles, budget cell
    text) to rebuild a report's original layout. Decimals become strings so they round-trip.
    """
    if isinstance(obj, BaseModel):
        return {name: plain(getattr(obj, name)) for name in type(obj).model_fields}
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [plain(v) for v in obj]
    if isinstance(obj, Decimal):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    try:
        return to_jsonable_python(obj)
    except Exception:  # noqa: BLE001 - evidence may hold anything; show it rather than fail
        return str(obj)


def dumps(obj: Any) -> str:
    return json.dumps(plain(obj), ensure_ascii=False)


def recomputed_total(project: dict[str, Any], weights: Decimal | None, scores: Decimal | None) -> Decimal | None:
    """The rows' scores added up, plus the funding score when the table counts it in the 总分 (its
    weight is what the rows' weights lack of the total weight), as the arithmetic check does."""
    if scores is None:
        return None
    budget = project.get("budget") or {}
    total_weight = decimal((project.get("total") or {}).get("weight")) or Decimal(100)
    budget_weight, budget_score = decimal(budget.get("weight")), decimal(budget.get("score"))
    if budget_score is not None and weights != total_weight and (weights or 0) + (budget_weight or 0) == total_weight:
        return scores + budget_score
    return scores


def decimal(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except ArithmeticError:
        return None


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return str(value)


__all__ = ["cell_text", "decimal", "dumps", "now", "plain", "recomputed_total"]
