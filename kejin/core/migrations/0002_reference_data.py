"""Load the bundled reference data: 浙江省 → 嘉兴市 and its counties and functional zones,
GB/T 4754-2017 sections and divisions, and the departments the 2017 action plan names.

Idempotent (rows are matched by code and updated in place); reversing it leaves the rows,
since enterprises and institutions may already point at them.
"""

from django.db import migrations

from kejin.core.reference.loader import reference_bundled_load


def load_reference_data(apps, schema_editor):
    reference_bundled_load(
        Region=apps.get_model("core", "Region"),
        Industry=apps.get_model("core", "Industry"),
        Department=apps.get_model("core", "Department"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_reference_data, migrations.RunPython.noop, elidable=False),
    ]
