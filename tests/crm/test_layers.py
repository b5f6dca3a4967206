"""The layers of the code: crm never imports chainmap or geo (they read crm's models and own
their analyses), so the CRM runs without networkx, pandas, shapely or folium loaded."""

import ast
from pathlib import Path

CRM = Path(__file__).resolve().parents[2] / "crm"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_crm_imports_neither_chainmap_nor_geo():
    offenders = {
        str(path.relative_to(CRM.parent)): sorted(
            module
            for module in imported_modules(path)
            if module.split(".")[0] in ("chainmap", "geo")
        )
        for path in CRM.rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}
