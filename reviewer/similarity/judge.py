"""What the checks ask of a run: contexts, belonging scores, kinship, row pairings, template counts.

A mixin of the run (engine.Run): it reads and fills the run's caches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import islice
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from reviewer.corpus import content_bigrams, template_key
from reviewer.similarity.belonging import LexiconScorer
from reviewer.similarity.pairs import match_rows, shared_rows
from reviewer.similarity.rows import Proj, Row
from reviewer.similarity.rules import (
    GENERIC_CAP,
    GENERIC_MIN_PROJECTS,
    MAX_EVIDENCE,
    MIS,
    UNRELATED_NAME,
    text_ratio,
)


class Judgements:
    """Shared judgements of a run (mixed into Run)."""

    def grams(self, text: str) -> set[str]:
        if text not in self._grams:
            self._grams[text] = content_bigrams(text)
        return self._grams[text]

    def context(self, proj: Proj, leave_out: Iterable[int] = ()) -> tuple[str, ...]:
        """The project's text in parts: name and title, purpose and achievements, and its row texts
        without the rows at positions `leave_out`.

        Only the first part differs between the copies of a table under other names; the rows part
        is one string object per (content, rows left out), so the caches keyed by the parts do the
        rest of the work once for all copies.
        """
        out = frozenset(leave_out)
        key = (proj.cid, out)
        rows = self._contexts.get(key)
        if rows is None:
            rows = self._contexts[key] = "；".join(r.text for r in proj.rows if r.idx not in out)
        return proj.label, proj.about, rows

    def context_grams(self, context: tuple[str, ...]) -> set[str]:
        return set().union(*(self.grams(part) for part in context))

    def support(self, row: Row, context: tuple[str, ...]) -> tuple[float | None, dict[str, Any]]:
        """How well the row's words fit the context (the scorer's score; None: nothing to compare),
        and why: the share of its content bigrams found there and the closest word pairs."""
        key = (row.text, context)
        cached = self._supports.get(key)
        if cached is not None:
            return cached
        grams = self.grams(row.text)
        shared = set().union(*(grams & self.grams(part) for part in context))
        g = len(shared) / len(grams) if grams else 0.0
        why: dict[str, Any] = {"bigram_share": round(g, 2)}
        sem = self.scorer.score_parts(row.text, context) if self.scorer is not None else None
        if sem is not None:
            why["semantic"] = round(sem[0], 3)
            why.update(sem[1])
        out = sem[0] if sem is not None else None, why
        self._supports[key] = out
        return out

    def kindred(self, a: Proj, b: Proj) -> bool:
        """Whether two projects' names fit each other (就业补助 tables of two funds, 城乡居民 pension
        subsidies): the scorer's score of either name in the other, at or above kin_max."""
        key = (a.name, b.name) if a.name <= b.name else (b.name, a.name)
        hit = self._kin.get(key)
        if hit is None:
            kind = "lexicon" if isinstance(self.scorer, LexiconScorer) else "embedding"
            scores = [s[0] for s in (self.scorer.score(a.name, b.name), self.scorer.score(b.name, a.name)) if s]
            hit = self._kin[key] = bool(scores) and max(scores) >= MIS["fallback"][kind]["kin_max"]
        return hit

    def pairing(self, kind: str, a: Proj, b: Proj) -> list[tuple[int, int, float]]:
        """Row pairs of two projects as (position in a, position in b, ratio), once per pair of contents.

        kind "shared": each row of `a` with its best near-duplicate indicator in `b`;
        kind "match": one-to-one pairs with near-identical indicators and the same target text.
        """
        key = (kind, a.cid, b.cid)
        pairs = self._pairings.get(key)
        if pairs is None:
            pair = shared_rows if kind == "shared" else match_rows
            pairs = self._pairings[key] = pair(a.rows, b.rows)
        return pairs

    def is_standard(self, row: Row) -> bool:
        return row.standard

    def generic_projects(self) -> None:
        """For each review row: the distinct unrelated projects that carry the same indicator.

        "The same" is a near-duplicate or the same template key (common words removed, so
        "实现绿色办公" counts with "绿色办公"). Rows sharing a template key are indexed by
        (project name, document): whether such a row may count for another project depends only
        on those two once the names are unrelated (< UNRELATED_NAME rules out "the same project").
        """
        tpl_of: dict[str, str] = {}
        for r in self.rows:
            if r.indicator not in tpl_of:
                tpl_of[r.indicator] = template_key(r.indicator)
        tkeys = [tpl_of[r.indicator] for r in self.rows]
        first: dict[str, dict[tuple[str, tuple], Row]] = defaultdict(dict)
        for i, k in enumerate(tkeys):
            row = self.rows[i]
            if not row.proj.department:
                first[k].setdefault((row.proj.name_key, row.proj.doc), row)
        # Per template key: the project names (for one vectorised name comparison per row) and the
        # (document, row) behind each.
        by_tkey = {k: ([nk for nk, _doc in entries], [(doc, r) for (_nk, doc), r in entries.items()])
                   for k, entries in first.items()}
        corpus_names: dict[str, set[str]] = {}
        if self.corpus is not None:
            all_ex = set().union(*self.exclude_docs.values()) if self.exclude_docs else set()
            corpus_names = self.corpus.indicator_projects(tkeys, all_ex)
        # Per row: how many unrelated projects carry it (up to GENERIC_CAP) and the first few of
        # their rows for the evidence; the names themselves are not kept (a batch has 100k rows).
        self.generic: list[tuple[int, list[Row]]] = []
        for i, row in enumerate(self.rows):
            names = self._unrelated_names(row, self.near[i], by_tkey.get(tkeys[i], ([], [])),
                                          corpus_names.get(tkeys[i], ()))
            examples = list(islice((v for v in names.values() if isinstance(v, Row)), MAX_EVIDENCE))
            self.generic.append((len(names), examples))

    def _unrelated_names(self, row: Row, near, same_tkey: tuple[list[str], list[tuple[tuple, Row]]],
                         corpus_names: Iterable[str]) -> dict[str, Row | str]:
        """Up to GENERIC_CAP unrelated project names carrying the row's indicator: a template row in
        a county's batch sits in thousands of projects, and counting them all would be quadratic."""
        proj, nk_row = row.proj, row.proj.name_key
        names: dict[str, Row | str] = {}
        for other, _s, _lex in near:
            op = other.proj
            if op.department or op.name_key in names:
                continue
            if text_ratio(op.name_key, nk_row) < UNRELATED_NAME and not self.excluded(proj, op):
                names[op.name_key] = other
                if len(names) >= GENERIC_CAP:
                    return names
        nks, entries = same_tkey
        if nks:
            from rapidfuzz import process

            # Vectorised, in chunks: a batch holds one template under hundreds of names, and a
            # common template row finds its GENERIC_CAP unrelated names in the first chunk.
            for start in range(0, len(nks), 256):
                chunk = nks[start:start + 256]
                scores = process.cdist([nk_row], chunk, scorer=fuzz.ratio, dtype=np.float32, workers=1)[0]
                for j in np.flatnonzero(scores < UNRELATED_NAME):
                    nk = chunk[j]
                    doc, other = entries[start + j]
                    if nk in names or self.doc_excluded(proj.doc, doc):
                        continue
                    names[nk] = other
                    if len(names) >= GENERIC_CAP:
                        return names
        for nk in corpus_names:
            if text_ratio(nk, nk_row) < UNRELATED_NAME:
                names.setdefault(nk, nk)
                if len(names) >= GENERIC_CAP:
                    return names
        return names

    def is_generic(self, i: int) -> bool:
        return self.generic[i][0] >= GENERIC_MIN_PROJECTS
