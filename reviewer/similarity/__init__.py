"""Corpus-based checks: MISPLACED_INDICATOR, DUPLICATE_INDICATOR_SET, GENERIC_INDICATOR,
BOILERPLATE_EXPLANATION and EXACT_THRESHOLD_PATTERN.

Every row under review is compared with the other projects of its report, the other reports under
review and the corpus (FAISS); thresholds are in rules.toml [similarity]. How each check decides,
why the thresholds are what they are, and how the work stays linear in rows: docs/similarity.md.

Modules: rules (thresholds), rows (the compared rows), engine + judge (one run and its caches),
one module per check (misplaced, duplicates, templates, threshold), belonging + lexicon (does a
row fit a project's text), run (run_similarity).
"""

from reviewer.similarity.belonging import Calibration, EmbeddingScorer, LexiconScorer, calibrate, make_scorer
from reviewer.similarity.lexicon import WordVectors, word_vectors
from reviewer.similarity.rules import CODES, MIS, SIM, STANDARD_INDICATOR
from reviewer.similarity.run import run_similarity

__all__ = [
    "CODES", "MIS", "SIM", "STANDARD_INDICATOR", "Calibration", "EmbeddingScorer", "LexiconScorer", "WordVectors",
    "calibrate", "make_scorer", "run_similarity", "word_vectors",
]
