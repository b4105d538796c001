"""The layout rules of issue 15, checked on the source (docs/architecture.md).

- no import cycle among growthkit modules, counting imports inside functions and
  ``importlib.import_module("growthkit....")`` strings (not those under ``TYPE_CHECKING``,
  which never run);
- no module over 1,000 lines;
- no private name of one domain module imported by another domain module (shared private
  helpers live in the private shared modules: ``_validate``, ``_prepare``, ``_results``,
  ``_engine``, ``_kernels``, ...).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "growthkit"
DOMAINS = (
    "summary",
    "rfm",
    "cohort",
    "churn",
    "clv",
    "experiments",
    "funnel",
    "campaigns",
    "plotting",
    "report",
    "datasets",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return module
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _imports(name: str) -> list[tuple[str, list[str]]]:
    """``(target module, imported names)`` for every import in module ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # imports under `if TYPE_CHECKING:` never run: annotations only
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    out: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node.module or "", node.level, name, path.name == "__init__.py")
            names = [alias.name for alias in node.names]
            # `from growthkit import cohort` imports the module growthkit.cohort, not
            # (beyond its parent's initialisation) a name defined in growthkit/__init__.py
            submodules = [n for n in names if f"{target}.{n}" in MODULES]
            out.extend((f"{target}.{n}", []) for n in submodules)
            if len(submodules) < len(names):
                out.append((target, [n for n in names if n not in submodules]))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.append((node.args[0].value, []))
    return [(t, n) for t, n in out if t == "growthkit" or t.startswith("growthkit.")]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name in MODULES:
        targets = set()
        for target, _ in _imports(name):
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in MODULES and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_under_1000_lines(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= 1000, f"{name} has {lines} lines"


def _domain(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in DOMAINS else None


def test_no_private_names_across_domains() -> None:
    offences = []
    for name in MODULES:
        own = _domain(name)
        for target, names in _imports(name):
            other = _domain(target)
            if other is None or other == own:
                continue
            private_module = any(p.startswith("_") for p in target.split(".")[2:])
            private_names = [n for n in names if n.startswith("_")]
            if private_module or private_names:
                offences.append(f"{name} imports {target} {private_names or ''}")
    assert offences == []


def test_the_checker_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
