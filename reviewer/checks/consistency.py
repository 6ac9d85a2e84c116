"""Checks that compare cells with each other and with the report: INCONSISTENT_FIGURES, YEAR_MISMATCH."""

from __future__ import annotations

import re
from decimal import Decimal

from reviewer.checks.base import Ctx, budget_rate, check, fmt, pct, rows, values
from reviewer.text import normalise_text, phrases, squash
from reviewer.values import parse_value, years_in
from reviewer.vocab import alternation
from reviewer.vocab.natures import NATURE_UNKNOWN, is_capped_rate, is_cost_ceiling, rate_direction

FUND_DOC = re.compile(r"[\u4e00-\u9fff]{1,3}财[\u4e00-\u9fff]{1,2}[\[【〔(（]\s*(\d{4})\s*[\]】〕)）]\s*(\d+)\s*号")


@check
def execution_rate_row(ctx: Ctx) -> None:
    """A 预算执行率 row must agree with the funding table."""
    for p, r in rows(ctx.doc):
        if "预算执行率" not in squash(r.indicator):
            continue
        b = p.budget
        rate = budget_rate(b)
        if rate is None and b and b.full and b.spent is not None:
            rate = b.spent / b.full
        _, actual = values(r)
        if rate is None or actual.kind != "quantitative" or not actual.percent:
            ctx.skip("INCONSISTENT_FIGURES", "无法对照资金表执行率")
            continue
        ctx.checked("INCONSISTENT_FIGURES")
        assert actual.scaled is not None
        if abs(actual.scaled - rate) > ctx.rules.rate_tolerance:
            ctx.add("INCONSISTENT_FIGURES", p, r,
                    f"指标行“预算执行率”实际完成值填 {r.actual}，但项目资金表的执行率为 {pct(rate)}"
                    f"（{fmt(b.spent) if b else '—'}/{fmt(b.full) if b else '—'}），两处不一致。",
                    row_rate=actual.scaled, table_rate=rate)


@check
def cost_row_reports_budget(ctx: Ctx) -> None:
    """A 成本 row whose actual is the year's budget while the funding table shows less was spent:
    the budget was copied in, not the cost incurred."""
    for p, r in rows(ctx.doc):
        b = p.budget
        if not squash(r.level2).startswith("成本") or not is_cost_ceiling(r.indicator):
            continue
        _, actual = values(r)
        if b is None or b.full is None or b.spent is None or actual.kind != "quantitative" or actual.percent \
                or (actual.unit and "/" in actual.unit):
            ctx.skip("INCONSISTENT_FIGURES", "成本行无法对照资金表执行数")
            continue
        ctx.checked("INCONSISTENT_FIGURES")
        tol = abs(b.full) * ctx.rules.money_tolerance
        # The cell may be in 元 or in the table's 万元: either reading may match the budget.
        readings = {x for x in (actual.number, actual.scaled) if x is not None}
        if any(abs(x - b.full) <= tol for x in readings) and b.full - b.spent > tol:
            ctx.add("INCONSISTENT_FIGURES", p, r,
                    f"成本指标“{r.indicator}”实际完成值填 {r.actual}，等于全年预算数 {fmt(b.full)}，"
                    f"但资金表全年执行数为 {fmt(b.spent)}，实际成本应按执行数填报。",
                    budget=b.full, spent=b.spent)


@check
def impossible_or_mixed_units(ctx: Ctx) -> None:
    for p, r in rows(ctx.doc):
        target, actual = values(r)
        if actual.kind != "quantitative":
            continue
        ind = squash(r.indicator)
        over_100 = actual.percent and actual.scaled is not None and actual.scaled > 1
        if over_100 and not is_capped_rate(ind) and rate_direction(ind) is None:
            # 完成率 may pass 100 %, 覆盖率 may not; a rate the vocabulary does not know is not judged.
            ctx.skip("INCONSISTENT_FIGURES", NATURE_UNKNOWN)
            continue
        ctx.checked("INCONSISTENT_FIGURES")
        if over_100 and is_capped_rate(ind):
            ctx.add("INCONSISTENT_FIGURES", p, r, f"“{r.indicator}”的实际完成值 {r.actual} 超过 100%，该比率不可能超过 100%。")
        elif target.kind == "quantitative" and target.base_unit and actual.base_unit \
                and target.base_unit != actual.base_unit:
            ctx.add("INCONSISTENT_FIGURES", p, r,
                    f"“{r.indicator}”指标值“{r.target}”与实际完成值“{r.actual}”计量单位不同"
                    f"（{target.unit or '无单位'} / {actual.unit or '无单位'}），无法比较。",
                    target_unit=target.unit, actual_unit=actual.unit)


@check
def budget_rate_over_100(ctx: Ctx) -> None:
    for p in ctx.doc.projects:
        b = p.budget
        rate = budget_rate(b)
        if rate is not None and rate > 1 + ctx.rules.rate_tolerance:
            ctx.add("INCONSISTENT_FIGURES", p, None, f"“{p.name}”预算执行率 {pct(rate)} 超过 100%，执行数大于预算数，请核实。")


@check
def title_names_other_fund(ctx: Ctx) -> None:
    for p in ctx.doc.projects:
        if not p.title:
            continue
        t, n = FUND_DOC.search(normalise_text(p.title)), FUND_DOC.search(normalise_text(p.name))
        if not t or not n:
            continue
        ctx.checked("INCONSISTENT_FIGURES")
        if t.groups() != n.groups():
            ctx.add("INCONSISTENT_FIGURES", p, None,
                    f"表格标题引用的资金文件（{t.group(0)}）与项目名称中的文件（{n.group(0)}）不一致，"
                    f"请核实本表对应哪一笔资金。", title=p.title, name=p.name)


