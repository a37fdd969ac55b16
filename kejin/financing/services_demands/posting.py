"""Posting a demand (the enterprise) and routing it (the platform, on commit).

``demand_create`` checks every field (all problems at once, each beside its field), stores
the demand with its collateral and attachments as ``submitted`` and, once committed, asks
the Celery task ``demand_route_task`` to route it. ``demand_route`` sends it to the
institutions of its top matches (``kejin.financing.matching.demand_route_candidates``) or,
when there are none (or matching is not installed), posts it to the open pool.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.attachments import attachments_check
from kejin.core.errors import ApplicationError
from kejin.core.fields import MONEY_MAX
from kejin.core.permissions import require
from kejin.core.text import text_problem
from kejin.financing.choices import (
    IP_KINDS,
    CollateralKind,
    DeadlineStep,
    DemandAction,
    DemandStatus,
    ProductType,
    Urgency,
)
from kejin.financing.deadlines import step_due
from kejin.financing.models import (
    Demand,
    DemandAttachment,
    DemandCollateral,
    DemandRoute,
    Product,
)
from kejin.financing.permissions import demand_can_create
from kejin.financing.routing import ROUTE_LIMIT, RouteCandidate
from kejin.financing.services_demands import notify
from kejin.financing.services_demands.common import (
    check,
    demand_lock,
    event_write,
    now,
    on_commit,
    snapshot,
)

TERM_MAX_MONTHS = 360
PURPOSE_MAX_LENGTH = 1000
COLLATERAL_MAX = 20
RATE_MAX = Decimal("36")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _text(value) -> str:
    """Posted text as a stripped string (a number or anything else as its text)."""
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value)).strip()


def demand_data_clean(data: dict) -> tuple[dict, list[dict]]:
    """The demand's fields and collateral rows from ``data`` (as a form or the API gives
    them), or ``invalid`` listing every problem beside its field (collateral rows as
    ``collaterals.<i>.<field>``)."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}

    amount = _decimal(data.get("amount"))
    if amount is None:
        errors["amount"] = [_("请填写融资金额（元），例如 1000000。")]
    elif amount <= 0:
        errors["amount"] = [_("融资金额应大于0元。")]
    elif amount > MONEY_MAX or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        errors["amount"] = [_("融资金额应为不超过两位小数的合理金额（元）。")]
    else:
        clean["amount"] = amount.quantize(Decimal("0.01"))

    term = data.get("term_months")
    try:
        term_int = int(str(term).strip()) if term not in (None, "") else None
    except ValueError:
        term_int = None
    if term_int is None:
        errors["term_months"] = [_("请填写融资期限（月），为1到360之间的整数。")]
    elif not 1 <= term_int <= TERM_MAX_MONTHS:
        errors["term_months"] = [_("融资期限应在1到360个月之间。")]
    else:
        clean["term_months"] = term_int

    purpose = _text(data.get("purpose"))
    if not purpose:
        errors["purpose"] = [_("请说明资金用途，例如“购置研发设备”“补充流动资金”。")]
    elif len(purpose) > PURPOSE_MAX_LENGTH:
        errors["purpose"] = [_("资金用途不能超过%(max)s个字。") % {"max": PURPOSE_MAX_LENGTH}]
    elif problem := text_problem(purpose, multiline=True):
        errors["purpose"] = [problem]
    else:
        clean["purpose"] = purpose

    types = data.get("preferred_types") or []
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, (list, tuple)):
        types = [types]
    unknown = [str(t) for t in types if not isinstance(t, str) or t not in ProductType.values]
    if unknown:
        errors["preferred_types"] = [
            _("未知的产品类型：%(types)s。") % {"types": "、".join(unknown)}
        ]
    else:
        clean["preferred_types"] = [t for t in ProductType.values if t in types]

    raw_rate = data.get("max_rate")
    rate = _decimal(raw_rate)
    if raw_rate not in (None, "") and (rate is None or not 0 < rate <= RATE_MAX):
        errors["max_rate"] = [_("可接受最高年利率应为0到36之间的百分数，例如 4.5；不限请留空。")]
    else:
        clean["max_rate"] = rate.quantize(Decimal("0.001")) if rate is not None else None

    urgency = data.get("urgency") or Urgency.NORMAL
    if not isinstance(urgency, str) or urgency not in Urgency.values:
        errors["urgency"] = [_("紧急程度应为一般、较急或紧急。")]
    else:
        clean["urgency"] = urgency

    guarantor_ok = data.get("guarantor_ok", True)
    if isinstance(guarantor_ok, str):
        guarantor_ok = guarantor_ok.strip().lower() in ("1", "true", "on", "yes", "是")
    clean["guarantor_ok"] = bool(guarantor_ok)

    for name, label in (("contact_name", 64), ("contact_phone", 32)):
        value = _text(data.get(name))
        if len(value) > label:
            errors[name] = [_("不能超过%(max)s个字。") % {"max": label}]
        elif problem := text_problem(value):
            errors[name] = [problem]
        else:
            clean[name] = value

    collaterals = _collaterals_clean(data.get("collaterals") or [], errors)
    if errors:
        raise ApplicationError.invalid(errors)
    return clean, collaterals


