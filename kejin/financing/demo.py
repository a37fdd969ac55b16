"""Financing demo data for ``manage.py demo_data``: products of the demo institutions, then
demands in every state with their events, routes and deadlines, and loans in every status
with their repayments (``kejin.financing.demo_demands``).

**Demo records**: product names follow the habits of Jiaxing's banks (科创贷, 人才贷, 知识产权
质押贷…) but are made up. Rows are written directly with ``bulk_create`` (not through the
services, and **not audited**: they stand for history before the platform). Seeded: the same
seed gives the same rows. Idempotent: products are keyed by institution and name, demands by
their number; a second run creates nothing and leaves the counts as they are.

Eligibility rules are rule sets over the facts catalogue (``kejin.rules``): revenue, years
registered, patents, R&D, the list (名单库), credit facts and the loans' own facts.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kejin.accounts.models import User
from kejin.facts.choices import RuleVersionStatus
from kejin.financing.choices import (
    CollateralKind,
    ProductStatus,
    ProductType,
    ProductVersionReview,
)
from kejin.financing.demo_demands import DemandsDemoCounts, demo_demands
from kejin.financing.models import Product, ProductVersion
from kejin.financing.sla import demands_overdue_scan
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.models import Institution

_T = ProductType
_WAN = 10_000

#: (name suffix, product type, amount range 万元, term range months, rate range %).
_BANK_PRODUCTS = (
    ("科创信用贷", _T.CREDIT_LOAN, (50, 1000), (6, 36), ("3.45", "5.20")),
    ("人才贷", _T.CREDIT_LOAN, (20, 500), (12, 36), ("3.20", "4.80")),
    ("研发贷", _T.CREDIT_LOAN, (100, 2000), (12, 36), ("3.60", "5.50")),
    ("知识产权质押贷", _T.IP_PLEDGE, (50, 3000), (12, 36), ("3.50", "5.00")),
    ("应收账款融资", _T.RECEIVABLES_PLEDGE, (50, 5000), (3, 12), ("3.40", "4.90")),
    ("投贷联动贷", _T.INVESTMENT_LOAN, (200, 5000), (12, 60), ("3.80", "6.00")),
    ("政银担科技贷", _T.GUARANTEE_LOAN, (50, 1000), (12, 36), ("3.30", "4.50")),
    ("小微保贷通", _T.LOAN_GUARANTEE_INSURANCE, (10, 300), (6, 12), ("3.90", "5.80")),
)
_OTHER_PRODUCTS: dict[str, tuple] = {
    InstitutionKind.INSURER: (
        ("科技企业研发费用损失保险", _T.TECH_INSURANCE, (50, 1000), (12, 12), ("0.80", "1.50")),
        ("首台(套)重大技术装备保险", _T.TECH_INSURANCE, (100, 5000), (12, 12), ("1.00", "3.00")),
        ("专利执行保险", _T.TECH_INSURANCE, (10, 200), (12, 36), ("1.50", "3.50")),
        ("小额贷款保证保险", _T.LOAN_GUARANTEE_INSURANCE, (10, 300), (6, 12), ("1.20", "2.50")),
        (
            "科技人才贷款保证保险",
            _T.LOAN_GUARANTEE_INSURANCE,
            (20, 500),
            (12, 24),
            ("1.00", "2.00"),
        ),
    ),
    InstitutionKind.GUARANTEE: (
        ("科技型企业政策性担保", _T.GUARANTEE_LOAN, (50, 1000), (12, 36), ("0.50", "1.00")),
        ("知识产权融资担保", _T.GUARANTEE_LOAN, (50, 500), (12, 24), ("0.50", "1.00")),
    ),
    InstitutionKind.MICRO_LOAN: (
        ("科技小贷", _T.CREDIT_LOAN, (10, 300), (3, 12), ("6.00", "12.00")),
        ("专利快贷", _T.IP_PLEDGE, (10, 500), (6, 12), ("6.50", "11.00")),
        ("订单贷", _T.RECEIVABLES_PLEDGE, (10, 300), (3, 6), ("6.00", "10.00")),
    ),
    InstitutionKind.VENTURE_FUND: (
        ("天使投资", _T.EQUITY_INVESTMENT, (100, 1000), (36, 84), ("0.00", "0.00")),
        ("A轮成长投资", _T.EQUITY_INVESTMENT, (500, 5000), (36, 84), ("0.00", "0.00")),
        ("专精特新专项投资", _T.EQUITY_INVESTMENT, (1000, 10000), (48, 96), ("0.00", "0.00")),
        ("投贷联动跟投", _T.INVESTMENT_LOAN, (300, 3000), (12, 60), ("0.00", "0.00")),
    ),
}
_MATERIALS: dict[str, list[str]] = {
    _T.CREDIT_LOAN: ["营业执照", "近两年财务报表", "企业征信授权书"],
    _T.IP_PLEDGE: ["营业执照", "专利证书及缴费凭证", "知识产权评估报告"],
    _T.RECEIVABLES_PLEDGE: ["营业执照", "购销合同", "应收账款清单及发票"],
    _T.INVESTMENT_LOAN: ["营业执照", "投资协议", "商业计划书"],
    _T.GUARANTEE_LOAN: ["营业执照", "近两年财务报表", "担保申请书"],
    _T.LOAN_GUARANTEE_INSURANCE: ["营业执照", "近一年纳税证明", "投保单"],
    _T.EQUITY_INVESTMENT: ["商业计划书", "股权结构表", "核心团队简历"],
    _T.TECH_INSURANCE: ["营业执照", "研发项目立项书", "投保单"],
}
_COLLATERAL: dict[str, list[CollateralKind]] = {
    _T.IP_PLEDGE: [CollateralKind.PATENT, CollateralKind.TRADEMARK, CollateralKind.COPYRIGHT],
    _T.RECEIVABLES_PLEDGE: [CollateralKind.RECEIVABLES],
}


def _condition(cid: str, label: str, test, if_missing=None) -> dict:
    row = {"id": cid, "label": label, "test": test}
    if if_missing is not None:
        row["if_missing"] = if_missing
    return row


#: Conditions a product's rule picks from (over the facts catalogue), by what they test.
CONDITIONS = {
    "revenue": lambda n: _condition(
        "revenue_min",
        f"上年销售收入不低于{n}万元",
        {">=": [{"var": "revenue"}, n * _WAN]},
    ),
    "years": lambda n: _condition(
        "years_min", f"成立满{n}年", {">=": [{"var": "years_registered"}, n]}
    ),
    "patents": lambda n: _condition(
        "patents_min",
        f"拥有Ⅰ类知识产权不少于{n}项",
        {">=": [{"var": "ip_class1"}, n]},
    ),
    "rd": lambda n: _condition(
        "rd_min", f"上年研发费用不低于{n}万元", {">=": [{"var": "rd_expense"}, n * _WAN]}
    ),
    "employees": lambda n: _condition(
        "employees_max", f"职工总数不超过{n}人", {"<=": [{"var": "employees"}, n]}
    ),
    "tech_staff": lambda n: _condition(
        "tech_staff_min", f"科技人员不少于{n}人", {">=": [{"var": "tech_staff"}, n]}
    ),
    "on_list": lambda n: _condition(
        "on_list", "在科技企业名单库中", {"==": [{"var": "registry_on_list"}, True]}, False
    ),
    "honest": lambda n: _condition(
        "not_dishonest",
        "未列入失信名单",
        {"!": {"var": "credit.on_dishonesty_list"}},
        True,
    ),
    "no_default": lambda n: _condition(
        "no_default",
        "在平台无违约贷款",
        {"==": [{"var": "financing.loans_default"}, 0]},
        True,
    ),
}
_FACTS_OF = {
    "revenue": ["revenue"],
    "years": ["years_registered"],
    "patents": ["ip_class1"],
    "rd": ["rd_expense"],
    "employees": ["employees"],
    "tech_staff": ["tech_staff"],
    "on_list": ["registry_on_list"],
    "honest": ["credit.on_dishonesty_list"],
    "no_default": ["financing.loans_default"],
}
_RULE_CHOICES: dict[str, list[tuple[str, tuple[int, ...]]]] = {
    _T.CREDIT_LOAN: [("revenue", (300, 500, 1000)), ("years", (1, 2, 3)), ("honest", (0,))],
    _T.IP_PLEDGE: [("patents", (1, 2, 3)), ("honest", (0,)), ("years", (1, 2))],
    _T.RECEIVABLES_PLEDGE: [("revenue", (1000, 2000)), ("honest", (0,))],
    _T.INVESTMENT_LOAN: [("on_list", (0,)), ("rd", (100, 300)), ("tech_staff", (10, 20))],
    _T.GUARANTEE_LOAN: [("employees", (300, 500)), ("honest", (0,)), ("no_default", (0,))],
    _T.LOAN_GUARANTEE_INSURANCE: [("years", (1, 2)), ("no_default", (0,)), ("honest", (0,))],
    _T.EQUITY_INVESTMENT: [("rd", (50, 200, 500)), ("tech_staff", (5, 10))],
    _T.TECH_INSURANCE: [("tech_staff", (3, 5)), ("rd", (50, 100))],
}


def eligibility_document(rnd: random.Random, product_type: str, title: str) -> dict | None:
    """A product's eligibility rule: two or three conditions of its type joined by "and"
    (one product in eight has none: no further condition)."""
    if rnd.random() < 0.125:
        return None
    choices = _RULE_CHOICES[product_type]
    picked = rnd.sample(choices, k=min(len(choices), rnd.choice((2, 3))))
    conditions: list[dict] = []
    facts: list[str] = []
    for key, values in picked:
        conditions.append(CONDITIONS[key](rnd.choice(values)))
        facts.extend(f for f in _FACTS_OF[key] if f not in facts)
    # One JSON rule over the facts catalogue (what ``ProductVersion.document`` holds).
    tests = [condition["test"] for condition in conditions]
    return tests[0] if len(tests) == 1 else {"and": tests}


@dataclass(frozen=True)
class ProductSpec:
    """One demo product before it is written."""

    institution: Institution
    name: str
    product_type: str
    status: str
    amount: tuple[int, int]
    term: tuple[int, int]
    rate: tuple[str, str]
    document: dict | None
    published_days_ago: int
    versions: int
    county_only: bool


def _short_name(institution: Institution) -> str:
    """The institution's name as a product name begins: ``工商银行科技支行``."""
    name = institution.name
    for cut in ("股份有限公司", "有限公司", "（有限合伙）", "合伙企业", "中国", "嘉兴市", "嘉兴"):
        name = name.replace(cut, "")
    return name or institution.name


