"""`manage.py credit_score`: score every enterprise with the active scorecard (nightly)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from kejin.credit.scoring.batch import credit_scores_recompute
from kejin.credit.scoring.services import scorecard_default_install


class Command(BaseCommand):
    help = "用现行评分卡给全部企业评分，只写入变化的分数（每晚运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=None, help="指标截止日 YYYY-MM-DD（默认：今天）")
        parser.add_argument("--chunk-size", type=int, default=50_000)
        parser.add_argument(
            "--install-default",
            action="store_true",
            help="尚无评分卡时先安装并启用默认专家评分卡",
        )

    def handle(self, *args, as_of, chunk_size, install_default, **options):
        if install_default:
            scorecard_default_install()
        try:
            day = datetime.date.fromisoformat(as_of) if as_of else None
        except ValueError as exc:
            raise CommandError(f"--as-of 应为 YYYY-MM-DD：{as_of}") from exc
        counts = credit_scores_recompute(as_of=day, chunk_size=chunk_size)
        if counts.scorecard_id is None:
            raise CommandError("没有现行评分卡：请先启用一个评分卡版本（或加 --install-default）。")
        self.stdout.write(
            f"评分卡 #{counts.scorecard_id}：评分 {counts.scored} 家，新增 {counts.created}，"
            f"变化 {counts.changed}，未变 {counts.unchanged}。"
        )
