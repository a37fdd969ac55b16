"""Writes of financial products and of the leads an institution follows up.

An institution's user drafts a product (``product_create``: the product and its version 1),
edits the draft (``product_update``; on a published product this drafts a new version while
the approved one stays on the market), submits it (``product_submit``); a city officer
approves it (``product_approve``: the version is activated through
``kejin.facts.rule_versions.rule_version_activate`` and becomes ``live_version``) or returns
it with comments (``product_return``); the institution withdraws it (``product_withdraw``).
Every move is checked against ``kejin.financing.product_workflow`` under the product's row
lock (409 ``product_state_conflict``, nothing changed), audited, and recorded as a
``ProductEvent``; an approval or a return tells the institution's users on commit.

Terms are validated here with a message per field (min ≤ max, rates in range, counties,
stages and labels that exist, the rule checked by the engine with the clause that is wrong).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_write, model_snapshot
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.permissions import require
from kejin.core.text import text_problem
from kejin.core.values import (
    codes_parse,
    counties_parse,
    decimal_parse,
    field_taker,
    text_parse,
    whole_parse,
    worked_cases_parse,
)
from kejin.facts.rule_versions import (
    next_version_label,
    rule_version_activate,
    rule_version_check_cases,
)
from kejin.financing.choices import (
    PREMIUM_PRICED,
    CollateralKind,
    LeadStatus,
    ProductAction,
    ProductStatus,
    ProductType,
    ProductVersionReview,
)
from kejin.financing.models import Lead, Product, ProductEvent, ProductVersion
from kejin.financing.permissions import (
    lead_can_follow_up,
    product_can_create,
    product_can_edit,
    product_can_review,
)
from kejin.financing.product_rules import label_choices, product_rule_check, tier_choices
from kejin.financing.product_workflow import product_state, product_transition_check
from kejin.notifications.services import notification_send

#: The product's own fields (its identity); changeable only before it is first published.
PRODUCT_FIELDS = ("name", "product_type")
#: A version's terms, as a service takes them.
VERSION_FIELDS = (
    "amount_min",
    "amount_max",
    "term_min_months",
    "term_max_months",
    "rate_min",
    "rate_max",
    "collateral_kinds",
    "guarantee_required",
    "counties",
    "tiers",
    "labels",
    "materials",
    "description",
    "document",
    "worked_cases",
    "reference",
)
EDITABLE_FIELDS = frozenset(PRODUCT_FIELDS + VERSION_FIELDS)
REQUIRED_FIELDS = (
    "name",
    "product_type",
    "amount_min",
    "amount_max",
    "term_min_months",
    "term_max_months",
    "rate_min",
    "rate_max",
)
#: Upper bounds of the price in percent: an annual interest rate (the courts' protection
#: ceiling for lending is four times the LPR, about 14 %; 24 % leaves room for every
#: licensed lender) and a premium or fee rate.
RATE_CEILING = Decimal("24")
PREMIUM_CEILING = Decimal("10")
AMOUNT_CEILING = Decimal("10000000000")  # 100亿元
TERM_CEILING = 360  # 30 years
MATERIALS_MAX = 30
COMMENT_MAX = 2000
PRODUCT_AUDITED = ["name", "product_type", "status", "live_version", "published_at", "withdrawn_at"]
VERSION_AUDITED = [
    "version",
    "amount_min",
    "amount_max",
    "term_min_months",
    "term_max_months",
    "rate_min",
    "rate_max",
    "collateral_kinds",
    "guarantee_required",
    "tiers",
    "labels",
    "materials",
    "description",
    "document",
    "worked_cases",
    "reference",
    "review",
    "review_comment",
    "submitted_at",
    "reviewed_by",
    "reviewed_at",
    "status",
]


# --- validation ---------------------------------------------------------------------------


def _price_words(product_type: str) -> dict[str, str]:
    if product_type in PREMIUM_PRICED:
        return {"min": _("最低费率"), "max": _("最高费率"), "ceiling": str(PREMIUM_CEILING)}
    return {"min": _("最低利率"), "max": _("最高利率"), "ceiling": str(RATE_CEILING)}


def _materials(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(_("应是材料名称的列表。"))
    items = [v.strip() for v in value if v.strip()]
    if len(items) > MATERIALS_MAX:
        raise ValueError(_("所需材料最多 %(max)s 项。") % {"max": MATERIALS_MAX})
    for item in items:
        problem = text_problem(item)
        if problem or len(item) > 100:
            raise ValueError(
                _("材料“%(item)s”：%(problem)s")
                % {"item": item[:20], "problem": problem or _("不能超过 100 个字。")}
            )
    return list(dict.fromkeys(items))


def _worked_cases(value: Any) -> list[dict]:
    return worked_cases_parse(
        value,
        malformed=_(
            '第 %(n)s 个算例格式有误：应有名称 name、企业数据 facts 和预期结果 expect，如 {"condition.rule": true}。'
        ),
    )


def product_terms_clean(
    data: Mapping[str, Any], *, product_type: str, base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``data`` (what was posted, over ``base``: the terms being edited) checked and typed;
    ``invalid`` (400) with a message per field otherwise. The keys are ``VERSION_FIELDS``."""
    merged = {**(base or {}), **{k: v for k, v in data.items() if k in VERSION_FIELDS}}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    price = _price_words(product_type)

    take = field_taker(merged, clean, errors)

    for name in ("amount_min", "amount_max", "term_min_months", "term_max_months"):
        if merged.get(name) in (None, ""):
            errors[name] = [_("此项必填。")]
    for name in ("rate_min", "rate_max"):
        if merged.get(name) in (None, ""):
            errors[name] = [_("请填写%(what)s。") % {"what": price[name[-3:]]}]
    for name in ("amount_min", "amount_max"):
        if name not in errors:
            take(name, lambda v: decimal_parse(v, places=2))
            if name in clean and not (Decimal(0) < clean[name] <= AMOUNT_CEILING):
                errors[name] = [_("金额应大于 0 元且不超过 100 亿元。")]
    for name in ("term_min_months", "term_max_months"):
        if name not in errors:
            take(name, whole_parse)
            if name in clean and not (1 <= clean[name] <= TERM_CEILING):
                errors[name] = [_("期限应在 1 至 %(max)s 个月之间。") % {"max": TERM_CEILING}]
    for name in ("rate_min", "rate_max"):
        if name not in errors:
            take(name, lambda v: decimal_parse(v, places=3))
            if name in clean and not (Decimal(0) <= clean[name] <= Decimal(price["ceiling"])):
                errors[name] = [
                    _("%(what)s应在 0%% 至 %(ceiling)s%% 之间。")
                    % {"what": price[name[-3:]], "ceiling": price["ceiling"]}
                ]
    if (
        not errors.keys() & {"amount_min", "amount_max"}
        and clean["amount_min"] > clean["amount_max"]
    ):
        errors["amount_max"] = [_("最高金额不能低于最低金额。")]
    if (
        not errors.keys() & {"term_min_months", "term_max_months"}
        and clean["term_min_months"] > clean["term_max_months"]
    ):
        errors["term_max_months"] = [_("最长期限不能短于最短期限。")]
    if not errors.keys() & {"rate_min", "rate_max"} and clean["rate_min"] > clean["rate_max"]:
        errors["rate_max"] = [
            _("%(max)s不能低于%(min)s。") % {"max": price["max"], "min": price["min"]}
        ]
    take(
        "collateral_kinds",
        lambda v: codes_parse(
            v, {k: str(n) for k, n in CollateralKind.choices}, str(_("抵质押物"))
        ),
    )
    clean["guarantee_required"] = bool(merged.get("guarantee_required") or False)
    take("counties", counties_parse)
    take("tiers", lambda v: codes_parse(v, tier_choices(), str(_("成长阶段"))))
    take("labels", lambda v: codes_parse(v, label_choices(), str(_("名单标签"))))
    take("materials", _materials)
    take("description", lambda v: text_parse(v, max_length=4000))
    take("reference", lambda v: text_parse(v, max_length=255))
    take("worked_cases", _worked_cases)
    document = merged.get("document")
    if document is True or document == {}:
        document = None
    problems = product_rule_check(document)
    if problems:
        errors["document"] = [message for _path, message in problems]
    clean["document"] = document
    if errors:
        raise ApplicationError.invalid(errors)
    return clean


