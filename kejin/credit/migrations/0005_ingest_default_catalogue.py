"""Load the default Jiaxing credit data catalogue (``kejin/credit/reference/catalogue.json``)
and the data-provider departments it names that an older database lacks (the housing fund,
water and gas companies, added to ``kejin/core/reference/departments.json`` with it).

Idempotent: categories and fields are matched by code and updated in place; reversing it
leaves the rows (records may point at them).
"""

from django.db import migrations

from kejin.core.reference.loader import REFERENCE_DIR, reference_data_load, reference_file_read
from kejin.credit.catalogue import catalogue_data_load, catalogue_file_read


def load_default_catalogue(apps, schema_editor):
    Department = apps.get_model("core", "Department")
    reference_data_load(
        data=reference_file_read(REFERENCE_DIR / "departments.json"),
        source="departments.json",
        Region=apps.get_model("core", "Region"),
        Industry=apps.get_model("core", "Industry"),
        Department=Department,
    )
    catalogue_data_load(
        data=catalogue_file_read(),
        RecordCategory=apps.get_model("credit", "RecordCategory"),
        CategoryField=apps.get_model("credit", "CategoryField"),
        Department=Department,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_text_without_control_characters"),
        ("credit", "0004_reports_consent_and_read_log"),
    ]

    operations = [
        migrations.RunPython(load_default_catalogue, migrations.RunPython.noop, elidable=False),
    ]
