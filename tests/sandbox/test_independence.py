"""DESIGN principle 7: the sandbox and the client code never import each other (checked by ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "fieldbook"
FORBIDDEN_FOR_SANDBOX = ("django", "fieldbook.connectors", "fieldbook.sync", "fieldbook.core")
CLIENT_PACKAGES = ("connectors", "sync", "core/money.py", "core/money")


def imported_modules(path: Path, package: str | None = None) -> set[str]:
    """Absolute names of every module imported by `path` (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if package is None:
        package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def python_files(relative: str) -> list[Path]:
    target = SRC / relative
    if target.is_file():
        return [target]
    if target.with_suffix(".py").is_file():
        return [target.with_suffix(".py")]
    return sorted(target.rglob("*.py")) if target.is_dir() else []


def test_helper_reads_the_real_package() -> None:
    assert "fieldbook.sandbox.common.clock" in imported_modules(SRC / "sandbox" / "__init__.py")


def test_sandbox_imports_no_client_code_and_no_django() -> None:
    files = python_files("sandbox")
    assert files, "the sandbox package exists"
    offenders = {
        str(path.relative_to(SRC)): sorted(m for m in imported_modules(path)
                                           if any(m == f or m.startswith(f"{f}.") for f in FORBIDDEN_FOR_SANDBOX))
        for path in files}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("package", CLIENT_PACKAGES)
def test_client_code_imports_nothing_from_the_sandbox(package: str) -> None:
    offenders = {
        str(path.relative_to(SRC)): sorted(m for m in imported_modules(path)
                                           if m == "fieldbook.sandbox" or m.startswith("fieldbook.sandbox."))
        for path in python_files(package)}  # a package that does not exist yet has nothing to check
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_catches_an_offender(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from ...core import money\nimport django.db\nfrom fieldbook.connectors.quickbooks import api\n")
    found = imported_modules(probe, package="fieldbook.sandbox.quickbooks")
    assert {"fieldbook.core.money", "django.db", "fieldbook.connectors.quickbooks"} <= found
