"""Public disclosure (信用信息公示): what anyone, signed in or not, may see of an enterprise's
credit records.

Only the current records of **public** categories appear, and only within their disclosure
period: ``disclosure_years`` counted from the record's event date to the same calendar day
(``kejin.facts.periods``), 0 meaning as long as the record is kept. Restricted categories
never appear here; they are read only in a report the enterprise authorised
(``kejin.credit.reports``). Records under dispute are marked (``record_dispute_states``).

Enterprises are found by name (``kejin.enterprises.search.enterprise_name_search``, the
indexed name search) or by unified social credit code.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from kejin.core.uscc import uscc_normalise
from kejin.credit import disputes
from kejin.credit.choices import Disclosure
from kejin.credit.models import CategoryField, CreditRecord, RecordCategory
from kejin.credit.models.reports import shanghai_today
from kejin.enterprises.models import Enterprise
from kejin.enterprises.search import enterprise_name_search
from kejin.facts.periods import years_before

PUBLIC_SEARCH_LIMIT = 20


def record_dispute_states(records: Sequence[CreditRecord]) -> dict[int, str]:
    """``{record id: dispute label}`` for the records among ``records`` that have a dispute
    (异议处理中, or how it was resolved), in one query, so that every place that shows records
    (the public page, reports) marks them (``kejin.credit.disputes.record_dispute_states``)."""
    return {pk: state.label for pk, state in disputes.record_dispute_states(records).items()}


def public_enterprise_search(*, text: str) -> QuerySet[Enterprise]:
    """Enterprises whose name contains ``text`` or whose credit code is ``text`` (at most
    ``PUBLIC_SEARCH_LIMIT``, by name). An empty text finds nothing."""
    text = (text or "").strip()
    if not text:
        return Enterprise.objects.none()
    base = Enterprise.objects.only("pk", "name", "uscc", "county__name").select_related("county")
    code = uscc_normalise(text)
    if len(code) == 18:
        by_code = base.filter(uscc=code)
        if by_code.exists():
            return by_code
    return enterprise_name_search(base, text).order_by("name", "pk")[:PUBLIC_SEARCH_LIMIT]


def public_enterprise_get(*, uscc: str) -> Enterprise | None:
    """The registered enterprise with this credit code (its public page), or None."""
    code = uscc_normalise(uscc)
    if len(code) != 18:
        return None
    return Enterprise.objects.select_related("county").filter(uscc=code).first()


def _disclosed(categories: Iterable[RecordCategory], today: datetime.date) -> Q:
    """Records of these categories still within their disclosure period on ``today``."""
    condition = Q(pk__in=[])
    for category in categories:
        in_category = Q(category_id=category.pk)
        if category.disclosure_years:
            in_category &= Q(event_date__gt=years_before(today, category.disclosure_years))
        condition |= in_category
    return condition


@dataclass(frozen=True)
class PublicRecord:
    """One record as the public page shows it."""

    record: CreditRecord
    values: list[tuple[str, str]]  # (field name, value as shown)
    dispute: str  # "" or the dispute state's label


@dataclass(frozen=True)
class PublicSection:
    category: RecordCategory  # with its source department
    items: list[PublicRecord]  # not "records": the access scan flags that name everywhere
    fields: list[CategoryField]  # in the order of each record's ``values``


def _public_categories() -> list[RecordCategory]:
    """The active public categories with their source departments, in catalogue order."""
    return list(
        RecordCategory.objects.filter(disclosure=Disclosure.PUBLIC, is_active=True)
        .select_related("department")
        .order_by("order", "code")
    )


def _public_records(
    categories: Iterable[RecordCategory], today: datetime.date
) -> QuerySet[CreditRecord]:
    """Every record the public may see on ``today``: the current versions of records of
    ``categories`` (the public ones) within their disclosure period. The page, its search
    and the public API all read through this one queryset."""
    return CreditRecord.objects.current().filter(_disclosed(categories, today))


def public_record_counts(
    *, enterprise_ids: Iterable[int], today: datetime.date | None = None
) -> dict[int, int]:
    """``{enterprise id: number of public records}`` on ``today`` (Asia/Shanghai) for the
    given enterprises (those without any are absent), counting exactly what
    :func:`public_credit_records` shows. Two queries."""
    today = today or shanghai_today()
    ids = list(enterprise_ids)
    if not ids:
        return {}
    rows = (
        _public_records(_public_categories(), today)
        .filter(enterprise_id__in=ids)
        .values("enterprise_id")
        .annotate(total=Count("id"))
        .order_by()
    )
    return {row["enterprise_id"]: row["total"] for row in rows}


def public_credit_records(
    *, enterprise: Enterprise, today: datetime.date | None = None
) -> list[PublicSection]:
    """The public categories' current records of ``enterprise`` within their disclosure
    period on ``today`` (Asia/Shanghai), by category. Personal information is shown only
    where the category's legal basis discloses it, masked otherwise. Four queries."""
    from kejin.credit.reports import display_value  # masking lives with the reports

    today = today or shanghai_today()
    categories = _public_categories()
    records = list(
        _public_records(categories, today)
        .filter(enterprise=enterprise)
        .order_by("-event_date", "-id")
    )
    fields_by_category: dict[int, list[CategoryField]] = {}
    for field in CategoryField.objects.filter(
        category_id__in={r.category_id for r in records}
    ).order_by("order", "id"):
        fields_by_category.setdefault(field.category_id, []).append(field)
    disputes = record_dispute_states(records)
    sections = []
    for category in categories:
        fields = fields_by_category.get(category.pk, [])
        rows = [
            PublicRecord(
                record=record,
                values=[
                    (field.name, display_value(field, record.data.get(field.code), category))
                    for field in fields
                ],
                dispute=disputes.get(record.pk, ""),
            )
            for record in records
            if record.category_id == category.pk
        ]
        if rows:
            sections.append(PublicSection(category=category, items=rows, fields=fields))
    return sections
