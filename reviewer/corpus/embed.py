"""Embedders: text → L2-normalised float32 vectors, all behind one ``SentenceTransformer``.

Two kinds, one interface (``Embedder``):

- the built-in default, fitted on the corpus itself: TF-IDF over character 1–3-grams reduced by
  truncated SVD, wrapped as a sentence-transformers input module (``CharNgramModule``) followed by
  ``Normalize``. It is saved with the corpus index (JSON + safetensors, no pickle) and can be
  reloaded with ``SentenceTransformer(modules=[CharNgramModule.load(dir), Normalize()])``, so a
  fresh machine needs no download and no ``trust_remote_code``. ``BuiltinEmbedder.encode`` runs
  the module's arithmetic directly (numpy + scipy.sparse): identical vectors, without the ~5 s
  torch import a review would otherwise pay (the 5,000-row review target is 15 s);
- any sentence-transformers model the user has locally (``REVIEWER_EMBED_MODEL``), loaded with
  ``local_files_only=True`` so nothing is fetched from a hub.

Every embedder has an ``id`` that is stored with the index it built; an index is never queried
with another embedder's vectors.

Character models cannot see synonyms that share few characters (群众满意度 / 服务对象满意率 ≈ 0.12).
The checks in ``similarity.py`` therefore use the vectors only to find candidates and to compare
a row with project text; copy-paste is confirmed lexically, and judgements that need meaning
(does this row belong to that project?) also consult a small concept lexicon there.

torch and sentence_transformers are imported inside functions only: importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from reviewer.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

BUILTIN_NAME = "char-ngram-tfidf-svd"
# Upper bound on SVD dimensions: 256 keeps near-duplicate cosines within ~0.01 of the raw TF-IDF
# cosine on the seeds while a 1M-row flat index stays at 1 GB.
MAX_DIMS = 256
# Vocabulary cap: the seeds have ~14k distinct char 1–3-grams; a province-wide corpus has a few
# hundred thousand, most seen once. 200k keeps the saved model under ~200 MB at 256 dims.
MAX_FEATURES = 200_000
ENCODE_BATCH = 2048
# Up to this many distinct texts the SVD is computed exactly on the dense matrix.
DENSE_SVD_MAX = 5000

_PREFIX = re.compile(r"^\s*(?:指标\s*\d*\s*[:：.、]?|[:：]\s*)")
_SPACE = re.compile(r"\s+")


def norm_text(text: str | None) -> str:
    """The text the embedders see: NFKC, no whitespace, no "指标1：" prefix, lower case."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text)
    t = _PREFIX.sub("", t)
    return _SPACE.sub("", t).lower()


class Embedder(Protocol):
    """What the corpus needs from an embedder: a stable id, a dimension, normalised vectors."""

    id: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = ENCODE_BATCH) -> np.ndarray: ...