def _product_fields_clean(data: Mapping[str, Any], *, institution_id: int, exclude_pk=None):
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "name" in data:
        try:
            name = text_parse(data.get("name"), max_length=128)
        except ValueError as error:
            errors["name"] = [str(error)]
        else:
            if not name:
                errors["name"] = [_("请填写产品名称。")]
            elif (
                Product.objects.filter(institution_id=institution_id, name=name)
                .exclude(pk=exclude_pk)
                .exists()
            ):
                errors["name"] = [_("本机构已有名为“%(name)s”的产品。") % {"name": name}]
            clean["name"] = name
    if "product_type" in data:
        if data.get("product_type") not in ProductType.values:
            errors["product_type"] = [
                _("请选择产品类型：%(choices)s。")
                % {"choices": "、".join(str(label) for label in ProductType.labels)}
            ]
        else:
            clean["product_type"] = data["product_type"]
    return clean, errors


def _only_editable(data: Mapping[str, Any]) -> None:
    refused = sorted(set(data) - EDITABLE_FIELDS)
    if refused:
        raise ApplicationError.invalid({name: [_("该项不能修改。")] for name in refused})


# --- helpers ------------------------------------------------------------------------------


def _pending(product: Product) -> ProductVersion | None:
    """The product's version not yet approved (at most one), or None."""
    return product.versions.exclude(review=ProductVersionReview.APPROVED).order_by("-pk").first()


