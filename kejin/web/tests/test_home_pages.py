"""Role home pages with something useful on them: an enterprise sees its recognition (year
and result per rule set) and the facts still missing; a city or county officer sees the
名单库 figures of their scope (in scope, on the list, by stage and label, undetermined)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.tests.factories import RegionFactory
from kejin.enterprises.models import AnnualFacts
from kejin.enterprises.profile.display import explanation_card
from kejin.enterprises.profile.selectors import recognition_for
from kejin.enterprises.tests.factories import EnterpriseFactory
from kejin.registry.models import GrowthStage, Label, RecognitionResult, RegistryEntry
from kejin.web.selectors import registry_figures

pytestmark = pytest.mark.django_db

HOME = "/"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def texts_of(html: str, testid: str) -> list[str]:
    """The text of every element with ``data-testid=testid`` (tags stripped, spaces folded)."""
    pattern = rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>'
    return [
        " ".join(re.sub(r"<[^>]+>", " ", inner).split())
        for _, inner in re.findall(pattern, html, re.S)
    ]


@pytest.fixture
def counties():
    city = RegionFactory(code="330400", name="嘉兴市", level="city")
    return (
        RegionFactory(code="330402", name="南湖区", level="county", parent=city),
        RegionFactory(code="330411", name="秀洲区", level="county", parent=city),
    )


class TestEnterpriseHome:
    def test_shows_the_recognition_of_its_latest_data_year_and_the_missing_facts(
        self, client, counties, django_assert_max_num_queries
    ):
        enterprise = EnterpriseFactory(county=counties[0], founded_on=datetime.date(2015, 1, 1))
        AnnualFacts.objects.create(enterprise=enterprise, year=2023, revenue=Decimal("1000000"))
        AnnualFacts.objects.create(
            enterprise=enterprise, year=2024, revenue=Decimal("20000000"), employees=80
        )
        user = UserFactory(enterprise_admin=True, enterprise=enterprise)
        client.force_login(user)
        # What the profile's recognition section says for the same enterprise.
        report = recognition_for(user=user, enterprise_id=enterprise.pk)
        cards = [explanation_card(e) for e in report.explanations]

        # + the registry entry's judged year, + the credit-report requests awaiting an answer
        with django_assert_max_num_queries(11):
            response = client.get(HOME)

        html = response.content.decode()
        assert texts_of(html, "recognition-year") == ["2024年度认定评价"]
        results = texts_of(html, "recognition-result")
        assert results == [f"{card['title']} {card['status_label']}" for card in cards]
        assert len(results) >= 1
        missing = texts_of(html, "missing-fact")
        expected = list(
            dict.fromkeys(str(fact["label"]) for card in cards for fact in card["missing"])
        )
        assert missing == expected
        assert "科技人员数" in missing  # not given for 2024
        assert "职工总数" not in missing  # given
        assert "recognition-no-facts" not in html

    def test_without_any_data_it_says_what_to_do(self, client, counties):
        enterprise = EnterpriseFactory(county=counties[0])
        client.force_login(UserFactory(enterprise_staff=True, enterprise=enterprise))

        html = client.get(HOME).content.decode()

        (text,) = texts_of(html, "recognition-no-facts")
        assert text.startswith("尚无") and text.endswith("年度数据，无法评价。请先填报年度数据。")
        assert texts_of(html, "missing-fact")  # the facts a result needs


class TestOfficerHome:
    @pytest.fixture
    def listed(self, counties):
        """南湖区: two on the list (成长期 with 高新技术企业, 初创期), one off it with an
        undetermined result. 秀洲区: one on the list (成熟期), undetermined."""
        nanhu, xiuzhou = counties
        growth, startup, mature = (
            GrowthStage.objects.get(code=c) for c in ("growth", "startup", "mature")
        )
        high_tech = Label.objects.get(code="high_tech")

        def entry(county, *, on_list, stage=None, labels=(), undetermined=False):
            enterprise = EnterpriseFactory(county=county)
            row = RegistryEntry.objects.create(enterprise=enterprise, on_list=on_list, stage=stage)
            row.labels.set(labels)
            RecognitionResult.objects.create(
                enterprise=enterprise,
                ruleset="tech_sme",
                year=2024,
                status="undetermined" if undetermined else "qualified",
            )
            RecognitionResult.objects.create(
                enterprise=enterprise,
                ruleset="high_tech",
                year=2024,
                status="undetermined" if undetermined else "not_qualified",
            )
            return enterprise

        entry(nanhu, on_list=True, stage=growth, labels=[high_tech])
        entry(nanhu, on_list=True, stage=startup)
        entry(nanhu, on_list=False, undetermined=True)
        EnterpriseFactory(county=nanhu)  # never evaluated
        entry(xiuzhou, on_list=True, stage=mature, undetermined=True)

    def _figures(self, html: str) -> dict:
        return {
            name: texts_of(html, f"registry-{name}")[0]
            for name in ("in-scope", "on-list", "undetermined")
        }

    def _rows(self, html: str, testid: str) -> dict[str, str]:
        table = re.search(rf'data-testid="{testid}".*?</table>', html, re.S).group(0)
        return dict(re.findall(r"<td>(.*?)</td><td class=\"num\">(\d+)</td>", table))

    def test_a_city_officer_sees_the_citys_registry_figures(
        self, client, listed, django_assert_max_num_queries
    ):
        client.force_login(UserFactory())

        with django_assert_max_num_queries(13):
            html = client.get(HOME).content.decode()

        assert self._figures(html) == {"in-scope": "5", "on-list": "3", "undetermined": "2"}
        stages = self._rows(html, "registry-by-stage")
        assert stages == {"初创期": "1", "成长期": "1", "成熟期": "1"}
        labels = self._rows(html, "registry-by-label")
        assert labels["高新技术企业"] == "1"
        assert labels["科技型中小企业"] == "0"

    def test_a_county_officer_sees_only_their_county(self, client, listed, counties):
        client.force_login(UserFactory(county_officer=True, county=counties[0]))

        html = client.get(HOME).content.decode()

        assert self._figures(html) == {"in-scope": "4", "on-list": "2", "undetermined": "1"}
        assert self._rows(html, "registry-by-stage") == {
            "初创期": "1",
            "成长期": "1",
            "成熟期": "0",
        }

    def test_the_figures_cost_the_same_queries_for_ten_times_the_enterprises(
        self, listed, counties, django_assert_num_queries
    ):
        officer = UserFactory()
        with django_assert_num_queries(5):
            registry_figures(user=officer, in_scope=0)
        for _ in range(10):
            row = RegistryEntry.objects.create(
                enterprise=EnterpriseFactory(county=counties[1]), on_list=True
            )
            RecognitionResult.objects.create(
                enterprise=row.enterprise, ruleset="tech_sme", year=2024, status="undetermined"
            )

        with django_assert_num_queries(5):
            figures = registry_figures(user=officer, in_scope=0)

        assert (figures.on_list, figures.unstaged, figures.undetermined) == (13, 10, 12)
