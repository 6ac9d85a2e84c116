"""Shared fixtures: every test gets its own REVIEWER_HOME, so no test touches a real home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent  # tests/, where data/, golden/ and the helper modules live
ROOT = TESTS.parent
SEEDS = ROOT.parent / "shared" / "seeds"
if not SEEDS.exists():  # CI clones main with shared/ beside it
    SEEDS = Path(os.environ.get("REVIEWER_SEEDS", "../shared/seeds")).resolve()

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def seed(name: str) -> Path:
    """Path of a seed by its three-digit prefix, e.g. seed("003")."""
    matches = sorted(SEEDS.glob(f"{name}_*.txt"))
    assert matches, f"seed {name} not found in {SEEDS}"
    return matches[0]


@pytest.fixture(autouse=True)
def reviewer_home(tmp_path, monkeypatch):
    home = tmp_path / "reviewer-home"
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    for var in ("REVIEWER_LLM_BASE_URL", "REVIEWER_LLM_MODEL", "REVIEWER_LLM_API_KEY", "OPENAI_API_KEY",
                "REVIEWER_AUTH", "REVIEWER_EMBED_MODEL"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture
def small_corpus(tmp_path, seeds_dir):
    """A writable corpus of three seeds (000, 002, 003)."""
    import shutil

    d = tmp_path / "corpus"
    (d / "reports").mkdir(parents=True)
    for name in ("000", "002", "003"):
        shutil.copy(next(seeds_dir.glob(f"{name}_*.txt")), d / "reports")
    return d


@pytest.fixture(scope="session")
def built_home(tmp_path_factory):
    """A REVIEWER_HOME with the shipped corpus (the five seeds) indexed once for the session."""
    from reviewer import corpus

    home = tmp_path_factory.mktemp("corpus-home")
    saved = {k: os.environ.get(k) for k in ("REVIEWER_HOME", "REVIEWER_CORPUS", "REVIEWER_EMBED_MODEL")}
    os.environ["REVIEWER_HOME"] = str(home)
    os.environ.pop("REVIEWER_CORPUS", None)
    os.environ.pop("REVIEWER_EMBED_MODEL", None)
    try:
        corpus.build(None).close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return home


@pytest.fixture
def server():
    """A local OpenAI-compatible HTTP server with scripted replies (tests/fake_openai.py)."""
    from fake_openai import FakeOpenAI

    with FakeOpenAI() as s:
        yield s