def _state(product: Product, pending: ProductVersion | None) -> str:
    return product_state(status=product.status, pending_review=pending.review if pending else None)


def _locked(product: Product) -> tuple[Product, ProductVersion | None]:
    locked = Product.objects.select_for_update().get(pk=product.pk)
    return locked, _pending(locked)


def _move_start(
    *, actor, product: Product, action: str, allowed, comment: str
) -> tuple[Product, ProductVersion | None, str]:
    """The start of a move: ``allowed`` checked for ``actor``, the product locked, the move
    checked against the lifecycle table, the comment cleaned (``invalid`` on ``comment``)."""
    require(allowed, user=actor, obj=product)
    product, pending = _locked(product)
    product_transition_check(action=action, state=_state(product, pending))
    try:
        comment = text_parse(comment, max_length=COMMENT_MAX)
    except ValueError as error:
        raise ApplicationError.invalid({"comment": [str(error)]}) from error
    return product, pending, comment


def _event(
    *,
    product: Product,
    version: ProductVersion | None,
    action: str,
    from_status: str,
    actor,
    comment: str = "",
    at: datetime.datetime,
) -> ProductEvent:
    return ProductEvent.objects.create(
        product=product,
        version=version,
        action=action,
        from_status=from_status,
        to_status=product.status,
        actor=actor if getattr(actor, "pk", None) else None,
        comment=comment,
        at=at,
    )


def _audit(*, actor, instance, before: dict | None, fields: list[str], ip_address) -> None:
    audit_write(
        actor=actor,
        instance=instance,
        before=before,
        after=model_snapshot(instance, fields),
        ip_address=ip_address,
    )


def _move_record(
    *,
    actor,
    product: Product,
    product_before: dict,
    version: ProductVersion,
    version_before: dict,
    action: str,
    from_status: str,
    comment: str = "",
    at: datetime.datetime,
    ip_address,
) -> None:
    """A review-workflow move's trail: the version's and the product's audit rows and the
    product's history event."""
    _audit(
        actor=actor,
        instance=version,
        before=version_before,
        fields=VERSION_AUDITED,
        ip_address=ip_address,
    )
    _audit(
        actor=actor,
        instance=product,
        before=product_before,
        fields=PRODUCT_AUDITED,
        ip_address=ip_address,
    )
    _event(
        product=product,
        version=version,
        action=action,
        from_status=from_status,
        actor=actor,
        comment=comment,
        at=at,
    )


def _reviewed(version: ProductVersion, *, review: str, comment: str, actor, at) -> None:
    """Stamp an officer's review (approved or returned) on ``version``."""
    version.review = review
    version.review_comment = comment
    version.reviewed_by = actor
    version.reviewed_at = at
    version.save(update_fields=["review", "review_comment", "reviewed_by", "reviewed_at"])


def _write_version(version: ProductVersion, terms: dict[str, Any]) -> None:
    counties = terms.pop("counties")
    for name, value in terms.items():
        setattr(version, name, value)
    version.save()
    version.counties.set(counties)


