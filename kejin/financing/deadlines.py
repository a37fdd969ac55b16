"""Working-day deadlines of a demand's steps.

A step's limit is the officers' ``StepDeadline`` for the step and product type, else the
step's row without a product type, else ``settings.KEJIN_FINANCING_DEADLINES``. A step that
starts at a moment (routing, claim) is due at the end of the ``n``-th working day after the
day it started on (in Asia/Shanghai; the Chinese holiday calendar of ``kejin.core.workdays``,
adjusted working weekend days included): a demand routed on Friday with a one-day limit is
due on Monday, one routed on 30 September on the first working day after 国庆节. Where the
calendar has no data for a year the weekday fallback is used and ``WorkdayResult`` says so
(``approximate``); never an exception.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from kejin.core.workdays import WorkdayResult, workdays_add
from kejin.financing.choices import DeadlineStep
from kejin.financing.models import StepDeadline


def step_limit(step: str, product_type: str = "") -> int:
    """The limit of ``step`` in working days (see the module docstring)."""
    rows = {
        row.product_type: row.working_days
        for row in StepDeadline.objects.filter(step=step, product_type__in=[product_type, ""])
    }
    if product_type and product_type in rows:
        return rows[product_type]
    if "" in rows:
        return rows[""]
    return int(settings.KEJIN_FINANCING_DEADLINES[DeadlineStep(step).value])


def step_due(step: str, started: datetime.datetime, product_type: str = "") -> WorkdayResult:
    """The day by which ``step``, started at ``started``, must be done (inclusive)."""
    day = timezone.localtime(started).date() if timezone.is_aware(started) else started.date()
    return workdays_add(day, step_limit(step, product_type))
