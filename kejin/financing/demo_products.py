"""Seeded demo financial products for ``manage.py demo_data``: every lending, insurance and
investment institution of the demo publishes a handful of the plan's products (measures 6
and 7), most of them on the market, some in every other state of the workflow.

Each published product has an approved, active version 1 (``live_version``); some have a
second version under review or returned with comments, some were withdrawn; a few are still
drafts or under review. Rules are one JSON rule over the facts catalogue with worked cases
that pass. Written with bulk inserts keyed by (institution, name), so running again adds only
what is missing; **not audited** (demo records stand for what existed before the platform),
but each product has its history (``ProductEvent``) as if it had gone through review.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kejin.core.demo import COUNTIES, demo_regions
from kejin.facts.choices import RuleVersionStatus
from kejin.financing.choices import (
    ProductAction,
    ProductStatus,
    ProductType,
    ProductVersionReview,
)
from kejin.financing.models import Product, ProductEvent, ProductVersion
from kejin.institutions.choices import InstitutionKind
from kejin.institutions.models import Institution

_WAN = Decimal(10_000)
T = ProductType

#: kind -> (product type, name stem, amount range 万元, term months, rate %, collateral)
_OFFERS: dict[
    str,
    tuple[tuple[str, str, tuple[int, int], tuple[int, int], tuple[str, str], tuple[str, ...]], ...],
] = {
    InstitutionKind.TECH_SUB_BRANCH: (
        (T.CREDIT_LOAN, "科创信用贷", (10, 500), (3, 36), ("3.10", "4.80"), ()),
        (
            T.IP_PLEDGE,
            "知识产权质押贷",
            (50, 3000),
            (6, 36),
            ("3.30", "5.20"),
            ("patent", "trademark", "copyright"),
        ),
        (
            T.RECEIVABLES_PLEDGE,
            "应收账款融资",
            (50, 2000),
            (3, 12),
            ("3.45", "5.00"),
            ("receivables",),
        ),
        (T.INVESTMENT_LOAN, "投贷联动贷", (200, 5000), (12, 60), ("3.20", "4.50"), ("equity",)),
        (T.GUARANTEE_LOAN, "政策担保贷", (20, 1000), (6, 36), ("3.65", "4.90"), ()),
    ),
    InstitutionKind.BANK_BRANCH: (
        (T.CREDIT_LOAN, "人才贷", (10, 300), (6, 36), ("3.45", "5.50"), ()),
        (T.IP_PLEDGE, "专利贷", (50, 2000), (6, 36), ("3.50", "5.50"), ("patent",)),
        (T.RECEIVABLES_PLEDGE, "订单贷", (30, 1000), (3, 12), ("3.60", "5.50"), ("receivables",)),
        (T.GUARANTEE_LOAN, "担保贷", (20, 800), (6, 24), ("3.80", "5.20"), ()),
    ),
    InstitutionKind.INSURER: (
        (T.LOAN_GUARANTEE_INSURANCE, "小额贷款保证保险", (10, 300), (6, 12), ("1.00", "2.00"), ()),
        (T.TECH_INSURANCE, "科技研发费用损失保险", (50, 1000), (12, 12), ("0.80", "2.50"), ()),
        (T.TECH_INSURANCE, "首台（套）装备综合险", (100, 5000), (12, 12), ("1.00", "3.00"), ()),
    ),
    InstitutionKind.GUARANTEE: (
        (T.GUARANTEE_LOAN, "科技担保贷", (10, 1000), (6, 36), ("0.50", "1.00"), ()),
        (T.GUARANTEE_LOAN, "人才创业担保", (10, 300), (6, 24), ("0.50", "0.80"), ()),
    ),
    InstitutionKind.MICRO_LOAN: (
        (T.CREDIT_LOAN, "科技小贷", (5, 200), (1, 12), ("6.00", "12.00"), ()),
    ),
    InstitutionKind.VENTURE_FUND: (
        (T.EQUITY_INVESTMENT, "天使投资", (100, 2000), (36, 84), ("0", "0"), ()),
        (T.EQUITY_INVESTMENT, "成长期股权投资", (500, 10000), (36, 84), ("0", "0"), ()),
    ),
}

#: Rules a version may carry, each with worked cases that pass.
_RULES: tuple[tuple[object, list[dict]], ...] = (
    (None, []),
    (
        {">=": [{"var": "employees"}, 10]},
        [
            {"name": "职工20人", "facts": {"employees": 20}, "expect": {"condition.rule": True}},
            {"name": "职工5人", "facts": {"employees": 5}, "expect": {"condition.rule": False}},
        ],
    ),
    (
        {"and": [{">=": [{"var": "revenue"}, 5_000_000]}, {"!": [{"var": "major_accident"}]}]},
        [
            {
                "name": "收入800万元无事故",
                "facts": {"revenue": 8_000_000, "major_accident": False},
                "expect": {"condition.rule": True},
            },
            {
                "name": "收入300万元",
                "facts": {"revenue": 3_000_000, "major_accident": False},
                "expect": {"condition.rule": False},
            },
        ],
    ),
    (
        {">=": [{"/": [{"var": "rd_expense"}, {"var": "revenue"}]}, 0.03]},
        [
            {
                "name": "研发占比5%",
                "facts": {"rd_expense": 500_000, "revenue": 10_000_000},
                "expect": {"condition.rule": True},
            },
            {
                "name": "研发占比1%",
                "facts": {"rd_expense": 100_000, "revenue": 10_000_000},
                "expect": {"condition.rule": False},
            },
        ],
    ),
)
_MATERIALS = ("营业执照", "近两年财务报表", "纳税证明", "法定代表人身份证明", "知识产权证书")
_SERIES = ("", "（二期）", "（升级版）", "·成长", "·领航")


def _published_at(rng: random.Random) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=rng.randint(30, 700), hours=rng.randint(0, 23))


@transaction.atomic
def financing_products_demo(*, rng: random.Random, per_kind: int = 2) -> int:
    """Create the demo products missing (``per_kind`` series of each offer of each lending,
    insurance or investment institution); returns how many were created. Needs the demo
    institutions and regions."""
    regions = demo_regions()
    counties = [regions[c.code] for c in COUNTIES]
    institutions = list(
        Institution.objects.filter(kind__in=list(_OFFERS)).order_by("pk").only("pk", "kind")
    )
    taken = set(Product.objects.values_list("institution_id", "name"))
    plans = []
    for institution in institutions:
        for offer in _OFFERS[institution.kind]:
            for series in _SERIES[:per_kind]:
                name = f"{offer[1]}{series}"
                if (institution.pk, name) not in taken:
                    plans.append((institution, offer, name))
    if not plans:
        return 0
    products: list = []
    versions: list[ProductVersion] = []
    events: list[ProductEvent] = []
    links: list = []
    for institution, (ptype, _stem, amounts, terms, rates, collateral), name in plans:
        roll = rng.random()
        status = (
            ProductStatus.PUBLISHED
            if roll < 0.82
            else ProductStatus.WITHDRAWN
            if roll < 0.88
            else ProductStatus.UNDER_REVIEW
            if roll < 0.94
            else ProductStatus.DRAFT
        )
        published = _published_at(rng)
        product = Product(
            institution=institution,
            name=name,
            product_type=ptype,
            status=status,
            published_at=published
            if status in (ProductStatus.PUBLISHED, ProductStatus.WITHDRAWN)
            else None,
            withdrawn_at=published + datetime.timedelta(days=20)
            if status == ProductStatus.WITHDRAWN
            else None,
        )
        products.append((product, amounts, terms, rates, collateral, published))
    Product.objects.bulk_create([p for p, *_ in products])
    for product, amounts, terms, rates, collateral, published in products:
        low, high = amounts
        rule, cases = rng.choice(_RULES)
        approved = product.status in (ProductStatus.PUBLISHED, ProductStatus.WITHDRAWN)
        first = ProductVersion(
            product=product,
            version="1",
            valid_from=published.date(),
            amount_min=Decimal(low) * _WAN,
            amount_max=Decimal(rng.choice([high, high, high // 2 or high])) * _WAN,
            term_min_months=terms[0],
            term_max_months=terms[1],
            rate_min=Decimal(rates[0]),
            rate_max=Decimal(rates[1]),
            collateral_kinds=list(collateral[: rng.randint(1, len(collateral))])
            if collateral
            else [],
            guarantee_required=product.product_type == T.GUARANTEE_LOAN,
            tiers=rng.choice([[], [], ["startup", "growth"], ["growth", "mature"]]),
            labels=rng.choice([[], [], ["tech_sme"], ["high_tech"]]),
            materials=list(_MATERIALS[: rng.randint(2, len(_MATERIALS))]),
            description=f"{product.name}：面向科技型企业的{product.get_product_type_display()}产品。",
            document=rule,
            worked_cases=cases,
            status=RuleVersionStatus.ACTIVE if approved else RuleVersionStatus.DRAFT,
            activated_at=published if approved else None,
            review=ProductVersionReview.APPROVED
            if approved
            else ProductVersionReview.SUBMITTED
            if product.status == ProductStatus.UNDER_REVIEW
            else rng.choice([ProductVersionReview.DRAFT, ProductVersionReview.RETURNED]),
            submitted_at=published - datetime.timedelta(days=3)
            if product.status != ProductStatus.DRAFT
            else None,
            reviewed_at=published if approved else None,
        )
        if first.review == ProductVersionReview.RETURNED:
            first.review_comment = "请补充准入条件的依据和所需材料清单。"
            first.reviewed_at = published
        versions.append(first)
        if first.review == ProductVersionReview.RETURNED:
            first.submitted_at = published - datetime.timedelta(days=3)
        product._demo_first = first
        start = len(events)
        at = published - datetime.timedelta(days=5)
        events.append(
            ProductEvent(
                product=product, action=ProductAction.CREATE, to_status=ProductStatus.DRAFT, at=at
            )
        )
        if first.submitted_at:
            events.append(
                ProductEvent(
                    product=product,
                    action=ProductAction.SUBMIT,
                    from_status=ProductStatus.DRAFT,
                    to_status=ProductStatus.UNDER_REVIEW,
                    at=first.submitted_at,
                )
            )
        if approved:
            events.append(
                ProductEvent(
                    product=product,
                    action=ProductAction.APPROVE,
                    from_status=ProductStatus.UNDER_REVIEW,
                    to_status=ProductStatus.PUBLISHED,
                    at=published,
                )
            )
        if first.review == ProductVersionReview.RETURNED:
            events.append(
                ProductEvent(
                    product=product,
                    action=ProductAction.RETURN,
                    from_status=ProductStatus.UNDER_REVIEW,
                    to_status=ProductStatus.DRAFT,
                    comment=first.review_comment,
                    at=published,
                )
            )
        if product.status == ProductStatus.WITHDRAWN:
            events.append(
                ProductEvent(
                    product=product,
                    action=ProductAction.WITHDRAW,
                    from_status=ProductStatus.PUBLISHED,
                    to_status=ProductStatus.WITHDRAWN,
                    at=product.withdrawn_at or published,
                )
            )
        for event in events[start:]:
            event.version = first
    ProductVersion.objects.bulk_create(versions)
    for product, *_rest in products:
        first = product._demo_first
        if first.status == RuleVersionStatus.ACTIVE:
            product.live_version = first
        picked = rng.choice([[], [], rng.sample(counties, k=min(2, len(counties)))])
        links += [
            ProductVersion.counties.through(productversion_id=first.pk, region_id=region.pk)
            for region in picked
        ]
    Product.objects.bulk_update([p for p, *_ in products], ["live_version"])
    ProductVersion.counties.through.objects.bulk_create(links)
    ProductEvent.objects.bulk_create(events)
    return len(products)
