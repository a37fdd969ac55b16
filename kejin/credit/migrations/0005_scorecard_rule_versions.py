"""Scorecard versions become stored rule versions (``kejin.facts.rule_versions.RuleVersion``):
worked cases, named parameters and the ``pre_existing`` mark are added; the reference becomes
one line of at most 255 characters (a longer or multi-line reference is kept whole in the
note); the status labels are the rule versions' (same values). Versions activated before
scorecards were gated by worked cases are marked ``pre_existing``. The table, its rows and
their ids stay, so scores and score history keep pointing at their versions."""

import django.db.models.deletion
import kejin.core.fields
from django.conf import settings
from django.db import migrations, models


REFERENCE_MAX = 255


def reference_line(text: str) -> tuple[str, bool]:
    """The reference as one line that fits, and whether anything was cut off."""
    line = " ".join((text or "").split())
    if len(line) <= REFERENCE_MAX:
        return line, False
    return line[: REFERENCE_MAX - 1] + "…", True


def scorecards_to_rule_versions(apps, schema_editor):
    ScorecardVersion = apps.get_model("credit", "ScorecardVersion")
    for version in ScorecardVersion.objects.order_by("pk").iterator():
        line, cut = reference_line(version.reference)
        fields = ["pre_existing"]
        if line != version.reference:
            if cut or "\n" in (version.reference or ""):
                full = (version.reference or "").strip()
                version.note = "\n\n".join(p for p in (version.note.strip(), f"依据：{full}") if p)
                fields.append("note")
            version.reference = line
            fields.append("reference")
        version.pre_existing = version.status != "draft"
        version.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0004_reports_consent_and_read_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="scorecardversion",
            name="parameters",
            field=models.JSONField(blank=True, default=dict, verbose_name="参数"),
        ),
        migrations.AddField(
            model_name="scorecardversion",
            name="pre_existing",
            field=models.BooleanField(default=False, verbose_name="版本化之前已生效"),
        ),
        migrations.AddField(
            model_name="scorecardversion",
            name="worked_cases",
            field=models.JSONField(blank=True, default=list, verbose_name="算例"),
        ),
        migrations.RunPython(scorecards_to_rule_versions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="scorecardversion",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="起草时间"),
        ),
        migrations.AlterField(
            model_name="scorecardversion",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="起草人",
            ),
        ),
        migrations.AlterField(
            model_name="scorecardversion",
            name="document",
            field=models.JSONField(blank=True, null=True, verbose_name="规则"),
        ),
        migrations.AlterField(
            model_name="scorecardversion",
            name="reference",
            field=kejin.core.fields.TextLineField(
                blank=True,
                help_text="规则所依据的文件及条款，如《某某办法》第六条。",
                max_length=255,
                verbose_name="依据条款",
            ),
        ),
        migrations.AlterField(
            model_name="scorecardversion",
            name="status",
            field=models.CharField(
                choices=[("draft", "草稿"), ("active", "已启用"), ("retired", "已停用")],
                default="draft",
                max_length=16,
                verbose_name="状态",
            ),
        ),
    ]
