"""``manage.py financing_deadlines_scan [--at ISO-datetime]``: flag and escalate demands past
their step deadlines (what Celery beat runs periodically). Idempotent."""

from __future__ import annotations

import datetime

from kejin.core.management.at_command import AtCommand
from kejin.financing.sla import demands_overdue_scan


class Command(AtCommand):
    help = "检查融资需求各环节时限，标记逾期并督办（可重复运行）。"

    def handle_at(self, now: datetime.datetime) -> None:
        result = demands_overdue_scan(now=now)
        escalated = "，".join(f"{step} {n}" for step, n in sorted(result.escalated.items()))
        self.stdout.write(
            f"督办 {result.total_escalated} 件（{escalated or '无'}），其中转入抢单池 "
            f"{result.pooled} 件；解除逾期标记 {result.cleared} 件；补齐时限 "
            f"{result.due_dates_filled} 件、环节用时 {result.step_times_filled} 件。"
        )
