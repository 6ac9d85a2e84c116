"""One place for configuration: environment variables of DESIGN.md, read when asked."""

from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reviewer.errors import SetupError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent

# Files above this size are refused before reading: a season's largest real report is a few MB;
# 50 MB leaves room for scanned-PDF bloat while keeping a hostile upload from exhausting memory.
MAX_FILE_BYTES = 50 * 1024 * 1024
# Cells in one file: a province's largest 自评 report has tens of thousands; a file of millions of
# (mostly empty) cells is hostile or broken and would exhaust memory as parsed objects.
MAX_CELLS = 2_000_000
# Uncompressed size allowed inside a .docx/.xlsx (zip bomb guard).
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
# Longest text a reviewer may store as an edit or a reason: a 偏差原因分析 is a paragraph or
# two; 10,000 characters is ten times the longest seen and fits an xlsx cell (32,767) whole.
MAX_EDIT_CHARS = 10_000


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
            if user.strip() and pw:  # an empty password is never a login (the server refuses to start)
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


_WHY = {errno.EACCES: "没有写权限", errno.EPERM: "没有写权限", errno.EROFS: "只读文件系统",
        errno.ENOTDIR: "路径中有同名文件而不是文件夹", errno.EEXIST: "同名文件已存在，不是文件夹",
        errno.ENOSPC: "磁盘已满", errno.EDQUOT: "磁盘配额已满"}


def os_reason(err: OSError) -> str:
    """An OSError as a short Chinese reason ("只读文件系统")."""
    return _WHY.get(err.errno or -1, err.strerror or type(err).__name__)


def writable_dir(path: Path, what: str = "REVIEWER_HOME") -> Path:
    """Create ``path`` (owner-only) and prove a file can be written in it, or raise SetupError.

    Trying a real file, not os.access: root passes os.access on a read-only mount.
    """
    try:
        for folder in reversed([p for p in (path, *path.parents) if not p.exists()]):
            folder.mkdir(mode=0o700, exist_ok=True)  # REVIEWER_HOME and below: the owner's only
        if not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(path))
        fd, probe = tempfile.mkstemp(dir=path, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise SetupError(f"{what} 不可用：无法写入 {path}（{os_reason(err)}）；请把 {what} 设为一个可写的文件夹") from None
    return path
