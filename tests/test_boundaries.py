"""Architecture boundaries that code review alone would miss.

Protected models — every model whose default manager has ``visible_to(user)`` (row scoping in
one place) — are read only through selectors: no module that serves requests (views, API,
forms, serializers, template tags) reaches ``<Model>.objects``, ``<Model>._default_manager``
or ``<Model>._base_manager`` of one. The only exception is ``.none()`` (an empty queryset for
schema generation, which reads nothing). Every model that belongs to an enterprise defines
``visible_to``, so it is protected as soon as it exists.
"""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parent.parent / "kejin"
MANAGERS = ("objects", "_default_manager", "_base_manager")
# Files that serve requests: pages, the API, forms, serializers and template tags.
ENTRY_POINT_NAMES = ("views.py", "api.py", "forms.py", "serializers.py")
ENTRY_POINT_FOLDERS = ("api", "templatetags")


def protected_models() -> list[type[models.Model]]:
    """Our models whose rows are scoped to the acting user (``Model.objects.visible_to``)."""
    return sorted(
        (
            model
            for model in apps.get_models()
            if model.__module__.startswith("kejin.")
            and callable(getattr(model._default_manager, "visible_to", None))
        ),
        key=lambda model: model.__name__,
    )


def direct_query_pattern(names) -> re.Pattern:
    return re.compile(
        r"\b(" + "|".join(sorted(names)) + r")\.(" + "|".join(MANAGERS) + r")\b(?!\.none\(\))"
    )


def _entry_point_files():
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        # views_*.py / forms_*.py: an app's pages split by part (kejin/credit/views_reports.py)
        split = path.name.startswith(("views_", "forms_"))
        if path.name in ENTRY_POINT_NAMES or split or set(ENTRY_POINT_FOLDERS) & set(path.parts):
            yield path


def test_protected_models_are_every_scoped_model():
    names = {model.__name__ for model in protected_models()}
    assert names >= {
        "AnnualFacts",
        "AuditEvent",
        "Certificate",
        "Enterprise",
        "EvaluationRun",
        "ImportBatch",
        "Institution",
        "RecognitionResult",
        "RegistryEntry",
        "RegistryEvent",
        "RegistryOverride",
        "User",
    }


def test_every_model_that_belongs_to_an_enterprise_is_scoped():
    enterprise = apps.get_model("enterprises", "Enterprise")
    unscoped = sorted(
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.concrete
        and field.is_relation
        and field.related_model is enterprise
        and not callable(getattr(model._default_manager, "visible_to", None))
    )
    assert unscoped == [], "give these models EnterpriseOwnedQuerySet (kejin.enterprises.querysets)"


def test_entry_points_cover_every_module_that_serves_requests():
    files = {str(path.relative_to(ROOT.parent)) for path in _entry_point_files()}
    assert files >= {
        "kejin/registry/api/views.py",
        "kejin/registry/views.py",
        "kejin/enterprises/profile/api.py",
        "kejin/enterprises/imports/api.py",
        "kejin/enterprises/views.py",
        "kejin/enterprises/api/views.py",
        "kejin/core/templatetags/kejin_tags.py",
        "kejin/credit/views_reports.py",
        "kejin/credit/api/reports.py",
    }


def test_entry_points_do_not_query_protected_models_directly():
    pattern = direct_query_pattern(model.__name__ for model in protected_models())
    offenders = [
        f"{path.relative_to(ROOT.parent)}:{lineno}: {line.strip()}"
        for path in _entry_point_files()
        for lineno, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == [], "use a selector instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "line",
    [
        "qs = Enterprise.objects.filter(county=c)",
        "qs = RegistryEvent._default_manager.all()",
        "row = Certificate._base_manager.get(pk=1)",
        "qs = AnnualFacts.objects",
        "qs = Enterprise.objects.none().union(Enterprise.objects.all())",
    ],
)
def test_the_check_finds_a_direct_query(line):
    # The pattern above must catch the thing it forbids.
    pattern = direct_query_pattern(model.__name__ for model in protected_models())
    assert pattern.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "qs = enterprise_list(user=request.user)",
        "queryset = RegistryOverride._default_manager.none()",
        "queryset = Certificate.objects.none()",
        "qs = Label.objects.all()",  # published criteria, not scoped
    ],
)
def test_the_check_lets_reads_through_selectors_pass(line):
    pattern = direct_query_pattern(model.__name__ for model in protected_models())
    assert not pattern.search(line)


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
