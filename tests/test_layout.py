"""The layout's rules, checked: the import contract (import-linter), no private name used
outside its module, every function-level import says why it is there, and the public API."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import aftercall
from tests.conftest import ROOT

# the installed package's folders in the repository (pyproject's package-dir)
SOURCES = [ROOT / "aftercall", ROOT / "nlp", ROOT / "flows"]


def _modules() -> list[Path]:
    return [p for folder in SOURCES for p in folder.rglob("*.py")]


def _function_imports(tree: ast.AST) -> list[ast.stmt]:
    found: list[ast.stmt] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                found.append(child)
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(tree, False)
    return found


def test_the_import_contract_holds() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_imports.py")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_private_name_is_imported_from_another_module() -> None:
    offences = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aftercall"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        offences.append(f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}")
    assert offences == []


def test_no_private_attribute_of_an_imported_aftercall_module_is_used() -> None:
    offences = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {
            (a.asname or a.name)
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aftercall")
            for a in node.names
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                offences.append(f"{where} {node.value.id}.{node.attr}")
    assert offences == []


def test_every_function_level_import_says_why() -> None:
    """Imports belong at the top; one inside a function is there for start-up time (or to
    set something up first) and carries a comment saying so."""
    silent = []
    for path in _modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in _function_imports(ast.parse("\n".join(lines))):
            end = node.end_lineno or node.lineno
            # the comment sits on the import's own lines or on the line just above it
            if not any("#" in lines[i - 1] for i in range(node.lineno - 1, end + 1)):
                silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == []


def test_public_api_names_resolve() -> None:
    assert aftercall.__version__
    for name in aftercall.__all__:
        assert getattr(aftercall, name) is not None, name


def test_tests_mirror_the_package() -> None:
    concerns = {p.name for p in (ROOT / "aftercall").iterdir() if (p / "__init__.py").is_file()}
    concerns |= {"nlp"}
    missing = [c for c in concerns - {"flows", "models"} if not (ROOT / "tests" / c).is_dir()]
    assert missing == []
