"""The shape of the package: lines per stage, the largest modules, long functions, import cycles.

Run: .venv/bin/python benchmarks/code_shape.py [PACKAGE_DIR]   (default: reviewer/ of this checkout)
Prints markdown. Used for the before/after figures of the "one package per stage" work; point it at
another checkout's reviewer/ to compare.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def modules(pkg: Path) -> dict[str, Path]:
    out = {}
    for p in sorted(pkg.rglob("*.py")):
        parts = list(p.relative_to(pkg.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


def imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([node.module] if node.module else []))
                deps.update(f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[name] = {d for d in deps if d in mods and d != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main() -> None:
    pkg = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "reviewer"
    mods = modules(pkg)
    lines = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in mods.items()}
    stages: dict[str, list[str]] = defaultdict(list)
    for m in mods:
        parts = m.split(".")
        stages[parts[1] if len(parts) > 1 else "(package)"].append(m)
    long_funcs = []
    for m, p in mods.items():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60:
                long_funcs.append((node.end_lineno - node.lineno + 1, f"{m}.{node.name}"))
    print(f"{len(mods)} modules, {sum(lines.values())} lines; top-level entries: {len(stages)}\n")
    print("| top-level entry | modules | lines | largest module |\n|---|---|---|---|")
    for s, ms in sorted(stages.items(), key=lambda kv: -sum(lines[m] for m in kv[1])):
        big = max(ms, key=lambda m: lines[m])
        print(f"| {s} | {len(ms)} | {sum(lines[m] for m in ms)} | {big.split('.', 1)[-1]} ({lines[big]}) |")
    over = sorted(((n, m) for m, n in lines.items() if n > 400), reverse=True)
    print(f"\nmodules over 400 lines: {len(over)}" + "".join(f"\n- {m}: {n}" for n, m in over))
    print(f"functions over 60 lines: {len(long_funcs)}" + "".join(f"\n- {m}: {n}" for n, m in sorted(long_funcs, reverse=True)))
    cyc = cycles(imports(mods))
    print(f"import cycles: {len(cyc)}" + "".join("\n- " + " ↔ ".join(c) for c in cyc))


if __name__ == "__main__":
    main()
