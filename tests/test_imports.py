"""No import circles inside the ``helpers`` package, counting imports inside functions too.

A circle (a imports b, b imports a, directly or lazily) works only as long as the lazy import
stays inside a function and nothing touches the half-initialised module; it also makes the
layering unreadable. The graph is read from the source with ``ast``, so a circle through an
import in a function body, which Python itself would only notice at call time, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import helpers

PACKAGE = "helpers"
SOURCE_DIR = Path(helpers.__file__).resolve().parent


def _module_name(path: Path, source_dir: Path) -> str:
    parts = path.relative_to(source_dir).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (``from .x import y`` in helpers.a -> helpers.x)."""
    if node.level == 0:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(source_dir: Path = SOURCE_DIR) -> dict[str, set[str]]:
    """helpers module -> the helpers modules it imports anywhere in its source (module level or in a function)."""
    files = {_module_name(p, source_dir): p for p in sorted(source_dir.rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = _resolve(name, is_package, node)
                # "from . import bench_scale" imports the submodule helpers.bench_scale
                targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
            for target in targets:
                # "import helpers.x.y" also runs helpers.x: count the closest module that exists
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name and target != PACKAGE:
                    graph[name].add(target)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(groups)


def test_the_helpers_package_has_no_import_circle() -> None:
    graph = import_graph()
    assert len(graph) > 20  # the walk found the package's modules
    assert find_cycles(graph) == []


def test_the_checker_sees_circles_through_function_level_imports(tmp_path: Path) -> None:
    """The detector itself: a circle closed by an import inside a function is found."""
    pkg = tmp_path / PACKAGE
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("X = 1\n")
    (pkg / "a.py").write_text("from .low import X\n\n\ndef f():\n    from .b import g\n    return g\n")
    (pkg / "b.py").write_text("from . import a\n\n\ndef g():\n    return a\n")
    (pkg / "c.py").write_text("def h():\n    import helpers.low\n    from helpers import a\n")
    graph = import_graph(pkg)
    assert graph["helpers.a"] == {"helpers.low", "helpers.b"}
    assert graph["helpers.c"] == {"helpers.low", "helpers.a"}
    assert find_cycles(graph) == [["helpers.a", "helpers.b"]]
