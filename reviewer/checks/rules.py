"""The rules table (rules.toml, or the file named by REVIEWER_RULES) as typed values.

Checks and drafts read the same Rules, so a province's file changes both. Every key of the
sections below is read; a key the code does not know is refused (a typo would otherwise be
ignored silently). Sections owned by other stages ([similarity]) are left to them.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from reviewer.errors import InputError, SetupError
from reviewer.settings import os_reason

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "rules.toml"

# The keys this module reads, per section.
KNOWN_KEYS: dict[str, set[str]] = {
    "weights": {"total"},  # plus one default weight per 一级指标 name
    "execution_rate": {"cap"},
    "scoring": {"partial_credit"},
    "qualitative": {"achieved", "partly", "not_achieved"},
    "tolerance": {"rate_points", "score", "money_relative"},
    "deviation": {"over_share"},
    "exact_threshold": {"min_rows", "share"},
}
BAND_NAMES = {"achieved": "达成", "partly": "部分达成", "not_achieved": "未达成"}


@dataclass(frozen=True)
class Rules:
    level1_weights: dict[str, Decimal]  # default weights, reported next to a weight-sum finding
    total_weight: Decimal
    execution_cap: Decimal  # 预算执行率 score = min(rate, cap) × weight
    partial_credit: bool  # a missed 定量 target earns weight × completion (else nothing)
    rate_tolerance: Decimal  # as a fraction (0.005 = 0.5 percentage point)
    score_tolerance: Decimal
    money_tolerance: Decimal
    over_share: Decimal  # over-achievement of this share or more needs an explanation
    qualitative: dict[str, tuple[Decimal, Decimal]]  # band → (low, high) shares of the weight
    exact_threshold_min_rows: int
    exact_threshold_share: Decimal

    @property
    def over_ratio(self) -> Decimal:
        """Completion ratio from which a row counts as over-achieved (1.3 for a 30 % share)."""
        return 1 + self.over_share

    def execution_score(self, rate: Decimal, weight: Decimal) -> Decimal:
        """What the 执行率 line earns: min(rate, cap) × weight."""
        return min(rate, self.execution_cap) * weight

    def allowed_score(self, weight: Decimal, ratio: Decimal) -> Decimal:
        """The most a missed 定量 row may earn under the proportional rule."""
        return weight * min(ratio, Decimal(1)) if self.partial_credit else Decimal(0)

    def band_ceiling(self, band: str, weight: Decimal) -> Decimal:
        """The most a 定性 row graded `band` may earn."""
        return self.qualitative[band][1] * weight


def _d(x: object) -> Decimal:
    return Decimal(str(x))


def _check_keys(raw: dict, path: str) -> None:
    for section, keys in KNOWN_KEYS.items():
        if section not in raw:
            raise InputError(f"评分规则文件缺少 [{section}] 一节", path)
        extra = set(raw[section]) - keys
        if section != "weights" and extra:
            raise InputError(f"评分规则文件 [{section}] 中有无法识别的设置：{'、'.join(sorted(extra))}", path)


@lru_cache(maxsize=8)
def _load(path: str) -> Rules:
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
        _check_keys(raw, path)
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
        execution_cap=_d(raw["execution_rate"]["cap"]),
        partial_credit=bool(raw["scoring"]["partial_credit"]),
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
