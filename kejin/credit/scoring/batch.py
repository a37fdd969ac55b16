"""Batch scoring: every enterprise scored by the active scorecard, only changes written.

Per chunk of enterprise ids (``kejin.credit.indicators.iter_indicator_frames``): the
indicators, the points table evaluated over them at once, the chunk's stored scores read in
one query and compared in polars; new scores are bulk-created, changed ones bulk-updated,
and every new or changed score gets a ``CreditScoreHistory`` row — in one transaction per
chunk. An unchanged score is not touched (its ``as_of`` stays that of its last change).
Idempotent: a second run over the same data writes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.utils import timezone

from kejin.credit.indicators import iter_indicator_frames
from kejin.credit.models import CreditScore, CreditScoreHistory, ScorecardVersion
from kejin.credit.scoring.scorecards import score_frame, version_ruleset
from kejin.facts.choices import RuleVersionStatus

CHUNK_SIZE = 50_000


@dataclass
class ScoringCounts:
    scored: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    scorecard_id: int | None = None


def credit_scores_recompute(
    *,
    enterprise_ids: list[int] | None = None,
    as_of: datetime.date | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ScoringCounts:
    """Score every enterprise (or ``enterprise_ids``) with the active scorecard as of
    ``as_of`` (default: today in Asia/Shanghai); nothing without an active scorecard."""
    version = ScorecardVersion.objects.filter(status=RuleVersionStatus.ACTIVE).first()
    counts = ScoringCounts(scorecard_id=version.pk if version else None)
    if version is None:
        return counts
    ruleset = version_ruleset(version)
    as_of = as_of or timezone.localdate()
    for frame in iter_indicator_frames(
        as_of=as_of, chunk_size=chunk_size, enterprise_ids=enterprise_ids
    ):
        scored = score_frame(ruleset, frame)
        _write_chunk(scored, version=version, as_of=as_of, counts=counts)
    return counts


def _stored(first_id: int, last_id: int) -> pl.DataFrame:
    rows = list(
        CreditScore.objects.filter(enterprise__pk__range=(first_id, last_id)).values_list(
            "pk", "enterprise_id", "scorecard_id", "score", "grade", "reasons"
        )
    )
    return pl.DataFrame(
        {
            "pk": [r[0] for r in rows],
            "enterprise_id": [r[1] for r in rows],
            "old_scorecard": [r[2] for r in rows],
            "old_score": [None if r[3] is None else float(r[3]) for r in rows],
            "old_grade": [r[4] or None for r in rows],
            "old_reasons": [list(r[5] or []) for r in rows],
        },
        schema={
            "pk": pl.Int64,
            "enterprise_id": pl.Int64,
            "old_scorecard": pl.Int64,
            "old_score": pl.Float64,
            "old_grade": pl.Utf8,
            "old_reasons": pl.List(pl.Utf8),
        },
    )


def _write_chunk(
    scored: pl.DataFrame, *, version: ScorecardVersion, as_of: datetime.date, counts: ScoringCounts
) -> None:
    if scored.height == 0:
        return
    ids = scored["enterprise_id"]
    first, last = int(ids.min()), int(ids.max())  # type: ignore[arg-type]
    joined = scored.join(_stored(first, last), on="enterprise_id", how="left")
    same = (
        (pl.col("old_scorecard") == version.pk)
        & pl.col("old_score").eq_missing(pl.col("score"))
        & pl.col("old_grade").eq_missing(pl.col("grade"))
        & (pl.col("old_reasons") == pl.col("reasons"))
    ).fill_null(False)
    joined = joined.with_columns(same.alias("same"))
    new = joined.filter(pl.col("pk").is_null())
    changed = joined.filter(pl.col("pk").is_not_null() & ~pl.col("same"))
    counts.scored += scored.height
    counts.created += new.height
    counts.changed += changed.height
    counts.unchanged += scored.height - new.height - changed.height
    if new.height == 0 and changed.height == 0:
        return
    now = timezone.now()

    def fields(row: dict) -> dict:
        return {
            "scorecard_id": version.pk,
            "score": None if row["score"] is None else Decimal(f"{row['score']:.2f}"),
            "grade": row["grade"] or "",
            "reasons": list(row["reasons"] or []),
            "as_of": as_of,
            "computed_at": now,
        }

    with transaction.atomic():
        CreditScore.objects.bulk_create(
            [
                CreditScore(enterprise_id=row["enterprise_id"], **fields(row))
                for row in new.to_dicts()
            ],
            batch_size=2000,
        )
        updates = [CreditScore(pk=row["pk"], **fields(row)) for row in changed.to_dicts()]
        CreditScore.objects.bulk_update(
            updates,
            ["scorecard_id", "score", "grade", "reasons", "as_of", "computed_at"],
            batch_size=2000,
        )
        CreditScoreHistory.objects.bulk_create(
            [
                CreditScoreHistory(enterprise_id=row["enterprise_id"], **fields(row))
                for row in (*new.to_dicts(), *changed.to_dicts())
            ],
            batch_size=2000,
        )
