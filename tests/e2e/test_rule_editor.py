"""A city officer edits a label's rule with the condition editor: chooses a fact, an operator
and a value, saves, reads the rule back as conditions, and sees an invalid value refused
beside its condition (issue 6, "Pages users meet"); the change is a draft version that is
activated only once its worked cases pass (issue 6 item 3)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kejin.accounts.tests.factories import PASSWORD, UserFactory
from kejin.registry.tests.defaults import default_stages_and_labels_load

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rules():
    """The published stages and labels (a data migration that a flushed database lost)."""
    default_stages_and_labels_load()


def test_city_officer_edits_a_label_rule_with_the_condition_editor(
    page, live_server, watch, check_page, rules
):
    from kejin.registry.models import Label

    UserFactory(username="city", full_name="市科技局王科长")
    page.goto(f"{live_server.url}/accounts/login/?next=/registry/labels/")
    page.get_by_label("用户名").fill("city")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()

    # Given the labels page, which reads each rule as conditions.
    eaglet = page.locator('[data-label="eaglet"]')
    expect(eaglet.get_by_test_id("rule-clause").nth(2)).to_have_text("成立年限 ≤ 5 年")
    check_page("city-officer-label-list")

    # When the officer opens the editor: the stored rule is four condition rows, spare rows
    # are hidden behind "添加条件".
    eaglet.get_by_role("link", name="修改").click()
    rows = page.get_by_test_id("condition-row")
    expect(rows.nth(1).get_by_test_id("condition-value")).to_have_value("5")
    expect(rows.nth(1).get_by_test_id("condition-unit")).to_have_text("年")
    expect(rows.nth(4)).to_be_hidden()
    check_page("city-officer-label-editor")

    # ... adds a condition: sales revenue ≥ 2000 万元, typed wrongly first.
    page.get_by_test_id("condition-add").click()
    new = rows.nth(4)
    expect(new).to_be_visible()
    new.get_by_test_id("condition-fact").select_option(label="销售收入（万元）")
    expect(new.get_by_test_id("condition-unit")).to_have_text("万元")
    new.get_by_test_id("condition-op").select_option(label="≥")
    new.get_by_test_id("condition-value").fill("两千")
    page.get_by_role("button", name="保存").click()

    # Then the invalid value is refused beside that condition and nothing is saved.
    refused = page.get_by_test_id("condition-row").nth(4)
    expect(refused.get_by_test_id("condition-error")).to_have_text(
        "“两千”不是数字：请填写阿拉伯数字，例如 3 或 2.5。"
    )
    expect(page.get_by_test_id("condition-error")).to_have_count(1)
    assert len(Label.objects.get(code="eaglet").criteria["and"]) == 4
    # The refused form answers 400, which the console reports; nothing else may.
    watch.console_errors.remove(
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    )
    check_page("city-officer-label-editor-refused")

    # When corrected and saved, the change becomes a draft version, shown with its
    # worked cases (carried over: none for a rule that predates versions).
    refused.get_by_test_id("condition-value").fill("2000")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("规则的改动存为草稿版本 2")).to_be_visible()
    expect(page.get_by_test_id("version-status")).to_have_text("草稿")
    assert len(Label.objects.get(code="eaglet").criteria["and"]) == 4  # still in force
    check_page("city-officer-rule-version-draft")

    # The officer adds a worked case whose expectation is wrong: activation is refused
    # with the failing case named.
    cases = page.get_by_test_id("worked-case-row")
    first = cases.nth(0)
    first.get_by_test_id("worked-case-name").fill("销售收入1999万元")
    first.locator('[data-fact="revenue"]').fill("1999")
    first.locator('[data-fact="tech_sme.status"]').fill("符合")
    first.locator('[data-fact="years_registered"]').fill("3")
    first.locator('[data-fact="tech_staff"]').fill("30")
    first.locator('[data-fact="employees"]').fill("100")
    first.locator('[data-fact="rd_expense"]').fill("300")
    first.get_by_test_id("worked-case-expect").select_option(label="成立")
    page.get_by_test_id("version-activate").click()
    expect(page.get_by_test_id("case-failure")).to_have_text(
        "算例“销售收入1999万元”：应为成立，实际为不成立。"
    )
    watch.console_errors.remove(
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    )
    check_page("city-officer-rule-version-refused")

    # Fixed (1999万元 is below the new threshold), the version is activated.
    page.get_by_test_id("worked-case-row").nth(0).get_by_test_id(
        "worked-case-expect"
    ).select_option(label="不成立")
    page.get_by_test_id("version-activate").click()
    expect(page.get_by_text("已启用版本 2")).to_be_visible()
    expect(page.get_by_test_id("version-status")).to_have_text("已启用")
    assert Label.objects.get(code="eaglet").criteria["and"][4] == {
        ">=": [{"var": "revenue"}, 20000000]
    }

    # The labels page reads the new rule; the history lists both versions with dates.
    page.goto(f"{live_server.url}/registry/labels/")
    clauses = page.locator('[data-label="eaglet"]').get_by_test_id("rule-clause")
    expect(clauses).to_have_count(6)
    expect(clauses.nth(5)).to_have_text("销售收入 ≥ 2000万元")
    page.locator('[data-label="eaglet"]').get_by_test_id("rule-versions").click()
    expect(page.get_by_test_id("version-row")).to_have_count(2)
    expect(page.get_by_test_id("version-status").nth(0)).to_have_text("已启用")
    check_page("city-officer-label-list-after-edit")


def test_the_rule_editor_and_rule_pages_fit_a_390_px_phone(page, live_server, check_page, rules):
    from tests.e2e.test_pages import _PAGE_OVERFLOW_JS, PHONE, sign_in

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, UserFactory())

    for path, screenshot in (
        ("/registry/labels/eaglet/edit/", "phone-label-editor"),
        ("/registry/stages/", "phone-stage-list"),
    ):
        page.goto(live_server.url + path)
        page.get_by_test_id("rule-editor" if "edit" in path else "rule").first.wait_for()
        assert page.evaluate(_PAGE_OVERFLOW_JS) <= 0, f"{path} scrolls sideways at 390 px"
        check_page(screenshot)
