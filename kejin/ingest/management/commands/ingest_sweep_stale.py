"""`manage.py ingest_sweep_stale`: fail every batch and run whose worker died."""

from django.core.management.base import BaseCommand

from kejin.ingest.sweep import ingest_sweep_stale


class Command(BaseCommand):
    help = "将工作进程已停止响应（心跳超时）的导入批次和评价批次标记为失败。"

    def handle(self, *args, **options):
        failed = ingest_sweep_stale()
        counts = "，".join(f"{label} {count} 个" for label, count in failed.items())
        self.stdout.write(f"已标记为失败的停止响应批次：{counts}。")
