"""A management command run as of a moment: ``--at`` (ISO date-time, Beijing time when it
names no zone; default now). The deadline scans use it (what Celery beat runs)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class AtCommand(BaseCommand):
    """Subclasses implement ``handle_at(now)``."""

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
        self.handle_at(now)

    def handle_at(self, now: datetime.datetime) -> None:
        raise NotImplementedError
