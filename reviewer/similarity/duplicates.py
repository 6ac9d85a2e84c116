"""DUPLICATE_INDICATOR_SET: a project whose rows and targets copy another project's table."""

from __future__ import annotations

import math
from collections import defaultdict

from reviewer.similarity.engine import Run
from reviewer.similarity.rows import Proj, Row, evidence_of, file_name, scope_of
from reviewer.similarity.rules import DUP_MIN_ROWS, DUP_MIN_SPECIFIC, DUP_SHARE, DUP_SHARE_PAIR


class _CopyCandidates:
    """The projects that hold near-duplicates of at least `need` of a project's rows.

    Among the rows under review this does not depend on the capped neighbour lists: an index from
    each indicator key to the project contents (``Proj.cid``) that carry it finds the candidates
    once per content, looking only at the project's rarest rows (a candidate holding `need` of n
    rows holds at least one of any n - need + 1 of them), and then picks, per candidate content,
    its first copy in document order that may serve as evidence. Corpus projects come from the
    neighbour lists, as the corpus search is capped anyway. The order is the order in which the
    uncapped neighbour lists would meet the candidates, so ties are broken as before.
    """

    def __init__(self, run: Run):
        self.run = run
        self.postings: dict[int, list[int]] = defaultdict(list)  # key → contents that carry it
        self.content_keys: dict[int, set[int]] = {}
        self.instances: dict[int, list[Proj]] = defaultdict(list)  # content → its projects, in order
        for p in run.projects:
            if p.department:
                continue
            self.instances[p.cid].append(p)
            if p.cid not in self.content_keys:
                ks = {run.key_of_row[r.i] for r in p.rows} - {-1}
                self.content_keys[p.cid] = ks
                for k in ks:
                    self.postings[k].append(p.cid)
        self._hits: dict[int, dict[int, set[int]]] = {}
        self._ranks: dict[int, dict[int, int]] = {}

    def _partner_keys(self, row: Row) -> list[int]:
        ka = self.run.key_of_row[row.i]
        return [kb for kb, _score in self.run.partners[ka]] if ka >= 0 else []

    def _rank(self, ka: int) -> dict[int, int]:
        if ka not in self._ranks:
            self._ranks[ka] = {kb: n for n, (kb, _score) in enumerate(self.run.partners[ka])}
        return self._ranks[ka]

    def content_hits(self, proj: Proj, need: int) -> dict[int, set[int]]:
        """Review contents that hold near-duplicates of ≥ need of proj's rows → positions of those rows."""
        if proj.cid in self._hits:
            return self._hits[proj.cid]
        pk = [self._partner_keys(r) for r in proj.rows]
        cost = [sum(len(self.postings.get(kb, ())) for kb in keys) for keys in pk]
        rarest = sorted(range(len(pk)), key=lambda x: cost[x])[:len(pk) - need + 1]
        out: dict[int, set[int]] = {}
        for c in dict.fromkeys(c for x in rarest for kb in pk[x] for c in self.postings.get(kb, ())):
            held = self.content_keys[c]
            hit = {x for x, keys in enumerate(pk) if any(kb in held for kb in keys)}
            if len(hit) >= need:
                out[c] = hit
        self._hits[proj.cid] = out
        return out

    def candidates(self, proj: Proj, need: int) -> list[Proj]:
        """Candidate projects, in the order the neighbour lists of proj's rows would meet them."""
        run = self.run
        found: list[tuple[tuple, Proj]] = []
        for cid, hit in self.content_hits(proj, need).items():
            first = min(hit)
            rank = self._rank(run.key_of_row[proj.rows[first].i])
            seen: set[bool] = set()
            for q in self.instances[cid]:
                same_doc = q.doc == proj.doc
                if same_doc in seen or run.excluded(proj, q):
                    continue
                seen.add(same_doc)
                at = min((rank[k], y.i) for y in q.rows if (k := run.key_of_row[y.i]) in rank)
                found.append(((first, 0) + at, q))
                if len(seen) == 2:
                    break
        corpus: dict[Proj, tuple[tuple, set[int]]] = {}
        for r in proj.rows:
            start = run.n_review[r.i]  # the corpus rows follow the review rows
            for pos, (other, _s, _lex) in enumerate(run.near[r.i][start:], start):
                q = other.proj
                if not q.department:
                    corpus.setdefault(q, ((r.idx, 1, pos), set()))[1].add(r.idx)
        found += [(at, q) for q, (at, hit) in corpus.items() if len(hit) >= need]
        found.sort(key=lambda f: f[0])
        return [q for _at, q in found]


