"""Rule set versions: named parameters with references, activation only when every worked
case passes (both paths), no overlapping versions."""

import datetime
from pathlib import Path

import pytest

from kejin.rules.expressions import RuleError
from kejin.rules.ruleset import RuleSet
from kejin.rules.scenarios import Scenario
from kejin.rules.versions import version_activate, version_activate_file, versions_check

RECOGNITION = Path(__file__).resolve().parents[2] / "enterprises" / "recognition"

VERSION = {
    "id": "demo",
    "title": "示例",
    "reference": "示例办法第三条",
    "version": "2024",
    "valid_from": datetime.date(2024, 1, 1),
    "valid_to": None,
    "facts": ["staff", "employees"],
    "parameters": {
        "min_share": {"value": 0.1, "reference": "示例办法第三条（二）", "label": "最低比例"}
    },
    "indicators": [
        {
            "id": "share",
            "label": "占比",
            "value": {"/": [{"var": "staff"}, {"var": "employees"}]},
            "format": "percent",
        }
    ],
    "conditions": [
        {
            "id": "share",
            "label": "占比不低于10%",
            "test": {">=": [{"var": "value.share"}, {"param": "min_share"}]},
        }
    ],
}
CASES = [
    Scenario("恰为10%", {"staff": 10, "employees": 100}, {"status": "qualified"}),
    Scenario("9.99%", {"staff": 999, "employees": 10000}, {"status": "not_qualified"}),
]


def test_parameters_are_named_with_their_reference_and_substituted():
    version = RuleSet.from_dict(VERSION)
    (parameter,) = version.parameters
    assert (parameter.name, parameter.value, parameter.reference) == (
        "min_share",
        0.1,
        "示例办法第三条（二）",
    )
    assert version.conditions[0].test == {">=": [{"var": "value.share"}, 0.1]}
    assert version.version == "2024"


def test_unknown_parameter_is_a_coded_error():
    data = {**VERSION, "parameters": {}}
    with pytest.raises(RuleError) as caught:
        RuleSet.from_dict(data)
    assert caught.value.code == "unknown_parameter"
    assert caught.value.params == {"name": "min_share"}
    assert caught.value.path == "demo.conditions[0].test.>=[1]"


def test_a_version_whose_worked_cases_pass_activates():
    version = RuleSet.from_dict(VERSION)
    assert version_activate(version=version, scenarios=CASES) is version


def test_a_version_whose_worked_cases_fail_is_refused_with_the_cases_listed():
    # Given a version whose parameter was mistyped as 0.01
    data = {**VERSION, "parameters": {"min_share": {"value": 0.01, "reference": "x"}}}
    version = RuleSet.from_dict(data)

    with pytest.raises(RuleError) as caught:
        version_activate(version=version, scenarios=CASES)

    assert caught.value.code == "worked_cases_fail"
    assert caught.value.params["failures"] == [
        {
            "case": "9.99%",
            "path": "explain",
            "key": "status",
            "expected": "not_qualified",
            "actual": "qualified",
        },
        {
            "case": "9.99%",
            "path": "batch",
            "key": "status",
            "expected": "not_qualified",
            "actual": "qualified",
        },
    ]
    assert str(caught.value) == "demo: 2 worked case(s) fail: 9.99%; 9.99%"


def test_a_version_without_worked_cases_is_refused():
    with pytest.raises(RuleError) as caught:
        version_activate(version=RuleSet.from_dict(VERSION), scenarios=[])
    assert caught.value.code == "worked_cases_fail"


@pytest.mark.parametrize("name", ["tech_sme_2017", "high_tech_2016"])
def test_recognition_versions_activate(name):
    version = version_activate_file(RECOGNITION / f"{name}.scenarios.yaml")
    assert version.version and version.parameters
    assert all(p.reference for p in version.parameters)


def test_overlapping_versions_are_refused():
    first = RuleSet.from_dict({**VERSION, "valid_to": datetime.date(2024, 12, 31)})
    second = RuleSet.from_dict(
        {**VERSION, "version": "2025", "valid_from": datetime.date(2025, 1, 1)}
    )
    versions_check([first, second])
    overlapping = RuleSet.from_dict(
        {**VERSION, "version": "2024b", "valid_from": datetime.date(2024, 6, 1)}
    )
    with pytest.raises(RuleError) as caught:
        versions_check([first, overlapping])
    assert caught.value.code == "versions_overlap"
    assert caught.value.params == {
        "ruleset": "demo",
        "first": "2024",
        "second": "2024b",
        "day": "2024-06-01",
    }
