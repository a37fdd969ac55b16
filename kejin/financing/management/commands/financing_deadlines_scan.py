"""``manage.py financing_deadlines_scan [--at ISO-datetime]``: flag and escalate demands past
their step deadlines (what Celery beat runs periodically). Idempotent."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kejin.financing.sla import demands_overdue_scan


class Command(BaseCommand):
    help = "检查融资需求各环节时限，标记逾期并督办（可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at", help="按该时刻判断是否逾期（默认现在，如 2026-10-09T09:00，北京时间）"
        )

    def handle(self, *args, at: str | None = None, **options) -> None:
        try:
            now = datetime.datetime.fromisoformat(at) if at else timezone.now()
        except ValueError as exc:
            raise CommandError(f"时刻无效：{at}，请按 2026-10-09T09:00 的格式填写。") from exc
        if timezone.is_naive(now):
            now = timezone.make_aware(now)
        result = demands_overdue_scan(now=now)
        escalated = "，".join(f"{step} {n}" for step, n in sorted(result.escalated.items()))
        self.stdout.write(
            f"督办 {result.total_escalated} 件（{escalated or '无'}），其中转入抢单池 "
            f"{result.pooled} 件；解除逾期标记 {result.cleared} 件；补齐时限 "
            f"{result.due_dates_filled} 件、环节用时 {result.step_times_filled} 件。"
        )
