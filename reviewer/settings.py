"""One place for configuration: environment variables of DESIGN.md, read when asked."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent

# Files above this size are refused before reading: a season's largest real report is a few MB;
# 50 MB leaves room for scanned-PDF bloat while keeping a hostile upload from exhausting memory.
MAX_FILE_BYTES = 50 * 1024 * 1024
# Cells in one file: a province's largest 自评 report has tens of thousands; a file of millions of
# (mostly empty) cells is hostile or broken and would exhaust memory as parsed objects.
MAX_CELLS = 2_000_000
# Uncompressed size allowed inside a .docx/.xlsx (zip bomb guard).
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    home: Path
    corpus_dir: Path
    embed_model: str | None
    llm_base_url: str | None
    llm_model: str | None
    llm_api_key: str | None
    auth: list[tuple[str, str]]

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def db_path(self) -> Path:
        return self.home / "reviewer.sqlite3"

    @property
    def llm_cache_dir(self) -> Path:
        return self.home / "llm-cache"


def _auth(value: str | None) -> list[tuple[str, str]]:
    pairs = []
    for part in (value or "").split(","):
        if ":" in part:
            user, pw = part.split(":", 1)
            if user.strip():
                pairs.append((user.strip(), pw))
    return pairs


def get_settings() -> Settings:
    """Read the environment now (tests change it between calls)."""
    env = os.environ
    home = Path(env.get("REVIEWER_HOME") or Path.home() / ".local/share/reviewer").expanduser()
    return Settings(
        home=home,
        corpus_dir=Path(env.get("REVIEWER_CORPUS") or PACKAGE_ROOT / "corpus").expanduser(),
        embed_model=env.get("REVIEWER_EMBED_MODEL") or None,
        llm_base_url=env.get("REVIEWER_LLM_BASE_URL") or None,
        llm_model=env.get("REVIEWER_LLM_MODEL") or None,
        llm_api_key=env.get("REVIEWER_LLM_API_KEY") or env.get("OPENAI_API_KEY") or None,
        auth=_auth(env.get("REVIEWER_AUTH")),
    )
