"""GENERIC_INDICATOR (a template row in many unrelated projects) and BOILERPLATE_EXPLANATION."""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from itertools import islice

from reviewer.corpus import match_key
from reviewer.similarity.engine import Run
from reviewer.similarity.rows import Row, evidence_of, file_name
from reviewer.similarity.rules import BOILER_MIN_LEN, GENERIC_CAP, MAX_EVIDENCE, SAME_PROJECT_NAME, text_ratio

_CAUSE = re.compile(r"因|由于|导致|受.{0,12}影响|原因|造成|致使|所致")
_DIGIT = re.compile(r"\d")
_TRIVIAL_EXPLANATION = re.compile(r"^(无|没有|无偏差|完成|已完成|达标|正常|/|—|-|否|是)$")


def check_generic(run: Run, ctxs) -> None:
    """GENERIC_INDICATOR for rows whose text sits in many unrelated projects."""
    code = "GENERIC_INDICATOR"
    for i, row in enumerate(run.rows):
        di = row.proj.doc[1]
        ctx = ctxs[di]
        if row.proj.department:
            ctx.skip(code, "部门整体表（指标体系由上级统一规定）")
            continue
        if run.is_standard(row):
            ctx.skip(code, "满意度、预算执行率等规定指标")
            continue
        ctx.checked(code)
        if not run.is_generic(i):
            continue
        if row.description and match_key(row.description) != row.ikey and not _shared_description(run, row):
            continue  # "成本金额" explained as "维修维护费用总金额": the template name carries a specific meaning
        n, rows = run.generic[i]
        examples = [evidence_of(row.proj.doc, v) for v in rows]
        shown = "、".join(f"“{e['project']}”" for e in examples[:3])
        ctx.add(code, row.proj.model, row.model,
                f"指标“{row.indicator}”是模板化指标：同样的指标出现在{'至少 ' if n >= GENERIC_CAP else ' '}"
                f"{n} 个不相关的项目中"
                f"{'（如' + shown + '）' if shown else ''}，不能说明本项目的产出或效益。建议换成反映本项目特有内容、可衡量的指标。",
                reason="同一指标出现在多个不相关项目中", projects=n, neighbours=examples)


def _shared_description(run: Run, row: Row) -> bool:
    """True when the row's 指标说明 also appears under another project (a template description)."""
    if "_descriptions" not in run.__dict__:
        index: dict[str, list[Row]] = defaultdict(list)
        for o in run.rows:
            if o.description:
                index[match_key(o.description)].append(o)
        run._descriptions = index
    return any(o.proj is not row.proj and not run.excluded(row.proj, o.proj)
               for o in run._descriptions.get(match_key(row.description), []))


def check_boilerplate(run: Run, ctxs) -> None:
    """BOILERPLATE_EXPLANATION for explanations reused elsewhere or carrying no fact of their row."""
    code = "BOILERPLATE_EXPLANATION"
    subst = []
    for row in run.rows:
        expl = (row.explanation or "").strip()
        key = match_key(expl)
        if not key or _TRIVIAL_EXPLANATION.match(key) or len(key) < BOILER_MIN_LEN:
            ctxs[row.proj.doc[1]].skip(code, "无实质性偏差说明")
            continue
        subst.append((row, key))
    # Whether another row's use counts depends only on its document and project name (or on being in
    # this row's project, which always counts): group the uses so a sentence used a thousand times is
    # not compared a thousand times per row.
    uses: dict[str, dict[tuple[tuple, str], list[Row]]] = defaultdict(lambda: defaultdict(list))
    for row, key in subst:
        uses[key][(row.proj.doc, row.proj.name_key)].append(row)
    corpus_uses = {}
    if run.corpus is not None and subst:
        all_ex = set().union(*run.exclude_docs.values()) if run.exclude_docs else set()
        corpus_uses = run.corpus.explanation_uses([k for _r, k in subst], all_ex)
    for row, key in subst:
        ctx = ctxs[row.proj.doc[1]]
        ctx.checked(code)
        n_others, others = _reuses(run, row, uses[key])
        crows = corpus_uses.get(key, [])
        expl = row.explanation.strip()
        if others or crows:
            evidence = [evidence_of(row.proj.doc, r) | {"explanation": r.explanation} for r in others]
            evidence += [{"scope": "历史报告库", "source": file_name(c.file), "project": c.project,
                          "indicator": c.indicator, "explanation": c.explanation, "year": c.year}
                         for c in crows[:MAX_EVIDENCE - len(evidence)]]
            n = n_others + len(crows)
            ctx.add(code, row.proj.model, row.model,
                    f"偏差原因分析“{_clip(expl)}”在其他 {n} 行指标中原文重复使用，没有说明本指标偏差的具体原因。"
                    "请结合本行的指标值和实际完成值，说明偏差原因和改进措施。",
                    reason="同一说明在多行或多份报告中重复使用", uses=n, neighbours=evidence)
            continue
        row_grams = run.grams("；".join(x or "" for x in (row.indicator, row.target, row.actual, row.level2)))
        expl_grams = run.grams(expl)
        # A fact of the project counts too: "没有轮换、动用库存" under a grain-reserve subsidy row names
        # what did not happen in that project. A department table's text covers every function, so
        # sharing a word with it proves nothing.
        facts = (bool(_DIGIT.search(expl)) or bool(expl_grams & row_grams) or bool(_CAUSE.search(expl))
                 or (not row.proj.department and bool(expl_grams & run.context_grams(run.context(row.proj)))))
        if not facts:
            ctx.add(code, row.proj.model, row.model,
                    f"偏差原因分析“{_clip(expl)}”没有提到本指标的任何数据或事实，也没有说明原因，放在任何一行都成立。"
                    f"请说明本指标（指标值 {row.target or '未填'}，实际完成值 {row.actual or '未填'}）偏差的具体原因和改进措施。",
                    reason="说明中没有本行的数字、指标内容或原因，属于套话", neighbours=[])


def _reuses(run: Run, row: Row, groups: dict[tuple[tuple, str], list[Row]]) -> tuple[int, list[Row]]:
    """How many other review rows use the row's explanation, and the first MAX_EVIDENCE of them.

    Reuse inside the same report counts (two rows, one sentence); a use in another report does
    not when that report is this one again or the row's project in another year (``Run.excluded``).
    """
    proj = row.proj
    counted = [members for (doc, nk), members in groups.items()
               if doc == proj.doc or not (run.doc_excluded(proj.doc, doc)
                                          or text_ratio(nk, proj.name_key) >= SAME_PROJECT_NAME)]
    n = sum(map(len, counted)) - 1  # the row itself is among its own report's uses
    first = islice((r for r in heapq.merge(*counted, key=lambda r: r.i) if r is not row), MAX_EVIDENCE)
    return n, list(first)


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "…"