def _terms_of(version: ProductVersion) -> dict[str, Any]:
    """A version's terms as ``product_terms_clean`` takes them (the base of an edit)."""
    terms = {name: getattr(version, name) for name in VERSION_FIELDS if name != "counties"}
    terms["counties"] = list(version.counties.values_list("pk", flat=True))
    return terms


def _institution_users(institution_id: int):
    return list(get_user_model().objects.filter(institution_id=institution_id, is_active=True))


def _notify_institution(
    *, product: Product, version: ProductVersion, kind: str, title: str, body: str
) -> None:
    notification_send(
        recipients=_institution_users(product.institution_id),
        kind=kind,
        key=f"product:{product.pk}:v{version.pk}:{kind}:{version.reviewed_at:%Y%m%d%H%M%S%f}",
        title=title,
        body=body,
        url=reverse("financing:product_detail", args=[product.pk]),
    )


def _next_version_label(product: Product) -> str:
    return next_version_label(product.versions.all())


# --- products -----------------------------------------------------------------------------


@transaction.atomic
def product_create(*, actor, data: Mapping[str, Any], ip_address: str | None = None) -> Product:
    """Draft a product of the actor's institution with its version 1 (institution users).
    ``data``: ``name``, ``product_type`` and the terms (``VERSION_FIELDS``). Audited."""
    require(product_can_create, user=actor)
    _only_editable(data)
    missing = {name: [_("此项必填。")] for name in ("name", "product_type") if not data.get(name)}
    fields, errors = _product_fields_clean(data, institution_id=actor.institution_id)
    errors = {**missing, **errors}
    try:
        terms = product_terms_clean(data, product_type=fields.get("product_type", ""))
    except ApplicationError as error:
        errors = {**error.fields, **errors}
    if errors:
        raise ApplicationError.invalid(errors)
    now = timezone.now()
    product = Product.objects.create(
        institution_id=actor.institution_id,
        name=fields["name"],
        product_type=fields["product_type"],
        status=ProductStatus.DRAFT,
        created_by=actor,
    )
    version = ProductVersion(
        product=product,
        version="1",
        valid_from=timezone.localdate(),
        created_by=actor,
        review=ProductVersionReview.DRAFT,
    )
    _write_version(version, terms)
    _audit(
        actor=actor, instance=product, before=None, fields=PRODUCT_AUDITED, ip_address=ip_address
    )
    _audit(
        actor=actor, instance=version, before=None, fields=VERSION_AUDITED, ip_address=ip_address
    )
    _event(
        product=product,
        version=version,
        action=ProductAction.CREATE,
        from_status="",
        actor=actor,
        at=now,
    )
    return product


@transaction.atomic
def product_update(
    *, actor, product: Product, data: Mapping[str, Any], ip_address: str | None = None
) -> ProductVersion:
    """Change a product's draft (its institution's users). On a published product with no
    change pending this drafts a new version from the approved terms (the approved one stays
    on the market until an officer approves the new one); name and type can only change
    before the first publication. Returns the draft version. Audited."""
    require(product_can_edit, user=actor, obj=product)
    _only_editable(data)
    product, pending = _locked(product)
    state = _state(product, pending)
    product_transition_check(action=ProductAction.EDIT, state=state)
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    if product.published_at is not None:
        for name in PRODUCT_FIELDS:
            if name in data and data[name] != getattr(product, name):
                errors[name] = [_("已发布过的产品不能修改名称和类型；如需改变，请另行发布新产品。")]
    else:
        fields, errors = _product_fields_clean(
            {k: v for k, v in data.items() if k in PRODUCT_FIELDS},
            institution_id=product.institution_id,
            exclude_pk=product.pk,
        )
    product_type = fields.get("product_type", product.product_type)
    source = pending or product.live_version
    assert source is not None  # a product always has a version
    try:
        terms = product_terms_clean(data, product_type=product_type, base=_terms_of(source))
    except ApplicationError as error:
        errors = {**error.fields, **errors}
    if errors:
        raise ApplicationError.invalid(errors)
    now = timezone.now()
    if fields:
        before = model_snapshot(product, PRODUCT_AUDITED)
        for name, value in fields.items():
            setattr(product, name, value)
        product.save(update_fields=[*fields, "updated_at"])
        _audit(
            actor=actor,
            instance=product,
            before=before,
            fields=PRODUCT_AUDITED,
            ip_address=ip_address,
        )
    if pending is None:
        version = ProductVersion(
            product=product,
            version=_next_version_label(product),
            valid_from=timezone.localdate(),
            created_by=actor,
            review=ProductVersionReview.DRAFT,
        )
        _write_version(version, terms)
        _audit(
            actor=actor,
            instance=version,
            before=None,
            fields=VERSION_AUDITED,
            ip_address=ip_address,
        )
        action = ProductAction.REVISE
    else:
        version = pending
        before = model_snapshot(version, VERSION_AUDITED)
        before_counties = sorted(version.counties.values_list("pk", flat=True))
        _write_version(version, terms)
        before["counties"] = before_counties
        after_fields = VERSION_AUDITED
        snapshot = model_snapshot(version, after_fields)
        snapshot["counties"] = sorted(version.counties.values_list("pk", flat=True))
        audit_write(
            actor=actor, instance=version, before=before, after=snapshot, ip_address=ip_address
        )
        action = ProductAction.EDIT
    _event(
        product=product,
        version=version,
        action=action,
        from_status=product.status,
        actor=actor,
        at=now,
    )
    return version


