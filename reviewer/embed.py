"""Embedders: text → L2-normalised float32 vectors, all behind one ``SentenceTransformer``.

Two kinds, one interface (``Embedder``):

- the built-in default, fitted on the corpus itself: TF-IDF over character 1–3-grams reduced by
  truncated SVD, wrapped as a sentence-transformers input module (``CharNgramModule``) followed by
  ``Normalize``. It is saved with the corpus index and reloaded with
  ``SentenceTransformer(modules=[CharNgramModule.load(dir), Normalize()])``, so a fresh machine
  needs no download and no ``trust_remote_code``;
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
    id: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = ENCODE_BATCH) -> np.ndarray: ...


def _offline_env() -> None:
    """Make the Hugging Face stack refuse the network before it is imported."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


# ---------------------------------------------------------------- the built-in char-n-gram model


class _CharNgramMath:
    """TF-IDF (char 1–3-grams, sublinear tf) followed by a fixed linear projection, in numpy/sklearn."""

    def __init__(self, vocab: list[str], idf: np.ndarray, components: np.ndarray):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vocab = vocab
        self.idf = np.asarray(idf, dtype=np.float32)
        self.components = np.ascontiguousarray(components, dtype=np.float32)  # (dim, V)
        self.vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False,
            vocabulary={g: i for i, g in enumerate(vocab)}, dtype=np.float32,
        )
        self.vectorizer.idf_ = self.idf
        self._proj_t = np.ascontiguousarray(self.components.T)  # (V, dim) for sparse @ dense

    @property
    def dim(self) -> int:
        return int(self.components.shape[0])

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        x = self.vectorizer.transform([norm_text(t) for t in texts])
        return np.asarray(x @ self._proj_t, dtype=np.float32)

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        h.update("\n".join(self.vocab).encode())
        h.update(self.idf.tobytes())
        h.update(self.components.tobytes())
        return h.hexdigest()[:12]


def _char_module_class():
    """Define the InputModule subclass lazily, so importing this file does not import torch."""
    global _CharNgramModule
    if _CharNgramModule is not None:
        return _CharNgramModule
    import torch
    from safetensors.numpy import load_file, save_file
    from sentence_transformers.base.modules.input_module import InputModule

    class CharNgramModule(InputModule):
        """sentence-transformers input module: char 1–3-gram TF-IDF projected by truncated SVD."""

        save_in_root = True
        config_file_name = "char_ngram_config.json"
        config_keys = ["dim", "ngram_range", "version"]
        modalities = ["text"]

        def __init__(self, vocab: list[str], idf: np.ndarray, components: np.ndarray, **_: Any):
            super().__init__()
            self.math = _CharNgramMath(vocab, idf, components)
            self.dim = self.math.dim
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
            out = Path(output_path)
            out.mkdir(parents=True, exist_ok=True)
            self.save_config(str(out))
            (out / "char_ngram_vocab.json").write_text(json.dumps(self.math.vocab, ensure_ascii=False))
            # safetensors, never pickle: an index directory must not be able to run code on load.
            save_file({"idf": self.math.idf, "components": self.math.components},
                      str(out / "char_ngram.safetensors"))

        @classmethod
        def load(cls, model_name_or_path: str, **kwargs) -> CharNgramModule:
            d = Path(model_name_or_path)
            vocab = json.loads((d / "char_ngram_vocab.json").read_text())
            arrays = load_file(str(d / "char_ngram.safetensors"))
            return cls(vocab, arrays["idf"], arrays["components"])

    _CharNgramModule = CharNgramModule
    return CharNgramModule


_CharNgramModule = None


def choose_dims(n_unique_texts: int, n_features: int, cap: int = MAX_DIMS) -> int:
    """SVD dimensions: at most ``cap``, and below the rank of the TF-IDF matrix.

    The TF-IDF matrix has rank ≤ min(distinct texts, features); components beyond the rank
    carry only noise, and sklearn requires n_components < n_features.
    """
    return max(1, min(cap, n_unique_texts - 1, n_features - 1))


def fit_builtin(texts: Sequence[str], dims: int | None = None, seed: int = 0) -> tuple[_CharNgramMath, dict]:
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
    svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=7, random_state=seed)
    svd.fit(x)
    math = _CharNgramMath(vocab, vec.idf_, svd.components_)
    stats = {"texts": len(unique), "features": int(x.shape[1]), "dims": k,
             "explained_variance": round(float(svd.explained_variance_ratio_.sum()), 4)}
    return math, stats


class STEmbedder:
    """Any embedder behind a ``SentenceTransformer``; ``encode`` returns normalised float32 rows."""

    def __init__(self, model: SentenceTransformer, id: str):
        self.model = model
        self.id = id
        self.dim = int(model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int = ENCODE_BATCH) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        v = self.model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                              normalize_embeddings=True, show_progress_bar=False)
        v = np.ascontiguousarray(v, dtype=np.float32)
        # An empty text has a zero TF-IDF vector; normalising leaves it at zero, which FAISS treats
        # as "similar to nothing" — what we want for an empty cell.
        return v


def builtin_from_math(math: _CharNgramMath, stats: dict | None = None) -> STEmbedder:
    _offline_env()
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.normalize import Normalize

    cls = _char_module_class()
    module = cls(math.vocab, math.idf, math.components)
    model = SentenceTransformer(modules=[module, Normalize()], device="cpu")
    emb = STEmbedder(model, f"{BUILTIN_NAME}/v1/d{math.dim}/{math.fingerprint()}")
    emb.fit_stats = stats or {}
    return emb


def fit_builtin_embedder(texts: Sequence[str], dims: int | None = None) -> STEmbedder:
    """Fit the built-in model on corpus texts and wrap it in a SentenceTransformer."""
    math, stats = fit_builtin(texts, dims)
    return builtin_from_math(math, stats)


def save_builtin(embedder: STEmbedder, directory: Path) -> None:
    """Save the built-in model beside an index (config, vocabulary, safetensors weights)."""
    module = embedder.model[0]
    directory.mkdir(parents=True, exist_ok=True)
    module.save(str(directory))
    (directory / "embedder_id.txt").write_text(embedder.id)


def load_builtin(directory: Path) -> STEmbedder:
    """Reload a saved built-in model: SentenceTransformer(modules=[CharNgramModule.load(dir), Normalize()])."""
    _offline_env()
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.normalize import Normalize

    cls = _char_module_class()
    module = cls.load(str(directory))
    model = SentenceTransformer(modules=[module, Normalize()], device="cpu")
    emb = STEmbedder(model, f"{BUILTIN_NAME}/v1/d{module.dim}/{module.math.fingerprint()}")
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
    except Exception as exc:  # missing files, bad config: the user must fix the setting
        raise InputError(
            f"无法加载嵌入模型 {name}（只从本地加载，不联网下载）：{type(exc).__name__}。"
            "请检查 REVIEWER_EMBED_MODEL 是否指向本地的 sentence-transformers 模型目录") from None
    return STEmbedder(model, user_model_id(name))
