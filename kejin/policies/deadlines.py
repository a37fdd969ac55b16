"""Working-day deadlines of applications and compensation claims (快申快享).

A step's limit is the policy version's (``PolicyVersion.deadline_days[step]``), else
``settings.KEJIN_POLICY_DEADLINES``. A step started at a moment is due at the end of the
``n``-th working day after the day it started on (Asia/Shanghai, the Chinese holiday
calendar of ``kejin.core.workdays``); where the calendar lacks a year the weekday fallback
is used and ``WorkdayResult`` says so (``approximate``) — never an exception.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from kejin.core.workdays import WorkdayResult, workdays_add


def step_limit(step: str, version=None) -> int:
    """The limit of ``step`` in working days for ``version`` (see the module docstring)."""
    own = (getattr(version, "deadline_days", None) or {}).get(step)
    if own is not None:
        return int(own)
    return int(settings.KEJIN_POLICY_DEADLINES[step])


def step_due(step: str, started: datetime.datetime, version=None) -> WorkdayResult:
    """The day by which ``step``, started at ``started``, must be done (inclusive)."""
    day = timezone.localtime(started).date() if timezone.is_aware(started) else started.date()
    return workdays_add(day, step_limit(step, version))
