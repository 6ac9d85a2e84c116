"""Report text on its way out: control characters made visible, files written whole or not at all.

Report cells are untrusted. A NUL or other C0 character makes openpyxl refuse the whole
workbook; ESC and CSI sequences printed to a terminal clear the screen or set its title;
a reader of an export must see that a cell held such a character, so they are shown as the
Unicode control pictures (U+2400 block: ␀ ␛ …) instead of being dropped silently.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

# C0 except tab, newline and carriage return; DEL; C1 (0x80–0x9F, 0x9B is a one-byte CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# xlsx stores at most this many characters in a cell (Excel's documented limit).
XLSX_CELL_MAX = 32_767


def _picture(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "␡"
    return f"<U+{code:04X}>"


def visible(text: str) -> str:
    """``text`` with every control character replaced by a visible stand-in (tab and newlines kept)."""
    if not isinstance(text, str):
        return text
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub(_picture, text)


def visible_all(obj: Any, fix: Callable[[str], str] = visible) -> Any:
    """``fix`` (default ``visible``) applied to every string inside dicts, lists and tuples."""
    if isinstance(obj, str):
        return fix(obj)
    if isinstance(obj, dict):
        return {visible_all(k, fix): visible_all(v, fix) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(visible_all(v, fix) for v in obj)
    if isinstance(obj, list):
        return [visible_all(v, fix) for v in obj]
    return obj


def for_terminal(text: str) -> str:
    """Text safe to print inside rich markup: controls visible, ``[`` escaped."""
    from rich.markup import escape

    return escape(visible(text or ""))


def json_safe(dumped: str) -> str:
    """A JSON text (``ensure_ascii=False``) with DEL and C1 written as ``\\u`` escapes: same data, no raw CSI."""
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group(0)):04x}", dumped)


def cell_text(text: str, limit: int = XLSX_CELL_MAX) -> str:
    """A string that an xlsx cell can hold: controls visible, cut with a note beyond ``limit``."""
    text = visible(text)
    if len(text) <= limit:
        return text
    note = f"……（内容过长，已截断；原文共 {len(text)} 字）"
    return text[: limit - len(note)] + note


def unique_path(directory: Path, stem: str, suffix: str) -> Path:
    """A file name no other request gets, even within the same second: ``stem_<8 hex>.suffix``."""
    return directory / f"{stem}_{uuid.uuid4().hex[:8]}{suffix}"


def write_atomic(path: Path, write: Callable[[Path], Any], mode: int | None = 0o600) -> Path:
    """Write through ``write(tmp)`` into a temporary file beside ``path``, then rename it into place.

    A reader (a download) sees the whole file or no file, never a half-written one. ``mode``
    None gives the permissions an ordinary new file gets (the umask's).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem[:20]}-", suffix=path.suffix + ".tmp")
    os.close(fd)
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        os.chmod(tmp, mode)
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
