"""EXACT_THRESHOLD_PATTERN: many actuals exactly at their targets' thresholds."""

from __future__ import annotations

from reviewer.model import Document, IndicatorRow, Project


def check_exact_threshold(documents: list[Document], ctxs) -> None:
    """Projects (or, in a department table, goals) whose actuals sit exactly on the threshold."""
    code = "EXACT_THRESHOLD_PATTERN"
    for di, doc in enumerate(documents):
        ctx = ctxs[di]
        rules = ctx.rules
        min_rows, min_share = rules.exact_threshold_min_rows, float(rules.exact_threshold_share)
        pooled: list[tuple[Project, IndicatorRow, bool]] = []
        flagged_any = False
        for p in doc.projects:
            if not p.rows:
                ctx.skip(code, "项目无指标行")
                continue
            if not any(r.actual for r in p.rows):
                ctx.skip(code, "无实际完成值（目标表）")
                continue
            rows = _threshold_rows(p)
            pooled += [(p, r, eq) for r, eq in rows]
            if len(rows) < min_rows:
                ctx.skip(code, f"门槛型指标（≥/≤ 数值）少于 {min_rows} 行")
                continue
            ctx.checked(code)
            # A department table states several goals; back-filling is usually one goal's author.
            units: list[tuple[str | None, list[tuple[IndicatorRow, bool]]]] = []
            goals = list(dict.fromkeys(r.goal for r, _eq in rows if r.goal))
            for g in goals:
                units.append((g, [(r, eq) for r, eq in rows if r.goal == g]))
            hits = [(g, u) for g, u in units if len(u) >= min_rows and _share(u) >= min_share]
            if not hits and _share(rows) >= min_share:
                hits = [(None, rows)]
            for goal, unit in hits:
                flagged_any = True
                equal = [r for r, eq in unit if eq]
                ctx.add(code, p, None, _threshold_message(len(equal), len(unit), goal),
                        reason="实际完成值恰好等于指标值门槛的比例异常高", goal=goal, share=round(_share(unit), 3),
                        threshold_rows=len(unit), equal_rows=len(equal),
                        examples=[{"row_id": r.id, "indicator": r.indicator, "target": r.target, "actual": r.actual}
                                  for r in equal[:8]])
        if flagged_any or len(pooled) < min_rows:
            continue
        unit = [(r, eq) for _p, r, eq in pooled]
        if _share(unit) >= min_share:
            equal = [(p, r) for p, r, eq in pooled if eq]
            ctx.add(code, None, None, _threshold_message(len(equal), len(pooled), None, whole=True),
                    reason="全文实际完成值恰好等于指标值门槛的比例异常高", share=round(_share(unit), 3),
                    threshold_rows=len(pooled), equal_rows=len(equal),
                    examples=[{"project": p.name, "row_id": r.id, "indicator": r.indicator, "target": r.target,
                               "actual": r.actual} for p, r in equal[:8]])


def _threshold_rows(p: Project) -> list[tuple[IndicatorRow, bool]]:
    """Rows whose target is a ≥/≤ figure and whose actual is a comparable figure, and whether equal."""
    from reviewer.values import comparable, parse_value

    out = []
    for r in p.rows:
        t, a = parse_value(r.target), parse_value(r.actual)
        if t.comparator not in (">=", "<=") or t.kind != "quantitative" or not comparable(t, a):
            continue
        if a.comparator is not None:  # "≥20.5元" copied into the actual: ACTUAL_COPIES_TARGET's business
            continue
        out.append((r, t.scaled == a.scaled))
    return out


def _share(unit: list[tuple[IndicatorRow, bool]]) -> float:
    return sum(eq for _r, eq in unit) / len(unit) if unit else 0.0


def _threshold_message(equal: int, total: int, goal: str | None, whole: bool = False) -> str:
    where = "全文" if whole else (f"本项目{goal}" if goal else "本项目")
    return (f"{where}的 {total} 行门槛型指标中有 {equal} 行（{equal / total:.0%}）的实际完成值恰好等于指标值门槛"
            "（如“≥16项”→“16项”），疑似按指标值倒填完成值。请核实完成值是否来自实际统计数据。")