@transaction.atomic
def product_submit(*, actor, product: Product, ip_address: str | None = None) -> ProductVersion:
    """Send the pending version to the city officers (its institution's users). A version
    with a rule must carry worked cases that pass (``worked_cases_fail``, 400), so the
    officer reviews a rule known to do what its cases say. Audited."""
    require(product_can_edit, user=actor, obj=product)
    product, pending = _locked(product)
    product_transition_check(action=ProductAction.SUBMIT, state=_state(product, pending))
    assert pending is not None
    if pending.needs_worked_cases:
        rule_version_check_cases(pending)
    now = timezone.now()
    from_status = product.status
    before_product = model_snapshot(product, PRODUCT_AUDITED)
    before = model_snapshot(pending, VERSION_AUDITED)
    pending.review = ProductVersionReview.SUBMITTED
    pending.submitted_at = now
    pending.save(update_fields=["review", "submitted_at"])
    if product.status == ProductStatus.DRAFT:
        product.status = ProductStatus.UNDER_REVIEW
        product.save(update_fields=["status", "updated_at"])
    _move_record(
        actor=actor,
        product=product,
        product_before=before_product,
        version=pending,
        version_before=before,
        action=ProductAction.SUBMIT,
        from_status=from_status,
        at=now,
        ip_address=ip_address,
    )
    return pending


@transaction.atomic
def product_approve(
    *, actor, product: Product, comment: str = "", ip_address: str | None = None
) -> Product:
    """Approve the version under review (city officers): it is activated (its worked cases
    run again; the version it replaces is retired) and becomes the product's live version;
    the product is published. The institution's users are told on commit. Audited."""
    product, pending, comment = _move_start(
        actor=actor,
        product=product,
        action=ProductAction.APPROVE,
        allowed=product_can_review,
        comment=comment,
    )
    assert pending is not None
    now = timezone.now()
    from_status = product.status
    before_product = model_snapshot(product, PRODUCT_AUDITED)
    version = rule_version_activate(version=pending, actor=actor, ip_address=ip_address)
    before = model_snapshot(version, VERSION_AUDITED)
    _reviewed(version, review=ProductVersionReview.APPROVED, comment=comment, actor=actor, at=now)
    product.status = ProductStatus.PUBLISHED
    product.live_version = version
    if product.published_at is None:
        product.published_at = now
    product.save(update_fields=["status", "live_version", "published_at", "updated_at"])
    _move_record(
        actor=actor,
        product=product,
        product_before=before_product,
        version=version,
        version_before=before,
        action=ProductAction.APPROVE,
        from_status=from_status,
        comment=comment,
        at=now,
        ip_address=ip_address,
    )
    _notify_institution(
        product=product,
        version=version,
        kind="product_approved",
        title=_("产品“%(name)s”（版本 %(version)s）已审核通过并发布。")
        % {"name": product.name, "version": version.version},
        body=comment,
    )
    return product


