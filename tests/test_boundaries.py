"""Architecture boundaries that code review alone would miss.

Protected models are read only through selectors (row scoping in one place); views, API
views, serializers and forms never call ``<Model>.objects`` on them.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "kejin"
PROTECTED = ("Enterprise", "Institution", "AuditEvent", "User")
ENTRY_POINTS = ("views.py", "forms.py", "serializers.py")
PATTERN = re.compile(r"\b(" + "|".join(PROTECTED) + r")\.objects\b")


def _entry_point_files():
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        if path.name in ENTRY_POINTS or "api" in path.parts:
            yield path


def test_entry_points_do_not_query_protected_models_directly():
    offenders = [
        f"{path.relative_to(ROOT.parent)}:{lineno}: {line.strip()}"
        for path in _entry_point_files()
        for lineno, line in enumerate(path.read_text().splitlines(), 1)
        if PATTERN.search(line)
    ]
    assert offenders == [], "use a selector instead:\n" + "\n".join(offenders)


def test_the_check_finds_a_direct_query(tmp_path):
    # The pattern above must catch the thing it forbids.
    assert PATTERN.search("qs = Enterprise.objects.filter(county=c)")
    assert not PATTERN.search("qs = enterprise_list(user=request.user)")


def test_core_imports_no_other_kejin_app():
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        if "tests" in path.parts:
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            match = re.match(r"\s*(from|import)\s+kejin\.(\w+)", line)
            if match and match.group(2) != "core":
                offenders.append(f"{path.relative_to(ROOT.parent)}:{lineno}: {line.strip()}")
    assert offenders == []
