"""The policy categories enterprises subscribe to (reference data; officers may add more)."""

from django.db import migrations

CATEGORIES = [
    ("tech_insurance", "科技保险", "Tech insurance"),
    ("risk_compensation", "信贷风险补偿", "Credit risk compensation"),
    ("ip_finance", "知识产权金融", "IP finance"),
    ("interest_subsidy", "贷款贴息", "Loan interest subsidy"),
    ("guarantee", "融资担保", "Financing guarantee"),
    ("rd_support", "研发支持", "R&D support"),
    ("listing", "上市挂牌", "Listing"),
    ("talent", "人才团队", "Talent"),
    ("innovation_platform", "创新平台", "Innovation platforms"),
    ("general", "综合", "General"),
]


def add(apps, schema_editor):
    PolicyCategory = apps.get_model("policies", "PolicyCategory")
    for order, (code, name, name_en) in enumerate(CATEGORIES, start=1):
        PolicyCategory.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )


def remove(apps, schema_editor):
    apps.get_model("policies", "PolicyCategory").objects.filter(
        code__in=[c[0] for c in CATEGORIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
