"""The rules table (rules.toml, or the file named by REVIEWER_RULES) as typed values."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from reviewer.errors import SetupError
from reviewer.settings import os_reason

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "rules.toml"


@dataclass(frozen=True)
class Rules:
    level1_weights: dict[str, Decimal]
    total_weight: Decimal
    rate_tolerance: Decimal  # as a fraction (0.005 = 0.5 percentage point)
    score_tolerance: Decimal
    money_tolerance: Decimal
    over_share: Decimal
    qualitative: dict[str, tuple[Decimal, Decimal]]
    exact_threshold_min_rows: int
    exact_threshold_share: Decimal


def _d(x: object) -> Decimal:
    return Decimal(str(x))


@lru_cache(maxsize=8)
def _load(path: str) -> Rules:
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
        return _rules(raw)
    except OSError as err:
        raise SetupError(f"规则文件 {path} 无法读取（{os_reason(err)}）；请检查 REVIEWER_RULES") from None
    except tomllib.TOMLDecodeError as err:
        where = re.search(r"line (\d+), column (\d+)", str(err))
        at = f"第 {where.group(1)} 行第 {where.group(2)} 列" if where else ""
        raise SetupError(f"规则文件 {path} 不是有效的 TOML（{at}有误）；请检查 REVIEWER_RULES") from None
    except (KeyError, IndexError, TypeError, ValueError, ArithmeticError) as err:
        what = err.args[0] if isinstance(err, KeyError) and err.args else "数值格式"
        raise SetupError(f"规则文件 {path} 缺少或写错了“{what}”一项；可对照自带的 rules.toml 修改 REVIEWER_RULES") \
            from None


def _rules(raw: dict) -> Rules:
    weights = {k: _d(v) for k, v in raw["weights"].items() if k != "total"}
    tol = raw["tolerance"]
    return Rules(
        level1_weights=weights,
        total_weight=_d(raw["weights"].get("total", 100)),
        rate_tolerance=_d(tol["rate_points"]) / 100,
        score_tolerance=_d(tol["score"]),
        money_tolerance=_d(tol["money_relative"]),
        over_share=_d(raw["deviation"]["over_share"]),
        qualitative={k: (_d(v[0]), _d(v[1])) for k, v in raw["qualitative"].items()},
        exact_threshold_min_rows=int(raw["exact_threshold"]["min_rows"]),
        exact_threshold_share=_d(raw["exact_threshold"]["share"]),
    )


def load_rules(path: str | Path | None = None) -> Rules:
    """Rules from `path`, REVIEWER_RULES, or the shipped defaults."""
    return _load(str(path or os.environ.get("REVIEWER_RULES") or DEFAULT_RULES))
