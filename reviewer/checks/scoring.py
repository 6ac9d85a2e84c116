"""Checks on scores against the rules table: SCORE_OVER_WEIGHT, UNEXPLAINED_DEDUCTION,
UNEXPLAINED_DEVIATION, FULL_SCORE_ON_SHORTFALL, and ARITHMETIC_ERROR (rows, 执行率, totals, weights)."""

from __future__ import annotations

from decimal import Decimal

from reviewer.checks.base import Ctx, budget_rate, check, explanation_missing, fmt, fmt_c, pct, rows, values
from reviewer.checks.deviation import Deviation, deviation
from reviewer.checks.rules import BAND_NAMES
from reviewer.model import IndicatorRow, Project
from reviewer.text import squash
from reviewer.values import qualitative_grade


def _cells(row: IndicatorRow) -> str:
    return f"指标值“{row.target}”、实际完成值“{row.actual}”"


@check
def score_over_weight(ctx: Ctx) -> None:
    for p, r in rows(ctx.doc):
        if r.weight is None or r.score is None:
            ctx.skip("SCORE_OVER_WEIGHT", "分值或得分缺失")
            continue
        ctx.checked("SCORE_OVER_WEIGHT")
        if r.score > r.weight:  # exact: a score either exceeds its weight or it does not
            ctx.add("SCORE_OVER_WEIGHT", p, r,
                    f"“{r.indicator}”得分 {fmt(r.score)} 超过其分值 {fmt(r.weight)}，得分不能高于分值。",
                    excess=r.score - r.weight)


@check
def deductions_and_deviations(ctx: Ctx) -> None:
    if ctx.doc.kind == "targets":
        return
    for p, r in rows(ctx.doc):
        dev = deviation(r, ctx.rules)
        scored = r.weight is not None and r.score is not None
        # Whether a score equals its weight is exact: 1.9 of 2 is a deduction, not full marks.
        if not scored:
            ctx.skip("UNEXPLAINED_DEDUCTION", "分值或得分缺失")
        else:
            ctx.checked("UNEXPLAINED_DEDUCTION")
            if r.score < r.weight and explanation_missing(r):
                ctx.add("UNEXPLAINED_DEDUCTION", p, r,
                        f"“{r.indicator}”分值 {fmt(r.weight)}、得分 {fmt(r.score)}，扣了 {fmt(r.weight - r.score)} 分，"
                        f"但偏差原因分析为“{r.explanation or '空'}”，请说明扣分原因及改进措施。",
                        points_lost=r.weight - r.score)
        # UNEXPLAINED_DEVIATION and FULL_SCORE_ON_SHORTFALL need a judgeable deviation.
        for code in ("UNEXPLAINED_DEVIATION", "FULL_SCORE_ON_SHORTFALL"):
            if dev.kind == "unknown":
                ctx.skip(code, dev.reason)
            else:
                ctx.checked(code)
        if dev.kind in {"short", "over"} and explanation_missing(r):
            what = "未达到指标值" if dev.kind == "short" else f"超出指标值 {pct(dev.ratio - 1) if dev.ratio else ''}"
            ctx.add("UNEXPLAINED_DEVIATION", p, r,
                    f"“{r.indicator}”{_cells(r)}，{what}，但未说明偏差原因和改进措施。",
                    deviation=dev.kind, completion=dev.ratio)
        if dev.kind == "short" and scored and r.score >= r.weight:
            ctx.add("FULL_SCORE_ON_SHORTFALL", p, r,
                    f"“{r.indicator}”{_cells(r)}，未达到指标值却得满分（{fmt(r.score)}/{fmt(r.weight)}），"
                    f"应按完成比例扣分并说明原因。",
                    completion=dev.ratio)
        elif scored:
            _row_arithmetic(ctx, p, r, dev)


