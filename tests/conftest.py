"""Shared fixtures: every test gets its own REVIEWER_HOME, so no test touches a real home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
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