def _collaterals_clean(rows, errors: dict[str, list[str]]) -> list[dict]:
    if not isinstance(rows, list):
        errors["collaterals"] = [_("抵质押物应为列表。")]
        return []
    if len(rows) > COLLATERAL_MAX:
        errors["collaterals"] = [_("抵质押物最多填写%(max)s项。") % {"max": COLLATERAL_MAX}]
        return []
    clean_rows = []
    for index, row in enumerate(rows):
        where = f"collaterals.{index}"
        row = row if isinstance(row, dict) else {}
        kind = row.get("kind")
        if not isinstance(kind, str) or kind not in CollateralKind.values:
            errors[f"{where}.kind"] = [_("第%(n)s项：请选择抵质押物类别。") % {"n": index + 1}]
            continue
        number = _text(row.get("number"))
        debtor = _text(row.get("debtor"))
        description = _text(row.get("description"))
        amount = _decimal(row.get("amount"))
        if kind in IP_KINDS and not number:
            errors[f"{where}.number"] = [
                _("第%(n)s项：%(kind)s须填写编号（如专利号 ZL202310000000.1）。")
                % {"n": index + 1, "kind": CollateralKind(kind).label}
            ]
        if kind == CollateralKind.RECEIVABLES:
            if not debtor:
                errors[f"{where}.debtor"] = [
                    _("第%(n)s项：应收账款须填写债务人名称。") % {"n": index + 1}
                ]
            if amount is None or amount <= 0:
                errors[f"{where}.amount"] = [
                    _("第%(n)s项：应收账款须填写大于0的金额（元）。") % {"n": index + 1}
                ]
        if amount is not None and (amount < 0 or amount > MONEY_MAX):
            errors[f"{where}.amount"] = [_("第%(n)s项：金额不合理。") % {"n": index + 1}]
        for name, value, limit in (
            ("number", number, 64),
            ("debtor", debtor, 128),
            ("description", description, 255),
        ):
            if len(value) > limit:
                errors[f"{where}.{name}"] = [
                    _("第%(n)s项：不能超过%(max)s个字。") % {"n": index + 1, "max": limit}
                ]
            elif problem := text_problem(value):
                errors[f"{where}.{name}"] = [problem]
        clean_rows.append(
            {
                "kind": kind,
                "number": number,
                "debtor": debtor,
                "amount": amount.quantize(Decimal("0.01")) if amount is not None else None,
                "description": description,
            }
        )
    return clean_rows


@transaction.atomic
def demand_create(
    *,
    enterprise,
    data: dict,
    attachments: Sequence | None = None,
    acting_user,
    ip_address: str | None = None,
) -> Demand:
    """The enterprise's user posts a demand (``data``: amount, term_months, purpose,
    preferred_types, max_rate, urgency, guarantor_ok, contact_*, collaterals) with up to five
    attachments. It is ``submitted`` and routed by a task once committed."""
    require(demand_can_create, user=acting_user, obj=enterprise)
    fields, collaterals = demand_data_clean(data)
    checked = attachments_check(attachments)
    at = now()
    demand = Demand.objects.create(
        number=f"TMP{uuid.uuid4().hex[:16]}",
        enterprise=enterprise,
        county_id=enterprise.county_id,
        status=DemandStatus.SUBMITTED,
        submitted_at=at,
        **fields,
    )
    demand.number = f"RZ{timezone.localtime(at):%Y%m%d}{demand.pk:06d}"[:20]
    demand.save(update_fields=["number"])
    DemandCollateral.objects.bulk_create(
        [DemandCollateral(demand=demand, **row) for row in collaterals]
    )
    names = []
    for item in checked:
        attachment = DemandAttachment(
            demand=demand,
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
            uploaded_by=acting_user,
        )
        attachment.file.save(item.name, item.file, save=False)  # type: ignore[arg-type]
        attachment.save()
        names.append(item.name)
    event_write(
        demand=demand,
        action=DemandAction.SUBMIT,
        from_status="",
        acting_user=acting_user,
        at=at,
        before=None,
        data={"collaterals": len(collaterals), "attachments": names},
        ip_address=ip_address,
    )
    on_commit(partial(_enqueue_route, demand_id=demand.pk))
    return demand


