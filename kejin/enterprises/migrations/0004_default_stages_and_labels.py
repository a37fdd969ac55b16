"""Default growth stages and labels (RULES.md: published Zhejiang practice; officers edit them)."""

from django.db import migrations

STAGES = [
    {
        "code": "startup",
        "name": "初创期",
        "order": 1,
        "criteria": {
            "and": [
                {"<=": [{"var": "years_registered"}, 5]},
                {"<=": [{"var": "revenue"}, 20000000]},
            ]
        },
        "description": "成立不超过5年且年销售收入不超过2000万元",
        "reference": "参照杭州市“种子”企业口径（杭政办函〔2025〕40号）",
    },
    {
        "code": "growth",
        "name": "成长期",
        "order": 2,
        "criteria": {
            "and": [
                {"<=": [{"var": "employees"}, 500]},
                {"<=": [{"var": "revenue"}, 200000000]},
                {"<=": [{"var": "total_assets"}, 200000000]},
            ]
        },
        "description": "不属于初创期，且在科技型中小企业规模范围内（职工≤500人、销售收入≤2亿元、资产≤2亿元）",
        "reference": "《科技型中小企业评价办法》（国科发政〔2017〕115号）第六条",
    },
    {
        "code": "mature",
        "name": "成熟期",
        "order": 3,
        "criteria": True,
        "description": "超出上述规模，或已上市",
        "reference": "",
    },
]

LABELS = [
    {
        "code": "tech_sme",
        "name": "科技型中小企业",
        "order": 10,
        "criteria": {"in": [{"var": "tech_sme.status"}, ["qualified", "qualified_direct"]]},
        "description": "按《科技型中小企业评价办法》计算符合或直接认定",
        "reference": "国科发政〔2017〕115号",
    },
    {
        "code": "high_tech",
        "name": "高新技术企业",
        "order": 20,
        "criteria": {"var": "high_tech_certificate_valid"},
        "description": "持有有效期内的高新技术企业证书",
        "reference": "国科发火〔2016〕32号",
    },
    {
        "code": "eaglet",
        "name": "新雏鹰",
        "order": 30,
        "criteria": {
            "and": [
                {"in": [{"var": "tech_sme.status"}, ["qualified", "qualified_direct"]]},
                {"<=": [{"var": "years_registered"}, 5]},
                {">=": [{"/": [{"var": "tech_staff"}, {"var": "employees"}]}, 0.2]},
                {">=": [{"/": [{"var": "rd_expense"}, {"var": "revenue"}]}, 0.1]},
            ]
        },
        "description": "成立5年以内的科技型中小企业，研发人员占比≥20%，研发投入占销售收入≥10%",
        "reference": "参照杭州市新雏鹰企业培育口径（2024）",
    },
    {
        "code": "listing_reserve",
        "name": "上市后备",
        "order": 40,
        "criteria": None,
        "description": "由工作人员列入，每年更新",
        "reference": "",
    },
    {
        "code": "unicorn",
        "name": "独角兽",
        "order": 50,
        "criteria": None,
        "description": "成立10年以内、未上市、估值10亿美元以上（科技部2017年口径），由工作人员认定",
        "reference": "",
    },
]


def load(apps, schema_editor):
    GrowthStage = apps.get_model("enterprises", "GrowthStage")
    Label = apps.get_model("enterprises", "Label")
    for stage in STAGES:
        GrowthStage.objects.update_or_create(code=stage["code"], defaults=stage)
    for label in LABELS:
        Label.objects.update_or_create(code=label["code"], defaults=label)


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0003_registry_list")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