def check_duplicates(run: Run, ctxs) -> None:
    """DUPLICATE_INDICATOR_SET for each review project whose rows and targets copy another project's."""
    code = "DUPLICATE_INDICATOR_SET"
    index = _CopyCandidates(run)
    for proj in run.projects:
        ctx = ctxs[proj.doc[1]]
        if proj.department:
            ctx.skip(code, "部门整体表（指标体系由上级统一规定）")
            continue
        if len(proj.rows) < DUP_MIN_ROWS:
            ctx.skip(code, f"指标少于 {DUP_MIN_ROWS} 行")
            continue
        ctx.checked(code)
        # Only projects that hold near-duplicates of enough of this project's rows can qualify.
        need = max(DUP_MIN_ROWS, math.ceil(DUP_SHARE_PAIR * len(proj.rows)))
        best = None
        judged: set[tuple[int, bool]] = set()
        for other in index.candidates(proj, need):
            # A copy of a project already judged here scores the same and cannot beat it (ties keep
            # the first).
            if (other.cid, other.doc == proj.doc) in judged:
                continue
            judged.add((other.cid, other.doc == proj.doc))
            pairs = [(proj.rows[x], other.rows[y], r) for x, y, r in run.pairing("match", proj, other)]
            share = len(pairs) / len(proj.rows)
            # A table copied into a slightly longer one: most of the other's rows are this project's,
            # and they are still most of this one's (保险信息系统建设 10 rows / 资格认证 9, 7 shared).
            mostly = share >= DUP_SHARE or (len(pairs) / len(other.rows) >= DUP_SHARE and share >= DUP_SHARE_PAIR)
            # Rare rows count even when their words are common (预算控制数 in two projects): what
            # makes them evidence is that few other projects carry them.
            specific = [x for x, _y, _r in pairs if not run.is_standard(x) and not run.is_generic(x.i)]
            if len(pairs) >= DUP_MIN_ROWS and mostly and len(specific) >= DUP_MIN_SPECIFIC:
                key = (share, other.doc == proj.doc, len(pairs))
                if best is None or key > best[0]:
                    best = (key, other, pairs)
        if best is None:
            continue
        (_share, _same, _n), other, pairs = best
        share = len(pairs) / len(proj.rows)
        scope = scope_of(proj.doc, other)
        matched = [{"indicator": x.indicator, "target": x.target, "row_id": x.model.id if x.model else None,
                    "other": evidence_of(proj.doc, y, lexical=r)} for x, y, r in pairs]
        unmatched = [x.indicator for x in proj.rows if all(x is not p[0] for p in pairs)]
        label = other.name
        if other.name == proj.name:  # two tables under one name: say which one
            label += f"（{other.model.title}）" if other.model is not None and other.model.title else "（另一张表）"
        ctx.add(code, proj.model, None,
                f"本项目 {len(proj.rows)} 行指标中有 {len(pairs)} 行（{share:.0%}）与{scope}项目“{label}”"
                f"（{file_name(other.file)}）的指标和指标值完全相同，指标体系疑似整表复制，未体现本项目自身的产出和效益。"
                "请核实，并按本项目的实际内容设置指标。",
                reason="多数指标行与另一项目逐行相同（指标名称及指标值）", share=round(share, 3),
                other={"scope": scope, "source": file_name(other.file), "project": other.name, "year": other.year,
                       "project_id": other.model.id if other.model is not None else None},
                matched=matched, unmatched=unmatched)