def product_specs(*, rng: random.Random, institutions: list[Institution]) -> list[ProductSpec]:
    """Every demo product, in institution order (no database)."""
    rnd = random.Random(rng.getrandbits(64))
    specs = []
    for institution in institutions:
        if institution.kind in (InstitutionKind.BANK_BRANCH, InstitutionKind.TECH_SUB_BRANCH):
            templates = _BANK_PRODUCTS
        else:
            templates = _OTHER_PRODUCTS.get(institution.kind, ())
        for suffix, product_type, amount, term, rate in templates:
            roll = rnd.random()
            status = (
                ProductStatus.PUBLISHED
                if roll < 0.80
                else ProductStatus.DRAFT
                if roll < 0.88
                else ProductStatus.UNDER_REVIEW
                if roll < 0.94
                else ProductStatus.WITHDRAWN
            )
            name = f"{_short_name(institution)}·{suffix}"
            specs.append(
                ProductSpec(
                    institution=institution,
                    name=name,
                    product_type=product_type,
                    status=status,
                    amount=amount,
                    term=term,
                    rate=rate,
                    document=eligibility_document(rnd, product_type, name),
                    published_days_ago=rnd.randrange(30, 720),
                    versions=2 if rnd.random() < 0.12 else 1,
                    county_only=institution.county.level == "county" and rnd.random() < 0.5,
                )
            )
    return specs


