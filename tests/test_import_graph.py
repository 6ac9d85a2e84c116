"""The package's import graph: stages depend only on the stages before them, and nothing imports in a cycle.

Read from the source with ast (imports inside functions count too), so a lazy import cannot hide an
upward dependency.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "reviewer"

# Stages in data-flow order. A module may import its own stage and any earlier one, never a later one.
LAYERS = [
    {"errors", "settings", "codes", "model", "text", "values", "safe_text", "vocab"},
    {"read"},
    {"tables"},
    {"checks"},
    {"corpus"},
    {"similarity"},
    {"draft"},
    {"pipeline"},
    {"store"},
    {"export"},
    {"eval"},
    {"ui"},
    {"cli"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            deps.update(t for t in targets if t in modules and t != name)
        graph[name] = deps
    return graph


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "reviewer"


def test_every_module_belongs_to_a_stage():
    unknown = sorted({_stage(m) for m in _graph()} - set(RANK) - {"reviewer"})
    assert not unknown, f"modules outside the stage list {unknown}: add them to LAYERS in their place"


def test_no_stage_imports_a_later_stage():
    upward = sorted(f"{m} → {d}" for m, deps in _graph().items() for d in deps
                    if _stage(m) != "reviewer" and RANK[_stage(d)] > RANK[_stage(m)])
    assert not upward, "imports against the data flow:\n" + "\n".join(upward)


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)


@pytest.mark.parametrize("stage", [s for layer in LAYERS for s in sorted(layer)])
def test_each_stage_imports_alone(stage):
    """A fresh interpreter can import each stage by itself (no hidden order dependence)."""
    name = f"reviewer.{stage}"
    proc = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_public_api_is_declared():
    import reviewer

    assert {"review_paths", "parse_path", "Document", "InputError"} <= set(reviewer.__all__)
    for name in reviewer.__all__:
        assert getattr(reviewer, name) is not None


def test_public_api_names_all_load_lazily():
    """`import reviewer` alone stays light (the CLI's --help), and every public name resolves."""
    code = ("import sys, reviewer; assert 'reviewer.model' not in sys.modules, 'eager'; "
            "import reviewer as r; [getattr(r, n) for n in r.__all__]; print(sorted(r.__all__) == sorted(r._WHERE))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.strip() == "True", proc.stderr[-2000:]


def test_no_stage_imports_another_stages_private_names():
    """Stages talk through public names: `from reviewer.corpus.sync import _locked` in another stage is a leak."""
    leaks = []
    for path in PKG.rglob("*.py"):
        name = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").startswith("reviewer."):
                if _stage(node.module) == _stage(name):
                    continue
                leaks += [f"{name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert not leaks, "\n".join(leaks)
