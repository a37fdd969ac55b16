"""`manage.py credit_scorecard_train --csv file --target col` (any exported data) or
`--from-loans` (the platform's loan repayment outcomes): train a statistical scorecard and
save it as a draft version with its held-out metrics."""

import datetime
from pathlib import Path

import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kejin.core.errors import ApplicationError
from kejin.credit.scoring.outcomes import TARGET, indicator_training_options, loan_outcomes_frame
from kejin.credit.scoring.services import scorecard_statistical_save
from kejin.credit.scoring.training import TrainingError, cross_validated_auc, scorecard_train


class Command(BaseCommand):
    help = "训练统计评分卡（最优WOE分箱 + 逻辑回归），保存为草稿版本。"

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--csv", type=Path, help="含目标列的CSV文件（UTF-8）")
        source.add_argument(
            "--from-loans", action="store_true", help="用平台的贷款还款记录（违约结果）训练"
        )
        parser.add_argument("--target", help="目标列名（--csv 时必填）")
        parser.add_argument("--bad-value", default=None, help="目标列中表示违约的取值")
        parser.add_argument(
            "--observation",
            default=None,
            help="--from-loans 的观察日 YYYY-MM-DD（默认：一年前的今天）",
        )
        parser.add_argument("--code", default=None, help="评分卡代码")
        parser.add_argument("--title", default=None, help="评分卡名称")
        parser.add_argument("--cv", type=int, default=0, help="另做 N 折分层交叉验证并报告AUC")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **o):
        options: dict = {}
        if o["csv"]:
            if not o["target"]:
                raise CommandError("--csv 需要 --target 指明目标列。")
            try:
                frame = pd.read_csv(o["csv"])
            except (OSError, ValueError) as exc:
                raise CommandError(f"无法读取 {o['csv']}：{exc}") from exc
            target, bad_value = o["target"], o["bad_value"]
            code = o["code"] or o["csv"].stem.replace("-", "_").lower()
            reference = f"由 {o['csv'].name} 训练（目标列 {target}）"
        else:
            today = timezone.localdate()
            observation = (
                datetime.date.fromisoformat(o["observation"])
                if o["observation"]
                else today.replace(year=today.year - 1)
            )
            frame = loan_outcomes_frame(observation=observation)
            target, bad_value = TARGET, 1
            code = o["code"] or "jiaxing_loans"
            reference = f"由平台贷款还款记录训练（观察日 {observation}，表现期12个月）"
            options = indicator_training_options()
        try:
            result = scorecard_train(
                frame,
                target=target,
                bad_value=bad_value,
                code=code,
                title=o["title"] or f"统计评分卡 {code}",
                reference=reference,
                valid_from=timezone.localdate().isoformat(),
                seed=o["seed"],
                **options,
            )
            if o["cv"]:
                aucs = cross_validated_auc(
                    frame, target=target, folds=o["cv"], seed=o["seed"], bad_value=bad_value
                )
                result.metrics["cv_auc"] = [round(a, 4) for a in aucs]
            version = scorecard_statistical_save(
                document=result.document, metrics=result.metrics, worked_cases=result.worked_cases
            )
        except (TrainingError, ApplicationError, ValueError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from exc
        m = result.metrics
        self.stdout.write(
            f"已保存草稿 {version}（#{version.pk}）：留出样本 AUC {m['auc']}，KS {m['ks']}，"
            f"Gini {m['gini']}；样本 {m['train_rows']} + {m['test_rows']} 行。"
            + (f" {o['cv']}折交叉验证AUC {m['cv_auc']}" if o["cv"] else "")
        )