@check
def narrative_total(ctx: Ctx) -> None:
    """The score stated in the report's text must match the table's 总分."""
    totals = [p for p in ctx.doc.projects if p.total and p.total.score is not None and p.rows]
    if ctx.doc.kind != "department_selfeval" or len(totals) != 1:
        return
    table = totals[0]
    assert table.total is not None and table.total.score is not None
    for para in ctx.doc.paragraphs:
        for m in re.finditer(r"(?:整体)?(?:绩效)?自评(?:得分|分数)为?\s*(\d+(?:\.\d+)?)\s*分", normalise_text(para.text)):
            ctx.checked("INCONSISTENT_FIGURES")
            stated = Decimal(m.group(1))
            if abs(stated - table.total.score) > ctx.rules.score_tolerance:
                ctx.add("INCONSISTENT_FIGURES", table, None,
                        f"报告正文称自评得分 {fmt(stated)} 分（{para.where}），自评表总分为 {fmt(table.total.score)} 分。",
                        stated=stated, table_total=table.total.score, where=para.where)


@check
def same_indicator_two_tables(ctx: Ctx) -> None:
    """A department report that lists one indicator in two tables must give it one target and
    one actual (002: 表3-2 and 附件1)."""
    if ctx.doc.kind != "department_selfeval":
        return
    first: dict[str, tuple] = {}
    for p, r in rows(ctx.doc):
        key = squash(r.indicator)
        if key not in first:
            first[key] = (p, r)
            continue
        p0, r0 = first[key]
        if p0.id == p.id:
            continue
        ctx.checked("INCONSISTENT_FIGURES")
        for field, label in (("actual", "实际完成值"), ("target", "指标值")):
            a0, a1 = getattr(r0, field), getattr(r, field)
            if not a0 or not a1 or _same_value(a0, a1, ctx):
                continue
            ctx.add("INCONSISTENT_FIGURES", p, r,
                    f"“{r.indicator}”在“{p0.name}”中{label}为“{a0}”，在本表中为“{a1}”，同一指标两处不一致。",
                    field=field, other_project=p0.name, other_value=a0, other_where=r0.where)
            break


def _same_value(a: str, b: str, ctx: Ctx) -> bool:
    va, vb = parse_value(a), parse_value(b)
    if va.kind == vb.kind == "quantitative" and va.scaled is not None and vb.scaled is not None:
        return abs(va.scaled - vb.scaled) <= ctx.rules.rate_tolerance and va.comparator == vb.comparator
    return squash(a).strip("()（）") == squash(b).strip("()（）")


@check
def year_mismatch(ctx: Ctx) -> None:
    year = ctx.doc.year
    if year is None:
        ctx.skip("YEAR_MISMATCH", "报告年度不明")
        return
    strict = ctx.doc.kind == "targets"
    for p, r in rows(ctx.doc):
        ctx.checked("YEAR_MISMATCH")
        for field, text in (("target", r.target), ("actual", r.actual), ("indicator", r.indicator),
                            ("description", r.description), ("explanation", r.explanation)):
            # Explanations may compare with last year or plan the next: only far-off years count.
            loose = field == "explanation"
            bad = [y for y in years_in(text) if (abs(y - year) > 1 if loose else y != year)]
            if bad:
                ctx.add("YEAR_MISMATCH", p, r,
                        f"“{r.indicator}”的{_FIELD[field]}中出现 {bad[0]} 年，与报告年度 {year} 年不符。",
                        field=field, year_found=bad[0], report_year=year, text=text)
                break
    for p in ctx.doc.projects:
        period = years_in(p.period)
        if period and not min(period) <= year <= max(period):
            # A project period that does not cover the report's year: the form was copied from
            # another year's, or the period was mistyped.
            ctx.add("YEAR_MISMATCH", p, None,
                    f"“{p.name}”的项目期/建设周期“{p.period}”不含报告年度 {year} 年。",
                    field="period", year_found=period[0], report_year=year, text=p.period)
        for field, text in (("purpose", p.purpose), ("achieved", p.achieved)):
            # Years long before the report are citations of policies ("2009年出台"), not periods.
            bad = [y for y in years_in(text) if y >= year - 5
                   and (y != year if strict else y < year - 1 or y > year + 1)
                   and not (y == year - 1 and _cites_last_year(text, y))]
            if bad:
                ctx.add("YEAR_MISMATCH", p, None,
                        f"“{p.name}”的{_FIELD[field]}写到 {bad[0]} 年，与报告年度 {year} 年不符。",
                        field=field, year_found=bad[0], report_year=year, text=text)


def _cites_last_year(text: str | None, y: int) -> bool:
    """"结转2024年…资金" in a 2025 plan speaks of last year's money, not of the period."""
    cues = alternation(list(phrases("year", "last_year_cues")))
    return bool(re.search(rf"(?:{cues})\D{{0,4}}{y}\s*年", normalise_text(text)))


_FIELD = {"target": "指标值", "actual": "实际完成值", "indicator": "指标名称", "description": "指标说明",
          "explanation": "偏差原因分析", "purpose": "绩效目标/资金用途", "achieved": "实际完成情况"}
