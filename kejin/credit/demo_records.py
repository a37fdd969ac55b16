"""Demo credit records: every category of the default catalogue for the demo enterprises,
delivered by each source department's demo login through the ingestion path itself (one
JSON batch per category: validated, versioned, matched, with its quality summary).

Rates are meant to look like a real city's: most enterprises clean; some administrative
penalties (market supervision most often, a few serious), a few on the abnormal-operations
or dishonesty lists, utility arrears rare; loan repayment records (24 monthly reports per
loan) for about half the enterprises, a few of which fall overdue and default. A hidden risk
score per enterprise drives the tax rating, arrears, headcount, penalties, past overdue
months and defaults together, so that a statistical scorecard trained on the demo finds the
signal. The records reach back two to three years: the trainer observes the indicators a
year ago (``kejin.credit.scoring.outcomes``) and takes the outcome from the loans' last
twelve months, so what drives a default must already show in the records of the year
before (tax ratings, arrears, headcount trend, penalties, an earlier overdue month). A few
records name USCCs of no registered enterprise (kept unmatched), as real deliveries do.

Idempotent: with the same seed on the same day the payloads are identical, and a category
whose identical payload (same SHA-256) was already delivered is skipped.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from kejin.accounts.choices import Role
from kejin.accounts.models import User
from kejin.core.uscc import uscc_build
from kejin.credit.catalogue import credit_catalogue_load_default
from kejin.credit.ingest.services import API_MAX_RECORDS, credit_batch_submit
from kejin.credit.models import CreditBatch, RecordCategory

UNMATCHED_PER_CATEGORY = 2


@dataclass
class DemoCreditResult:
    batches: int = 0
    records: int = 0
    skipped: int = 0


def _days_ago(today: datetime.date, rng: random.Random, low: int, high: int) -> str:
    return (today - datetime.timedelta(days=rng.randint(low, high))).isoformat()


def _month_end(today: datetime.date, months_back: int) -> datetime.date:
    first = today.replace(day=1)
    for _ in range(months_back):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first - datetime.timedelta(days=1)


_VIOLATIONS = {
    "penalty_market": ("虚假宣传", "销售不合格产品", "未按规定公示信息", "无照经营"),
    "penalty_environment": ("超标排放水污染物", "未批先建", "危险废物贮存不规范"),
    "penalty_safety": ("未按规定开展安全培训", "特种作业人员无证上岗", "安全设施未经验收"),
    "penalty_quality": ("产品质量抽检不合格", "生产国家明令淘汰的产品"),
}
_AUTHORITY = {
    "penalty_market": "嘉兴市市场监督管理局",
    "penalty_environment": "嘉兴市生态环境局",
    "penalty_safety": "嘉兴市应急管理局",
    "penalty_quality": "嘉兴市市场监督管理局",
}
_PENALTY_RATE = {
    "penalty_market": 0.08,
    "penalty_environment": 0.04,
    "penalty_safety": 0.03,
    "penalty_quality": 0.02,
}
_SURNAMES = "张王李赵陈杨黄周吴徐孙马朱胡郭何林高罗郑"


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice("建国志明丽华文涛海峰晓燕立新嘉禾")


def _id_no(rng: random.Random) -> str:
    body = f"330402{rng.randint(1960, 1995)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    return body + rng.choice("0123456789X")


def _build(
    code: str,
    enterprise,
    risk: float,
    rng: random.Random,
    today: datetime.date,
    *,
    force: bool = False,
) -> list[dict]:
    """The records of one category about one enterprise (without uscc/source id); ``force``
    makes the enterprise one that has such records."""
    records: list[dict] = []

    def chance(rate: float) -> bool:
        return force or rng.random() < rate

    if code == "tax_rating":
        for year in (today.year - 3, today.year - 2, today.year - 1):
            grade = "ABMCD"[min(4, int(risk * 4.5 + rng.random() * 0.9))]
            evaluated = min(datetime.date(year + 1, 4, 15), today).isoformat()
            records.append({"rating_year": year, "rating": grade, "evaluation_date": evaluated})
    elif code == "tax_payment":
        in_arrears = rng.random() < 0.02 + 0.3 * risk  # a late payer, quarter after quarter
        for quarter in range(8):
            end = _month_end(today, 3 * quarter)
            late = rng.random() < (0.6 if in_arrears else 0.005)
            arrears = rng.randint(1, 200) * 1000 if late else 0
            records.append(
                {"period_end": end.isoformat(), "tax_paid": f"{rng.randint(5, 3000) * 1000}.00",
                 "arrears": f"{arrears}.00"}
            )  # fmt: skip
    elif code in ("social_insurance", "housing_fund"):
        if code == "housing_fund" and not chance(0.7):
            return []
        base = {"micro": 8, "small": 40, "medium": 160, "large": 600}.get(enterprise.size, 20)
        growth = [rng.uniform(-0.15, 0.25) - 0.5 * risk for _ in range(2)]
        key = "insured_headcount" if code == "social_insurance" else "contributors"
        factors = (1.0, 1.0 + growth[0], (1.0 + growth[0]) * (1.0 + growth[1]))
        for months_back, factor in zip((24, 12, 0), factors, strict=True):
            record = {"period_end": _month_end(today, months_back).isoformat(),
                      key: max(1, int(base * factor * rng.uniform(0.8, 1.2)))}  # fmt: skip
            if rng.random() < 0.02 + 0.05 * risk:
                record["arrears"] = f"{rng.randint(1, 80) * 1000}.00"
            records.append(record)
    elif code in _PENALTY_RATE:
        if chance(_PENALTY_RATE[code] * (0.5 + 2 * risk)):
            for _ in range(rng.choice((1, 1, 1, 2))):
                serious = rng.random() < 0.15
                record = {
                    "decision_no": f"嘉市监罚〔{today.year - 1}〕{rng.randint(1, 999)}号",
                    "decision_date": _days_ago(today, rng, 30, 1500),
                    "violation": rng.choice(_VIOLATIONS[code]),
                    "penalty_type": "罚款" if not serious else rng.choice(("罚款", "责令停产停业", "没收违法所得")),
                    "amount": f"{rng.randint(1, 50) * (10000 if serious else 1000)}.00",
                    "severity": "serious" if serious else "general",
                    "authority": _AUTHORITY[code],
                }  # fmt: skip
                if rng.random() < 0.3:
                    record["legal_person_name"] = enterprise.legal_representative or _person(rng)
                records.append(record)
    elif code in ("abnormal_operations", "serious_dishonesty"):
        rate = 0.03 if code == "abnormal_operations" else 0.008
        if chance(rate * (0.5 + 2 * risk)):
            listed = _days_ago(today, rng, 60, 1000)
            record = {"listed_date": listed,
                      "reason": "未按规定期限公示年度报告" if code == "abnormal_operations" else "提交虚假材料取得公司登记"}  # fmt: skip
            if rng.random() < 0.5:
                removed = datetime.date.fromisoformat(listed) + datetime.timedelta(
                    days=rng.randint(30, 300)
                )
                if removed <= today:
                    record["removed_date"] = removed.isoformat()
            records.append(record)
    elif code == "court_judgment":
        if chance(0.1):
            records.append(
                {"case_no": f"（{today.year - 1}）浙04民初{rng.randint(100, 999)}号",
                 "judgment_date": _days_ago(today, rng, 30, 900),
                 "role": rng.choice(("plaintiff", "defendant", "defendant", "third_party")),
                 "amount": f"{rng.randint(1, 500) * 1000}.00", "result": "判决支持部分诉讼请求"}
            )  # fmt: skip
    elif code == "dishonest_debtor":
        if chance(0.006 + 0.03 * risk):
            records.append(
                {"case_no": f"（{today.year - 1}）浙0402执{rng.randint(100, 999)}号",
                 "published_date": _days_ago(today, rng, 30, 700),
                 "obligation": "支付货款及利息", "performance": rng.choice(("none", "partial")),
                 "legal_person_name": enterprise.legal_representative or _person(rng),
                 "legal_person_id_no": _id_no(rng)}
            )  # fmt: skip
    elif code in ("electricity_arrears", "water_arrears", "gas_arrears"):
        rate = 0.02 if code == "electricity_arrears" else 0.008
        if chance(rate * (0.5 + 2 * risk)):
            records.append(
                {"period_end": _month_end(today, rng.randint(0, 22)).isoformat(),
                 "amount_due": f"{rng.randint(2, 300) * 100}.00", "months_overdue": rng.randint(1, 4)}
            )  # fmt: skip
    elif code == "patent":
        if chance(0.45 - 0.3 * risk):
            for n in range(rng.randint(1, 6)):
                kind = rng.choice(("invention", "utility_model", "utility_model", "design"))
                records.append(
                    {"patent_no": f"ZL{rng.randint(2015, today.year - 1)}{rng.randint(10**7, 10**8 - 1)}.{n}",
                     "title": rng.choice(("一种智能传感装置", "一种节能控制方法", "新型复合材料", "数据处理系统")),
                     "patent_type": kind, "grant_date": _days_ago(today, rng, 60, 2500),
                     "status": rng.choice(("valid", "valid", "valid", "expired", "pledged"))}
                )  # fmt: skip
    elif code == "trademark":
        if chance(0.3):
            for _ in range(rng.randint(1, 3)):
                records.append(
                    {"registration_no": str(rng.randint(10**7, 10**8 - 1)),
                     "mark_name": enterprise.name[:4], "nice_class": rng.choice((7, 9, 35, 42)),
                     "registration_date": _days_ago(today, rng, 60, 3000)}
                )  # fmt: skip
    elif code == "honour":
        if chance(0.25):
            for _ in range(rng.randint(1, 2)):
                level = rng.choice(
                    ("national", "provincial", "provincial", "city", "city", "county")
                )
                records.append(
                    {"title": rng.choice(("科技型中小企业", "专精特新中小企业", "高新技术企业", "市级企业研发中心")),
                     "issuer": {"national": "工业和信息化部", "provincial": "浙江省科学技术厅",
                                "city": "嘉兴市科学技术局", "county": "区(县)科技局"}[level],
                     "award_date": _days_ago(today, rng, 30, 1800), "level": level}
                )  # fmt: skip
    elif code == "loan_repayment" and chance(0.5):
        # A two-year loan, 24 monthly reports: in the first year a riskier borrower may have
        # fallen a month behind and caught up; in the second it may fall behind for good.
        principal = rng.choice((50, 100, 200, 300, 500, 1000)) * 10_000
        slipped = rng.randint(2, 10) if rng.random() < 0.03 + 0.6 * risk else None
        defaults = rng.random() < 1 / (1 + math.exp(4.2 - 10.0 * risk))
        trouble_from = rng.randint(13, 21) if defaults else 99
        loan_no = f"JX{rng.randint(10**9, 10**10 - 1)}"
        institution = rng.choice(
            (
                "嘉兴银行科技支行",
                "工商银行嘉兴分行",
                "农业银行嘉兴分行",
                "浙江泰隆商业银行嘉兴分行",
            )
        )
        for month in range(24):
            report = _month_end(today, 23 - month)
            balance = principal * (1 - month / 24)
            record = {"loan_no": loan_no, "institution": institution,
                      "report_date": report.isoformat(), "principal": f"{principal}.00",
                      "balance": f"{balance:.2f}", "overdue_days": 0, "status": "normal"}  # fmt: skip
            if month == slipped:
                record.update(
                    overdue_days=30,
                    status="overdue",
                    overdue_amount=f"{principal / 24:.2f}",
                )
            if month >= trouble_from:
                days = 30 * (month - trouble_from + 1)
                record.update(
                    overdue_days=days,
                    status="default" if days > 90 else "overdue",
                    overdue_amount=f"{min(balance, principal / 24 * (month - trouble_from + 1)):.2f}",
                )
            records.append(record)
    return records


def _provider(category: RecordCategory) -> User | None:
    return (
        User.objects.filter(
            role=Role.DATA_PROVIDER, department_id=category.department_id, is_active=True
        )
        .order_by("username")
        .first()
    )


def credit_records_demo(
    *,
    enterprises,
    rng: random.Random,
    today: datetime.date | None = None,
    log: Callable[[str], None] | None = None,
) -> DemoCreditResult:
    """Deliver demo records of every category for ``enterprises`` (see the module docstring).
    Needs the demo data providers (``kejin.accounts.demo``); a category whose department has
    no demo login is skipped."""
    today = today or timezone.localdate()
    credit_catalogue_load_default()
    risks = {e.pk: rng.betavariate(1.2, 6) for e in enterprises}
    result = DemoCreditResult()
    for category in RecordCategory.objects.filter(is_active=True).order_by("order", "code"):
        user = _provider(category)
        if user is None:
            continue
        records: list[dict] = []
        for enterprise in enterprises:
            for n, record in enumerate(
                _build(category.code, enterprise, risks[enterprise.pk], rng, today)
            ):
                records.append(
                    {
                        "source_record_id": f"{category.code}-{enterprise.uscc}-{n}",
                        "uscc": enterprise.uscc,
                        **record,
                    }
                )
        if not records:  # every category shows in the demo: one enterprise that has some
            riskiest = max(enterprises, key=lambda e: risks[e.pk], default=None)
            if riskiest is None:
                continue
            records = [
                {
                    "source_record_id": f"{category.code}-{riskiest.uscc}-{n}",
                    "uscc": riskiest.uscc,
                    **record,
                }
                for n, record in enumerate(
                    _build(category.code, riskiest, 1.0, rng, today, force=True)
                )
            ]
        sample = records[:UNMATCHED_PER_CATEGORY]
        for i, record in enumerate(sample):  # a few of no registered enterprise (yet)
            uscc = uscc_build(region_code="330411", org_body=f"MB{category.order:03d}{i:03d}")
            records.append({**record, "source_record_id": f"{category.code}-{uscc}", "uscc": uscc})
        for start in range(0, len(records), API_MAX_RECORDS):
            chunk = records[start : start + API_MAX_RECORDS]
            # The very payload credit_batch_submit stores: its hash says it was delivered.
            payload = json.dumps({"category": category.code, "records": chunk}, ensure_ascii=False)
            sha = hashlib.sha256(payload.encode()).hexdigest()
            if CreditBatch.objects.filter(category=category, file_sha256=sha).exists():
                result.skipped += 1
                continue
            credit_batch_submit(
                actor=user, category=category, rows=chunk, run_inline=True, rescore=False
            )
            result.batches += 1
        result.records += len(records)
        if log:
            log(f"{category.name}: {len(records)}")
    return result
