"""``manage.py credit_disputes_scan [--date YYYY-MM-DD]``: flag open disputes past their
deadline (the daily job; Celery beat runs the same function). Idempotent."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kejin.credit.disputes import disputes_overdue_flag


class Command(BaseCommand):
    help = "标记超过处理期限仍未办结的信用异议（可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期判断是否逾期（默认今天，YYYY-MM-DD）")

    def handle(self, *args, date: str | None = None, **options) -> None:
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"日期无效：{date}，请按 2026-11-03 的格式填写。") from exc
        flagged = disputes_overdue_flag(today=today)
        self.stdout.write(f"已标记逾期异议 {flagged} 件（{today.isoformat()}）。")
