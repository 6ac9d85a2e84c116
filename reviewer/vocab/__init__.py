"""The words the tool knows, as data: header synonyms, level names, completion phrases …

Each vocabulary is a TOML file beside this module. A province extends one by putting a file of
the same name in the folder named by REVIEWER_VOCAB: its lists are appended to the shipped
lists and its tables merged key by key, so adding a header word is a data change, never code.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from reviewer.errors import InputError

SHIPPED = Path(__file__).resolve().parent


def _merge(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(extra, list):
        return base + [x for x in extra if x not in base]
    return extra


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"词表文件无法读取：{exc}", str(path)) from None


@lru_cache(maxsize=64)
def _load(name: str, user_dir: str | None) -> dict[str, Any]:
    data = _read(SHIPPED / f"{name}.toml")
    if user_dir:
        extra = Path(user_dir).expanduser() / f"{name}.toml"
        if extra.is_file():
            data = _merge(data, _read(extra))
    return data


def load(name: str) -> dict[str, Any]:
    """The vocabulary NAME: the shipped file merged with REVIEWER_VOCAB/NAME.toml when present."""
    return _load(name, os.environ.get("REVIEWER_VOCAB") or None)


def alternation(words: list[str]) -> str:
    """A regex alternation of literal words, longest first so that 服务对象满意度 beats 满意度."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