def _row_arithmetic(ctx: Ctx, p: Project, r: IndicatorRow, dev: Deviation) -> None:
    """A row scored above what the rules allow: the proportional rule for a missed figure, the
    执行率 rule for a 预算执行率 row, the qualitative bands for a graded 定性 row."""
    assert r.weight is not None and r.score is not None
    rules = ctx.rules
    _, actual = values(r)
    if "预算执行率" in squash(r.indicator) and actual.percent and actual.scaled is not None:
        # A row that contradicts the funding table is INCONSISTENT_FIGURES; a score that
        # follows either figure is not an arithmetic error.
        table = budget_rate(p.budget)
        rates = [actual.scaled] + ([table] if table is not None else [])
        allowed = max(rules.execution_score(x, r.weight) for x in rates)
        rule = f"执行率 {pct(actual.scaled)}，按“得分=执行率×分值”"
    elif dev.kind == "short" and dev.ratio is not None:
        allowed = rules.allowed_score(r.weight, dev.ratio)
        rule = f"完成比例为 {pct(dev.ratio)}，按评分规则" if rules.partial_credit else "未完成指标不得分，按评分规则"
    elif dev.ratio is None and (band := qualitative_grade(r.actual)) in {"partly", "not_achieved"}:
        allowed = rules.band_ceiling(band, r.weight)
        rule = f"完成情况为“{r.actual}”（{BAND_NAMES[band]}），按定性评分档次"
    else:
        return
    ctx.checked("ARITHMETIC_ERROR")
    if r.score > allowed + rules.score_tolerance:
        ctx.add("ARITHMETIC_ERROR", p, r,
                f"“{r.indicator}”{rule}最多得 {fmt_c(allowed)} 分，实际给了 {fmt(r.score)} 分，得分虚高。",
                completion=dev.ratio, allowed_score=allowed)


@check
def budget_arithmetic(ctx: Ctx) -> None:
    rules = ctx.rules
    for p in ctx.doc.projects:
        b = p.budget
        if ctx.doc.kind == "narrative" and b is not None and b.full == 0 and p.total and p.total.score:
            # A listed project with no money cannot have earned its 预算执行率 points (001).
            ctx.checked("ARITHMETIC_ERROR")
            ctx.add("ARITHMETIC_ERROR", p, None,
                    f"“{p.name}”预算金额为 0，执行率无从计算，却自评得分 {fmt(p.total.score)} 分，请核实评分依据。",
                    budget=b.full, score=p.total.score)
            continue
        if b is None or ctx.doc.kind in {"targets", "narrative"}:
            ctx.skip("ARITHMETIC_ERROR", "无资金执行表" if b is None else "目标表/报告不含执行数")
            continue
        if b.full is not None and b.full == 0:
            ctx.checked("ARITHMETIC_ERROR")
            ctx.add("ARITHMETIC_ERROR", p, None, f"“{p.name}”全年预算数为 0，执行率无从计算，不应计分。")
            continue
        if b.full is None or b.spent is None:
            ctx.skip("ARITHMETIC_ERROR", "预算数或执行数缺失")
            continue
        ctx.checked("ARITHMETIC_ERROR")
        actual_rate = b.spent / b.full
        reported = budget_rate(b)
        if reported is not None and abs(reported - actual_rate) > rules.rate_tolerance:
            ctx.add("ARITHMETIC_ERROR", p, None,
                    f"“{p.name}”执行率填报 {pct(reported)}，但全年执行数 {fmt(b.spent)} ÷ 全年预算数 {fmt(b.full)} "
                    f"= {pct(actual_rate)}。", computed_rate=actual_rate, reported_rate=reported)
        rate = reported if reported is not None else actual_rate
        if b.weight is not None and b.score is not None:
            expected = rules.execution_score(rate, b.weight)
            if abs(expected - b.score) > rules.score_tolerance and abs(expected.quantize(Decimal(1)) - b.score) > 0:
                ctx.add("ARITHMETIC_ERROR", p, None,
                        f"“{p.name}”预算执行率 {pct(rate)}，分值 {fmt(b.weight)}，按“得分=执行率×分值”应得 "
                        f"{fmt_c(expected)} 分，表中填 {fmt(b.score)} 分。", expected_score=expected, reported_score=b.score)


@check
def totals_and_weights(ctx: Ctx) -> None:
    for p in ctx.doc.projects:
        if not p.rows or ctx.doc.kind == "targets":
            continue
        _weight_sum(ctx, p)
        _level1_sums(ctx, p)
        _score_sum(ctx, p)