_VERSION_STATE: dict[str, tuple[str, str]] = {
    ProductStatus.PUBLISHED: (RuleVersionStatus.ACTIVE, ProductVersionReview.APPROVED),
    ProductStatus.WITHDRAWN: (RuleVersionStatus.RETIRED, ProductVersionReview.APPROVED),
    ProductStatus.UNDER_REVIEW: (RuleVersionStatus.DRAFT, ProductVersionReview.SUBMITTED),
    ProductStatus.DRAFT: (RuleVersionStatus.DRAFT, ProductVersionReview.DRAFT),
}


@transaction.atomic
def demo_products(
    *, rng: random.Random, institutions: list[Institution], reviewer
) -> list[Product]:
    """Create the demo products not there yet, each with its versions (published ones with
    an approved, active live version; some with an earlier retired one); returns every demo
    product, saved, in spec order."""
    specs = product_specs(rng=rng, institutions=institutions)
    now = timezone.now()
    existing = {
        (institution_id, name): product
        for product in Product.objects.filter(
            institution__in=institutions, name__in=[s.name for s in specs]
        )
        for institution_id, name in [(product.institution_id, product.name)]
    }
    new = [s for s in specs if (s.institution.pk, s.name) not in existing]
    products = []
    for spec in new:
        published_at = now - datetime.timedelta(days=spec.published_days_ago)
        product = Product(
            institution=spec.institution,
            name=spec.name,
            product_type=spec.product_type,
            status=spec.status,
            published_at=published_at
            if spec.status in (ProductStatus.PUBLISHED, ProductStatus.WITHDRAWN)
            else None,
            withdrawn_at=now - datetime.timedelta(days=spec.published_days_ago // 3)
            if spec.status == ProductStatus.WITHDRAWN
            else None,
        )
        product.clean_fields(exclude=["institution", "live_version", "created_by"])
        products.append(product)
    Product.objects.bulk_create(products)
    versions: list[ProductVersion] = []
    live: list[tuple[Product, ProductVersion]] = []
    county_links = []
    for spec, product in zip(new, products, strict=True):
        published_at = product.published_at or now - datetime.timedelta(days=3)
        status, review = _VERSION_STATE[spec.status]
        for number in range(1, spec.versions + 1):
            last = number == spec.versions
            version = ProductVersion(
                product=product,
                version=str(number),
                valid_from=timezone.localtime(published_at).date(),
                reference="",
                document=spec.document,
                status=status if last else RuleVersionStatus.RETIRED,
                amount_min=Decimal(spec.amount[0] * _WAN),
                amount_max=Decimal(spec.amount[1] * _WAN * (5 if last else 4) // 5),
                term_min_months=spec.term[0],
                term_max_months=spec.term[1],
                rate_min=Decimal(spec.rate[0]),
                rate_max=Decimal(spec.rate[1]),
                collateral_kinds=[str(k) for k in _COLLATERAL.get(spec.product_type, [])],
                guarantee_required=spec.product_type == ProductType.GUARANTEE_LOAN,
                materials=_MATERIALS[spec.product_type],
                description=f"{spec.name}：面向嘉兴市科技型中小企业的{ProductType(spec.product_type).label}产品。",
                review=review if last else ProductVersionReview.APPROVED,
                submitted_at=published_at - datetime.timedelta(days=2)
                if review != ProductVersionReview.DRAFT or not last
                else None,
                reviewed_by=reviewer
                if review == ProductVersionReview.APPROVED or not last
                else None,
                reviewed_at=published_at
                if review == ProductVersionReview.APPROVED or not last
                else None,
                activated_at=published_at
                if status != RuleVersionStatus.DRAFT or not last
                else None,
            )
            versions.append(version)
            if last and spec.status == ProductStatus.PUBLISHED:
                live.append((product, version))
    ProductVersion.objects.bulk_create(versions)
    for product, version in live:
        product.live_version = version
    Product.objects.bulk_update([p for p, _v in live], ["live_version"])
    through = ProductVersion.counties.through
    for spec, product in zip(new, products, strict=True):
        if spec.county_only:
            for version in versions:
                if version.product_id == product.pk:
                    county_links.append(
                        through(productversion_id=version.pk, region_id=spec.institution.county_id)
                    )
    through.objects.bulk_create(county_links)
    order = {(s.institution.pk, s.name): i for i, s in enumerate(specs)}
    every = list(existing.values()) + products
    return sorted(every, key=lambda p: order[(p.institution_id, p.name)])


@dataclass(frozen=True)
class FinancingDemoCounts:
    """What the financing demo holds after a run (not only what this run created)."""

    products: int
    demands: DemandsDemoCounts


@transaction.atomic
def demo_financing(
    *, rng: random.Random, enterprises: list, institutions: list[Institution]
) -> FinancingDemoCounts:
    """Products of ``institutions``, then demands of ``enterprises`` and their loans (see the
    module docstring). Needs the demo users (``bank_officer``'s institution is the one the
    demo routes to most; ``enterprise_admin``'s enterprise gets a demand in every state)."""
    bank_user = User.objects.select_related("institution").get(username="bank_officer")
    enterprise_user = User.objects.get(username="enterprise_admin")
    reviewer = User.objects.filter(username="city_officer").first()
    products = demo_products(rng=rng, institutions=institutions, reviewer=reviewer)
    products = list(
        Product.objects.filter(pk__in=[p.pk for p in products])
        .select_related("live_version")
        .order_by("pk")
    )
    own = enterprise_user.enterprise
    ordered = [own, *(e for e in enterprises if e.pk != own.pk)] if own else list(enterprises)
    demands = demo_demands(
        rng=rng,
        enterprises=ordered,
        products=products,
        institution=bank_user.institution,
        bank_user=bank_user,
        enterprise_user=enterprise_user,
    )
    # What the periodic deadline scan does: stored step times, due dates, overdue flags.
    demands_overdue_scan()
    return FinancingDemoCounts(products=len(products), demands=demands)
