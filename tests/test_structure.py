"""core/ has no import loop and loads nothing by name: read from the source with `ast`.

A loop does not always fail an import (it depends on which module is imported first,
and on imports inside functions), so the imports are read, not run: every `import`
and `from … import` anywhere in a module counts, in a function too. Two kinds do not:
imports under `if TYPE_CHECKING:` (never run) and under `if __name__ == "__main__":`
(run only when the module is the program, by then named `__main__`: `python -m
core.train` imports `core.train_cli`, which imports a fresh `core.train`, and nothing
loops). Importing `core.a.b` runs `core/a/__init__.py` first, so it counts as an
import of `core.a` too, except from inside `core.a` itself (its package is already
being imported then).
"""

import ast
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "core"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(CORE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _skipped_block(node: ast.If) -> bool:
    test = ast.unparse(node.test).replace("'", '"')
    return test in ('__name__ == "__main__"', "TYPE_CHECKING", "typing.TYPE_CHECKING")


def imported_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module name an import in `tree` reaches (relative imports resolved)."""
    names: set[str] = set()

    def visit(node):
        if isinstance(node, ast.If) and _skipped_block(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}".strip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)   # a submodule?
        for child in ast.iter_child_nodes(node):
            visit(child)
    visit(tree)
    return names


def core_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in CORE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        reached = set()
        for name in imported_names(tree, module, path.name == "__init__.py"):
            parts = name.split(".")
            for i in range(1, len(parts) + 1):           # the module and its packages
                target = ".".join(parts[:i])
                if target in files and not (module == target or module.startswith(target + ".")):
                    reached.add(target)
        graph[module] = reached
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}            # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = walk(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None
    for node in sorted(graph):
        if node not in state:
            found = walk(node)
            if found:
                return found
    return None


def test_core_has_no_import_cycle():
    cycle = find_cycle(core_graph())
    assert cycle is None, " → ".join(cycle)


def test_core_loads_no_module_by_name():
    for path in CORE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        loaded = [n for n in ast.walk(tree)
                  if (isinstance(n, (ast.Import, ast.ImportFrom))
                      and any(a.name.split(".")[0] == "importlib" for a in n.names)
                      or (isinstance(n, ast.ImportFrom) and n.module
                          and n.module.split(".")[0] == "importlib"))
                  or (isinstance(n, ast.Name) and n.id == "__import__")]
        assert not loaded, f"{path.name} loads modules by name"


def test_the_jobs_package_shows_apart_from_the_chapters():
    graph = core_graph()
    chapters = [m for m in graph if not m.startswith("core.jobs") and m != "core"]
    # the chapters never import the machinery that runs them (the assemblies above it may)
    assemblies = {"core.pretraining", "core.finetuning", "core.alignment", "core.ablation_job",
                  "core.train_cli", "core.bench"}
    for module in chapters:
        if module not in assemblies:
            assert not any(t.startswith("core.jobs") for t in graph[module]), module


@pytest.mark.parametrize("source, expected", [
    # the checker itself: a loop through a function-level import is found …
    ({"a": "def f():\n    import core.b\n", "b": "import core.a\n"}, True),
    # … and so is one through a package's __init__ …
    ({"a": "from core.p.x import y\n", "p/__init__": "from core.p.z import w\n",
      "p/x": "", "p/z": "import core.a\n"}, True),
    # … but not a __main__ block, nor a submodule importing its own package
    ({"a": "if __name__ == '__main__':\n    import core.b\n", "b": "import core.a\n"}, False),
    ({"p/__init__": "from core.p.x import y\n", "p/x": "from core.p.z import w\n", "p/z": ""},
     False),
])
def test_the_cycle_checker_finds_loops(tmp_path, monkeypatch, source, expected):
    root = tmp_path / "core"
    for name, text in source.items():
        path = root / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "CORE", root)
    assert (find_cycle(core_graph()) is not None) is expected
