"""`manage.py registry_reevaluate --year 2025`: the annual re-evaluation of the list."""

import datetime

from django.core.management.base import BaseCommand

from kejin.enterprises.registry import registry_reevaluate


class Command(BaseCommand):
    help = "重新评价名单库：认定结果、成长阶段和标签，只记录变化。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            default=datetime.date.today().year - 1,
            help="数据年度（默认上一年）",
        )
        parser.add_argument("--chunk-size", type=int, default=50_000)

    def handle(self, *args, year: int, chunk_size: int, **options):
        run = registry_reevaluate(year=year, chunk_size=chunk_size)
        self.stdout.write(
            f"评价批次 #{run.pk}：{run.enterprises} 家企业，{run.changes} 项变化 {run.summary}"
        )
