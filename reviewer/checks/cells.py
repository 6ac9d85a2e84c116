"""Checks on what a row's cells say: EMPTY_ACTUAL, ACTUAL_COPIES_TARGET, TARGET_NOT_MEASURABLE,
DIRECTION_ERROR, CATEGORY_MISMATCH. Indicator natures come from vocab/indicators.toml; a row
whose nature the vocabulary cannot tell is recorded as not checked."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from reviewer.checks.base import Ctx, check, fmt, rows, values
from reviewer.model import IndicatorRow, Project
from reviewer.text import phrases, squash
from reviewer.vocab import natures as nat


def _figure_due(r: IndicatorRow) -> bool:
    """The row should carry a number: its target is one, or its name or 二级指标 asks for one."""
    target, _ = values(r)
    return target.kind in {"quantitative", "date"} or nat.asks_for_figure(r.indicator, r.level2)


def _project_has(p: Project, field: str) -> bool:
    return any(getattr(x, field) for x in p.rows)


@check
def empty_actual(ctx: Ctx) -> None:
    code = "EMPTY_ACTUAL"
    if ctx.doc.kind == "targets":  # not applicable: absent from coverage, like the score checks
        return
    with_column = {rep.project_id for rep in ctx.doc.parse if "actual" in rep.columns.values()}
    for p, r in rows(ctx.doc):
        # A 完成值 column left blank throughout is an unfilled self-evaluation (every row is empty);
        # without such a column the reader may have missed it, so the rows are not judged.
        if not _project_has(p, "actual") and p.id not in with_column:
            ctx.skip(code, "表中无实际完成值")
            continue
        target, actual = values(r)
        if actual.kind == "empty" and target.kind == "empty" and not (r.score and r.score > 0):
            ctx.skip(code, "整行无指标值与完成值，也未得分")
            continue
        ctx.checked(code)
        message = _empty_actual_message(r)
        if message:
            ctx.add(code, p, r, message[0], **message[1])


def _empty_actual_message(r: IndicatorRow) -> tuple[str, dict] | None:
    target, actual = values(r)
    same = squash(r.actual) == squash(r.target)
    tail = f"（指标值为“{target.text}”）" if target.text else ""
    if actual.kind == "empty" and target.kind == "empty":
        msg = (f"“{r.indicator}”没有指标值也没有实际完成值，却得分 {fmt(r.score)} 分，无法判断完成情况，"
               f"请补填指标值与实际完成值，或说明得分依据。")
        return msg, {"reason": "blank_row_scored"}
    if actual.kind == "empty":
        return f"“{r.indicator}”的实际完成值为空，无法判断完成情况，请填写可核实的实际数值。", {}
    if actual.is_bare_done:
        msg = f"“{r.indicator}”的实际完成值只写“{actual.text}”，没有可衡量的数值{tail}，请填写实际完成的数量、比例或时间。"
        return msg, {"reason": "bare_done"}
    if actual.is_as_expected and _figure_due(r):
        msg = f"“{r.indicator}”的实际完成值只写“{actual.text}”，是笼统的完成表述{tail}，应填写实际达到的数值。"
        return msg, {"reason": "as_expected"}
    if target.kind == "quantitative" and actual.kind == "qualitative" and not same:
        msg = (f"“{r.indicator}”的指标值为定量的“{target.text}”，实际完成值却是文字表述“{actual.text[:30]}”，"
               f"请填写与指标值同口径的实际数值。")
        return msg, {"reason": "slogan"}
    if actual.kind == "qualitative" and not re.search(r"\d", actual.text) and _restates(r):
        msg = (f"“{r.indicator}”的指标值只是重复指标名称，实际完成值“{actual.text[:30]}”也没有数值，"
               f"整行看不出完成了多少。")
        return msg, {"reason": "no_figure_anywhere"}
    if actual.kind == "qualitative" and nat.asks_for_figure(r.indicator, r.level2) and not same \
            and not re.search(r"\d", actual.text):
        msg = f"“{r.indicator}”应以数值衡量，实际完成值却是文字表述“{actual.text[:30]}”，没有可核实的数值。"
        return msg, {"reason": "slogan"}
    return None


@check
def actual_copies_target(ctx: Ctx) -> None:
    if ctx.doc.kind == "targets":
        return
    for p, r in rows(ctx.doc):
        if not r.target or not r.actual:
            ctx.skip("ACTUAL_COPIES_TARGET", "指标值或完成值为空")
            continue
        ctx.checked("ACTUAL_COPIES_TARGET")
        target, _ = values(r)
        if squash(r.target) != squash(r.actual):
            continue
        # "100%"→"100%" and "相关"→"相关" are answers; a copied comparator or a restated
        # sentence is not.
        if target.comparator is not None or (target.kind == "qualitative" and _states_intent(r.target)):
            ctx.add("ACTUAL_COPIES_TARGET", p, r,
                    f"“{r.indicator}”的实际完成值“{r.actual}”与指标值完全相同，未说明实际完成了多少，"
                    f"请填写实际发生的数值。")


def _states_intent(target: str | None) -> bool:
    """A sentence of what should happen ("保质保量完成", "完工及时率"), not a copied noun answer."""
    t = squash(target)
    if re.search(r"\d", t):  # "完成1部宣传片,2套方案" repeated is a figure met, like "100%" → "100%"
        return False
    return len(t) >= 4 and (len(t) >= 10 or t.endswith("率") or any(w in t for w in phrases("target", "intent")))


@check
def target_not_measurable(ctx: Ctx) -> None:
    code = "TARGET_NOT_MEASURABLE"
    for p, r in rows(ctx.doc):
        if not _project_has(p, "target"):
            ctx.skip(code, "表中无指标值")
            continue
        target, actual = values(r)
        if target.kind == "empty" and not (_figure_due(r) or actual.kind == "quantitative"):
            ctx.skip(code, "指标值为空，指标也不要求数值")
            continue
        ctx.checked(code)
        found = _unmeasurable(r)
        if found:
            ctx.add(code, p, r, found[0], reason=found[1])


def _unmeasurable(r: IndicatorRow) -> tuple[str, str] | None:
    target, _ = values(r)
    if target.kind == "empty":
        return f"“{r.indicator}”应有数值目标，指标值却为空，无法据此考核。", "empty"
    if target.kind != "qualitative":
        return None
    tgt = squash(r.target)
    if _restates(r):
        return (f"“{r.indicator}”的指标值“{r.target}”只是重复指标名称，没有数值、比较方向和计量单位，无法据此考核。",
                "restates_indicator")
    if _needs_number(r, tgt):
        return (f"“{r.indicator}”应设定可衡量的数值目标，指标值“{r.target}”是定性表述，无法判断是否完成。",
                "vague_for_numeric")
    if tgt.rstrip("。.") in phrases("target", "vague") and squash(r.actual) in {"", tgt}:
        return (f"“{r.indicator}”的指标值“{r.target}”只是笼统的方向或完成表述，没有可考核的标准。",
                "vague_phrase")
    return None


def _restates(r: IndicatorRow) -> bool:
    """A qualitative target made of the indicator's own words: equal, nearly equal, the indicator
    padded out ("可持续性服务" → "可持续性服务退休人员养老金发放"), or most of the indicator
    ("社会稳定" inside a 16-character indicator is a vague target, not a restatement)."""
    if values(r)[0].kind != "qualitative":
        return False
    ind, tgt = squash(r.indicator), squash(r.target)
    padded = len(ind) >= 4 and ind in tgt
    part = len(tgt) >= 3 and tgt in ind and len(tgt) >= 0.6 * len(ind)
    return tgt == ind or padded or part or fuzz.ratio(tgt, ind) >= 80


def _needs_number(r: IndicatorRow, tgt: str) -> bool:
    """A qualitative target where a figure is due: a rate/count/amount by its name (unless the
    sentence carries the figure), a 成本 target without an amount, an output (产出) target that
    only says "done", a 数量 target that names an activity (a level such as 市级保护单位 is an answer)."""
    if re.search(r"\d", tgt):
        return False
    if nat.ends_with_any(r.indicator, "numeric.suffixes") or squash(r.level2).startswith("成本"):
        return True
    output = squash(r.level1).startswith("产出") or squash(r.level2).startswith(("数量", "质量"))
    if output and tgt.rstrip("。.！!") in phrases("completion", "done"):
        return True
    # A 数量 target that states an activity ("完成立法调研") instead of how many.
    return squash(r.level2).startswith("数量") and any(w in tgt for w in phrases("target", "intent"))


@check
def direction_error(ctx: Ctx) -> None:
    code = "DIRECTION_ERROR"
    for p, r in rows(ctx.doc):
        target, _ = values(r)
        if target.comparator is None:
            ctx.skip(code, "指标值无比较符号")
            continue
        verdict = _direction_problem(r, target.comparator)
        if verdict is None:
            ctx.skip(code, nat.NATURE_UNKNOWN)
            continue
        ctx.checked(code)
        if verdict:
            ctx.add(code, p, r, verdict, comparator=target.comparator)


def _direction_problem(r: IndicatorRow, comparator: str) -> str | None:
    """The problem ("" when the direction is right), or None when the nature is unknown."""
    direction = nat.rate_direction(r.indicator)
    if comparator in {"<=", "<"}:
        if direction == "high":
            return f"“{r.indicator}”是越高越好的比率，指标值却写成“{r.target}”（上限），方向相反，应为“≥”。"
        if nat.is_floor(r.indicator, r.level2):
            return f"“{r.indicator}”是应达到的数量或金额，指标值却写成“{r.target}”（上限），方向相反，应为“≥”。"
        if direction == "low" or nat.is_reverse_name(r.indicator) or nat.is_cost_ceiling(r.indicator):
            return ""
        return None
    if comparator in {">=", ">"} and squash(r.level2).startswith("成本") and nat.is_cost_ceiling(r.indicator):
        return f"“{r.indicator}”是成本控制指标，应设上限“≤”，指标值却写成“{r.target}”。"
    if comparator in {">=", ">"} and direction == "low":
        return f"“{r.indicator}”是越低越好的比率，指标值却写成“{r.target}”（下限），方向相反，应为“≤”。"
    return ""


@check
def category_mismatch(ctx: Ctx) -> None:
    code = "CATEGORY_MISMATCH"
    for p, r in rows(ctx.doc):
        if not squash(r.level2) and not squash(r.level1):
            ctx.skip(code, "无一级/二级指标")
            continue
        reason = _category_problem(r)
        if reason is None:
            ctx.skip(code, nat.NATURE_UNKNOWN)
            continue
        ctx.checked(code)
        if reason:
            ctx.add(code, p, r, reason, level1=r.level1, level2=r.level2)


def _category_problem(r: IndicatorRow) -> str | None:
    """Why the row is misfiled ("" when it fits), or None when its nature is unknown."""
    l1, l2, ind = squash(r.level1), squash(r.level2), r.indicator
    satisfaction = nat.has_any(ind, "category.satisfaction")
    # Only a satisfaction *rate* belongs under 满意度指标; "市民对空气质量改善的满意程度" may
    # measure a social effect.
    if nat.ends_with_any(ind, "category.satisfaction_rate") and l2 and "满意" not in l2 and "满意" not in l1:
        return f"满意度类指标“{r.indicator}”应放在“满意度指标”下，却归在“{r.level2}”。"
    if "满意" in l1 or "满意" in l2:
        if satisfaction or nat.has_any(ind, "category.satisfaction_proxy"):
            return ""
        if nat.has_any(ind, "category.not_satisfaction"):
            return f"“{r.indicator}”不是满意度指标，却归在“{r.level2 or r.level1}”下。"
        return None
    if l2.startswith("生态"):
        return _fits(ind, "ecology.words", "category.not_ecology",
                     f"“{r.indicator}”与生态环境无关，却归在“{r.level2}”下。")
    if l2.startswith("时效"):
        if values(r)[0].kind == "date" or nat.has_any(r.target, "timeliness.words"):
            return ""
        return _fits(ind, "timeliness.words", "category.not_timeliness",
                     f"“{r.indicator}”不是时间或进度指标，却归在“时效指标”下。")
    if l2.startswith("成本"):
        if nat.has_any(ind, "category.not_cost") and not nat.is_cost_ceiling(ind):
            return f"“{r.indicator}”是完成或质量比率，不是成本指标，却归在“成本指标”下。"
        return ""
    return ""


def _fits(indicator: str, fit: str, misfit: str, message: str) -> str | None:
    if nat.has_any(indicator, fit):
        return ""
    if nat.has_any(indicator, misfit):
        return message
    return None
