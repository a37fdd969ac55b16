"""Every stage's and computed label's rule as it stood becomes its version 1: active, valid
from 2000-01-01, its reference copied, marked ``pre_existing`` (it was in force before rules
were versioned, so it has no worked cases; the next version an officer drafts needs them).
Manual labels (no rule) get no version."""

import datetime

from django.db import migrations

VALID_FROM = datetime.date(2000, 1, 1)


def load(apps, schema_editor):
    """Create version 1 for every stage and computed label that has no version yet."""
    GrowthStage = apps.get_model("registry", "GrowthStage")
    Label = apps.get_model("registry", "Label")
    Version = apps.get_model("registry", "RegistryRuleVersion")
    common = {
        "version": "1",
        "valid_from": VALID_FROM,
        "status": "active",
        "pre_existing": True,
        "parameters": {},
        "worked_cases": [],
    }
    for stage in GrowthStage.objects.all():
        if not Version.objects.filter(stage=stage).exists():
            Version.objects.create(
                stage=stage, document=stage.criteria, reference=stage.reference, **common
            )
    for label in Label.objects.all():
        if label.criteria is not None and not Version.objects.filter(label=label).exists():
            Version.objects.create(
                label=label, document=label.criteria, reference=label.reference, **common
            )


def unload(apps, schema_editor):
    apps.get_model("registry", "RegistryRuleVersion").objects.filter(pre_existing=True).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_rule_versions")]

    operations = [migrations.RunPython(load, unload)]
