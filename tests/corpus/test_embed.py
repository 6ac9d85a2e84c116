"""Embedders: the built-in char-n-gram model and a user's own sentence-transformers model."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from tiny_model import TEXTS, build_tiny_model

from reviewer.corpus import embed as embed
from reviewer.errors import InputError


def test_builtin_matches_sklearn_and_sentence_transformers():
    from sklearn.feature_extraction.text import TfidfVectorizer

    emb = embed.fit_builtin_embedder(TEXTS)
    got = emb.encode(TEXTS + ["", "完全没见过的字"])
    assert got.dtype == np.float32 and got.shape == (len(TEXTS) + 2, emb.dim)
    np.testing.assert_allclose(np.linalg.norm(got[:-2], axis=1), 1.0, atol=1e-5)
    assert not got[-2].any()  # an empty cell is similar to nothing
    # sklearn's own TfidfVectorizer with the fitted vocabulary and idf, then the SVD projection.
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False,
                          vocabulary=emb.math.index)
    vec.idf_ = emb.math.idf
    ref = vec.transform([embed.norm_text(t) for t in TEXTS]) @ emb.math.components.T
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    np.testing.assert_allclose(got[:-2], ref, atol=1e-6)
    # The same model as a SentenceTransformer: CharNgramModule followed by Normalize.
    via_st = emb.model.encode(TEXTS, convert_to_numpy=True)
    np.testing.assert_allclose(via_st, got[:-2], atol=1e-6)
    # Copies are found, unrelated indicators are far apart.
    assert float(got[5] @ emb.encode(["指标1：绿色办公"])[0]) > 0.99
    assert float(got[0] @ got[3]) < 0.3


def test_builtin_dims_stay_below_the_rank_of_a_small_corpus():
    emb = embed.fit_builtin_embedder(TEXTS)
    assert emb.dim == len(set(TEXTS)) - 1 < embed.MAX_DIMS
    assert embed.choose_dims(600, 14000) == 256 and embed.choose_dims(100, 14000) == 99


def test_builtin_reloads_as_a_sentence_transformer_without_remote_code(tmp_path):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.normalize import Normalize

    emb = embed.fit_builtin_embedder(TEXTS)
    embed.save_builtin(emb, tmp_path / "m")
    assert not list((tmp_path / "m").glob("*.pkl")) and (tmp_path / "m" / "char_ngram.safetensors").exists()
    again = embed.load_builtin(tmp_path / "m")
    assert again.id == emb.id
    np.testing.assert_array_equal(again.encode(TEXTS), emb.encode(TEXTS))
    module = embed.char_ngram_module_class().load(str(tmp_path / "m"))
    st = SentenceTransformer(modules=[module, Normalize()], device="cpu")
    np.testing.assert_allclose(st.encode(TEXTS), emb.encode(TEXTS), atol=1e-6)


def test_builtin_refuses_weights_that_do_not_match_the_recorded_id(tmp_path):
    emb = embed.fit_builtin_embedder(TEXTS)
    embed.save_builtin(emb, tmp_path / "m")
    (tmp_path / "m" / "embedder_id.txt").write_text("char-ngram-tfidf-svd/v1/d12/000000000000")
    with pytest.raises(InputError):
        embed.load_builtin(tmp_path / "m")


def test_user_model_from_a_local_directory(tmp_path):
    path = build_tiny_model(tmp_path / "tiny")
    emb = embed.load_user_model(str(path))
    v = emb.encode(["电梯更换完成次数", "电梯更换完成次数", "绿色办公"])
    assert v.shape == (3, 16) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert float(v[0] @ v[1]) > 0.999
    assert emb.id.startswith("st:") and emb.id == embed.user_model_id(str(path))


def test_user_model_that_is_not_on_disk_fails_without_downloading(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InputError, match="不联网下载"):
        embed.load_user_model("no-such-org/no-such-model-xyz")


def test_modules_the_cli_imports_stay_light():
    code = ("import sys, reviewer.corpus.embed, reviewer.corpus, reviewer.similarity; "
            "heavy = [m for m in ('torch', 'faiss', 'sentence_transformers', 'sklearn') if m in sys.modules]; "
            "print(heavy); sys.exit(1 if heavy else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stdout + out.stderr
