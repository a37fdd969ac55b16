"""Annual facts of an enterprise (one row per enterprise and year) and its certificates.

Every value carries its provenance in ``provenance``: ``{fact: {"source", "detail",
"as_of"}}`` — ``source`` a :class:`~kejin.enterprises.choices.FactSource`, ``detail`` the
department code or import batch id, ``as_of`` the date the value was true. The catalogue of
facts (names, units, meaning) is ``kejin.enterprises.facts.CATALOGUE``.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import MoneyField, TextLineField
from kejin.core.models import TimeStampedModel
from kejin.enterprises.choices import CertificateKind
from kejin.enterprises.querysets import EnterpriseOwnedQuerySet
from kejin.enterprises.validation import (
    FACT_BOUNDS,
    FIRST_FACTS_YEAR,
    FLAG,
    PART_OF,
    validate_certificate_date,
)


def _count(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


def _money(label):
    return MoneyField(label, null=True, blank=True)


def _flag(label):
    return models.BooleanField(label, null=True, blank=True)


def _bounds_constraints() -> list[models.CheckConstraint]:
    """The one validator's per-row rules (``kejin.enterprises.validation``) as CHECK
    constraints: every count and amount within its bounds, every part within its whole."""
    constraints = []
    for name, bounds in FACT_BOUNDS.items():
        if bounds.kind == FLAG:
            continue
        constraints.append(
            models.CheckConstraint(
                name=f"annual_facts_{name}_in_range",
                condition=Q(**{f"{name}__isnull": True})
                | Q(**{f"{name}__gte": bounds.minimum, f"{name}__lte": bounds.maximum}),
            )
        )
    for part, whole in PART_OF:
        if part == "tech_staff":
            continue  # annual_facts_tech_staff_within_employees, below
        constraints.append(
            models.CheckConstraint(
                name=f"annual_facts_{part}_within_{whole}",
                condition=Q(**{f"{part}__isnull": True})
                | Q(**{f"{whole}__isnull": True})
                | Q(**{f"{part}__lte": models.F(whole)}),
            )
        )
    return constraints


class AnnualFacts(TimeStampedModel):
    """What is known about an enterprise for one fiscal year. Empty = not known."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="annual_facts",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    employees = _count(_("职工总数(人)"))
    tech_staff = _count(_("科技人员数(人)"))
    revenue = _money(_("销售收入(元)"))
    total_income = _money(_("总收入(元)"))
    total_assets = _money(_("资产总额(元)"))
    total_cost = _money(_("成本费用总额(元)"))
    rd_expense = _money(_("研发费用(元)"))
    rd_expense_domestic = _money(_("境内研发费用(元)"))
    high_tech_income = _money(_("高新技术产品(服务)收入(元)"))
    ip_class1 = _count(_("Ⅰ类知识产权(项)"))
    ip_class2 = _count(_("Ⅱ类知识产权(项)"))
    exports = _money(_("出口额(元)"))
    tax_paid = _money(_("纳税额(元)"))
    key_field = _flag(_("核心技术属于国家重点支持的高新技术领域"))
    innovation_score = models.PositiveSmallIntegerField(
        _("创新能力评价得分"), null=True, blank=True
    )
    prohibited_industry = _flag(_("属于禁止、限制和淘汰类"))
    major_accident = _flag(_("发生重大安全、质量事故"))
    serious_env_violation = _flag(_("发生严重环境违法行为"))
    research_misconduct = _flag(_("发生科研严重失信行为"))
    abnormal_operations_list = _flag(_("列入经营异常名录"))
    serious_dishonesty_list = _flag(_("列入严重违法失信名单"))
    provenance = models.JSONField(_("数据来源"), default=dict, blank=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业年度数据")
        verbose_name_plural = _("企业年度数据")
        ordering = ["enterprise_id", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"], name="annual_facts_one_row_per_year"
            ),
            models.CheckConstraint(
                name="annual_facts_tech_staff_within_employees",
                condition=Q(tech_staff__isnull=True)
                | Q(employees__isnull=True)
                | Q(tech_staff__lte=models.F("employees")),
            ),
            models.CheckConstraint(
                name="annual_facts_year_plausible",
                condition=Q(year__gte=FIRST_FACTS_YEAR, year__lte=2100),
            ),
            *_bounds_constraints(),
        ]
        indexes = [models.Index(fields=["year", "enterprise"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}年"


class Certificate(TimeStampedModel):
    """A certificate or recognition an enterprise holds (e.g. a high-tech enterprise certificate)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="certificates",
    )
    kind = models.CharField(_("类别"), max_length=32, choices=CertificateKind.choices)
    number = TextLineField(_("证书编号"), max_length=64, blank=True)
    issuer = TextLineField(_("颁发机构"), max_length=128, blank=True)
    valid_from = models.DateField(_("有效期起"), validators=[validate_certificate_date])
    valid_to = models.DateField(
        _("有效期止"), null=True, blank=True, validators=[validate_certificate_date]
    )

    objects = EnterpriseOwnedQuerySet.as_manager()

    # Not stored: set for the pages by ``profile.selectors.certificates_of`` as of a day (a
    # ``CertificateExpiry`` and the days until ``valid_to``, None when it has no end).
    expiry: str
    days_left: int | None

    class Meta:
        verbose_name = _("证书与资质")
        verbose_name_plural = _("证书与资质")
        ordering = ["enterprise_id", "kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                name="certificate_valid_range",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
            ),
        ]
        indexes = [models.Index(fields=["kind", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
