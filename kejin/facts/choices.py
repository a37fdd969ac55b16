"""Enumerations of the facts layer."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleVersionStatus(models.TextChoices):
    """Where a stored rule version is in its life: drafted, activated, or retired unused."""

    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("已启用")
    RETIRED = "retired", _("已停用")
