"""Schemathesis over the whole API schema: no server errors, no answer the schema does not
describe.

The schema is loaded from ``/api/schema/`` of the Django WSGI application, exactly as clients
get it; every operation is called with generated data (valid and invalid) as an anonymous
caller, an enterprise admin, a county officer and a city officer. The checks are: no 5xx,
the status code is documented, the content type is documented, the body matches the
documented schema. Examples are bounded (and derandomised) so that the test stays fast and
repeatable; a failure prints the request that reproduces it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import DepartmentFactory, RegionFactory
from kejin.credit.tests.reports_factories import rating_category, report_request
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.financing.tests.factories import LoanFactory
from kejin.institutions.tests.factories import InstitutionFactory
from kejin.registry.models import GrowthStage, Label

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation and generation mode: enough to reach every parameter's edge values
# (schemathesis tries boundaries first), small enough to keep the four callers under a minute.
EXAMPLES = 6


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the WSGI application itself, whose request signals close the
    database connection — the test's transaction on PostgreSQL. Django's test client holds
    these signals back in the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _seed_enterprises(county):
    """A few enterprises in the county, some with blank optional fields, so that lists and
    details have rows to serialise (and nulls to get right)."""
    return [
        EnterpriseFactory(county=county),
        EnterpriseFactory(county=county, founded_on=datetime.date(2024, 1, 1)),
        EnterpriseFactory(county=county, registered_capital=Decimal("0.01")),
    ]


def _known_path_values(enterprise) -> dict[str, dict[str, object]]:
    """Path templates → values of objects that exist, so that valid calls reach real rows
    (random ids almost always answer 404)."""
    institution = InstitutionFactory()
    values: dict[str, dict[str, object]] = {
        "/api/v1/enterprises/{id}/": {"id": enterprise.pk},
        "/api/v1/enterprises/{id}/certificates/": {"id": enterprise.pk},
        "/api/v1/enterprises/{id}/facts/": {"id": enterprise.pk},
        "/api/v1/enterprises/{id}/facts/{year}/": {"id": enterprise.pk, "year": 2024},
        "/api/v1/enterprises/{id}/recognition/": {"id": enterprise.pk},
        "/api/v1/registry/entries/{enterprise_id}/": {"enterprise_id": enterprise.pk},
        "/api/v1/registry/entries/{enterprise_id}/history/": {"enterprise_id": enterprise.pk},
        "/api/v1/regions/{code}/": {"code": enterprise.county.code},
        "/api/v1/industries/{code}/": {"code": enterprise.industry.code},
        "/api/v1/departments/{code}/": {"code": DepartmentFactory().code},
        "/api/v1/institutions/{id}/": {"id": institution.pk},
        "/api/v1/credit/public/{uscc}/": {"uscc": enterprise.uscc},
    }
    # A pending credit-report request about the enterprise (its admin may answer it).
    request = report_request(
        enterprise=enterprise, institution=institution, categories=[rating_category()]
    )
    for action in ("", "grant/", "refuse/", "revoke/", "report/"):
        values[f"/api/v1/credit/report-requests/{{id}}/{action}"] = {"id": request.pk}
    # A loan of the enterprise (its admin and the officers see it; only the lender writes).
    loan = LoanFactory(enterprise=enterprise)
    for action in ("", "repayments/", "status/"):
        values[f"/api/v1/financing/loans/{{id}}/{action}"] = {"id": loan.pk}
    label, stage = Label.objects.first(), GrowthStage.objects.first()
    if label is not None:
        values["/api/v1/registry/labels/{code}/"] = {"code": label.code}
    if stage is not None:
        values["/api/v1/registry/stages/{code}/"] = {"code": stage.code}
    return values


def _caller_headers(role: str) -> tuple[dict[str, str], dict]:
    """The caller's headers, and the known path values (see :func:`_known_path_values`)."""
    county = RegionFactory()
    enterprises = _seed_enterprises(county)
    known = _known_path_values(enterprises[0])
    if role == "anonymous":
        return {}, known
    if role == "enterprise_admin":
        user = UserFactory(enterprise_admin=True, enterprise=enterprises[0])
    elif role == "county_officer":
        user = UserFactory(county_officer=True, county=county)
    else:
        user = UserFactory()
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}, known


def _can_be_made_invalid(operation) -> bool:
    """Whether the operation takes anything that has invalid values: a body, a query
    parameter or a typed (non-string) path value. (Otherwise generating invalid calls only
    burns time before giving up.)"""
    definition = operation.definition.raw
    if "requestBody" in definition:
        return True
    for parameter in definition.get("parameters", []):
        if parameter["in"] == "query":
            return True
        if parameter["in"] == "path" and parameter.get("schema", {}).get("type") != "string":
            return True
    return False


def _describe(failure: BaseException) -> str:
    """A failure as text: schemathesis' own messages include the request that reproduces it."""
    if isinstance(failure, FailureGroup):
        return "\n".join(str(one) for one in failure.exceptions)[:4000]
    return repr(failure)[:4000]


def _fuzz_operation(
    operation, *, mode: GenerationMode, headers: dict[str, str], path_values=None
) -> str | None:
    """Run the checks over generated calls of one operation; the failure text, if any."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_values))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid (an operation without parameters or body): nothing to test.
        return None
    except (Exception, FailureGroup) as failure:  # a failed check, or an exception of the app
        return f"{mode.value} {operation.label}:\n{_describe(failure)}"
    return None


@pytest.mark.parametrize(
    "role", ["anonymous", "enterprise_admin", "county_officer", "city_officer"]
)
def test_the_whole_api_answers_as_its_schema_says(role):
    headers, known = _caller_headers(role)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # Valid calls on objects that exist; invalid calls (any path values) to be refused.
        runs = [(GenerationMode.POSITIVE, known.get(operation.path))]
        if _can_be_made_invalid(operation):
            runs.append((GenerationMode.NEGATIVE, None))
        for mode, path_values in runs:
            failure = _fuzz_operation(
                operation, mode=mode, headers=headers, path_values=path_values
            )
            if failure:
                failures.append(failure)

    assert not failures, "\n\n".join(failures)


OUT_OF_RANGE = ["99999999999999999999", "-99999999999999999999", "9223372036854775808", "1e400"]


def test_no_parameter_of_any_operation_answers_500_for_an_integer_beyond_64_bits():
    """Every query and path parameter of every operation, given integers no 64-bit column
    holds: never a server error, always the JSON error shape (or a normal answer)."""
    headers, _ = _caller_headers("city_officer")
    client = Client(raise_request_exception=False)
    schema = SchemaGenerator().get_schema(request=None, public=True)

    problems = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            parameters = operation.get("parameters", [])
            for value in OUT_OF_RANGE:
                calls = []
                url = path
                for parameter in parameters:
                    if parameter["in"] == "path":
                        url = url.replace("{" + parameter["name"] + "}", value)
                calls.append((url, {}))
                calls += [
                    (url, {parameter["name"]: value})
                    for parameter in parameters
                    if parameter["in"] == "query"
                ]
                for call_url, query in calls:
                    response = getattr(client, method)(
                        call_url + ("?" + urlencode(query) if query else ""),
                        HTTP_AUTHORIZATION=headers["Authorization"],
                        content_type="application/json",
                        data="{}" if method != "get" else None,
                    )
                    if response.status_code >= 500 or (
                        response.status_code >= 400 and "error" not in response.json()
                    ):
                        problems.append(
                            f"{method.upper()} {call_url} {query}: {response.status_code}"
                        )

    assert problems == []
