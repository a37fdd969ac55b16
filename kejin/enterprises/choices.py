"""Enumerations of the enterprises app: enterprises, facts, certificates, recognition, imports."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kejin.ingest.choices import BatchStatus
from kejin.rules.status import RuleStatus


class EnterpriseSize(models.TextChoices):
    """Enterprise size class (统计上大中小微型企业划分办法)."""

    MICRO = "micro", _("微型")
    SMALL = "small", _("小型")
    MEDIUM = "medium", _("中型")
    LARGE = "large", _("大型")


class CertificateKind(models.TextChoices):
    """Certificates and recognitions an enterprise holds."""

    HIGH_TECH = "high_tech", _("高新技术企业证书")
    TECH_SME = "tech_sme", _("科技型中小企业入库登记编号")
    NATIONAL_AWARD = "national_award", _("国家级科技奖励")
    RD_INSTITUTION = "rd_institution", _("省部级以上研发机构")
    STANDARD = "standard", _("主导制定标准")
    OTHER = "other", _("其他")


class FactSource(models.TextChoices):
    """Where an annual fact came from."""

    SELF_REPORTED = "self", _("企业自报")
    DEPARTMENT = "department", _("部门数据")
    IMPORT = "import", _("批量导入")
    DEMO = "demo", _("演示数据")


#: Outcome of a recognition rule set for one enterprise: the rules engine's one set of statuses.
RecognitionStatus = RuleStatus


class ImportKind(models.TextChoices):
    ENTERPRISES = "enterprises", _("企业名录")
    ANNUAL_FACTS = "annual_facts", _("企业年度数据")


ImportStatus = BatchStatus  # the shared ingestion framework's states
