"""fieldbook.connectors is pure (DESIGN principles 6-7): no Django, no sandbox, no sync engine."""

from __future__ import annotations

import ast
from pathlib import Path

import fieldbook.connectors

FORBIDDEN = ("django", "fieldbook.sandbox", "fieldbook.sync", "fieldbook.integration")


def test_connectors_import_nothing_forbidden() -> None:
    root = Path(fieldbook.connectors.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert offenders == []
    assert len(list(root.rglob("*.py"))) >= 10
