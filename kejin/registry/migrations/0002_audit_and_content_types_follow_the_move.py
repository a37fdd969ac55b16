"""The audit trail and content types follow the list's models to the registry app.

Audit events name their object as ``app_label.model_name``; events written before the move
say ``enterprises.registryoverride`` and so on. They are renamed so that the audit presenter
finds the model (labels, object names) and filters by object type keep working. Content types
(admin log entries, permissions) are relabelled the same way, unless the registry's already
exist (then the old ones are left as they are: nothing refers to them but history).
"""

from django.db import migrations

MODELS = (
    "growthstage",
    "label",
    "evaluationrun",
    "recognitionresult",
    "registryentry",
    "registryevent",
    "registryoverride",
)


def _relabel(apps, old: str, new: str) -> None:
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        AuditEvent.objects.filter(object_type=f"{old}.{model}").update(object_type=f"{new}.{model}")
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, "enterprises", "registry")


def backwards(apps, schema_editor):
    _relabel(apps, "registry", "enterprises")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("core", "0003_audit_action_import"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