def _offline_env() -> None:
    """Make the Hugging Face stack refuse the network before it is imported."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


# ---------------------------------------------------------------- the built-in char-n-gram model


class CharNgramMath:
    """TF-IDF over char 1–3-grams (sublinear tf, l2) followed by a fixed linear projection.

    The arithmetic of sklearn's TfidfVectorizer(analyzer="char", ngram_range=(1, 3),
    sublinear_tf=True) with a fixed vocabulary and idf, written out so that encoding needs only
    numpy and scipy.sparse (tests check it against sklearn to 1e-6).
    """

    def __init__(self, vocab: list[str], idf: np.ndarray, components: np.ndarray):
        self.vocab = list(vocab)
        self.index = {g: i for i, g in enumerate(self.vocab)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.components = np.ascontiguousarray(components, dtype=np.float32)  # (dim, V)
        self._proj_t = np.ascontiguousarray(self.components.T)  # (V, dim) for sparse @ dense

    @property
    def dim(self) -> int:
        return int(self.components.shape[0])

    def tfidf(self, texts: Sequence[str]):
        """The l2-normalised TF-IDF rows (scipy CSR), as sklearn would compute them."""
        from scipy.sparse import csr_matrix

        index = self.index
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        for i, t in enumerate(texts):
            s = norm_text(t)
            seen: dict[int, int] = {}
            n_chars = len(s)
            for n in (1, 2, 3):
                for j in range(n_chars - n + 1):
                    c = index.get(s[j:j + n])
                    if c is not None:
                        seen[c] = seen.get(c, 0) + 1
            rows += [i] * len(seen)
            cols += seen.keys()
            counts += seen.values()
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        w = (np.log(np.asarray(counts, dtype=np.float64)) + 1.0) * self.idf[c]
        norms = np.sqrt(np.bincount(r, weights=w * w, minlength=len(texts)))
        w = w / np.where(norms[r] > 0, norms[r], 1.0)
        return csr_matrix((w.astype(np.float32), (r, c)), shape=(len(texts), len(self.vocab)))

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Projected (not yet normalised) vectors."""
        return np.asarray(self.tfidf(texts) @ self._proj_t, dtype=np.float32)

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        h.update("\n".join(self.vocab).encode())
        h.update(self.idf.tobytes())
        h.update(self.components.tobytes())
        return h.hexdigest()[:12]

    # Files of a saved model; sentence-transformers' module and the torch-free loader share them.
    CONFIG = "char_ngram_config.json"
    VOCAB = "char_ngram_vocab.json"
    WEIGHTS = "char_ngram.safetensors"

    def save(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        directory.mkdir(parents=True, exist_ok=True)
        (directory / self.CONFIG).write_text(json.dumps({"dim": self.dim, "ngram_range": [1, 3], "version": 1}))
        (directory / self.VOCAB).write_text(json.dumps(self.vocab, ensure_ascii=False))
        # safetensors, never pickle: an index directory must not be able to run code on load.
        save_file({"idf": self.idf, "components": self.components}, str(directory / self.WEIGHTS))

    @classmethod
    def load(cls, directory: Path) -> CharNgramMath:
        from safetensors.numpy import load_file

        vocab = json.loads((directory / cls.VOCAB).read_text())
        arrays = load_file(str(directory / cls.WEIGHTS))
        return cls(vocab, arrays["idf"], arrays["components"])


def _char_module_class():
    """Define the InputModule subclass lazily, so importing this file does not import torch."""
    global _CharNgramModule
    if _CharNgramModule is not None:
        return _CharNgramModule
    import torch
    from sentence_transformers.base.modules.input_module import InputModule

    class CharNgramModule(InputModule):
        """sentence-transformers input module: char 1–3-gram TF-IDF projected by truncated SVD.

        Reload with ``SentenceTransformer(modules=[CharNgramModule.load(dir), Normalize()])``.
        """

        save_in_root = True
        config_file_name = CharNgramMath.CONFIG
        config_keys = ["dim", "ngram_range", "version"]  # noqa: RUF012  (as sentence-transformers' own modules)
        modalities = ["text"]  # noqa: RUF012

        def __init__(self, math: CharNgramMath, **_: Any):
            super().__init__()
            self.math = math
            self.dim = math.dim
            self.ngram_range = [1, 3]
            self.version = 1

        def preprocess(self, inputs, prompt: str | None = None, **kwargs) -> dict[str, Any]:
            texts = [str(t) for t in inputs]
            if prompt:
                texts = self._prepend_prompt(texts, prompt)
            return {"sentence_embedding": torch.from_numpy(self.math.transform(texts))}

        def forward(self, features: dict[str, Any], **kwargs) -> dict[str, Any]:
            return features  # the work is done in preprocess, as in sentence-transformers' BoW

        def get_embedding_dimension(self) -> int:
            return self.dim

        @property
        def max_seq_length(self) -> float:
            return float("inf")

        def save(self, output_path: str, *args, safe_serialization: bool = True, **kwargs) -> None:
            self.math.save(Path(output_path))

        @classmethod
        def load(cls, model_name_or_path: str, **kwargs) -> CharNgramModule:
            return cls(CharNgramMath.load(Path(model_name_or_path)))

    _CharNgramModule = CharNgramModule
    return CharNgramModule


_CharNgramModule = None


def char_ngram_module_class():
    """The sentence-transformers InputModule class of the built-in model (imports torch)."""
    return _char_module_class()


def choose_dims(n_unique_texts: int, n_features: int, cap: int = MAX_DIMS) -> int:
    """SVD dimensions: at most ``cap``, and below the rank of the TF-IDF matrix.

    The TF-IDF matrix has rank ≤ min(distinct texts, features); components beyond the rank
    carry only noise, and sklearn requires n_components < n_features.
    """
    return max(1, min(cap, n_unique_texts - 1, n_features - 1))


def _dense_svd(x, k: int) -> tuple[np.ndarray, float]:
    """Exact truncated SVD of a matrix with few rows, through the eigenvectors of X·Xᵀ.

    For a few thousand distinct texts this is exact and takes a fraction of a second, where a
    randomized SVD needs several passes over the matrix.
    """
    x = x.astype(np.float64).tocsr()
    gram = (x @ x.T).toarray()
    vals, vecs = np.linalg.eigh(gram)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    keep = [i for i in range(min(k, len(vals))) if vals[i] > 1e-10]
    sing = np.sqrt(vals[keep])
    vt = np.asarray((x.T @ vecs[:, keep]).T) / sing[:, None]
    # Deterministic signs (as sklearn's svd_flip): the largest loading of each component is positive.
    signs = np.sign(vt[np.arange(len(keep)), np.abs(vt).argmax(axis=1)])
    vt *= signs[:, None]
    projected = np.asarray(x @ vt.T)
    mean_sq = np.asarray(x.multiply(x).mean(axis=0)).ravel()
    mean = np.asarray(x.mean(axis=0)).ravel()
    total_var = float((mean_sq - mean ** 2).sum())
    ratio = float(projected.var(axis=0).sum() / total_var) if total_var > 0 else 1.0
    return vt.astype(np.float32), ratio


def fit_builtin(texts: Sequence[str], dims: int | None = None, seed: int = 0) -> tuple[CharNgramMath, dict]:
    """Fit TF-IDF + TruncatedSVD on the distinct normalised texts; return the math and fit stats."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    unique = sorted({norm_text(t) for t in texts if norm_text(t)})
    if len(unique) < 3:
        raise InputError("历史报告库中的指标太少（不足 3 条），无法建立内置嵌入模型")
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False,
                          max_features=MAX_FEATURES, dtype=np.float32)
    x = vec.fit_transform(unique)
    vocab = [None] * len(vec.vocabulary_)
    for g, i in vec.vocabulary_.items():
        vocab[i] = g
    k = dims or choose_dims(len(unique), x.shape[1])
    k = min(k, choose_dims(len(unique), x.shape[1]))
    if len(unique) <= DENSE_SVD_MAX:
        components, ratio = _dense_svd(x, k)
    else:
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=7, random_state=seed)
        svd.fit(x)
        components, ratio = svd.components_, float(svd.explained_variance_ratio_.sum())
    math = CharNgramMath(vocab, vec.idf_, components)
    k = int(components.shape[0])
    stats = {"texts": len(unique), "features": int(x.shape[1]), "dims": k, "explained_variance": round(ratio, 4)}
    return math, stats


class STEmbedder:
    """A user's model behind a ``SentenceTransformer``; ``encode`` returns normalised float32 rows."""

    def __init__(self, model: SentenceTransformer, id: str):
        self.model = model
        self.id = id
        self.dim = int(model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int = ENCODE_BATCH) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        v = self.model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                              normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(v, dtype=np.float32)


class BuiltinEmbedder:
    """The built-in model. ``model`` is its SentenceTransformer (CharNgramModule + Normalize);
    ``encode`` runs the same arithmetic directly, so a review does not spend ~5 s importing torch
    for a model that needs none (the two paths agree to 1e-6, see tests/test_embed.py)."""

    def __init__(self, math: CharNgramMath, fit_stats: dict | None = None):
        self.math = math
        self.dim = math.dim
        self.id = f"{BUILTIN_NAME}/v1/d{math.dim}/{math.fingerprint()}"
        self.fit_stats = fit_stats or {}
        self._model = None

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            _offline_env()
            from sentence_transformers import SentenceTransformer
            from sentence_transformers.base.modules.normalize import Normalize

            module = _char_module_class()(self.math)
            self._model = SentenceTransformer(modules=[module, Normalize()], device="cpu")
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = ENCODE_BATCH) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), 8 * batch_size):
            v = self.math.transform(texts[start:start + 8 * batch_size])
            norms = np.linalg.norm(v, axis=1, keepdims=True)
            # An empty or unknown text stays a zero vector: similar to nothing, which is what it is.
            out[start:start + len(v)] = v / np.where(norms > 0, norms, 1.0)
        return out


