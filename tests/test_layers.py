"""The import-layer check of `make lint` (scripts/check_layers.py) catches what it should."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_layers", REPO / "scripts" / "check_layers.py")
check_layers = importlib.util.module_from_spec(_spec)
sys.modules["check_layers"] = check_layers  # dataclasses look their module up there
_spec.loader.exec_module(check_layers)


@pytest.fixture
def tree(tmp_path: Path):
    """A tiny kejin package in tmp_path: write(module, source) adds a module."""

    def write(module: str, source: str = "") -> None:
        path = tmp_path.joinpath(*module.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in [path.parent, *path.parent.parents]:
            if parent == tmp_path:
                break
            (parent / "__init__.py").touch()
        path.write_text(source)

    for module in ("core.money", "web.lists", "enterprises.services", "enterprises.views"):
        write(f"kejin.{module}")
    write("kejin.institutions.models")
    write("kejin.accounts.models")
    return tmp_path, write


def _found(root: Path) -> list[tuple[str, str, int]]:
    return [(v.importer, v.imported, v.line) for v in check_layers.find_violations(root)]


def test_a_lower_layer_importing_an_upper_one_is_caught(tree):
    root, write = tree
    write("kejin.core.pages", "import os\n\nfrom kejin.web.lists import page_context\n")

    violations = check_layers.find_violations(root)

    assert [str(v) for v in violations] == [
        "kejin/core/pages.py:3: kejin.core.pages imports kejin.web.lists: "
        "web is a higher layer than core"
    ]


def test_imports_inside_functions_and_relative_imports_are_caught(tree):
    root, write = tree
    write("kejin.accounts.demo", "def f():\n    from ..enterprises import services\n")
    write("kejin.enterprises.forms", "def g():\n    import kejin.web.lists\n")

    assert _found(root) == [
        ("kejin.accounts.demo", "kejin.enterprises.services", 2),
        ("kejin.enterprises.forms", "kejin.web.lists", 2),
    ]


def test_same_layer_apps_may_use_public_modules_but_not_internals(tree):
    root, write = tree
    write(
        "kejin.institutions.views",
        "from kejin.enterprises import services\n"
        "from kejin.enterprises.services import enterprise_create\n"
        "from kejin.enterprises.views import enterprise_list\n",
    )

    violations = check_layers.find_violations(root)

    assert [(v.imported, v.line) for v in violations] == [("kejin.enterprises.views", 3)]
    assert (
        "only its choices, models, permissions, selectors, services may be" in violations[0].reason
    )


def test_downward_imports_and_own_app_are_fine(tree):
    root, write = tree
    write(
        "kejin.web.home",
        "from kejin.enterprises.views import x\nfrom kejin.core import money\nfrom . import lists\n",
    )
    write("kejin.enterprises.api", "from kejin.enterprises.views import y\nimport kejin\n")

    assert _found(root) == []


def test_an_app_without_a_layer_is_an_error(tree):
    root, write = tree
    write("kejin.gadgets.models", "from kejin.core import money\n")

    violations = check_layers.find_violations(root)

    assert [v.reason for v in violations] == [
        "app 'gadgets' has no layer: add it to LAYERS in scripts/check_layers.py"
    ]


def test_tests_are_not_checked(tree):
    root, write = tree
    write("kejin.core.tests.test_pages", "from kejin.web.lists import page_context\n")

    assert _found(root) == []


def test_the_repository_has_no_violation_and_the_allow_list_stays_empty():
    result = subprocess.run(
        [sys.executable, "scripts/check_layers.py", "--strict"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )

    assert (result.returncode, result.stdout) == (0, "layers: ok\n")
    assert not check_layers.ALLOWED


def test_every_allowed_violation_names_existing_modules():
    modules = {check_layers._module_name(path, REPO) for path in (REPO / "kejin").rglob("*.py")}

    for importer, imported in check_layers.ALLOWED:
        assert importer in modules and imported in modules, (importer, imported)
