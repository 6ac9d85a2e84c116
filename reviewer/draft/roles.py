"""Grounding by role: a figure a draft states as the actual, rate, deduction, score, weight or
target must be the table's value in that role (or the figure computed from it).

Plain grounding accepts any number found anywhere in the row; so a 偏差原因分析 cell saying
"实际完成200人，完成率133%" would let a draft state 200人 as the actual although the actual
column says 103人. Here the words right before a figure decide which role it claims, and only
that role's cells count as its source.
"""

from __future__ import annotations

import re
from functools import lru_cache

from reviewer.draft.figures import Figures
from reviewer.draft.figures import fmt as num
from reviewer.draft.grounding import Sources, extract
from reviewer.model import IndicatorRow, Project
from reviewer.vocab import alternation, load

Role = str


@lru_cache(maxsize=4)
def _patterns(_key: int = 0) -> tuple[re.Pattern[str], dict[str, Role], re.Pattern[str], re.Pattern[str]]:
    vocab = load("draft_checks")
    role_of = {w: role for role, words in vocab["roles"].items() for w in words}
    conn = alternation(vocab["connectors"])
    before = re.compile(rf"(?P<word>{alternation(list(role_of))})(?:{conn}|\s)*$")
    d = vocab["direction"]
    return before, role_of, re.compile(alternation(d["over"])), re.compile(alternation(d["short"]))


def role_sources(row: IndicatorRow, project: Project, figures: Figures) -> dict[Role, Sources]:
    """For each role, the only texts a figure claiming it may come from."""
    b, t = project.budget, project.total
    return {
        "actual": Sources([row.actual]),
        "target": Sources([row.target]),
        "rate": Sources([figures.ratio, row.actual if "%" in (row.actual or "") else None,
                         row.target if "%" in (row.target or "") else None,
                         f"{num(b.rate * 100)}%" if b and b.rate is not None else None, b.rate_text if b else None]),
        "spent": Sources([f"{b.spent}万元" if b and b.spent is not None else None]),
        "budget": Sources([f"{x}万元" for x in (b.initial, b.full) if b and x is not None] if b else []),
        "deduction": Sources([figures.lost, *(num(x.weight - x.score) for x in (b, t)
                                             if x and x.weight is not None and x.score is not None)]),
        "score": Sources([num(row.score, 4) if row.score is not None else None, figures.expected_score,
                          *(num(x.score, 4) for x in (b, t) if x and x.score is not None)]),
        "weight": Sources([num(row.weight, 4) if row.weight is not None else None,
                           *(num(x.weight, 4) for x in (b, t) if x and x.weight is not None)]),
    }


def misplaced(text: str, sources: dict[Role, Sources]) -> list[str]:
    """Figures in ``text`` that claim a role whose cells do not hold them, as written."""
    before, role_of, _over, _short = _patterns()
    out: list[str] = []
    for m in extract(text):
        clause = re.split(r"[，。；;,！？!?\n]", text[max(0, m.start - 14):m.start])[-1]
        hit = before.search(clause)
        if not hit or m.kind == "year":
            continue
        src = sources.get(role_of[hit.group("word")])
        if src is not None and not src.grounded(m) and m.text not in out:
            out.append(m.text)
    return out


def contradicts(text: str, figures: Figures) -> bool:
    """The draft says the target was exceeded on a row that fell short, or the reverse."""
    _before, _roles, over, short = _patterns()
    if figures.status == "shortfall" and not figures.late:
        return bool(over.search(text))
    if figures.status == "over":
        return bool(short.search(text))
    return False
