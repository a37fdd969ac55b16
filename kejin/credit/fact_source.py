"""The credit module's facts: the credit indicators and the current score and grade.

Registered in ``kejin.facts.sources.SOURCES`` so that recognition, product and policy rules
can name them like any other fact (e.g. ``{"!": {"var": "credit.on_dishonesty_list"}}``).
The indicators are derived as of the frame's date (``kejin.credit.indicators``); the score
and grade are the last batch scoring's, by the active scorecard, whatever the date.
"""

from __future__ import annotations

import datetime

import polars as pl

from kejin.credit.disputes import disputes_open_counts
from kejin.credit.indicators import INDICATOR_SCHEMA, credit_indicators_frame
from kejin.credit.models import CreditScore
from kejin.enterprises.models import Enterprise
from kejin.facts.catalogue import AS_OF_CURRENT, AS_OF_DAY, Fact, FactSource

_RECORDS = "信用信息共享平台归集的部门信用记录（现行版本）"
_SCORES = "信用评分（现行评分卡最近一次批量评分的结果）"


def _indicator(name: str, label: str, unit: str, meaning: str, label_en: str) -> Fact:
    return Fact(
        name, label, INDICATOR_SCHEMA[name], unit, _RECORDS, meaning, label_en, as_of=AS_OF_DAY
    )


CREDIT_FACTS: tuple[Fact, ...] = (
    _indicator(
        "credit.tax_rating",
        "纳税信用等级",
        "",
        "最近一次纳税信用等级评价结果（A、B、M、C、D）；没有评价记录的为空",
        "Tax credit rating",
    ),
    _indicator(
        "credit.penalties_3y_serious",
        "近3年严重行政处罚",
        "次",
        "处罚决定日期在近3年内（含3年前的同一天）的市场监管、生态环境、应急管理、产品质量行政处罚中情节严重的次数",
        "Serious penalties, 3 years",
    ),
    _indicator(
        "credit.penalties_3y_general",
        "近3年一般行政处罚",
        "次",
        "处罚决定日期在近3年内的各类行政处罚中情节一般的次数",
        "General penalties, 3 years",
    ),
    _indicator(
        "credit.tax_arrears",
        "欠税金额",
        "元",
        "最近一期纳税记录中的欠税金额；没有纳税记录的为0",
        "Tax arrears",
    ),
    _indicator(
        "credit.on_dishonesty_list",
        "列入失信名单",
        "",
        "当前在严重违法失信名单或失信被执行人名单上（列入日期已到且未移出）",
        "On a dishonesty list",
    ),
    _indicator(
        "credit.abnormal_operations",
        "列入经营异常名录",
        "",
        "当前在经营异常名录上（列入日期已到且未移出）",
        "On the abnormal operations list",
    ),
    _indicator(
        "credit.utility_arrears_12m",
        "近12个月水电气欠费",
        "次",
        "账期截止日在近12个月内的电费、水费、燃气费欠费记录数",
        "Utility arrears, 12 months",
    ),
    _indicator(
        "credit.social_insurance_headcount",
        "社保参保人数",
        "人",
        "最近一期社会保险参保人数；没有参保记录的为空",
        "Insured headcount",
    ),
    _indicator(
        "credit.social_insurance_trend",
        "社保参保人数变化",
        "%",
        "最近一期参保人数 ÷ 约12个月前（前后45天内最接近的一期）参保人数 − 1；无法比较的为空",
        "Insured headcount trend",
    ),
    _indicator(
        "credit.overdue_loans_24m",
        "近24个月逾期贷款",
        "笔",
        "近24个月金融机构报送的还款记录中出现过逾期（逾期天数>0）的不同贷款笔数",
        "Overdue loans, 24 months",
    ),
    _indicator("credit.patents", "有效专利", "项", "状态为有效的专利数", "Valid patents"),
    _indicator(
        "credit.honours_3y",
        "近3年荣誉资质",
        "项",
        "授予日期在近3年内的荣誉与资质证书数",
        "Honours, 3 years",
    ),
)


def fetch_credit_facts(
    *, first_id: int, last_id: int, as_of: datetime.date, year: int
) -> pl.DataFrame:
    """The credit indicators of the enterprises with ids in [first_id, last_id]."""
    return credit_indicators_frame(first_id=first_id, last_id=last_id, as_of=as_of)


#: The indicators' entry in the facts catalogue (kejin.facts.sources.SOURCES).
CREDIT_SOURCE = FactSource(name="credit", facts=CREDIT_FACTS, fetch=fetch_credit_facts)

CREDIT_SCORE_FACTS: tuple[Fact, ...] = (
    Fact(
        "credit.score",
        "信用评分",
        pl.Float64,
        "分",
        _SCORES,
        "现行评分卡给出的信用评分；尚未评分的为空",
        label_en="Credit score",
        as_of=AS_OF_CURRENT,
    ),
    Fact(
        "credit.grade",
        "信用等级",
        pl.Utf8,
        "",
        _SCORES,
        "现行评分卡给出的信用等级（AAA、AA、A、BBB、BB、B、CCC、CC、C）",
        label_en="Credit grade",
        as_of=AS_OF_CURRENT,
    ),
)


def fetch_credit_scores(
    *, first_id: int, last_id: int, as_of: datetime.date, year: int
) -> pl.DataFrame:
    """The current scores of the enterprises with ids in [first_id, last_id] (one query)."""
    rows = list(
        CreditScore.objects.filter(enterprise__pk__range=(first_id, last_id))
        .order_by("enterprise_id")
        .values_list("enterprise_id", "score", "grade")
    )
    return pl.DataFrame(
        {
            "enterprise_id": [r[0] for r in rows],
            "credit.score": [None if r[1] is None else float(r[1]) for r in rows],
            "credit.grade": [r[2] or None for r in rows],
        },
        schema=CREDIT_SCORE_SOURCE_SCHEMA,
    )


CREDIT_SCORE_SOURCE_SCHEMA = {
    "enterprise_id": pl.Int64,
    **{f.name: f.dtype for f in CREDIT_SCORE_FACTS},
}

#: The scores' entry in the facts catalogue.
CREDIT_SCORE_SOURCE = FactSource(
    name="credit_score", facts=CREDIT_SCORE_FACTS, fetch=fetch_credit_scores
)

CREDIT_DISPUTE_FACTS: tuple[Fact, ...] = (
    Fact(
        "credit.disputes_open",
        "未结信用异议",
        pl.Int64,
        "件",
        "信用异议（企业对部门信用记录提出、尚未处理完毕的异议）",
        "企业提出、来源部门尚未处理完毕的信用异议件数；没有的为0",
        label_en="Open credit disputes",
        as_of=AS_OF_CURRENT,
    ),
)


def fetch_credit_disputes(
    *, first_id: int, last_id: int, as_of: datetime.date, year: int
) -> pl.DataFrame:
    """Open disputes of the enterprises with ids in [first_id, last_id] (0 where none)."""
    ids = list(
        Enterprise.objects.filter(pk__range=(first_id, last_id))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    counts = disputes_open_counts(enterprise_id_range=(first_id, last_id))
    return pl.DataFrame(
        {"enterprise_id": ids, "credit.disputes_open": [counts.get(pk, 0) for pk in ids]},
        schema={"enterprise_id": pl.Int64, "credit.disputes_open": pl.Int64},
    )


#: The open disputes' entry in the facts catalogue.
CREDIT_DISPUTE_SOURCE = FactSource(
    name="credit_disputes", facts=CREDIT_DISPUTE_FACTS, fetch=fetch_credit_disputes
)
