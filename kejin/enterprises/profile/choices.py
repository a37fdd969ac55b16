"""Enumerations of the enterprise profile."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateExpiry(models.TextChoices):
    """Where a certificate stands on a given day; ``expiring`` = ends within 90 days."""

    PENDING = "pending", _("尚未生效")
    VALID = "valid", _("有效")
    EXPIRING = "expiring", _("即将到期")
    EXPIRED = "expired", _("已过期")
