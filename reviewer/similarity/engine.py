"""One similarity run: the rows under review, their neighbours (review and corpus), and the caches
the checks share. The judgements the checks ask of it are in judge.py."""

from __future__ import annotations

from collections import defaultdict
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from reviewer.corpus import (
    Corpus,
    content_signature,
    file_sha256,
    is_department_table,
    match_key,
    project_profile,
)
from reviewer.model import Document
from reviewer.similarity.judge import Judgements
from reviewer.similarity.rows import Proj, Row
from reviewer.similarity.rules import (
    K_NEIGHBOURS,
    K_REVIEW_CAP,
    MIS,
    NEAR_DUP,
    SAME_PROJECT_NAME,
    Progress,
    name_key_of,
    near_pairs,
    text_ratio,
)


class Run(Judgements):
    """One similarity run: the rows under review, their neighbours, and the caches they share."""

    def __init__(self, documents: list[Document], corpus: Corpus | None, corpus_note: str | None,
                 leave_out_same_name: bool = False):
        self.documents = documents
        self.leave_out_same_name = leave_out_same_name
        self.corpus = corpus
        self.corpus_note = corpus_note
        self.embedder = corpus.embedder if corpus else None
        from reviewer.similarity.belonging import make_scorer

        self.scorer = make_scorer(self.embedder, MIS)
        self.projects: list[Proj] = []
        self.rows: list[Row] = []
        self.exclude_docs: dict[int, set[int]] = {}  # review doc index → corpus doc_ids that are itself
        self.same_content: dict[int, set[int]] = defaultdict(set)  # review doc index → identical review docs
        self.near: list[list[tuple[Row, float | None, float]]] = []
        self.row_tid: list[int] = []  # per row: index of its indicator text among the distinct texts
        self.text_vecs: np.ndarray | None = None  # one vector per distinct text (with a corpus)
        self.key_of_row: list[int] = []  # per row: index of its indicator key, -1 when empty
        self.partners: dict[int, list[tuple[int, float]]] = {}  # key → near-duplicate keys, best first
        self._corpus_projects: dict[int, Proj] = {}
        self._grams: dict[str, set[str]] = {}
        self._doc_excl: dict[tuple[tuple, tuple], bool] = {}
        self._cids: dict[tuple, int] = {}
        self._contexts: dict[tuple[int, frozenset[int]], str] = {}
        self._supports: dict[tuple[str, tuple[str, ...]], tuple[float | None, dict[str, Any]]] = {}
        self._pairings: dict[tuple[str, int, int], list[tuple[int, int, float]]] = {}
        self._best_row: dict[tuple[str, int], Row] = {}
        self._kin: dict[tuple[str, str], bool] = {}
        # Neighbour lists that several rows hold, by id (kept alive here, so an id is never reused).
        self.shared_lists: dict[int, list] = {}
        self.n_review: list[int] = []  # per row: how many of its neighbours are rows under review

    # ---------------------------------------------------------- setup

    def collect(self) -> None:
        sigs = []
        for di, doc in enumerate(self.documents):
            sig = content_signature(doc)
            sigs.append(sig)
            sha = None
            src = Path(doc.source)
            if src.is_file():
                sha = file_sha256(src)
            name = src.stem if self.leave_out_same_name else None
            self.exclude_docs[di] = self.corpus.self_documents(sha, sig, name) if self.corpus else set()
            for p in doc.projects:
                dept = is_department_table(doc.kind, any(r.goal for r in p.rows))
                proj = Proj(("r", di, p.id), ("r", di), doc.source, "本报告", p.name, name_key_of(p.name),
                             project_profile(p.name, p.title, p.purpose, p.achieved), dept, doc.year, model=p,
                             label=project_profile(p.name, p.title, None), about=project_profile(p.purpose, p.achieved, None))
                for r in p.rows:
                    row = Row(("r", di, r.id), proj, r.indicator, match_key(r.indicator), r.target, r.actual,
                               r.explanation, r.level2, r.description, model=r, i=len(self.rows))
                    proj.rows.append(row)
                    self.rows.append(row)
                proj.cid = self.content_id(proj)
                self.projects.append(proj)
        for i, a in enumerate(sigs):
            for j, b in enumerate(sigs):
                if i != j and a == b:
                    self.same_content[i].add(j)

    def content_id(self, proj: Proj) -> int:
        """The same number for projects with the same rows, whatever their names: what is decided
        from a project's rows alone (pairings, copy candidates) is decided once for all its copies."""
        key = tuple((r.ikey, r.tkey, r.text) for r in proj.rows)
        return self._cids.setdefault(key, len(self._cids))

    def _corpus_proj(self, cp) -> Proj:
        proj = self._corpus_projects.get(cp.proj_id)
        if proj is None:
            year = cp.rows[0].year if cp.rows else None
            proj = Proj(("c", cp.proj_id), ("c", cp.doc_id), cp.file, "历史报告库", cp.name, name_key_of(cp.name),
                         cp.profile, cp.department, year, label=project_profile(cp.name, cp.title, None),
                         about=project_profile(cp.purpose, cp.achieved, None))
            for r in cp.rows:
                proj.rows.append(Row(("c", r.vec_id), proj, r.indicator, match_key(r.indicator), r.target,
                                      r.actual, r.explanation, r.level2))
            proj.cid = self.content_id(proj)
            self._corpus_projects[cp.proj_id] = proj
        return proj

    def excluded(self, proj: Proj, other: Proj) -> bool:
        """True when `other` may not serve as evidence about the rows of review project `proj`."""
        if other is proj or other.ref == proj.ref:
            return True
        if other.doc == proj.doc:  # another project of the same report always counts
            return False
        if self.doc_excluded(proj.doc, other.doc):
            return True
        # The same project reported in another year or by another unit is its history, not a copy.
        return text_ratio(other.name_key, proj.name_key) >= SAME_PROJECT_NAME

    def doc_excluded(self, doc: tuple, other_doc: tuple) -> bool:
        """True when nothing of `other_doc` may be evidence about review document `doc` (it is itself)."""
        key = (doc, other_doc)
        cached = self._doc_excl.get(key)
        if cached is None:
            di = doc[1]
            if other_doc[0] == "c":
                cached = other_doc[1] in self.exclude_docs.get(di, set())
            else:
                cached = other_doc[1] in self.same_content.get(di, set())
            self._doc_excl[key] = cached
        return cached

    # ---------------------------------------------------------- neighbours

    def neighbours(self, progress: Progress | None) -> None:
        """For each review row: near-duplicate rows elsewhere, as (row, cosine or None, lexical ratio).

        Among the rows under review the lexical test is run on every pair of distinct texts
        (rapidfuzz cdist, exact and cheap: a 5,000-row report has a few thousand distinct
        indicators) and each row keeps its first K_REVIEW_CAP partners (best score first, then
        document order); the corpus is searched through FAISS plus an exact-text lookup, once per
        distinct indicator text.
        """
        rows = self.rows
        self.near = [[] for _ in rows]
        # Identical texts have identical vectors: encode and search each distinct text once.
        texts = list(dict.fromkeys(r.indicator for r in rows))
        text_id = {t: k for k, t in enumerate(texts)}
        self.row_tid = [text_id[r.indicator] for r in rows]
        if self.embedder is not None and rows:
            self.text_vecs = self.embedder.encode(texts)
        self._cos_cache: dict[tuple[int, int], float] = {}
        groups: dict[str, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            if row.ikey:
                groups[row.ikey].append(i)
        keys = list(groups)
        partners: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for a, b, score in near_pairs(keys):
            partners[a].append((b, score))
        # Kept for the duplicate-table check, which looks past the cap: each row's key and each
        # key's near-duplicate keys, best first (the order of the neighbour lists).
        self.key_of_row = [-1] * len(rows)
        self.partners = partners
        for ka in range(len(keys)):
            self._key_neighbours(ka, keys, groups, partners)
        self.n_review = [len(near) for near in self.near]
        if self.corpus is None or self.corpus.size == 0 or self.text_vecs is None:
            return
        if progress:
            progress(0.85, "检索历史报告库中的相似指标")
        self._corpus_neighbours(texts)

    def _key_neighbours(self, ka: int, keys: list[str], groups: dict[str, list[int]],
                        partners: dict[int, list[tuple[int, float]]]) -> None:
        """The review neighbours of every row whose indicator key is keys[ka], best first, capped."""
        rows, excluded, key = self.rows, self.excluded, keys[ka]
        partners[ka].append((ka, 100.0))
        partners[ka].sort(key=lambda p: -p[1])
        for i in groups[key]:
            self.key_of_row[i] = ka
        stream = [(groups[keys[kb]], score) for kb, score in partners[ka]]
        # The first K_REVIEW_CAP rows of the stream are the answer for every row whose project is
        # not among them and whose report holds them all: copies of a table share one list.
        head = list(islice(((j, score) for members, score in stream for j in members), K_REVIEW_CAP))
        head_projs = {rows[j].proj for j, _score in head}
        head_docs = {rows[j].proj.doc for j, _score in head}
        shared: dict[int | None, list[tuple[Row, float | None, float]]] = {}
        for i in groups[key]:
            proj = rows[i].proj
            if proj not in head_projs and head_docs <= {proj.doc}:
                tid = self.row_tid[i] if self.text_vecs is not None else None
                if tid not in shared:
                    shared[tid] = [(rows[j], self._cos(i, j), score) for j, score in head]
                    self.shared_lists[id(shared[tid])] = shared[tid]
                self.near[i] = shared[tid]
                continue
            out = self.near[i]
            for members, score in stream:
                for j in members:
                    other = rows[j]
                    if j == i or excluded(proj, other.proj):
                        continue
                    out.append((other, self._cos(i, j), score))
                    if len(out) >= K_REVIEW_CAP:  # a template row: enough to call it one
                        break
                if len(out) >= K_REVIEW_CAP:
                    break

    def _corpus_neighbours(self, texts: list[str]) -> None:
        """Append each review row's near-duplicates in the corpus (FAISS hits and exact-text copies)."""
        assert self.corpus is not None and self.text_vecs is not None
        csims, cids = self.corpus.search(self.text_vecs, K_NEIGHBOURS)
        tkeys = [match_key(t) for t in texts]
        exact = self.corpus.rows_with_keys(tkeys)
        meta = self.corpus.rows_by_id(list(cids.ravel()) + [v for vs in exact.values() for v in vs])
        # Per distinct text: the hits that are near-duplicates, as (corpus doc, project, cosine, ratio).
        hits: list[list[tuple[int, int, float, float]]] = []
        for t, ikey in enumerate(tkeys):
            found = list(zip(csims[t], cids[t]))
            seen = {int(v) for _s, v in found}
            found += [(1.0, v) for v in exact.get(ikey, []) if v not in seen]
            out = []
            for s, vid in found:
                cr = meta.get(int(vid))
                if cr is None:
                    continue
                lex = text_ratio(ikey, match_key(cr.indicator)) if ikey else 0.0
                if lex >= NEAR_DUP:
                    out.append((cr.doc_id, cr.proj_id, float(s), lex))
            hits.append(out)
        projects = {pid: self._corpus_proj(cp)
                    for pid, cp in self.corpus.projects({h[1] for hs in hits for h in hs}).items()}
        # What a row finds in the corpus depends on its text, its report and its project's name only.
        extras: dict[tuple[int, tuple, str], list[tuple[Row, float | None, float]]] = {}
        joined: dict[tuple[int, int, tuple, str], list[tuple[Row, float | None, float]]] = {}
        for i, row in enumerate(self.rows):
            key = (self.row_tid[i], row.proj.doc, row.proj.name_key)
            extra = extras.get(key)
            if extra is None:
                extra = extras[key] = self._corpus_rows(row, hits[self.row_tid[i]], projects)
            if not extra:
                continue
            review = self.near[i]
            if id(review) not in self.shared_lists:
                self.near[i] = review + extra
                continue
            jkey = (id(review),) + key
            if jkey not in joined:  # copies of a table keep sharing one list
                joined[jkey] = review + extra
                self.shared_lists[id(joined[jkey])] = joined[jkey]
            self.near[i] = joined[jkey]

    def _corpus_rows(self, row: Row, hits: list[tuple[int, int, float, float]],
                     projects: dict[int, Proj]) -> list[tuple[Row, float | None, float]]:
        """The corpus rows among one text's hits that may serve as evidence about `row`."""
        own_doc = self.exclude_docs.get(row.proj.doc[1], set())
        out = []
        for doc_id, pid, s, lex in hits:
            if doc_id in own_doc:
                continue
            proj = projects[pid]
            if self.excluded(row.proj, proj):
                continue
            best = self._best_row.get((row.ikey, pid))
            if best is None:
                best = max(proj.rows, key=lambda r: text_ratio(row.ikey, r.ikey))
                self._best_row[(row.ikey, pid)] = best
            out.append((best, s, lex))
        return out

    def _cos(self, i: int, j: int) -> float | None:
        if self.text_vecs is None:
            return None
        key = (self.row_tid[i], self.row_tid[j])
        cos = self._cos_cache.get(key)
        if cos is None:
            cos = self._cos_cache[key] = float(self.text_vecs[key[0]] @ self.text_vecs[key[1]])
        return cos
