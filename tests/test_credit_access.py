"""Credit records reach pages and the API only through the report access function.

``kejin.credit.reports.credit_report_for`` checks the enterprise's grant and writes the read
log; the public page and the public API read through ``kejin.credit.disclosure``; other reads
go through selectors scoped by ``visible_to`` (institutions get none). This test fails if a
module that serves requests — views (``views*.py``), the API (``api.py``, ``api/``), forms,
serializers, template tags, the Django admin (``admin.py``, ``admin/``) — reaches credit
records any other way: by naming
``CreditRecord`` (its manager or any attribute; ``.none()`` for schema generation aside), by
following a reverse relation to records (``enterprise.credit_records``, ``category.records``,
``batch.records``), or by asking the app registry for the model. Templates may not follow
those relations either. Extends ``tests/test_boundaries.py`` (which checks managers of every
protected model) with the attribute paths that bypass ``visible_to``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "kejin"
RECORD_RELATIONS = {"credit_records", "records"}
MODEL = "CreditRecord"
# A lookup through a reverse relation to records: "records__enterprise", "credit_records".
LOOKUP = re.compile(r"(^|__)(credit_)?records(__|$)")
# Calls whose string arguments are lookups (annotations, prefetches, values, F()).
QUERY_CALLS = {
    "Count",
    "Sum",
    "Max",
    "Min",
    "Avg",
    "F",
    "OuterRef",
    "Prefetch",
    "FilteredRelation",
    "prefetch_related",
    "select_related",
    "values",
    "values_list",
    "order_by",
    "only",
    "defer",
}


def entry_point_files():
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        name = path.name
        if (
            name.startswith(("views", "forms"))
            or name in ("api.py", "serializers.py", "admin.py")
            or {"api", "templatetags", "admin"} & set(path.parts)
        ):
            yield path


def offences(source: str, *, admin_module: bool = False) -> list[tuple[int, str]]:
    """(line, what) for every way ``source`` reaches credit records directly. In an admin
    module (``admin_module``) naming the model at all is one: registering it, or an inline
    of it, is a page of records."""
    found = []
    tree = ast.parse(source)
    schema_only = set()
    for node in ast.walk(tree):
        # Model.<manager>.none(): an empty queryset for the schema, reads nothing
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "none"
            and isinstance(node.func.value, ast.Attribute)
            and isinstance(node.func.value.value, ast.Name)
        ):
            schema_only.add(id(node.func.value))
    attribute_bases = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr in RECORD_RELATIONS:
                found.append((node.lineno, f".{node.attr}"))
            elif (
                isinstance(node.value, ast.Name)
                and node.value.id == MODEL
                and id(node) not in schema_only
            ):
                found.append((node.lineno, f"{MODEL}.{node.attr}"))
        elif (
            admin_module
            and isinstance(node, ast.Name)
            and node.id == MODEL
            and id(node) not in attribute_bases
        ):
            # the model itself handed on: an admin registration, an inline's ``model``
            found.append((node.lineno, MODEL))
        elif isinstance(node, ast.Constant) and node.value in (
            MODEL,
            "credit.CreditRecord",
            "credit.creditrecord",
        ):
            found.append((node.lineno, repr(node.value)))
        elif isinstance(node, ast.keyword) and node.arg and LOOKUP.search(node.arg):
            found.append((node.lineno, f"{node.arg}="))
        elif isinstance(node, ast.Call) and _called(node) in QUERY_CALLS:
            for argument in node.args:
                if isinstance(argument, ast.Constant) and LOOKUP.search(str(argument.value)):
                    found.append((node.lineno, f"{_called(node)}({argument.value!r})"))
    return sorted(set(found))


def _is_admin(path: Path) -> bool:
    return path.name == "admin.py" or "admin" in path.parts


def _called(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def test_the_scan_covers_the_credit_pages_and_api():
    files = {str(path.relative_to(ROOT.parent)) for path in entry_point_files()}
    assert files >= {
        "kejin/credit/views_reports.py",
        "kejin/credit/views_public.py",
        "kejin/credit/forms_reports.py",
        "kejin/credit/api/reports.py",
        "kejin/credit/api/public.py",
        "kejin/credit/api/urls.py",
        "kejin/credit/admin.py",
        "kejin/enterprises/admin.py",
        "kejin/core/admin.py",
    }


def test_no_page_or_api_reaches_credit_records_but_through_the_access_function():
    problems = [
        f"{path.relative_to(ROOT.parent)}:{line}: {what}"
        for path in entry_point_files()
        for line, what in offences(path.read_text(), admin_module=_is_admin(path))
    ]
    assert problems == [], (
        "read reports through kejin.credit.reports.credit_report_for, public records through "
        "kejin.credit.disclosure, others through a visible_to selector:\n" + "\n".join(problems)
    )


def test_no_template_follows_a_relation_to_credit_records():
    pattern = re.compile(r"\.(credit_records|records)\b")
    problems = [
        f"{path.relative_to(ROOT.parent)}:{lineno}: {line.strip()}"
        for path in sorted(ROOT.rglob("templates/**/*.html"))
        for lineno, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert problems == []


@pytest.mark.parametrize(
    "source",
    [
        "rows = CreditRecord.objects.filter(enterprise=e)",
        "rows = CreditRecord._base_manager.all()",
        "rows = enterprise.credit_records.all()",
        "rows = category.records.filter(status='current')",
        "model = apps.get_model('credit', 'CreditRecord')",
        "qs = Enterprise.objects.filter(credit_records__category=c)",
        "qs = RecordCategory.objects.annotate(n=Count('records'))",
        "qs = RecordCategory.objects.filter(records__enterprise=e)",
        "rows = [r for section in sections for r in section.records]",
    ],
)
def test_the_scan_finds_a_direct_reach(source):
    assert offences(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "@admin.register(CreditRecord)\nclass RecordAdmin(admin.ModelAdmin): pass",
        "admin.site.register(CreditRecord)",
        "class RecordInline(admin.TabularInline):\n    model = CreditRecord",
        "class CategoryAdmin(admin.ModelAdmin):\n"
        "    def get_queryset(self, request):\n"
        "        return super().get_queryset(request).prefetch_related('records')",
    ],
)
def test_the_scan_finds_records_in_an_admin_module(source):
    assert offences(source, admin_module=True) != []


def test_the_scan_covers_the_admin_modules():
    files = {str(path.relative_to(ROOT.parent)) for path in entry_point_files()}
    assert {str(path.relative_to(ROOT.parent)) for path in ROOT.rglob("admin.py")} <= files


@pytest.mark.parametrize(
    "source",
    [
        "report = credit_report_for(user=u, grant=1, format='page')",
        "queryset = CreditRecord._default_manager.none()",
        "sections = public_credit_records(enterprise=e)",
        "rows = report.sections[0].rows",
        "items = [item for section in public_credit_records(enterprise=e) "
        "for item in section.items]",
    ],
)
def test_the_scan_lets_the_access_function_pass(source):
    assert offences(source) == []
