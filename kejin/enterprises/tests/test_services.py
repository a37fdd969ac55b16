"""Enterprise services: who may write what, validation, and the audit trail."""

import datetime
from decimal import Decimal

import pytest

from kejin.accounts.tests.factories import UserFactory
from kejin.core.errors import ApplicationError
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import IndustryFactory, RegionFactory
from kejin.enterprises.models import Enterprise
from kejin.enterprises.services import enterprise_create, enterprise_update
from kejin.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _new_enterprise_data(**overrides):
    data = {
        "uscc": "91330100716105852F",
        "name": "嘉兴新创智能科技有限公司",
        "county": RegionFactory(),
        "industry": IndustryFactory(),
        "founded_on": datetime.date(2020, 3, 1),
        "size": "small",
        "registered_capital": Decimal("3000000.00"),
    }
    data.update(overrides)
    return data


def test_city_officer_creates_enterprise_and_audit_records_actor_and_after():
    officer = UserFactory()
    enterprise = enterprise_create(
        actor=officer, data=_new_enterprise_data(), ip_address="10.0.0.8"
    )

    event = AuditEvent.objects.get(
        object_type="enterprises.enterprise", object_id=str(enterprise.pk)
    )
    assert event.actor == officer
    assert event.action == "create"
    assert event.before is None
    assert event.after["uscc"] == "91330100716105852F"
    assert event.after["registered_capital"] == "3000000.00"
    assert event.ip_address == "10.0.0.8"


def test_create_normalises_lower_case_uscc_with_spaces():
    enterprise = enterprise_create(
        actor=UserFactory(), data=_new_enterprise_data(uscc=" 9133 0100 7161 0585 2f")
    )
    assert enterprise.uscc == "91330100716105852F"


def test_create_rejects_invalid_uscc_naming_the_field_and_writes_nothing():
    with pytest.raises(ApplicationError) as excinfo:
        enterprise_create(actor=UserFactory(), data=_new_enterprise_data(uscc="91330100716105852G"))
    assert excinfo.value.code == "invalid"
    assert excinfo.value.fields == {"uscc": ["统一社会信用代码第18位校验码错误，请核对营业执照。"]}
    assert Enterprise.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_create_rejects_duplicate_uscc():
    existing = EnterpriseFactory()
    with pytest.raises(ApplicationError) as excinfo:
        enterprise_create(
            actor=UserFactory(), data=_new_enterprise_data(uscc=existing.uscc.lower())
        )
    assert list(excinfo.value.fields) == ["uscc"]
    assert Enterprise.objects.count() == 1


def test_update_audits_only_changed_fields_before_and_after():
    enterprise = EnterpriseFactory(address="嘉兴市南湖区旧址1号")
    officer = UserFactory()
    enterprise_update(actor=officer, enterprise=enterprise, data={"address": "嘉兴市南湖区新址8号"})

    event = AuditEvent.objects.get(action="update")
    assert event.actor == officer
    assert event.before == {"address": "嘉兴市南湖区旧址1号"}
    assert event.after == {"address": "嘉兴市南湖区新址8号"}


def test_update_without_changes_writes_no_audit_event():
    enterprise = EnterpriseFactory(address="同一地址")
    enterprise_update(actor=UserFactory(), enterprise=enterprise, data={"address": "同一地址"})
    assert AuditEvent.objects.count() == 0


def test_county_officer_cannot_create_in_another_county():
    officer = UserFactory(county_officer=True)  # 南湖区 330402
    other = RegionFactory(code="330411", name="秀洲区")
    with pytest.raises(ApplicationError) as excinfo:
        enterprise_create(actor=officer, data=_new_enterprise_data(county=other))
    assert excinfo.value.code == "permission_denied"
    assert Enterprise.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_county_officer_cannot_update_another_countys_enterprise():
    officer = UserFactory(county_officer=True)
    enterprise = EnterpriseFactory(
        county=RegionFactory(code="330411", name="秀洲区"), address="原地址"
    )
    with pytest.raises(ApplicationError) as excinfo:
        enterprise_update(actor=officer, enterprise=enterprise, data={"address": "改过的地址"})
    assert excinfo.value.code == "permission_denied"
    enterprise.refresh_from_db()
    assert enterprise.address == "原地址"
    assert AuditEvent.objects.count() == 0


def test_enterprise_admin_edits_own_contact_but_not_registry_facts():
    admin = UserFactory(enterprise_admin=True)
    enterprise = admin.enterprise
    enterprise_update(actor=admin, enterprise=enterprise, data={"contact_phone": "0573-82000000"})
    enterprise.refresh_from_db()
    assert enterprise.contact_phone == "0573-82000000"

    with pytest.raises(ApplicationError) as excinfo:
        enterprise_update(actor=admin, enterprise=enterprise, data={"name": "改名有限公司"})
    assert excinfo.value.message == "您无权修改以下字段：name。"
    enterprise.refresh_from_db()
    assert enterprise.name != "改名有限公司"
    assert AuditEvent.objects.filter(action="update").count() == 1


@pytest.mark.parametrize("trait", ["enterprise_staff", "institution_manager", "data_provider"])
def test_other_roles_cannot_update_an_enterprise(trait):
    user = UserFactory(**{trait: True})
    enterprise = user.enterprise if trait == "enterprise_staff" else EnterpriseFactory()
    before = Enterprise.objects.values().get(pk=enterprise.pk)
    with pytest.raises(ApplicationError) as excinfo:
        enterprise_update(actor=user, enterprise=enterprise, data={"contact_phone": "123"})
    assert excinfo.value.code == "permission_denied"
    assert Enterprise.objects.values().get(pk=enterprise.pk) == before
    assert AuditEvent.objects.count() == 0


def test_same_amount_with_other_precision_is_not_a_change():
    enterprise = EnterpriseFactory(registered_capital=Decimal("5000000.00"))
    enterprise_update(
        actor=UserFactory(), enterprise=enterprise, data={"registered_capital": Decimal("5000000")}
    )
    assert AuditEvent.objects.count() == 0
