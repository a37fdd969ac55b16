"""Demo credit scoring: the default expert scorecard active, a statistical scorecard trained
from loan repayment outcomes (a draft for an officer to activate), every demo enterprise
scored. Idempotent: a re-run trains nothing new and writes no unchanged score.

The outcomes come from the platform's loan repayment records when the demo has them (the
ingestion demo writes them); without them ``demo_outcomes_frame`` draws outcomes from the
enterprises' indicators (a seeded logistic model: worse records default more often), so the
trainer always has something to learn from.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass

import pandas as pd
import polars as pl
from django.utils import timezone

from kejin.credit.indicators import iter_indicator_frames
from kejin.credit.models import ScorecardVersion
from kejin.credit.scoring.batch import ScoringCounts, credit_scores_recompute
from kejin.credit.scoring.outcomes import (
    TARGET,
    indicator_training_options,
    indicators_training_frame,
    loan_outcomes_frame,
)
from kejin.credit.scoring.services import scorecard_default_install, scorecard_statistical_save
from kejin.credit.scoring.training import TrainingError, scorecard_train

STATISTICAL_CODE = "jiaxing_loans"
MIN_SAMPLES, MIN_BAD = 60, 10


@dataclass
class DemoScoring:
    expert: ScorecardVersion
    statistical: ScorecardVersion | None
    counts: ScoringCounts


def demo_outcomes_frame(*, observation: datetime.date, rng_seed: int) -> pd.DataFrame:
    """Loan outcomes for training: the platform's own when there are enough, else drawn
    from every enterprise's indicators as of ``observation``."""
    frame = loan_outcomes_frame(observation=observation)
    if len(frame) >= MIN_SAMPLES and frame[TARGET].sum() >= MIN_BAD:
        return frame
    return _drawn_outcomes(observation=observation, rng_seed=rng_seed)


def _drawn_outcomes(*, observation: datetime.date, rng_seed: int) -> pd.DataFrame:
    """Synthetic outcomes (demo only): P(default) rises with adverse indicators."""
    rng = random.Random(rng_seed)
    frames = list(iter_indicator_frames(as_of=observation))
    if not frames:
        return indicators_training_frame(
            [], pl.DataFrame(schema={"enterprise_id": pl.Int64, "bad": pl.Int64})
        )
    indicators = pl.concat(frames)
    rating_risk = {"A": -1.0, "B": -0.4, "M": 0.0, "C": 1.0, "D": 2.0}
    bad = []
    for row in indicators.iter_rows(named=True):
        logit = -2.2
        logit += rating_risk.get(row["credit.tax_rating"] or "", 0.3)
        logit += 2.5 * row["credit.on_dishonesty_list"] + 0.8 * row["credit.abnormal_operations"]
        logit += 0.9 * min(row["credit.penalties_3y_serious"], 2)
        logit += 0.3 * min(row["credit.penalties_3y_general"], 3)
        logit += 1.2 * min(row["credit.overdue_loans_24m"], 2)
        logit += 0.4 * min(row["credit.utility_arrears_12m"], 3)
        logit += 0.6 * (row["credit.tax_arrears"] > 0)
        logit -= 0.15 * min(row["credit.patents"], 5)
        logit += rng.gauss(0, 0.5)
        bad.append(int(rng.random() < 1 / (1 + math.exp(-logit))))
    targets = pl.DataFrame({"enterprise_id": indicators["enterprise_id"], "bad": bad})
    return indicators_training_frame(frames, targets)


def demo_scoring(*, rng_seed: int = 20260101, today: datetime.date | None = None) -> DemoScoring:
    """The expert scorecard active, a statistical draft trained once (indicators observed a
    year before ``today``, outcomes in the twelve months after), every enterprise scored."""
    expert = scorecard_default_install()
    statistical = (
        ScorecardVersion.objects.filter(code=STATISTICAL_CODE).order_by("-version").first()
    )
    if statistical is None:
        today = today or timezone.localdate()
        observation = today.replace(year=today.year - 1, day=min(today.day, 28))
        frame = demo_outcomes_frame(observation=observation, rng_seed=rng_seed)
        try:
            result = scorecard_train(
                frame,
                target=TARGET,
                bad_value=1,
                code=STATISTICAL_CODE,
                title="嘉兴市企业信用评分卡（统计版，贷款违约）",
                reference=f"由贷款还款结果训练（观察日 {observation}，表现期12个月；演示数据）",
                valid_from=today.isoformat(),
                seed=rng_seed % 1000,
                **indicator_training_options(),
            )
        except TrainingError:
            result = None  # too few enterprises or outcomes to learn from
        if result is not None:
            statistical = scorecard_statistical_save(
                document=result.document,
                metrics=result.metrics,
                worked_cases=result.worked_cases,
                note="演示：待工作人员审阅后启用",
            )
    counts = credit_scores_recompute()
    return DemoScoring(expert=expert, statistical=statistical, counts=counts)
