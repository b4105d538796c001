"""Audit for issue #8: every public function and class has a runnable example in its
docstring and a place in the API reference (``docs/api/*.md``).

The public names are the ``__all__`` lists of the package root and of every public module
(the contract in the API notes names the same modules). The examples themselves run as
doctests (``--doctest-modules``); this test checks that there is one to run and that
mkdocstrings renders the object on some API page.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

# Submodules first, so a name re-exported at the root is reported under its home module.
PUBLIC_MODULES = (
    "growthkit.summary",
    "growthkit.datasets",
    "growthkit.rfm",
    "growthkit.cohort",
    "growthkit.churn",
    "growthkit.clv",
    "growthkit.experiments",
    "growthkit.funnel",
    "growthkit.campaigns",
    "growthkit.plotting",
    "growthkit.report",
    "growthkit.errors",
    "growthkit",
)

API_DOCS = Path(__file__).resolve().parents[2] / "docs" / "api"

# A numpydoc section header: a title line underlined with dashes.
_SECTION = re.compile(r"^(?P<title>\S[^\n]*)\n-{3,}[ \t]*$", re.MULTILINE)
# ``::: dotted.path`` with its indented option lines (mkdocstrings autodoc syntax).
_DIRECTIVE = re.compile(r"^:::[ \t]+(?P<path>[\w.]+)[ \t]*\n(?P<options>(?:[ \t]+\S.*\n?)*)", re.M)
_MEMBERS_INLINE = re.compile(r"^\s*members:\s*\[(?P<names>[^\]]*)\]", re.MULTILINE)
_MEMBERS_BLOCK = re.compile(r"^\s*members:\s*\n(?P<items>(?:\s*-\s*\w+\s*\n?)+)", re.MULTILINE)


@dataclass(frozen=True)
class Public:
    module: str
    name: str
    obj: object

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"


def _public_objects() -> list[Public]:
    seen: set[int] = set()
    found: list[Public] = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
                continue  # constants, type aliases, submodules; re-exports counted once
            seen.add(id(obj))
            found.append(Public(module_name, name, obj))
    return found


PUBLIC = _public_objects()


def examples_section(doc: str) -> str | None:
    """Return the body of the numpydoc ``Examples`` section of a cleaned docstring."""
    headers = list(_SECTION.finditer(doc))
    for i, header in enumerate(headers):
        if header.group("title").strip() == "Examples":
            end = headers[i + 1].start() if i + 1 < len(headers) else len(doc)
            return doc[header.end() : end]
    return None


def _directives() -> Iterator[tuple[str, frozenset[str] | None]]:
    """Yield each ``::: path`` of the API pages with its explicit ``members`` (or None)."""
    for page in sorted(API_DOCS.glob("*.md")):
        for match in _DIRECTIVE.finditer(page.read_text(encoding="utf-8")):
            options = match.group("options")
            members: frozenset[str] | None = None
            if inline := _MEMBERS_INLINE.search(options):
                members = frozenset(
                    n.strip().strip("'\"") for n in inline.group("names").split(",") if n.strip()
                )
            elif block := _MEMBERS_BLOCK.search(options):
                members = frozenset(re.findall(r"-\s*(\w+)", block.group("items")))
            yield match.group("path"), members


def _resolve(path: str) -> object:
    try:
        return importlib.import_module(path)
    except ImportError:
        module, _, attr = path.rpartition(".")
        return getattr(importlib.import_module(module), attr)


def documented_ids() -> set[int]:
    """Ids of the objects some API page renders: a ``::: module`` renders its ``__all__``."""
    ids: set[int] = set()
    for path, members in _directives():
        target = _resolve(path)
        ids.add(id(target))
        if isinstance(target, ModuleType):
            names = getattr(target, "__all__", [n for n in vars(target) if not n.startswith("_")])
            for name in names:
                if members is None or name in members:
                    ids.add(id(getattr(target, name)))
    return ids


DOCUMENTED = documented_ids()


def test_the_audit_sees_the_contract() -> None:
    names = {p.qualname for p in PUBLIC}
    for expected in (
        "growthkit.rfm.rfm_scores",
        "growthkit.cohort.cohort_matrix",
        "growthkit.churn.survival_table",
        "growthkit.clv.BetaGeo",
        "growthkit.clv.customer_lifetime_value",
        "growthkit.experiments.proportion_test",
        "growthkit.experiments.ComparisonResult",
        "growthkit.summary.customer_summary",
        "growthkit.datasets.load_cdnow",
        "growthkit.plotting.plot_segments",
        "growthkit.errors.GrowthkitError",
        "growthkit.prepare_transactions",
    ):
        assert expected in names


def test_examples_section_parser() -> None:
    doc = "Summary.\n\nReturns\n-------\nint\n\nExamples\n--------\n>>> 1 + 1\n2\n\nNotes\n-----\nx"
    assert examples_section(doc) == "\n>>> 1 + 1\n2\n\n"
    assert examples_section("Summary.\n\n>>> 1\n1\n") is None


@pytest.mark.parametrize("public", PUBLIC, ids=lambda p: p.qualname)
def test_public_object_has_runnable_example(public: Public) -> None:
    raw = public.obj.__doc__
    # A dataclass without a docstring gets its signature as __doc__: not documentation.
    assert raw and not raw.startswith(f"{public.name}("), f"{public.qualname} has no docstring"
    body = examples_section(inspect.cleandoc(raw))
    assert body is not None, f"{public.qualname}: docstring has no numpydoc Examples section"
    examples = doctest.DocTestParser().get_examples(body)
    assert examples, f"{public.qualname}: the Examples section has no >>> line"


@pytest.mark.parametrize("public", PUBLIC, ids=lambda p: p.qualname)
def test_public_object_is_in_api_reference(public: Public) -> None:
    assert id(public.obj) in DOCUMENTED, (
        f"{public.qualname} appears on no docs/api/*.md page: add it to a '::: module' "
        f"page's __all__ or a '::: {public.qualname}' directive"
    )
