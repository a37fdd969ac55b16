"""Enumerations of financial institutions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    BANK_BRANCH = "bank_branch", _("银行分支机构")
    TECH_SUB_BRANCH = "tech_sub_branch", _("科技支行")
    INSURER = "insurer", _("保险机构")
    GUARANTEE = "guarantee", _("融资担保公司")
    MICRO_LOAN = "micro_loan", _("小额贷款公司")
    VENTURE_FUND = "venture_fund", _("创业投资机构")
    INTERMEDIARY = "intermediary", _("中介服务机构")
    CREDIT_AGENCY = "credit_agency", _("征信机构")
