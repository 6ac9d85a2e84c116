"""The one jinja2 environment for every prompt and offline-draft template: sandboxed, strict.

All wording lives in ``prompts/``; Python only passes data. Report text is untrusted, so it is
rendered through the ``fence`` filter, which defuses anything that looks like the data-block
delimiters, and the sandbox keeps a template from reaching Python internals.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from reviewer.settings import PACKAGE_ROOT
from reviewer.text import number

PROMPTS_DIR = PACKAGE_ROOT / "prompts"

_OPEN = re.compile(r"[<＜〈《«‹]{3,}")
_CLOSE = re.compile(r"[>＞〉》»›]{3,}")


def fence(text: object) -> str:
    """Report text for a data block: delimiter look-alikes are broken up, whitespace tidied."""
    s = "" if text is None else str(text)
    s = _OPEN.sub("‹ ‹ ‹", s)
    s = _CLOSE.sub("› › ›", s)
    return re.sub(r"[ \t]+", " ", s).strip()


@lru_cache(maxsize=1)
def environment():  # -> jinja2.sandbox.SandboxedEnvironment
    """The shared environment (built once; templates are read from PROMPTS_DIR)."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(PROMPTS_DIR)),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fence"] = fence
    env.filters["num"] = lambda d: None if d is None else number(d)
    return env


def render(name: str, **context: object) -> str:
    """Render one template; surrounding blank lines trimmed, runs of blank lines squeezed."""
    text = environment().get_template(name).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def render_inline(name: str, **context: object) -> str:
    """Render a template that produces one paragraph: newlines and doubled spaces removed."""
    text = environment().get_template(name).render(**context)
    return re.sub(r"\s*\n\s*", "", text).strip()


@lru_cache(maxsize=64)
def template_version(name: str) -> str:
    """A hash of a template and every template it includes or imports (the cache's version key)."""
    from jinja2 import meta

    env = environment()
    seen: set[str] = set()
    todo = [name]
    digest = hashlib.sha256()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        source = (PROMPTS_DIR / current).read_text(encoding="utf-8")
        digest.update(current.encode() + b"\0" + source.encode() + b"\0")
        todo.extend(t for t in meta.find_referenced_templates(env.parse(source)) if t)
    return digest.hexdigest()[:16]
