"""The import graph of ``src/footcore`` keeps its layers: no circle, nothing outside the
kit imports the kit, and the pure core never imports an outer layer.

Every import counts, at module level or inside a function, absolute or relative, guarded by
``TYPE_CHECKING`` or not. Run as a script (``python tests/test_layers.py [CHECKOUT]``) it
prints the graph's figures: modules, circles, the longest chain of imports, and the
largest files.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

pytestmark = pytest.mark.once  # reads the source, never runs it: the same on any interpreter

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "footcore"

# The layers, by module name (a name covers the modules inside it). What is in no list is
# the pure core: no clock, file, network or environment (docs/embedding.md; the design's
# "Layers"), so it must not reach any of these.
KIT = ("footcore.testing",)  # the property-testing kit: it uses everything, nothing uses it
# The facade, these very modules only: footcore/__init__.py re-exports the store, the audit
# log and population runs, so the core does not import it.
FACADE = ("footcore", "footcore.__main__")
OUTER = (
    "footcore._cli",  # the command line
    "footcore._store",  # SQLite and PostgreSQL stores
    "footcore._population",  # population runs: impact, replay, processes or Dask
    "footcore._audit",  # the JSON Lines audit log (files): the log,
    "footcore._audit_records",  # its records and hash chain,
    "footcore._audit_verify",  # its verification,
    "footcore._history",  # an athlete's history (from a log or a store)
    "footcore._replay",  # and a replay of either
    "footcore._inputs",  # opening the files footcore reads
    "footcore._simulate",  # scripted athletes read from scenario files
    "footcore._chart",  # charts (matplotlib)
    "footcore._page",  # the HTML page of an athlete's history
    "footcore._pickling",  # how models pickle (registered by the facade)
    "footcore._service",  # the HTTP service (footcore serve)
    "footcore.store",  # the public namespaces of the outer layers
    "footcore.audit",
    "footcore.impact",
    "footcore.service",
)


def modules(src: Path) -> dict[str, Path]:
    """Every module under ``src/footcore``, by dotted name (a package by its own name)."""
    found = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The footcore modules ``name`` imports anywhere in its file."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # ``import a.b.c`` names module a.b.c
                target = target.rpartition(".")[0]
            if target:
                found.add(target)
    return found


def graph(src: Path) -> dict[str, set[str]]:
    """Each footcore module and the footcore modules it imports."""
    found = modules(src)
    return {name: imports(name, path, found) for name, path in found.items()}


def within(name: str, layers: Iterable[str]) -> bool:
    """``name`` is one of ``layers`` or inside one (the facade's names hold only
    themselves)."""
    return any(name == layer or (layer not in FACADE and name.startswith(layer + "."))
               for layer in layers)


def components(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components (Tarjan), each a list of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    part.append(top)
                    if top == node:
                        break
                found.append(sorted(part))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def circles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """One import circle per strongly connected component of more than one module, and
    per module that imports itself: the path, ending where it starts."""
    found = [[node, node] for node in sorted(edges) if node in edges[node]]
    for part in components(edges):
        if len(part) < 2:
            continue
        members = set(part)
        start = part[0]
        seen = {start: [start]}  # breadth first: the shortest way back to the start
        queue = [start]
        while queue:
            node = queue.pop(0)
            nxt = sorted(edges[node] & members)
            if start in nxt:
                found.append([*seen[node], start])
                break
            for child in nxt:
                if child not in seen:
                    seen[child] = [*seen[node], child]
                    queue.append(child)
    return found


def longest_chain(edges: Mapping[str, set[str]]) -> list[str]:
    """The longest chain of imports (a module, one it imports, one that imports, ...), in
    the graph with each circle shrunk to one node."""
    parts = components(edges)
    part_of = {node: number for number, part in enumerate(parts) for node in part}
    after = {number: {part_of[c] for n in part for c in edges[n]} - {number}
             for number, part in enumerate(parts)}
    best: dict[int, list[int]] = {}
    for number in range(len(parts)):  # Tarjan lists a component after all it reaches
        longest = max((best[child] for child in after[number]), key=len, default=[])
        best[number] = [number, *longest]
    chain = max(best.values(), key=len, default=[])
    return [" | ".join(parts[number]) for number in chain]


def largest(src: Path, count: int = 5) -> list[tuple[int, str]]:
    """The ``count`` longest files, in lines."""
    sizes = [(len(path.read_text(encoding="utf-8").splitlines()),
              str(path.relative_to(src))) for path in modules(src).values()]
    return sorted(sizes, reverse=True)[:count]


EDGES = graph(ROOT / "src")


def test_the_graph_is_read() -> None:
    assert "footcore._engine" in EDGES["footcore"]
    assert "footcore._cli" in EDGES
    assert "footcore.analysis._prove" in EDGES["footcore.analysis"]
    assert "footcore.analysis._lint" in EDGES["footcore._cli._commands"]


def test_no_import_circle() -> None:
    found = circles(EDGES)
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_nothing_outside_the_kit_imports_the_kit() -> None:
    bad = [f"{name} imports {target}" for name, targets in sorted(EDGES.items())
           if not within(name, KIT) for target in sorted(targets) if within(target, KIT)]
    assert not bad, "only footcore.testing may import footcore.testing:\n" + "\n".join(bad)


def test_the_pure_core_imports_no_outer_layer() -> None:
    bad = [f"{name} imports {target}" for name, targets in sorted(EDGES.items())
           if not within(name, (*KIT, *FACADE, *OUTER)) for target in sorted(targets)
           if within(target, (*KIT, *FACADE, *OUTER))]
    assert not bad, ("the pure core imports an outer layer (see OUTER in this file):\n"
                     + "\n".join(bad))


def test_every_layer_names_a_module() -> None:
    for layer in (*KIT, *FACADE, *OUTER):
        assert layer in EDGES, f"{layer} is not a module of {PACKAGE}"


def test_every_module_says_what_it_holds_and_stays_readable() -> None:
    """Each module opens with a docstring; none is over about 600 lines unless its
    docstring gives the reason in a sentence starting "Long because" (issue 22: files split
    along their concepts)."""
    for name, path in modules(ROOT / "src").items():
        text = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text))
        assert doc, f"{name} has no module docstring"
        lines = text.count("\n")
        assert lines <= 650 or "Long because" in doc, f"{name}: {lines} lines, no reason given"


def test_the_figures_see_a_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"d"}, "e": {"a"}}
    assert circles(edges) == [["d", "d"], ["a", "b", "c", "a"]]
    assert longest_chain(edges) == ["e", "a | b | c", "d"]


def main(checkout: Path) -> None:
    src = checkout / "src"
    edges = graph(src)
    chain = longest_chain(edges)
    print(f"modules: {len(edges)}, imports: {sum(map(len, edges.values()))}")
    found = circles(edges)
    print(f"circles: {len(found)}")
    for circle in found:
        print("  " + " -> ".join(circle))
    print(f"longest chain of imports: {len(chain)} modules")
    print("  " + " -> ".join(chain))
    print("largest files (lines):")
    for lines, name in largest(src):
        print(f"  {lines:5} {name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
