"""The fund's report: per fund, by institution, by county and by year — contributions,
claims (count, claimed, approved), payouts, recoveries — and the balance; as rows for a page,
the API and a CSV export (the export is audited by ``services_funds.fund_report_exported``).

Claims count unless withdrawn; "approved" is the approved amount of approved claims. A claim
belongs to its lender, to its borrower's county and to the year it was submitted in (Asia/
Shanghai); a ledger entry to its institution (a county contribution: its county; a payout or
recovery: its claim's borrower's county) and to the year of its date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext as _

from kejin.core.permissions import require
from kejin.policies.choices import ClaimStatus, FundEntryKind
from kejin.policies.models import CompensationClaim, CompensationFund, FundEntry
from kejin.policies.permissions import fund_can_see_ledger

MEASURES = (
    "contributions",
    "claims",
    "claimed",
    "approved",
    "payouts",
    "recoveries",
)
ZERO = Decimal("0.00")


def _blank() -> dict:
    return {name: (0 if name == "claims" else ZERO) for name in MEASURES}


@dataclass
class FundReport:
    """A fund's report: ``by_institution``, ``by_county`` and ``by_year`` rows (each with
    ``key``, ``label`` and the ``MEASURES``), ``totals`` and the ``balance``."""

    fund: CompensationFund
    balance: Decimal
    by_institution: list[dict] = field(default_factory=list)
    by_county: list[dict] = field(default_factory=list)
    by_year: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=_blank)

    def as_dict(self) -> dict:
        def plain(row: dict) -> dict:
            return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()}

        return {
            "fund": self.fund.pk,
            "balance": str(self.balance),
            "by_institution": [plain(r) for r in self.by_institution],
            "by_county": [plain(r) for r in self.by_county],
            "by_year": [plain(r) for r in self.by_year],
            "totals": plain(self.totals),
        }

    def csv_rows(self) -> Iterator[list[str]]:
        """The report as CSV rows (a header, then one row per group, then the total)."""
        yield [
            _("维度"),
            _("名称"),
            _("注资(元)"),
            _("补偿申请(笔)"),
            _("申请金额(元)"),
            _("核准金额(元)"),
            _("代偿支出(元)"),
            _("追偿回收(元)"),
        ]
        for dimension, rows in (
            (_("机构"), self.by_institution),
            (_("县(市、区)"), self.by_county),
            (_("年度"), self.by_year),
        ):
            for row in rows:
                yield [dimension, str(row["label"]), *(str(row[m]) for m in MEASURES)]
        yield [_("合计"), "", *(str(self.totals[m]) for m in MEASURES)]
        yield [_("当前余额"), "", str(self.balance), "", "", "", "", ""]


def _add(groups: dict, key, label, measure: str, value) -> None:
    row = groups.setdefault(key, {"key": key, "label": label, **_blank()})
    row[measure] += value or 0


def fund_report(*, user, fund: CompensationFund) -> FundReport:
    """``fund``'s report (officers); a handful of grouped queries."""
    require(fund_can_see_ledger, user=user, obj=fund)
    fund.refresh_from_db(fields=["balance"])
    by: dict[str, dict] = defaultdict(dict)
    claims = (
        CompensationClaim.objects.filter(fund=fund)
        .exclude(status=ClaimStatus.WITHDRAWN)
        .annotate(year=ExtractYear("submitted_at"))
        .values(
            "institution_id",
            "institution__name",
            "enterprise__county_id",
            "enterprise__county__name",
            "year",
        )
        .annotate(
            n=Count("pk"),
            claimed=Sum("amount_claimed"),
            approved=Sum("amount_approved", filter=Q(status=ClaimStatus.APPROVED)),
        )
    )
    for row in claims:
        for dimension, key, label in (
            ("institution", row["institution_id"], row["institution__name"]),
            ("county", row["enterprise__county_id"], row["enterprise__county__name"]),
            ("year", row["year"], row["year"]),
        ):
            _add(by[dimension], key, label, "claims", row["n"])
            _add(by[dimension], key, label, "claimed", row["claimed"])
            _add(by[dimension], key, label, "approved", row["approved"])
    entries = (
        FundEntry.objects.filter(fund=fund)
        .annotate(
            year=ExtractYear("on"),
            county_id=Coalesce(F("region_id"), F("claim__enterprise__county_id")),
            county_name=Coalesce(F("region__name"), F("claim__enterprise__county__name")),
        )
        .values("kind", "institution_id", "institution__name", "county_id", "county_name", "year")
        .annotate(total=Sum("amount"))
    )
    measure: dict[str, str] = {
        FundEntryKind.CONTRIBUTION: "contributions",
        FundEntryKind.PAYOUT: "payouts",
        FundEntryKind.RECOVERY: "recoveries",
    }
    for entry in entries:
        name = measure[entry["kind"]]
        if entry["institution_id"] is not None:
            _add(
                by["institution"],
                entry["institution_id"],
                entry["institution__name"],
                name,
                entry["total"],
            )
        if entry["county_id"] is not None:
            _add(by["county"], entry["county_id"], entry["county_name"], name, entry["total"])
        _add(by["year"], entry["year"], entry["year"], name, entry["total"])
    report = FundReport(fund=fund, balance=fund.balance)
    report.by_institution = sorted(by["institution"].values(), key=lambda r: str(r["label"]))
    report.by_county = sorted(by["county"].values(), key=lambda r: str(r["label"]))
    report.by_year = sorted(by["year"].values(), key=lambda r: r["key"])
    for year_row in report.by_year:
        for name in MEASURES:
            report.totals[name] += year_row[name]
    return report