@transaction.atomic
def product_return(
    *, actor, product: Product, comment: str, ip_address: str | None = None
) -> ProductVersion:
    """Return the version under review with comments (city officers; a comment is
    required): the institution edits and submits again. A published product stays on the
    market with its approved version. The institution's users are told on commit. Audited."""
    product, pending, comment = _move_start(
        actor=actor,
        product=product,
        action=ProductAction.RETURN,
        allowed=product_can_review,
        comment=comment,
    )
    assert pending is not None
    if not comment:
        raise ApplicationError.invalid({"comment": [_("请填写退回意见，说明需要修改的地方。")]})
    now = timezone.now()
    from_status = product.status
    before_product = model_snapshot(product, PRODUCT_AUDITED)
    before = model_snapshot(pending, VERSION_AUDITED)
    _reviewed(pending, review=ProductVersionReview.RETURNED, comment=comment, actor=actor, at=now)
    if product.status == ProductStatus.UNDER_REVIEW:
        product.status = ProductStatus.DRAFT
        product.save(update_fields=["status", "updated_at"])
    _move_record(
        actor=actor,
        product=product,
        product_before=before_product,
        version=pending,
        version_before=before,
        action=ProductAction.RETURN,
        from_status=from_status,
        comment=comment,
        at=now,
        ip_address=ip_address,
    )
    _notify_institution(
        product=product,
        version=pending,
        kind="product_returned",
        title=_("产品“%(name)s”（版本 %(version)s）被退回修改。")
        % {"name": product.name, "version": pending.version},
        body=comment,
    )
    return pending


@transaction.atomic
def product_withdraw(
    *, actor, product: Product, comment: str = "", ip_address: str | None = None
) -> Product:
    """Take a product off the market, or out of review, for good (its institution's users).
    A version waiting for review goes back to draft. Audited."""
    product, pending, comment = _move_start(
        actor=actor,
        product=product,
        action=ProductAction.WITHDRAW,
        allowed=product_can_edit,
        comment=comment,
    )
    now = timezone.now()
    from_status = product.status
    before_product = model_snapshot(product, PRODUCT_AUDITED)
    if pending is not None and pending.review == ProductVersionReview.SUBMITTED:
        before = model_snapshot(pending, VERSION_AUDITED)
        pending.review = ProductVersionReview.DRAFT
        pending.save(update_fields=["review"])
        _audit(
            actor=actor,
            instance=pending,
            before=before,
            fields=VERSION_AUDITED,
            ip_address=ip_address,
        )
    product.status = ProductStatus.WITHDRAWN
    product.withdrawn_at = now
    product.save(update_fields=["status", "withdrawn_at", "updated_at"])
    _audit(
        actor=actor,
        instance=product,
        before=before_product,
        fields=PRODUCT_AUDITED,
        ip_address=ip_address,
    )
    _event(
        product=product,
        version=pending or product.live_version,
        action=ProductAction.WITHDRAW,
        from_status=from_status,
        actor=actor,
        comment=comment,
        at=now,
    )
    return product


# --- leads --------------------------------------------------------------------------------

#: status -> the statuses a lead may be moved to it from.
LEAD_MOVES: dict[str, frozenset[str]] = {
    LeadStatus.CONTACTED: frozenset({LeadStatus.NEW}),
    LeadStatus.DISMISSED: frozenset({LeadStatus.NEW, LeadStatus.CONTACTED}),
}


@transaction.atomic
def lead_mark(*, actor, lead: Lead, status: str, ip_address: str | None = None) -> Lead:
    """Mark a lead contacted or declined (users of the institution it was pushed to): a new
    lead may be contacted or declined, a contacted one declined; anything else is a 409
    (``conflict``) and changes nothing. Audited."""
    require(lead_can_follow_up, user=actor, obj=lead)
    if status not in LEAD_MOVES:
        raise ApplicationError.invalid(
            {"status": [_("只能标记为“已联系”或“不跟进”。")]},
        )
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.status not in LEAD_MOVES[status]:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("线索当前为“%(current)s”，不能标记为“%(target)s”。")
            % {"current": locked.get_status_display(), "target": LeadStatus(status).label},
        )
    before = model_snapshot(locked, ["status"])
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    _audit(actor=actor, instance=locked, before=before, fields=["status"], ip_address=ip_address)
    return locked
