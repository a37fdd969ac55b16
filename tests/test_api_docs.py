"""docs/api.md keeps up with the API: every path and operation of the OpenAPI schema is
documented there, and the document names no API path that does not exist.

The schema is generated from the URL conf and the views, exactly as ``/api/schema/`` serves
it, so a new endpoint without documentation fails here.
"""

import re
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
METHODS = ("get", "post", "put", "patch", "delete")
API_ROOT = "/api/v1/"
# A path as written in the document: stops at a backtick, a space, a quote, "?" (query), etc.
PATH_IN_TEXT = re.compile(r"/api/v\d+/[A-Za-z0-9_.{}/-]*")
PLACEHOLDER = re.compile(r"\{[^{}/]+\}")


def normalise(path: str) -> str:
    """A path template in one spelling: leading and trailing slash, no doubled slashes."""
    path = "/" + path.strip().strip("/") + "/"
    return re.sub(r"/{2,}", "/", path)


def schema_operations() -> dict[str, set[str]]:
    """Every path template of the generated schema with its HTTP methods (upper case)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        normalise(path): {method.upper() for method in item if method in METHODS}
        for path, item in schema["paths"].items()
    }


def paths_in(text: str) -> set[str]:
    """Every API path the text mentions, normalised (query strings dropped)."""
    return {normalise(match) for match in PATH_IN_TEXT.findall(text)}


def undocumented_paths(paths, text: str) -> list[str]:
    """The path templates the text never names as a path of its own."""
    mentioned = paths_in(text)
    return sorted(path for path in paths if path not in mentioned)


def undocumented_operations(operations: dict[str, set[str]], text: str) -> list[str]:
    """The operations the text never writes as ``METHOD /path/`` (as in the endpoint table)."""
    missing = []
    for path, methods in operations.items():
        for method in sorted(methods):
            pattern = rf"\b{method} {re.escape(path)}(?![A-Za-z0-9_.{{}}/-])"
            if not re.search(pattern, text):
                missing.append(f"{method} {path}")
    return sorted(missing)


def unknown_paths(paths, text: str) -> list[str]:
    """The /api/v1/ paths the text mentions that match no path template (ids or codes in
    place of the placeholders are fine)."""
    templates = [
        re.compile(
            "^"
            + PLACEHOLDER.sub("[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
            + "$"
        )
        for path in paths
    ]
    return sorted(
        path
        for path in paths_in(text)
        if path.startswith(API_ROOT)
        and path != API_ROOT
        and not any(template.match(path) for template in templates)
    )


@pytest.fixture(scope="module")
def operations() -> dict[str, set[str]]:
    return schema_operations()


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_schema_has_the_endpoints_this_test_relies_on(operations):
    # Guards against checking an empty or differently spelt schema (which would pass).
    assert operations["/api/v1/enterprises/{id}/facts/"] == {"GET"}
    assert operations["/api/v1/enterprises/{id}/facts/{year}/"] == {"GET", "PATCH"}
    assert operations["/api/v1/registry/overrides/{id}/lift/"] == {"POST"}
    assert len(operations) >= 33


def test_every_schema_path_is_in_the_doc(operations, doc):
    assert undocumented_paths(operations, doc) == [], "document these paths in docs/api.md"


def test_every_operation_is_in_the_doc(operations, doc):
    assert undocumented_operations(operations, doc) == [], (
        "add these operations to the endpoint table of docs/api.md"
    )


def test_the_doc_names_no_path_the_api_lacks(operations, doc):
    assert unknown_paths(operations, doc) == [], "docs/api.md names paths the API does not have"


# --- the checks can fail --------------------------------------------------------------------


def test_a_missing_path_is_reported_even_when_a_longer_or_shorter_one_is_documented():
    paths = ["/api/v1/enterprises/", "/api/v1/enterprises/{id}/", "/api/v1/enterprises/{id}/facts/"]
    text = "See `/api/v1/enterprises/{id}/` and `GET /api/v1/enterprises/?q=禾朗`."

    assert undocumented_paths(paths, text) == ["/api/v1/enterprises/{id}/facts/"]


def test_a_missing_method_is_reported():
    operations = {"/api/v1/registry/labels/{code}/": {"GET", "PATCH"}}
    text = "| `GET /api/v1/registry/labels/{code}/` | any signed-in user |"

    assert undocumented_operations(operations, text) == ["PATCH /api/v1/registry/labels/{code}/"]


def test_an_operation_on_a_longer_path_does_not_count_for_the_shorter_one():
    operations = {"/api/v1/registry/overrides/{id}/": {"POST"}}
    text = "`POST /api/v1/registry/overrides/{id}/lift/`"

    assert undocumented_operations(operations, text) == ["POST /api/v1/registry/overrides/{id}/"]


def test_a_stale_path_in_the_doc_is_reported_and_concrete_ids_match_templates():
    paths = ["/api/v1/enterprises/{id}/facts/{year}/", "/api/v1/registry/stages/{code}/"]
    text = (
        "GET /api/v1/enterprises/1/facts/2024/ and /api/v1/registry/stages/growth/, "
        "but also /api/v1/registry/phases/ and the root /api/v1/ and /api/v2/."
    )

    assert unknown_paths(paths, text) == ["/api/v1/registry/phases/"]


def test_normalise_spells_a_path_one_way():
    assert normalise("api/v1//enterprises/{id}/facts") == "/api/v1/enterprises/{id}/facts/"


def test_every_error_code_is_in_the_errors_table():
    """Clients program against the codes: each one has a row (status | `code` | when)."""
    from kejin.core.errors import ErrorCode

    codes = {value for name, value in vars(ErrorCode).items() if name.isupper()}
    text = DOC.read_text(encoding="utf-8")
    in_table = set(re.findall(r"^\| \d{3} \| `([a-z_]+)` \|", text, flags=re.MULTILINE))

    assert sorted(codes - in_table) == []
