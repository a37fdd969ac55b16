"""The credit data catalogue: the default Jiaxing catalogue loaded by the migration
(idempotent), the catalogue pages, and the officers' edits (audited; refused for anyone else
with nothing changed; invisible characters refused)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent, Department
from kejin.credit.catalogue import (
    catalogue_file_read,
    category_field_save,
    credit_catalogue_load_default,
    record_category_save,
)
from kejin.credit.models import CategoryField, RecordCategory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_catalogue(db):
    """The default Jiaxing catalogue, as ``manage.py credit_catalogue_load`` installs it."""
    credit_catalogue_load_default()


SPEC_CODES = [
    "tax_rating", "tax_payment", "social_insurance", "housing_fund", "penalty_market",
    "penalty_environment", "penalty_safety", "penalty_quality", "abnormal_operations",
    "serious_dishonesty", "court_judgment", "dishonest_debtor", "electricity_arrears",
    "water_arrears", "gas_arrears", "patent", "trademark", "honour", "loan_repayment",
]  # fmt: skip


def snapshot():
    return (
        list(RecordCategory.objects.order_by("pk").values()),
        list(CategoryField.objects.order_by("pk").values()),
    )


def test_the_loader_installs_the_default_catalogue_of_the_spec():
    categories = {c.code: c for c in RecordCategory.objects.select_related("department")}
    assert list(categories) == SPEC_CODES
    tax = categories["tax_rating"]
    assert (tax.name, tax.department.code, tax.disclosure, tax.event_date_field) == (
        "纳税信用等级", "jx-tax", "restricted", "evaluation_date"
    )  # fmt: skip
    rating = tax.fields.get(code="rating")
    assert (rating.type, rating.required, rating.allowed_values) == (
        "choice", True, ["A", "B", "M", "C", "D"]
    )  # fmt: skip
    debtor = categories["dishonest_debtor"]
    assert (debtor.disclosure, debtor.personal_info_disclosed) == ("public", True)
    assert list(debtor.fields.filter(is_personal=True).values_list("code", flat=True)) == [
        "legal_person_name",
        "legal_person_id_no",
    ]
    assert categories["housing_fund"].department.name == "嘉兴市住房公积金管理中心"
    assert categories["water_arrears"].department.code == "jx-water"
    assert categories["gas_arrears"].department.kind == "data_provider"
    assert list(categories["penalty_environment"].fields.values_list("code", flat=True)) == [
        "decision_no", "decision_date", "violation", "penalty_type", "amount", "severity",
        "authority", "legal_person_name",
    ]  # fmt: skip


def test_loading_the_default_catalogue_again_changes_nothing_and_keeps_officers_additions():
    officer_field = CategoryField.objects.create(
        category=RecordCategory.objects.get(code="patent"),
        code="ipc",
        name="IPC分类号",
        type="text",
    )
    before = snapshot()

    result = credit_catalogue_load_default()

    assert (result.categories_created, result.categories_updated) == (0, 0)
    assert (result.fields_created, result.fields_updated) == (0, 0)
    assert snapshot() == before
    assert CategoryField.objects.filter(pk=officer_field.pk).exists()
    assert len(catalogue_file_read()["categories"]) == 19


def test_a_city_officer_adds_a_category_and_its_fields_audited():
    officer = UserFactory()
    department = Department.objects.get(code="jx-market-supervision")

    category = record_category_save(
        actor=officer,
        data={"code": "food_safety", "name": "食品安全抽检", "department": department,
              "disclosure": "public", "event_date_field": "sampled_on"},
    )  # fmt: skip
    field = category_field_save(
        actor=officer,
        category=category,
        data={"code": "sampled_on", "name": "抽检日期", "type": "date", "required": True},
    )
    choice = category_field_save(
        actor=officer,
        category=category,
        data={
            "code": "result",
            "name": "抽检结论",
            "type": "choice",
            "allowed_values": "合格, 不合格",
        },
    )

    assert choice.allowed_values == ["合格", "不合格"]
    assert field.category == category
    events = AuditEvent.objects.filter(
        object_type__in=["credit.recordcategory", "credit.categoryfield"]
    )
    assert sorted(events.values_list("object_type", "action")) == [
        ("credit.categoryfield", "create"),
        ("credit.categoryfield", "create"),
        ("credit.recordcategory", "create"),
    ]
    assert events.get(object_type="credit.recordcategory").after["name"] == "食品安全抽检"


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: UserFactory(county_officer=True),
        lambda: UserFactory(data_provider=True, department=Department.objects.get(code="jx-tax")),
        lambda: UserFactory(platform_admin=True),
        lambda: UserFactory(enterprise_admin=True),
    ],
    ids=["county_officer", "data_provider", "platform_admin", "enterprise_admin"],
)
def test_only_city_officers_edit_the_catalogue_and_a_refusal_changes_nothing(make_user):
    user = make_user()
    category = RecordCategory.objects.get(code="tax_rating")
    before = snapshot()

    for attempt in (
        lambda: record_category_save(actor=user, category=category, data={"name": "改名"}),
        lambda: record_category_save(actor=user, data={"code": "x", "name": "新类别"}),
        lambda: category_field_save(
            actor=user, category=category, data={"code": "x", "name": "新字段", "type": "text"}
        ),
    ):
        with pytest.raises(ApplicationError) as refused:
            attempt()
        assert refused.value.code == "permission_denied"
        assert refused.value.message == "只有市级部门工作人员可以维护信用数据目录。"
    assert snapshot() == before
    assert not AuditEvent.objects.filter(object_type__startswith="credit.").exists()


def test_invisible_characters_and_bad_fields_are_refused_with_clear_messages():
    officer = UserFactory()
    category = RecordCategory.objects.get(code="tax_rating")
    before = snapshot()

    with pytest.raises(ApplicationError) as invisible:
        record_category_save(actor=officer, category=category, data={"name": "纳税\u202e等级"})
    assert invisible.value.fields == {
        "name": [
            "第3个字符是不可见的控制字符（U+202E RIGHT-TO-LEFT OVERRIDE），请删除后重新填写"
            "（从其他软件复制的文字常带有这类字符）。"
        ]
    }
    with pytest.raises(ApplicationError) as no_codes:
        category_field_save(
            actor=officer,
            category=category,
            data={"code": "grade", "name": "等级", "type": "choice"},
        )
    assert no_codes.value.fields == {
        "allowed_values": ["代码类型的字段请填写取值范围（以逗号分隔）。"]
    }
    with pytest.raises(ApplicationError) as reserved:
        category_field_save(
            actor=officer, category=category, data={"code": "uscc", "name": "代码", "type": "text"}
        )
    assert reserved.value.fields == {"code": ["该代码为系统保留，请换一个代码。"]}
    with pytest.raises(ApplicationError) as duplicate:
        category_field_save(
            actor=officer,
            category=category,
            data={"code": "rating", "name": "等级", "type": "text"},
        )
    assert duplicate.value.fields == {"code": ["本类别已有代码为“rating”的字段。"]}
    with pytest.raises(ApplicationError) as event_date:
        record_category_save(actor=officer, category=category, data={"event_date_field": "rating"})
    assert event_date.value.fields == {
        "event_date_field": ["事件日期字段应为本类别的日期字段之一：evaluation_date。"]
    }
    assert snapshot() == before


def test_catalogue_pages_list_show_and_edit(client):
    officer = UserFactory()
    client.force_login(officer)
    category = RecordCategory.objects.get(code="penalty_market")

    listing = client.get(reverse("credit:catalogue_list"))
    detail = client.get(reverse("credit:catalogue_detail", args=[category.pk]))
    saved = client.post(
        reverse("credit:field_create", args=[category.pk]),
        {"code": "remark", "name": "备注", "type": "text", "order": 200},
    )
    refused = client.post(
        reverse("credit:category_edit", args=[category.pk]),
        {"code": "penalty_market", "name": "行政\u200b处罚", "department": category.department_id,
         "disclosure": "public", "retention_years": 5, "disclosure_years": 3,
         "event_date_field": "decision_date", "order": 50},
    )  # fmt: skip

    assert listing.status_code == 200
    assert 'data-category="penalty_market"' in listing.content.decode()
    assert 'data-testid="category-create"' in listing.content.decode()
    assert "处罚决定书文号" in detail.content.decode()
    assert saved.status_code == 302
    assert category.fields.filter(code="remark", name="备注").exists()
    assert refused.status_code == 200
    assert "第3个字符是不可见的控制字符（U+200B ZERO WIDTH SPACE）" in refused.content.decode()
    category.refresh_from_db()
    assert category.name == "行政处罚（市场监管）"


def test_catalogue_pages_for_a_non_officer_have_no_edit_buttons_and_edits_are_403(client):
    user = UserFactory(data_provider=True, department=Department.objects.get(code="jx-tax"))
    client.force_login(user)
    category = RecordCategory.objects.get(code="tax_rating")

    listing = client.get(reverse("credit:catalogue_list"))
    edit = client.post(reverse("credit:category_edit", args=[category.pk]), {"name": "x"})
    new = client.get(reverse("credit:category_create"))

    assert listing.status_code == 200
    assert 'data-testid="category-create"' not in listing.content.decode()
    assert (edit.status_code, new.status_code) == (403, 403)
    category.refresh_from_db()
    assert category.name == "纳税信用等级"


def test_the_catalogue_list_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    client.force_login(UserFactory())
    with django_assert_max_num_queries(12):
        response = client.get(reverse("credit:catalogue_list"))
    assert response.status_code == 200


# --- the meanings of codes (value_labels) -------------------------------------------------------


def test_the_default_catalogue_gives_every_code_of_the_severity_field_its_meaning():
    severity = CategoryField.objects.get(category__code="penalty_market", code="severity")
    assert severity.value_labels == {"general": "一般", "serious": "严重"}
    assert severity.value_options() == [
        ("general", "一般（general）"),
        ("serious", "严重（serious）"),
    ]


def test_a_report_shows_a_code_by_its_meaning_and_an_unlabelled_code_as_it_is():
    from kejin.credit.reports import display_value

    severity = CategoryField.objects.get(category__code="penalty_market", code="severity")
    penalty_type = CategoryField.objects.get(category__code="penalty_market", code="penalty_type")
    assert display_value(severity, "serious", severity.category) == "严重"
    assert display_value(penalty_type, "罚款", penalty_type.category) == "罚款"


def test_an_officer_gives_codes_their_meanings_one_per_line():
    field = CategoryField.objects.get(category__code="court_judgment", code="role")
    saved = category_field_save(
        actor=UserFactory(),
        category=field.category,
        field=field,
        data={"value_labels": "plaintiff=原告\ndefendant=被告方；third_party=第三人"},
    )
    assert saved.value_labels == {
        "plaintiff": "原告",
        "defendant": "被告方",
        "third_party": "第三人",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plaintiff=原告\nwitness=证人", "代码“witness”不在取值范围内，请先把它加入取值范围。"),
        ("plaintiff 原告", "代码含义请按“代码=含义”填写，每行一个，如 serious=严重。"),
        ("plaintiff=", "代码“plaintiff”的含义不能为空。"),
    ],
    ids=["unknown-code", "no-equals", "empty-meaning"],
)
def test_wrong_meanings_are_refused_at_the_field_and_change_nothing(text, message):
    field = CategoryField.objects.get(category__code="court_judgment", code="role")
    before = snapshot()
    with pytest.raises(ApplicationError) as error:
        category_field_save(
            actor=UserFactory(), category=field.category, field=field, data={"value_labels": text}
        )
    assert error.value.fields == {"value_labels": [message]}
    assert snapshot() == before


def test_a_catalogue_file_with_a_meaning_for_an_unknown_code_loads_nothing():
    from kejin.credit.catalogue import CatalogueError, catalogue_data_load

    data = catalogue_file_read()
    role = next(
        f
        for c in data["categories"]
        if c["code"] == "court_judgment"
        for f in c["fields"]
        if f["code"] == "role"
    )
    role["value_labels"]["witness"] = "证人"
    before = snapshot()
    with pytest.raises(CatalogueError) as error:
        catalogue_data_load(
            data=data,
            RecordCategory=RecordCategory,
            CategoryField=CategoryField,
            Department=Department,
        )
    assert str(error.value) == (
        "category 'court_judgment', field 'role': value_labels: "
        "代码“witness”不在取值范围内，请先把它加入取值范围。"
    )
    assert snapshot() == before
