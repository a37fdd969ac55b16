"""`manage.py registry_reevaluate --year 2025`: the annual re-evaluation of the list."""

from django.core.management.base import BaseCommand, CommandError

from kejin.core.errors import ApplicationError
from kejin.registry.evaluation import registry_latest_data_year, registry_reevaluate


class Command(BaseCommand):
    help = "重新评价名单库：认定结果、成长阶段和标签，只记录变化。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="数据年度（默认：多数企业已有数据的最近年度）",
        )
        parser.add_argument("--chunk-size", type=int, default=50_000)

    def handle(self, *args, year: int | None, chunk_size: int, **options):
        year = year or registry_latest_data_year()
        try:
            run = registry_reevaluate(year=year, chunk_size=chunk_size)
        except ApplicationError as error:  # another run is in progress
            raise CommandError(error.message) from error
        self.stdout.write(
            f"评价批次 #{run.pk}（{run.year}年度）：{run.enterprises} 家企业，"
            f"{run.changes} 项变化 {run.summary}"
        )
