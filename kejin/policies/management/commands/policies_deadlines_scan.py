"""``manage.py policies_deadlines_scan [--at ISO-datetime]``: remind officers of applications
past their step deadlines (what Celery beat runs daily). Idempotent."""

from __future__ import annotations

import datetime

from kejin.core.management.at_command import AtCommand
from kejin.policies.sla_applications import applications_overdue_scan


class Command(AtCommand):
    help = "检查政策申报各环节办理时限，提醒逾期未办的审核部门（可重复运行）。"

    def handle_at(self, now: datetime.datetime) -> None:
        result = applications_overdue_scan(now=now)
        steps = "，".join(f"{step} {n}" for step, n in sorted(result.reminded.items()))
        self.stdout.write(f"逾期提醒 {result.total} 件（{steps or '无'}）。")
