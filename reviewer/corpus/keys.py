"""Keys that say when two rows are the same text or the same template, whatever the punctuation.

The common words an indicator uses (vocabulary file ``stopwords.toml``) are removed before two
rows are called the same template; the stored keys depend on that list, so a changed list means
a rebuilt index (``INDEX_FORMAT``).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from reviewer import vocab
from reviewer.corpus.embed import norm_text
from reviewer.model import Document

INDEX_FORMAT_VERSION = "1"

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)

# Words every indicator uses; they say nothing about which project a row belongs to.
STOP_WORDS = sorted(set(vocab.load("stopwords")["words"]))
_STOP_RE = re.compile("|".join(re.escape(w) for w in sorted(STOP_WORDS, key=len, reverse=True)))

# A template key shorter than this is one common word ("就业"), too coarse to call two rows the same.
TEMPLATE_MIN_CHARS = 3
# The stored template keys depend on STOP_WORDS: a changed list means a rebuilt index.
INDEX_FORMAT = INDEX_FORMAT_VERSION + "-" + hashlib.sha1(
    ("|".join(sorted(STOP_WORDS)) + f"|{TEMPLATE_MIN_CHARS}").encode()).hexdigest()[:8]


@lru_cache(maxsize=1 << 18)
def match_key(text: str | None) -> str:
    """Key for exact matching: normalised text without punctuation ("指标1：绿色办公。" → "绿色办公")."""
    return _PUNCT.sub("", norm_text(text))


def content_bigrams(text: str | None) -> set[str]:
    """Character bigrams of what is left once punctuation, digits and common words are removed."""
    t = _STOP_RE.sub(" ", re.sub(r"[\W\d_a-zA-Z]+", " ", norm_text(text)))
    grams: set[str] = set()
    for chunk in t.split():
        grams.update(chunk[i:i + 2] for i in range(len(chunk) - 1))
    return grams


def template_key(text: str | None) -> str:
    """An indicator without its common words ("实现绿色办公" → "绿色办公"): the same template row.

    Falls back to the full key when too little is left ("控制预算成本内" would become "内",
    "促进就业" and "提高就业率" both "就业").
    """
    key = match_key(text)
    core = _STOP_RE.sub("", key)
    return core if len(core) >= TEMPLATE_MIN_CHARS else key


def content_signature(doc: Document) -> str:
    """A hash of what a document says (project names and rows), whatever its file format.

    Used to recognise a report that is itself in the corpus under another file (a .docx of a
    seed, a re-export): such a document never serves as evidence against itself.
    """
    h = hashlib.sha256()
    for p in doc.projects:
        h.update(match_key(p.name).encode() + b"\x1e")
        for r in p.rows:
            h.update("\x1f".join(match_key(x) for x in (r.indicator, r.target, r.actual)).encode() + b"\x1e")
    return h.hexdigest()


def project_profile(name: str | None, title: str | None, purpose: str | None, achieved: str | None = None) -> str:
    """The text that says what a project is for: name, table title, stated purpose, achievements."""
    parts: list[str] = []
    for t in (name, title, purpose, achieved):
        t = (t or "").strip()
        if t and t not in parts:
            parts.append(t)
    return "；".join(parts)


def is_department_table(doc_kind: str, has_goals: bool) -> bool:
    """A whole-department table (部门整体): its rows cover every function of the department."""
    return doc_kind == "department_selfeval" or has_goals
