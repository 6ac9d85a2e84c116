"""Reviewer-facing Chinese names for finding codes, severities and review statuses.

One table shared by the UI, the exports and the checks, so a code reads the same everywhere.
"""

from __future__ import annotations

CODE_NAMES: dict[str, str] = {
    "EMPTY_ACTUAL": "实际完成值缺失",
    "ACTUAL_COPIES_TARGET": "完成值照抄指标值",
    "TARGET_NOT_MEASURABLE": "指标值不可衡量",
    "SCORE_OVER_WEIGHT": "得分超过分值",
    "UNEXPLAINED_DEDUCTION": "扣分未说明原因",
    "UNEXPLAINED_DEVIATION": "偏差未说明原因",
    "FULL_SCORE_ON_SHORTFALL": "未完成却得满分",
    "BOILERPLATE_EXPLANATION": "偏差说明套话",
    "MISPLACED_INDICATOR": "指标与项目不符",
    "GENERIC_INDICATOR": "模板化指标",
    "DIRECTION_ERROR": "指标方向错误",
    "YEAR_MISMATCH": "年份不符",
    "CATEGORY_MISMATCH": "指标归类错误",
    "INCONSISTENT_FIGURES": "数据前后矛盾",
    "ARITHMETIC_ERROR": "计算错误",
    "DUPLICATE_INDICATOR_SET": "指标体系重复",
    "EXACT_THRESHOLD_PATTERN": "完成值恰等于门槛",
}

SEVERITY_NAMES: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

# A finding's review status, as a 绩效科 says it: the problem is confirmed (with the draft or with the
# reviewer's own words) or it is not a problem. "驳回" is avoided: there it means sending a report back.
STATUS_NAMES: dict[str, str] = {"open": "待处理", "accepted": "确认问题", "edited": "修改后确认", "rejected": "不是问题"}

ACTION_NAMES: dict[str, str] = {"accept": "确认问题", "edit": "修改后确认", "reject": "不是问题", "reopen": "重新打开",
                                "undo": "撤销"}


def code_name(code: str) -> str:
    """The Chinese name of a finding code; unknown codes are shown as they are."""
    return CODE_NAMES.get(code, code)


def severity_name(severity: str) -> str:
    return SEVERITY_NAMES.get(severity, severity)


def status_name(status: str) -> str:
    return STATUS_NAMES.get(status, status)
