"""``audit_write``: one audit row from a write's snapshots (create, update with only what
changed, nothing for no change unless asked, a note added)."""

import pytest

from kejin.core.audit import audit_write
from kejin.core.choices import AuditAction
from kejin.core.models import AuditEvent
from kejin.core.tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


def test_create_keeps_the_whole_snapshot():
    region = RegionFactory()
    event = audit_write(actor=None, instance=region, before=None, after={"a": 1, "b": 2})
    assert event is not None
    assert (event.action, event.before, event.after) == (AuditAction.CREATE, None, {"a": 1, "b": 2})


def test_update_keeps_only_what_changed_with_the_note():
    region = RegionFactory()
    event = audit_write(
        actor=None,
        instance=region,
        before={"a": 1, "b": 2},
        after={"a": 1, "b": 3},
        note={"action": "edit"},
    )
    assert event is not None
    assert (event.action, event.before, event.after) == (
        AuditAction.UPDATE,
        {"b": 2},
        {"b": 3, "action": "edit"},
    )


def test_no_change_writes_nothing_unless_asked():
    region = RegionFactory()
    count = AuditEvent.objects.count()
    assert audit_write(actor=None, instance=region, before={"a": 1}, after={"a": 1}) is None
    assert AuditEvent.objects.count() == count
    event = audit_write(
        actor=None, instance=region, before={"a": 1}, after={"a": 1}, skip_unchanged=False
    )
    assert event is not None
    assert (event.before, event.after) == ({}, {})
