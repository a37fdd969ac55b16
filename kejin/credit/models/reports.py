"""Consented credit reports (经授权的信用报告): requests, the enterprise's grant, and the read log.

One ``ReportRequest`` carries the whole consent: an institution asks (purpose, categories),
the enterprise's administrator grants (which categories, until which day) or refuses, and may
later revoke the grant. A grant is valid while it is granted, not revoked and ``valid_until``
(a day in Asia/Shanghai, inclusive) has not passed; "expired" is derived, never stored.

Every read of a report — page, PDF, xlsx or API — is one ``ReportRead`` row written by the one
access function, ``kejin.credit.reports.credit_report_for``, in the transaction that checked
the grant.
"""

from __future__ import annotations

import datetime
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import TextBlockField
from kejin.credit.choices import (
    ReportFormat,
    ReportPurpose,
    ReportRequestStatus,
    ReportState,
)
from kejin.credit.models.catalogue import RecordCategory
from kejin.credit.permissions import report_request_scope
from kejin.enterprises.querysets import scoped


def shanghai_today() -> datetime.date:
    """Today's date where the platform works (Asia/Shanghai, the project's time zone)."""
    return timezone.localdate()


class ReportRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReportRequestQuerySet:
        """Requests ``user`` may see (``report_request_scope``)."""
        return cast(ReportRequestQuerySet, scoped(self, report_request_scope(user=user)))

    def valid_grants(self, *, today: datetime.date | None = None) -> ReportRequestQuerySet:
        """Granted, not revoked, not past ``valid_until`` (today in Asia/Shanghai)."""
        return self.filter(
            status=ReportRequestStatus.GRANTED, valid_until__gte=today or shanghai_today()
        )

    def in_state(self, state: str, *, today: datetime.date | None = None) -> ReportRequestQuerySet:
        """Requests in ``state`` as of today (granted and expired told apart by the date)."""
        today = today or shanghai_today()
        if state == ReportState.GRANTED:
            return self.valid_grants(today=today)
        if state == ReportState.EXPIRED:
            return self.filter(status=ReportRequestStatus.GRANTED, valid_until__lt=today)
        return self.filter(status=state)


class ReportRequest(models.Model):
    """An institution's request for an enterprise's credit report, and the enterprise's answer.

    ``categories`` are what the institution asked for; ``granted_categories`` what the
    enterprise allowed (a subset chosen when granting).
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="report_requests",
        verbose_name=_("被查询企业"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="report_requests",
        verbose_name=_("申请机构"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("申请人"),
    )
    purpose = models.CharField(_("查询用途"), max_length=32, choices=ReportPurpose.choices)
    note = TextBlockField(_("申请说明"), max_length=500, blank=True)
    categories = models.ManyToManyField(
        RecordCategory, related_name="+", verbose_name=_("申请查询的类别")
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ReportRequestStatus.choices,
        default=ReportRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    granted_categories = models.ManyToManyField(
        RecordCategory, blank=True, related_name="+", verbose_name=_("授权查询的类别")
    )
    #: The last day (Asia/Shanghai) the grant may be used, inclusive.
    valid_until = models.DateField(_("授权有效期至"), null=True, blank=True)
    refusal_reason = TextBlockField(_("拒绝理由"), max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = TextBlockField(_("撤销理由"), max_length=500, blank=True)

    objects = ReportRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用报告查询申请")
        verbose_name_plural = _("信用报告查询申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "status"]),
            models.Index(fields=["institution", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="credit_report_granted_has_date",
                condition=~Q(status__in=["granted", "revoked"]) | Q(valid_until__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} → {self.enterprise} ({self.get_purpose_display()})"

    def state_on(self, today: datetime.date) -> str:
        """The request's ``ReportState`` on ``today``."""
        if self.status == ReportRequestStatus.GRANTED and self.valid_until is not None:
            return ReportState.GRANTED if self.valid_until >= today else ReportState.EXPIRED
        return self.status

    @property
    def state(self) -> str:
        """The request's ``ReportState`` today (Asia/Shanghai)."""
        return self.state_on(shanghai_today())

    @property
    def state_label(self) -> str:
        return str(ReportState(self.state).label)

    @property
    def is_valid_grant(self) -> bool:
        return self.state == ReportState.GRANTED


class ReportReadQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReportReadQuerySet:
        """Reads ``user`` may see: the same parties as the requests (``report_request_scope``)."""
        return cast(ReportReadQuerySet, scoped(self, report_request_scope(user=user)))


class ReportRead(models.Model):
    """One read of a credit report: who, for which institution, when, why, under which grant,
    in which format, which categories. Written only by ``credit_report_for``; never changed."""

    request = models.ForeignKey(
        ReportRequest, on_delete=models.PROTECT, related_name="reads", verbose_name=_("授权")
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="report_reads",
        verbose_name=_("被查询企业"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="report_reads",
        verbose_name=_("查询机构"),
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("查询人"),
    )
    #: Who read, kept even if the account is later removed.
    reader_name = models.CharField(_("查询人姓名"), max_length=150)
    purpose = models.CharField(_("查询用途"), max_length=32, choices=ReportPurpose.choices)
    format = models.CharField(_("查询方式"), max_length=8, choices=ReportFormat.choices)
    #: The codes of the categories the report contained.
    categories = models.JSONField(_("查询类别"), default=list)
    record_count = models.PositiveIntegerField(_("记录条数"), default=0)
    read_at = models.DateTimeField(_("查询时间"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)

    objects = ReportReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用报告查询记录")
        verbose_name_plural = _("信用报告查询记录")
        ordering = ["-read_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "read_at"])]

    def __str__(self) -> str:
        return f"{self.read_at:%Y-%m-%d %H:%M} {self.institution} → {self.enterprise}"
