"""Check that kejin's apps import only downward (ARCHITECTURE.md, "Boundaries"); run by `make lint`.

Layers, lowest first; a module may import its own app, any app of a lower layer, and, of an
app in its own layer, only the public modules (``PUBLIC_MODULES``: services, selectors,
models, choices, permissions). Every ``import``/``from … import`` of ``kejin.<app>`` in
``kejin/`` counts, including those inside functions; tests are not checked (they may build
data with any app's factories). An app missing from ``LAYERS`` is itself an error: a new app
must say where it sits.

Usage: ``python scripts/check_layers.py [--strict]``. Exit status 1 on any violation not in
``ALLOWED``; ``--strict`` also fails on allow-list entries that no longer occur.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "kejin"

LAYERS: list[tuple[str, ...]] = [
    ("core", "rules"),
    ("ingest", "facts"),
    ("accounts",),
    ("enterprises", "institutions", "notifications"),
    ("registry", "credit", "financing", "policies", "capital"),
    ("stats",),
    ("web",),
]
LAYER_OF = {app: level for level, apps in enumerate(LAYERS) for app in apps}
# What an app of the same layer may import from another (ARCHITECTURE.md: "Apps talk to each
# other through services and selectors and foreign keys").
PUBLIC_MODULES = frozenset({"services", "selectors", "models", "choices", "permissions"})

# Violations tolerated for now, (importing module, imported module). Empty since issue 6's
# layering work (demo users are written by web, region demo data is core's), and pinned empty
# by tests/test_layers.py: do not add to it, fix the import instead (move the shared code
# down, or take a callable / register a source).
ALLOWED: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Violation:
    """One import that goes against the layers."""

    path: str
    line: int
    importer: str
    imported: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported}: {self.reason}"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_checked(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return "tests" not in parts and not parts[-1].startswith("test_") and parts[-1] != "conftest.py"


def _resolve_relative(importer: str, is_package: bool, level: int, module: str | None) -> str:
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _imported_modules(tree: ast.AST, importer: str, is_package: bool, package_dir: Path):
    """Yield (line, module) for every kejin module imported, as precisely as the source says."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                module = _resolve_relative(importer, is_package, node.level, node.module)
            else:
                module = node.module or ""
            for alias in node.names:
                # `from kejin.enterprises import services` imports the submodule services.
                candidate = f"{module}.{alias.name}"
                relative = Path(*candidate.split(".")[1:])
                if (package_dir / relative).is_dir() or (
                    package_dir / relative.with_suffix(".py")
                ).exists():
                    yield node.lineno, candidate
                else:
                    yield node.lineno, module


def _judge(importer: str, imported: str) -> str | None:
    """Why ``importer`` may not import ``imported`` (None if it may)."""
    if imported != PACKAGE and not imported.startswith(PACKAGE + "."):
        return None
    source_parts, target_parts = importer.split("."), imported.split(".")
    if len(target_parts) < 2 or len(source_parts) < 2:
        return None
    source_app, target_app = source_parts[1], target_parts[1]
    if source_app == target_app:
        return None
    for app in (source_app, target_app):
        if app not in LAYER_OF:
            return f"app {app!r} has no layer: add it to LAYERS in scripts/check_layers.py"
    source_layer, target_layer = LAYER_OF[source_app], LAYER_OF[target_app]
    if target_layer > source_layer:
        return f"{target_app} is a higher layer than {source_app}"
    if (
        target_layer == source_layer
        and len(target_parts) > 2
        and target_parts[2] not in PUBLIC_MODULES
    ):
        return (
            f"{target_app} is in the same layer as {source_app}; only its "
            f"{', '.join(sorted(PUBLIC_MODULES))} may be imported"
        )
    return None


def find_violations(root: Path = ROOT, package: str = PACKAGE) -> list[Violation]:
    """Every layer violation under ``root/package``, allowed or not, in file order."""
    package_dir = root / package
    violations = []
    for path in sorted(package_dir.rglob("*.py")):
        if not _is_checked(path, root):
            continue
        importer = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        seen = set()
        for line, imported in _imported_modules(
            tree, importer, path.name == "__init__.py", package_dir
        ):
            reason = _judge(importer, imported)
            if reason and (imported, line) not in seen:
                seen.add((imported, line))
                relative = str(path.relative_to(root))
                violations.append(Violation(relative, line, importer, imported, reason))
    return violations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--strict", action="store_true", help="also fail on allow-list entries no longer needed"
    )
    args = parser.parse_args(argv)
    violations = find_violations()
    new = [v for v in violations if (v.importer, v.imported) not in ALLOWED]
    stale = ALLOWED - {(v.importer, v.imported) for v in violations}
    for violation in new:
        print(violation)
    for importer, imported in sorted(stale):
        print(f"note: allowed {importer} -> {imported} no longer occurs; remove it from ALLOWED")
    allowed_count = len(violations) - len(new)
    if new:
        print(f"layers: {len(new)} import(s) against ARCHITECTURE.md's layers")
        return 1
    if stale and args.strict:
        return 1
    if allowed_count:
        print(f"layers: ok ({allowed_count} known violation(s) allowed, to be removed)")
    else:
        print("layers: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
