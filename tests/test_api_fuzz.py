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

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
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
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.tests.factories import EnterpriseFactory

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


def _seed_enterprises(county):
    """A few enterprises in the county, some with blank optional fields, so that lists and
    details have rows to serialise (and nulls to get right)."""
    return [
        EnterpriseFactory(county=county),
        EnterpriseFactory(county=county, founded_on=datetime.date(2024, 1, 1)),
        EnterpriseFactory(county=county, registered_capital=Decimal("0.01")),
    ]


def _caller_headers(role: str) -> dict[str, str]:
    county = RegionFactory()
    enterprises = _seed_enterprises(county)
    if role == "anonymous":
        return {}
    if role == "enterprise_admin":
        user = UserFactory(enterprise_admin=True, enterprise=enterprises[0])
    elif role == "county_officer":
        user = UserFactory(county_officer=True, county=county)
    else:
        user = UserFactory()
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def _describe(failure: BaseException) -> str:
    """A failure as text: schemathesis' own messages include the request that reproduces it."""
    if isinstance(failure, FailureGroup):
        return "\n".join(str(one) for one in failure.exceptions)[:4000]
    return repr(failure)[:4000]


def _fuzz_operation(operation, *, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """Run the checks over generated calls of one operation; the failure text, if any."""

    @given(case=operation.as_strategy(generation_mode=mode))
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
    headers = _caller_headers(role)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failure = _fuzz_operation(operation, mode=mode, headers=headers)
            if failure:
                failures.append(failure)

    assert not failures, "\n\n".join(failures)
