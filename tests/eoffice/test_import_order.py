"""The data plane stands on its own: no module under eoffice/ imports the control plane.

Read from the source with ast, so an import inside a function (a lazy import), a relative
import and a dynamic import by name are all seen, whether or not the code path ever runs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

EOFFICE = Path(__file__).resolve().parents[2] / "eoffice"
CONTROL_PLANE = ("tenants", "billing", "provisioning", "console")


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every module a source file imports: `import x`, `from x import y` (at any depth of the
    file, functions included) and `importlib.import_module("x")` / `__import__("x")`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and (
                (
                    isinstance(node.func, ast.Name)
                    and node.func.id in {"__import__", "import_module"}
                )
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def is_control_plane(module: str) -> bool:
    return module.split(".")[0] in CONTROL_PLANE


def test_no_module_under_eoffice_imports_the_control_plane() -> None:
    offending = [
        f"{path.relative_to(EOFFICE.parent)}:{line} imports {module}"
        for path in sorted(EOFFICE.rglob("*.py"))
        for line, module in imported_modules(path.read_text(encoding="utf-8"))
        if is_control_plane(module)
    ]

    assert offending == []


@pytest.mark.parametrize(
    "source",
    [
        "import tenants.models",
        "import billing as b",
        "from provisioning.invitation import tenant_url",
        "from console import views",
        "def later():\n    from tenants import survey\n",
        "class A:\n    def m(self):\n        import provisioning.storage\n",
        "import importlib\nimportlib.import_module('billing.models')",
        "__import__('tenants')",
    ],
)
def test_the_check_sees_every_way_of_importing(source: str) -> None:
    assert any(is_control_plane(module) for _, module in imported_modules(source))


def test_the_check_leaves_the_ground_floor_and_lookalikes_alone() -> None:
    source = "import accounts.models\nfrom config import tenant_storage\nimport tenantsx\n"

    assert not any(is_control_plane(module) for _, module in imported_modules(source))
