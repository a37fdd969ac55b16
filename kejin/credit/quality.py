"""Data-quality rules of credit batches, the quality summary of a batch, and the quality
dashboard of a data provider over time.

Every category gets rules from its fields (:class:`QualityRule`: required values present,
values of their type, dates not in the future, amounts and counts not negative, codes in the
field's list) plus the cross-field checks of :data:`CROSS_FIELD_RULES`, which apply to every
category that has the fields they name (so an officer's new category gets them by using the
same field codes). Each rejected cell is a row error ``{"row", "column", "value", "reason",
"rule"}``; a batch's ``quality`` is :func:`batch_quality_summary` of them.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kejin.ingest.choices import BatchStatus


class QualityRule(models.TextChoices):
    """The kind of problem a rejected cell has (the key of a batch's quality summary)."""

    REQUIRED = "required", gettext_lazy("必填项缺失")
    FORMAT = "format", gettext_lazy("格式不符")
    NEGATIVE = "negative", gettext_lazy("金额或数量为负")
    FUTURE_DATE = "future_date", gettext_lazy("日期晚于今天")
    NOT_IN_LIST = "not_in_list", gettext_lazy("代码不在代码表中")
    CROSS_FIELD = "cross_field", gettext_lazy("字段间逻辑不符")
    USCC = "uscc", gettext_lazy("统一社会信用代码有误")
    DUPLICATE = "duplicate", gettext_lazy("批内记录编号重复")
    TEXT = "text", gettext_lazy("文字含不可见字符或过长")


@dataclass(frozen=True)
class CrossFieldRule:
    """A check between fields of one record; applies when the category has all ``fields``.

    ``check(values, names)`` gets the parsed values (only those present) and the fields'
    Chinese names, and returns ``(field code the error is reported on, reason)`` or None.
    """

    code: str
    fields: tuple[str, ...]
    check: Callable[[dict, dict], tuple[str, str] | None]


def _removed_after_listed(values: dict, names: dict) -> tuple[str, str] | None:
    start = "listed_date" if "listed_date" in names else "published_date"
    removed, listed = values.get("removed_date"), values.get(start)
    if removed and listed and removed < listed:
        return "removed_date", _(
            "“%(removed_name)s”（%(removed)s）不能早于“%(listed_name)s”（%(listed)s）。"
        ) % {
            "removed_name": names["removed_date"],
            "removed": removed,
            "listed_name": names[start],
            "listed": listed,
        }
    return None


def _not_above(low: str, high: str):
    def check(values: dict, names: dict) -> tuple[str, str] | None:
        a, b = values.get(low), values.get(high)
        if a is not None and b is not None and Decimal(a) > Decimal(b):
            return low, _("“%(low_name)s”（%(low)s元）不能大于“%(high_name)s”（%(high)s元）。") % {
                "low_name": names[low],
                "low": a,
                "high_name": names[high],
                "high": b,
            }
        return None

    return check


_OVERDUE_STATUSES = ("overdue", "default")


def _overdue_days_match_status(values: dict, names: dict) -> tuple[str, str] | None:
    days, status = values.get("overdue_days"), values.get("status")
    if days is None or status is None:
        return None
    if status in _OVERDUE_STATUSES and days <= 0:
        return "overdue_days", _("“%(status_name)s”为 %(status)s 时，“%(days_name)s”应大于0。") % {
            "status_name": names["status"],
            "status": status,
            "days_name": names["overdue_days"],
        }
    if status not in _OVERDUE_STATUSES and days > 0:
        return "overdue_days", _(
            "“%(days_name)s”大于0（%(days)s天）时，“%(status_name)s”应为 overdue 或 default，"
            "当前为 %(status)s。"
        ) % {
            "days_name": names["overdue_days"],
            "days": days,
            "status_name": names["status"],
            "status": status,
        }
    return None


CROSS_FIELD_RULES: tuple[CrossFieldRule, ...] = (
    CrossFieldRule("removed_after_listed", ("removed_date", "listed_date"), _removed_after_listed),
    CrossFieldRule(
        "removed_after_published", ("removed_date", "published_date"), _removed_after_listed
    ),
    CrossFieldRule(
        "balance_within_principal", ("balance", "principal"), _not_above("balance", "principal")
    ),
    CrossFieldRule(
        "overdue_within_balance",
        ("overdue_amount", "balance"),
        _not_above("overdue_amount", "balance"),
    ),
    CrossFieldRule(
        "overdue_days_match_status", ("overdue_days", "status"), _overdue_days_match_status
    ),
)


def cross_field_rules_for(field_codes) -> tuple[CrossFieldRule, ...]:
    """The cross-field rules that apply to a category with ``field_codes``."""
    codes = set(field_codes)
    return tuple(rule for rule in CROSS_FIELD_RULES if set(rule.fields) <= codes)


def batch_quality_summary(
    *, errors: list[dict], received: int, accepted: int, unmatched: int
) -> dict:
    """The quality findings of one batch: counts of rejected cells by rule and by column,
    and the share of rows accepted."""
    by_rule = Counter(e.get("rule", QualityRule.FORMAT) for e in errors)
    by_column = Counter(e.get("column", "") for e in errors)
    return {
        "received": received,
        "accepted": accepted,
        "rejected": received - accepted,
        "unmatched": unmatched,
        "accepted_rate": round(accepted / received, 4) if received else None,
        "rules": dict(sorted(by_rule.items())),
        "columns": dict(by_column.most_common(20)),
    }


def quality_rule_rows(quality: dict) -> list[dict]:
    """A batch's findings by rule, for display: code, label, count; largest first."""
    rows = []
    for code, count in sorted((quality or {}).get("rules", {}).items(), key=lambda kv: -kv[1]):
        label = QualityRule(code).label if code in QualityRule.values else code
        rows.append({"code": code, "label": label, "count": count})
    return rows


def provider_quality_months(
    *, batches, months: int = 12, today: datetime.date | None = None
) -> list[dict]:
    """The quality of a provider's finished batches per month over the last ``months``
    months (one query): batches, rows received, accepted, rejected, unmatched and the share
    accepted. ``batches`` is already scoped (``CreditBatch.objects.visible_to(user)``)."""
    today = today or datetime.date.today()
    first = (today.replace(day=1) - datetime.timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (
        batches.filter(status=BatchStatus.DONE, created_at__date__gte=first)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            batch_count=Count("id"),
            received=Sum("total_rows"),
            created=Sum("created_count"),
            updated=Sum("updated_count"),
            unchanged=Sum("unchanged_count"),
            rejected=Sum("error_count"),
            unmatched=Sum("unmatched_count"),
        )
        .order_by("month")
    )
    result = []
    for row in rows:
        accepted = (row["created"] or 0) + (row["updated"] or 0) + (row["unchanged"] or 0)
        received = row["received"] or 0
        month = row["month"]
        result.append(
            {
                "month": month.strftime("%Y-%m") if month else "",
                "batches": row["batch_count"],
                "received": received,
                "accepted": accepted,
                "rejected": row["rejected"] or 0,
                "unmatched": row["unmatched"] or 0,
                "accepted_rate": round(100 * accepted / received, 1) if received else None,
            }
        )
    return result
