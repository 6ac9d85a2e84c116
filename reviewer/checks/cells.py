"""Checks on what a row's cells say: EMPTY_ACTUAL, ACTUAL_COPIES_TARGET, TARGET_NOT_MEASURABLE,
DIRECTION_ERROR, CATEGORY_MISMATCH."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from reviewer.checks.base import Ctx, check, rows, values
from reviewer.model import IndicatorRow
from reviewer.tables import norm

# Indicators whose name asks for a figure (a rate, a count, an amount, a standard).
NUMERIC_NATURE = re.compile(r"(率|数|数量|人数|人次|次数|户数|金额|费用|成本|标准|满意度|占比|比例|比重|天数|时长|规模|资金)$")
# Rates that should be high: a "≤" target on them points the wrong way.
HIGH_RATES = re.compile(r"(完成率|及时率|到位率|发放率|覆盖率|合格率|满意度|满意率|准确率|达标率|参保率|签订率|结案率|"
                        r"知晓率|使用率|执行率|兑现率|落实率|运转率|保障率|通过率|就业率|审核率|核查率|反馈率|到场率|征缴率)$")
NOT_HIGH = re.compile(r"控制率|结余率|调整率|故障率|失业率|投诉率|差错率|发生率|流失率")
# Collections and beneficiaries: a "≤" ceiling on them makes no sense.
FLOOR_AMOUNTS = re.compile(r"征缴|征收|收入|扩面|发放.*人数|补助人数|受益.*人|就业人数|培训人数|参保人数|转移人数|服务人次|"
                           r"享受.*(人数|人员数量|人次)|补贴人员|受助人")
COST_CEILING = re.compile(r"成本|费用|经费|控制数|控制额|预算控制|支出金额")
NOT_COST = re.compile(r"标准|补贴|补助|奖金|奖励|资助")
SATISFACTION = re.compile(r"满意")
TIMELY = re.compile(r"及时|时间|时限|按时|期限|进度|时效|按期|准时|月|日|年底|周期|当年|年内|年度内|前完成|时长|阶段|底前")
ECO = re.compile(r"节能|环保|绿色|生态|能耗|无纸|节约|环境|碳|污染|资源|水|电|纸")
COMPLETION_RATE = re.compile(r"(完成率|及时率|发放率|到位率|合格率|准确率)$")


def _indicator(text: str | None) -> str:
    return norm(text)


@check
def empty_actual(ctx: Ctx) -> None:
    if ctx.doc.kind == "targets":
        return
    for p, r in rows(ctx.doc):
        if r.actual is None and not r.target:
            ctx.skip("EMPTY_ACTUAL", "整行无指标值与完成值")
            continue
        ctx.checked("EMPTY_ACTUAL")
        target, actual = values(r)
        if actual.kind == "empty":
            ctx.add("EMPTY_ACTUAL", p, r, f"“{r.indicator}”的实际完成值为空，无法判断完成情况，请填写可核实的实际数值。")
        elif actual.is_bare_done:
            ctx.add("EMPTY_ACTUAL", p, r,
                    f"“{r.indicator}”的实际完成值只写“{actual.text}”，没有可衡量的数值"
                    f"{'（指标值为“' + target.text + '”）' if target.text else ''}，请填写实际完成的数量、比例或时间。",
                    reason="bare_done")
        elif target.kind == "quantitative" and actual.kind == "qualitative" and norm(r.actual) != norm(r.target):
            ctx.add("EMPTY_ACTUAL", p, r,
                    f"“{r.indicator}”的指标值为定量的“{target.text}”，实际完成值却是文字表述“{actual.text[:30]}”，"
                    f"请填写与指标值同口径的实际数值。", reason="slogan")
        elif actual.kind == "qualitative" and _asks_for_figure(r) and norm(r.actual) != norm(r.target) \
                and not re.search(r"\d", actual.text):
            ctx.add("EMPTY_ACTUAL", p, r,
                    f"“{r.indicator}”应以数值衡量，实际完成值却是文字表述“{actual.text[:30]}”，没有可核实的数值。",
                    reason="slogan")


def _asks_for_figure(r: IndicatorRow) -> bool:
    """A rate, count, amount or standard — by its name or by a 数量/成本 二级指标."""
    return bool(NUMERIC_NATURE.search(_indicator(r.indicator)) or re.search(r"年限$", _indicator(r.indicator))
                or norm(r.level2).startswith(("数量", "成本")))


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
        if norm(r.target) != norm(r.actual):
            continue
        # "100%"→"100%" and "相关"→"相关" are answers; a copied comparator or a restated
        # sentence is not.
        if target.comparator is not None or (target.kind == "qualitative" and len(norm(r.target)) >= 4):
            ctx.add("ACTUAL_COPIES_TARGET", p, r,
                    f"“{r.indicator}”的实际完成值“{r.actual}”与指标值完全相同，未说明实际完成了多少，"
                    f"请填写实际发生的数值。")


@check
def target_not_measurable(ctx: Ctx) -> None:
    for p, r in rows(ctx.doc):
        if not r.target:
            ctx.skip("TARGET_NOT_MEASURABLE", "指标值为空")
            continue
        ctx.checked("TARGET_NOT_MEASURABLE")
        target, _ = values(r)
        if target.kind != "qualitative":
            continue
        ind, tgt = _indicator(r.indicator), norm(r.target)
        # A target made of the indicator's own words: equal, nearly equal, the indicator padded
        # out ("可持续性服务" → "可持续性服务退休人员养老金发放"), or most of the indicator
        # ("社会稳定" inside a 16-character indicator is a vague target, not a restatement).
        padded = len(ind) >= 4 and ind in tgt
        part = len(tgt) >= 4 and tgt in ind and len(tgt) >= 0.6 * len(ind)
        restates = tgt == ind or padded or part or fuzz.ratio(tgt, ind) >= 80
        if restates:
            ctx.add("TARGET_NOT_MEASURABLE", p, r,
                    f"“{r.indicator}”的指标值“{r.target}”只是重复指标名称，没有数值、比较方向和计量单位，无法据此考核。",
                    reason="restates_indicator")
        elif NUMERIC_NATURE.search(ind):
            ctx.add("TARGET_NOT_MEASURABLE", p, r,
                    f"“{r.indicator}”应设定可衡量的数值目标，指标值“{r.target}”是定性表述，无法判断是否完成。",
                    reason="vague_for_numeric")


@check
def direction_error(ctx: Ctx) -> None:
    for p, r in rows(ctx.doc):
        target, _ = values(r)
        if target.comparator is None:
            ctx.skip("DIRECTION_ERROR", "指标值无比较符号")
            continue
        ctx.checked("DIRECTION_ERROR")
        ind = _indicator(r.indicator)
        problem = None
        if target.comparator in {"<=", "<"}:
            if HIGH_RATES.search(ind) and not NOT_HIGH.search(ind):
                problem = f"“{r.indicator}”是越高越好的比率，指标值却写成“{r.target}”（上限），方向相反，应为“≥”。"
            elif FLOOR_AMOUNTS.search(ind):
                problem = f"“{r.indicator}”是应达到的数量或金额，指标值却写成“{r.target}”（上限），方向相反，应为“≥”。"
        elif target.comparator in {">=", ">"} and (r.level2 or "").startswith("成本") \
                and COST_CEILING.search(ind) and not NOT_COST.search(ind):
            problem = f"“{r.indicator}”是成本控制指标，应设上限“≤”，指标值却写成“{r.target}”。"
        if problem:
            ctx.add("DIRECTION_ERROR", p, r, problem, comparator=target.comparator)


@check
def category_mismatch(ctx: Ctx) -> None:
    for p, r in rows(ctx.doc):
        l1, l2, ind = norm(r.level1), norm(r.level2), _indicator(r.indicator)
        if not l2 and not l1:
            ctx.skip("CATEGORY_MISMATCH", "无一级/二级指标")
            continue
        ctx.checked("CATEGORY_MISMATCH")
        reason = None
        if SATISFACTION.search(ind) and l2 and "满意" not in l2 and "满意" not in l1:
            reason = f"满意度类指标“{r.indicator}”应放在“满意度指标”下，却归在“{r.level2}”。"
        elif l2.startswith("生态") and not ECO.search(ind):
            reason = f"“{r.indicator}”与生态环境无关，却归在“{r.level2}”下。"
        elif l2.startswith("时效") and not TIMELY.search(ind) and not TIMELY.search(norm(r.target)) \
                and values(r)[0].kind != "date":
            reason = f"“{r.indicator}”不是时间或进度指标，却归在“时效指标”下。"
        elif l2.startswith("成本") and COMPLETION_RATE.search(ind):
            reason = f"“{r.indicator}”是完成或质量比率，不是成本指标，却归在“成本指标”下。"
        elif "满意" in l1 and not SATISFACTION.search(ind) and re.search(r"执行率|完成率", ind):
            reason = f"“{r.indicator}”不是满意度指标，却归在“{r.level1}”下。"
        if reason:
            ctx.add("CATEGORY_MISMATCH", p, r, reason, level1=r.level1, level2=r.level2)
