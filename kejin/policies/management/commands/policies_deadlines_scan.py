"""``manage.py policies_deadlines_scan [--at ISO-datetime]``: remind officers of applications
past their step deadlines (what Celery beat runs daily). Idempotent."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kejin.policies.sla_applications import applications_overdue_scan


class Command(BaseCommand):
    help = "检查政策申报各环节办理时限，提醒逾期未办的审核部门（可重复运行）。"

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
        result = applications_overdue_scan(now=now)
        steps = "，".join(f"{step} {n}" for step, n in sorted(result.reminded.items()))
        self.stdout.write(f"逾期提醒 {result.total} 件（{steps or '无'}）。")