def _budget_weight(p: Project) -> Decimal:
    """The 预算执行率 weight to add to the rows' weights: its *weight*, never its score, and
    nothing when a 预算执行率 row among the indicators already carries it."""
    b = p.budget
    if b is None or b.weight is None or any("预算执行率" in squash(r.indicator) for r in p.rows):
        return Decimal(0)
    return b.weight


def _weight_sum(ctx: Ctx, p: Project) -> None:
    rules = ctx.rules
    if p.total is None:
        # Without a 总分 row the table may be cut off (a page ends): the sum proves nothing.
        ctx.skip("ARITHMETIC_ERROR", "无总分行，分值合计无从核对")
        return
    if all(r.weight is None for r in p.rows):
        ctx.skip("ARITHMETIC_ERROR", "表中无分值，分值合计无从核对")
        return
    missing = [r for r in p.rows if r.weight is None]
    wsum = sum((r.weight for r in p.rows if r.weight is not None), Decimal(0))
    total_w = p.total.weight if p.total.weight is not None else rules.total_weight
    if p.budget is None and total_w - wsum == rules.level1_weights.get("预算执行率"):
        # The gap is exactly the 预算执行率 points of a funding block the reader did not find: nothing proven.
        ctx.skip("ARITHMETIC_ERROR", "未读到资金执行表，分值合计差额恰为预算执行率分值，无从核对")
        return
    ctx.checked("ARITHMETIC_ERROR")
    bw = _budget_weight(p)
    if wsum == total_w or wsum + bw == total_w:
        return
    gap = f"（{len(missing)} 个指标未填分值）" if missing else ""
    plus = f"（加预算执行率分值 {fmt(bw)} 分为 {fmt(wsum + bw)}）" if bw else ""
    by_level = {}
    for r in p.rows:
        key = squash(r.level1) or "未标一级指标"
        by_level[key] = by_level.get(key, Decimal(0)) + (r.weight or 0)
    defaults = "、".join(f"{k} {fmt(v)}" for k, v in rules.level1_weights.items())
    ctx.add("ARITHMETIC_ERROR", p, None,
            f"“{p.name}”各指标分值合计 {fmt(wsum)}{gap}{plus}，与总分值 {fmt(total_w)} 不符"
            f"（各一级指标分值：{'、'.join(f'{k} {fmt(v)}' for k, v in by_level.items())}；默认权重为 {defaults}）。",
            weight_sum=wsum, total_weight=total_w, budget_weight=bw, level1_sums=by_level,
            default_weights=rules.level1_weights)


def _level1_sums(ctx: Ctx, p: Project) -> None:
    if p.total is None:  # a table without its 总分 row may be cut off: a partial sum proves nothing
        return
    for level1, declared in p.level1_weights.items():
        got = sum((r.weight or 0 for r in p.rows if squash(r.level1) == squash(level1)), Decimal(0))
        if got and got != declared:
            ctx.add("ARITHMETIC_ERROR", p, None,
                    f"“{p.name}”的“{level1}”标明 {fmt(declared)} 分，其下各指标分值合计却为 {fmt(got)} 分。",
                    level1=level1, declared=declared, sum=got)


def _score_sum(ctx: Ctx, p: Project) -> None:
    rules, b = ctx.rules, p.budget
    if p.total is None or p.total.score is None:
        ctx.skip("ARITHMETIC_ERROR", "无总分行")
        return
    scores = [r.score for r in p.rows]
    if any(s is None for s in scores):
        ctx.skip("ARITHMETIC_ERROR", "部分指标缺少得分")
        return
    ctx.checked("ARITHMETIC_ERROR")
    ssum = sum(scores, Decimal(0))  # type: ignore[arg-type]
    with_budget = ssum + (b.score if b and b.score is not None and _budget_weight(p) else 0)
    if abs(ssum - p.total.score) > rules.score_tolerance and abs(with_budget - p.total.score) > rules.score_tolerance:
        ctx.add("ARITHMETIC_ERROR", p, None,
                f"“{p.name}”总分填报 {fmt(p.total.score)}，各指标得分合计为 {fmt(ssum)}"
                f"{'（含预算执行率得分为 ' + fmt(with_budget) + '）' if with_budget != ssum else ''}。",
                score_sum=ssum, reported_total=p.total.score)
