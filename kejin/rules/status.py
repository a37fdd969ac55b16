"""The one set of outcomes a rule set gives an enterprise, with their labels.

Used by the engine (``kejin.rules.ruleset``), stored results (``RecognitionStatus`` is this
class), filters, pages and the API alike.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleStatus(models.TextChoices):
    """Outcome of a rule set for one enterprise."""

    QUALIFIED_DIRECT = "qualified_direct", _("直接认定")
    QUALIFIED = "qualified", _("符合")
    NOT_QUALIFIED = "not_qualified", _("不符合")
    UNDETERMINED = "undetermined", _("数据不足")