def fit_builtin_embedder(texts: Sequence[str], dims: int | None = None) -> BuiltinEmbedder:
    """Fit the built-in model on corpus texts."""
    math, stats = fit_builtin(texts, dims)
    return BuiltinEmbedder(math, stats)


def save_builtin(embedder: BuiltinEmbedder, directory: Path) -> None:
    """Save the built-in model beside an index (config, vocabulary, safetensors weights)."""
    embedder.math.save(directory)
    (directory / "embedder_id.txt").write_text(embedder.id)


def load_builtin(directory: Path) -> BuiltinEmbedder:
    """Reload a saved built-in model (the files CharNgramModule.load reads too)."""
    emb = BuiltinEmbedder(CharNgramMath.load(directory))
    stored = directory / "embedder_id.txt"
    if stored.exists() and stored.read_text().strip() != emb.id:
        raise InputError("内置嵌入模型文件与索引记录不一致，请运行 reviewer corpus build 重建索引")
    return emb


# ---------------------------------------------------------------- a user's own model


def user_model_id(name: str) -> str:
    """The id of a user model: its name, or for a local directory its path and config checksum."""
    p = Path(name).expanduser()
    if p.is_dir():
        h = hashlib.sha256()
        for f in sorted(p.rglob("*.json")):
            h.update(f.name.encode())
            h.update(f.read_bytes())
        for f in sorted(p.rglob("*.safetensors")) + sorted(p.rglob("*.bin")):
            h.update(f"{f.name}:{f.stat().st_size}".encode())
        return f"st:{p.resolve()}#{h.hexdigest()[:12]}"
    return f"st:{name}"


def load_user_model(name: str) -> STEmbedder:
    """Load REVIEWER_EMBED_MODEL from disk or the local Hugging Face cache; never download."""
    _offline_env()
    from sentence_transformers import SentenceTransformer

    path = Path(name).expanduser()
    try:
        model = SentenceTransformer(str(path) if path.is_dir() else name, device="cpu", local_files_only=True)
    except Exception as exc:  # noqa: BLE001  (missing files, bad config: the user must fix the setting)
        raise InputError(
            f"无法加载嵌入模型 {name}（只从本地加载，不联网下载）：{type(exc).__name__}。"
            "请检查 REVIEWER_EMBED_MODEL 是否指向本地的 sentence-transformers 模型目录") from None
    return STEmbedder(model, user_model_id(name))