def _enqueue_route(*, demand_id: int) -> None:
    from kejin.financing.tasks import demand_route_task

    demand_route_task.delay(demand_id=demand_id)


def route_candidates(
    demand: Demand, *, exclude_institutions: frozenset[int] = frozenset()
) -> list[RouteCandidate]:
    """The institutions of ``demand``'s top matches, best first: matching's
    ``demand_route_candidates`` when installed, else none (the demand goes to the pool)."""
    try:
        matching = importlib.import_module("kejin.financing.matching")
    except ImportError:
        return []
    demand_route_candidates = getattr(matching, "demand_route_candidates", None)
    if demand_route_candidates is None:
        return []
    return list(
        demand_route_candidates(
            demand=demand, limit=ROUTE_LIMIT, exclude_institutions=exclude_institutions
        )
    )


def routes_write(
    *,
    demand: Demand,
    at,
    referral: bool,
    acting_user=None,
) -> list[int]:
    """Route ``demand`` to its next candidates not routed to before (``DemandRoute`` rows,
    ranks after the existing ones); the new institutions' ids (empty: none left, and the
    demand is posted to the open pool)."""
    already = frozenset(
        DemandRoute.objects.filter(demand=demand).values_list("institution_id", flat=True)
    )
    if demand.institution_id:
        already |= {demand.institution_id}
    candidates = [
        c for c in route_candidates(demand, exclude_institutions=already) if c.institution_id
    ]
    candidates = [c for c in candidates if c.institution_id not in already][:ROUTE_LIMIT]
    rank = len(already)
    DemandRoute.objects.bulk_create(
        [
            DemandRoute(
                demand=demand,
                institution_id=c.institution_id,
                product_id=c.product_id,
                rank=rank + i + 1,
                score=c.score,
                routed_at=at,
                referral=referral,
            )
            for i, c in enumerate(candidates)
        ]
    )
    return [c.institution_id for c in candidates]


def _claim_due(demand: Demand, at):
    return step_due(DeadlineStep.CLAIM, at).date


@transaction.atomic
def demand_route(
    *, demand: Demand | int, acting_user=None, ip_address: str | None = None
) -> Demand:
    """Route a submitted demand (the platform after submission, ``acting_user=None``, or an
    officer): to the institutions of its top matches, else to the open pool. The claim is
    due within the claim limit in working days."""
    locked = demand_lock(demand)
    check(demand=locked, action=DemandAction.ROUTE, acting_user=acting_user)
    before, from_status, at = snapshot(locked), locked.status, now()
    institutions = routes_write(demand=locked, at=at, referral=False)
    locked.status = DemandStatus.ROUTED
    locked.routed_at = at
    locked.open_pool = not institutions
    locked.claim_due_on = _claim_due(locked, at)
    locked.overdue_step = ""
    locked.save()
    event = event_write(
        demand=locked,
        action=DemandAction.ROUTE if institutions else DemandAction.POOL,
        from_status=from_status,
        acting_user=acting_user,
        at=at,
        before=before,
        data={"institutions": institutions},
        ip_address=ip_address,
    )
    if institutions:
        on_commit(
            partial(notify.notify_routed, demand=locked, event=event, institution_ids=institutions)
        )
    return locked


@transaction.atomic
def demand_pool(*, demand: Demand | int, acting_user=None, ip_address: str | None = None) -> Demand:
    """Post a submitted or unclaimed demand to the open pool, where every institution may
    claim it (the deadline scan for an unclaimed demand, ``acting_user=None``, or an
    officer). Its routes stay; the claim is due anew. Idempotent: a demand already waiting
    in the pool is left as it is (no second event)."""
    locked = demand_lock(demand)
    check(demand=locked, action=DemandAction.POOL, acting_user=acting_user)
    if locked.open_pool and locked.status == DemandStatus.ROUTED:
        return locked
    before, from_status, at = snapshot(locked), locked.status, now()
    locked.status = DemandStatus.ROUTED
    locked.open_pool = True
    locked.routed_at = locked.routed_at or at
    locked.claim_due_on = _claim_due(locked, at)
    locked.overdue_step = ""
    locked.save()
    event_write(
        demand=locked,
        action=DemandAction.POOL,
        from_status=from_status,
        acting_user=acting_user,
        at=at,
        before=before,
        ip_address=ip_address,
    )
    return locked


def product_of_route(demand: Demand, institution_id: int) -> Product | None:
    route = (
        DemandRoute.objects.filter(demand=demand, institution_id=institution_id)
        .select_related("product")
        .first()
    )
    return route.product if route else None
