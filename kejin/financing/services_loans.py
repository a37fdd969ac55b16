"""Loans: a disbursed demand becomes a :class:`Loan`; its institution records repayments and
status changes by form, API or file import.

Every write is atomic and audited (``AuditEvent``), with the loan's row locked; a status
change also writes a :class:`LoanStatusEvent` (the loan's history). The status moves allowed
are :data:`LOAN_MOVES`; any other is refused with 409 ``loan_state_conflict`` and changes
nothing. A repayment that brings the outstanding principal to zero settles the loan
(status ``repaid``, one more history row).

File import (xlsx/csv, one row per repayment and/or status update) is a client of
:mod:`kejin.ingest`: :func:`loan_import_batch_create` stores the upload and enqueues
:func:`loan_import_batch_run` on commit; the run validates every row (row and column errors
with a reason) and then writes every valid row in one transaction — or nothing. The same
checks as the form and the API apply, row after row in file order (a later row sees the
earlier rows of the file). Re-importing a file changes nothing: a repayment already stored
(same loan, day, principal and interest) and a status equal to the loan's are unchanged.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kejin.core.audit import audit_record, model_snapshot
from kejin.core.choices import AuditAction
from kejin.core.errors import ApplicationError, ErrorCode
from kejin.core.money import format_yuan
from kejin.core.permissions import require
from kejin.financing.choices import (
    IP_KINDS,
    LENDING_TYPES,
    CollateralKind,
    DemandStatus,
    GuaranteeStatus,
    LoanChannel,
    LoanStatus,
    PledgeType,
    ProductType,
)
from kejin.financing.models import (
    Demand,
    Loan,
    LoanImportBatch,
    LoanRepayment,
    LoanStatusEvent,
)
from kejin.financing.permissions import loan_can_create, loan_can_update
from kejin.financing.tasks_loans import loan_import_batch_run_task
from kejin.ingest.audit import RowAuditLog
from kejin.ingest.readers import IngestFileError, table_open
from kejin.ingest.runs import ChunkResult, batch_run, batches_expire_stale
from kejin.ingest.uploads import batch_enqueue_on_commit, upload_check

logger = logging.getLogger(__name__)

#: Status → the statuses a loan may move to from it (a settled loan never moves again).
LOAN_MOVES: dict[str, frozenset[str]] = {
    LoanStatus.PERFORMING: frozenset({LoanStatus.OVERDUE, LoanStatus.DEFAULT, LoanStatus.REPAID}),
    LoanStatus.OVERDUE: frozenset({LoanStatus.PERFORMING, LoanStatus.DEFAULT, LoanStatus.REPAID}),
    LoanStatus.DEFAULT: frozenset({LoanStatus.REPAID}),
    LoanStatus.REPAID: frozenset(),
}

IMPORT_CHUNK_SIZE = 1000
IMPORT_MAX_ROWS = 100_000
IMPORT_MAX_BYTES = 20 * 1024 * 1024
_CENT = Decimal("0.01")

_AUDITED_LOAN_FIELDS = ["status", "status_since", "outstanding"]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months (the month's last day if it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _yuan(amount) -> str:
    return format_yuan(amount, unit="元")


# --- checks shared by the form, the API and the import ------------------------------------


def loan_move_refusal(*, current: str, target: str) -> str | None:
    """Why ``current`` → ``target`` is not allowed (None: it is)."""
    if target in LOAN_MOVES[current]:
        return None
    return _("贷款当前为“%(status)s”状态，不能改为“%(target)s”。") % {
        "status": LoanStatus(current).label,
        "target": LoanStatus(target).label,
    }


def _state_conflict(message: str) -> ApplicationError:
    return ApplicationError(ErrorCode.LOAN_STATE_CONFLICT, message, status=409)


def _date_refusal(day: datetime.date, *, disbursed_on: datetime.date, today: datetime.date):
    if day < disbursed_on:
        return _("日期早于该贷款的放款日期（%(day)s）。") % {"day": disbursed_on.isoformat()}
    if day > today:
        return _("日期不能晚于今天（%(day)s）。") % {"day": today.isoformat()}
    return None


@dataclass
class LoanState:
    """What the checks need of a loan (the stored one, then as earlier rows leave it)."""

    pk: int
    status: str
    outstanding: Decimal
    disbursed_on: datetime.date
    repayments: set = field(default_factory=set)  # (paid_on, principal, interest) stored
    moves: set = field(default_factory=set)  # (effective_on, to_status) in the history

    @classmethod
    def of(cls, loan: Loan, repayments=(), moves=()) -> LoanState:
        return cls(
            pk=loan.pk,
            status=loan.status,
            outstanding=Decimal(loan.outstanding),
            disbursed_on=loan.disbursed_on,
            repayments=set(repayments),
            moves=set(moves),
        )


def _repayment_refusals(
    state: LoanState, *, paid_on, principal: Decimal, interest: Decimal, today
) -> tuple[dict[str, list[str]], str | None]:
    """Input errors by field, and a state conflict (a settled loan), of a repayment."""
    fields: dict[str, list[str]] = {}
    if state.status == LoanStatus.REPAID:
        return fields, _("该贷款已结清，不能再登记还款。")
    if principal <= 0 and interest <= 0:
        fields["principal"] = [_("请填写归还本金或支付利息（至少一项大于0）。")]
    if principal > state.outstanding:
        fields["principal"] = [
            _("归还本金超过贷款余额（%(outstanding)s）。")
            % {"outstanding": _yuan(state.outstanding)}
        ]
    refusal = _date_refusal(paid_on, disbursed_on=state.disbursed_on, today=today)
    if refusal:
        fields["paid_on"] = [refusal]
    return fields, None


# --- services -----------------------------------------------------------------------------


def _status_event(loan: Loan, *, from_status: str, to_status: str, on, channel, actor, note=""):
    return LoanStatusEvent(
        loan=loan,
        from_status=from_status,
        to_status=to_status,
        effective_on=on,
        channel=channel,
        note=note[:255],
        actor=actor if getattr(actor, "pk", None) else None,
        at=timezone.now(),
    )


def _pledge_of(demand: Demand, product_type: str) -> tuple[str, list[str]]:
    """The pledge or guarantee type a demand's loan has, and the numbers of its collateral
    (patents' and receivables' registration numbers)."""
    collaterals = list(demand.collaterals.all())
    ip_numbers = [c.number for c in collaterals if c.kind in IP_KINDS and c.number]
    receivable_numbers = [
        c.number for c in collaterals if c.kind == CollateralKind.RECEIVABLES and c.number
    ]
    if demand.guarantee_status == GuaranteeStatus.GRANTED and demand.guarantor_id:
        return PledgeType.GUARANTEE, []
    if product_type == ProductType.IP_PLEDGE:
        return PledgeType.IP, ip_numbers
    if product_type == ProductType.RECEIVABLES_PLEDGE:
        return PledgeType.RECEIVABLES, receivable_numbers
    if product_type == ProductType.GUARANTEE_LOAN:
        return PledgeType.GUARANTEE, []
    if product_type == ProductType.LOAN_GUARANTEE_INSURANCE:
        return PledgeType.INSURANCE, []
    return PledgeType.NONE, []


@transaction.atomic
def loan_create_for_demand(
    *,
    demand: Demand,
    actor,
    contract_number: str = "",
    amount: Decimal | None = None,
    rate: Decimal | None = None,
    term_months: int | None = None,
    pledge_type: str | None = None,
    pledge_numbers: list[str] | None = None,
    disbursed_on: datetime.date | None = None,
    channel: str = LoanChannel.DEMAND,
) -> Loan:
    """The loan of a demand being disbursed (called by the demand's ``disburse``, in its
    transaction): amount, rate and term default to what was approved (else asked for),
    the product type to the product handled, the pledge or guarantee type and the pledge
    registration numbers to the demand's guarantee and collateral, the disbursement day to
    the demand's ``disbursed_at`` (else today), maturity to that day plus the term.

    Only the claiming institution's users (403); a demand neither approved nor disbursed,
    or that already has a loan, is refused with 409 ``loan_state_conflict``.
    """
    require(loan_can_create, user=actor, obj=demand)
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.status not in (DemandStatus.APPROVED, DemandStatus.DISBURSED):
        raise _state_conflict(
            _("需求当前为“%(status)s”状态，不能生成贷款。")
            % {"status": DemandStatus(demand.status).label}
        )
    existing = Loan.objects.filter(demand=demand).values_list("contract_number", flat=True)
    if existing:
        raise _state_conflict(
            _("该需求已生成贷款（合同编号 %(number)s）。") % {"number": existing[0]}
        )
    product = demand.product
    if product is not None:
        product_type = product.product_type
    else:
        preferred = [t for t in demand.preferred_types if t in LENDING_TYPES]
        product_type = preferred[0] if preferred else ProductType.CREDIT_LOAN
    errors: dict[str, list[str]] = {}
    if product_type not in LENDING_TYPES:
        errors["product_type"] = [
            _("“%(type)s”不是贷款类产品，不生成贷款。") % {"type": ProductType(product_type).label}
        ]
    amount = Decimal(amount if amount is not None else demand.approved_amount or demand.amount)
    if rate is None:
        rate = demand.approved_rate
        live = product.live_version if product is not None else None
        if rate is None and live is not None:
            rate = live.rate_min
    if rate is None:
        errors["rate"] = [_("请填写贷款年利率。")]
    term = term_months or demand.term_months
    institution_id = demand.institution_id
    assert institution_id is not None  # approved or disbursed demands are claimed
    contract_number = (contract_number or f"HT{demand.number}").strip()
    if Loan.objects.filter(institution_id=institution_id, contract_number=contract_number).exists():
        errors["contract_number"] = [
            _("本机构已有合同编号为“%(number)s”的贷款。") % {"number": contract_number}
        ]
    if amount <= 0:
        errors["amount"] = [_("贷款金额应大于0。")]
    if errors:
        raise ApplicationError.invalid(errors)
    derived_type, derived_numbers = _pledge_of(demand, product_type)
    if disbursed_on is None:
        disbursed_on = (
            timezone.localtime(demand.disbursed_at).date()
            if demand.disbursed_at
            else timezone.localdate()
        )
    guarantor_id = (
        demand.guarantor_id if demand.guarantee_status == GuaranteeStatus.GRANTED else None
    )
    loan = Loan(
        demand=demand,
        enterprise_id=demand.enterprise_id,
        institution_id=institution_id,
        county_id=demand.county_id,
        contract_number=contract_number,
        product_type=product_type,
        amount=amount,
        rate=Decimal(rate or 0),
        term_months=term,
        pledge_type=pledge_type or derived_type,
        pledge_numbers=list(pledge_numbers if pledge_numbers is not None else derived_numbers),
        guarantor_id=guarantor_id,
        disbursed_on=disbursed_on,
        maturity_on=add_months(disbursed_on, term),
        status=LoanStatus.PERFORMING,
        status_since=disbursed_on,
        outstanding=amount,
    )
    loan.full_clean(exclude=["demand", "enterprise", "institution", "county", "guarantor"])
    loan.save()
    _status_event(
        loan,
        from_status="",
        to_status=LoanStatus.PERFORMING,
        on=disbursed_on,
        channel=channel,
        actor=actor,
    ).save()
    audit_record(actor=actor, action=AuditAction.CREATE, instance=loan, after=model_snapshot(loan))
    return loan


def _loan_locked(loan: Loan) -> Loan:
    return Loan.objects.select_for_update().get(pk=loan.pk)


@transaction.atomic
def loan_repayment_record(
    *,
    loan: Loan,
    actor,
    paid_on: datetime.date,
    principal: Decimal,
    interest: Decimal = Decimal("0"),
    channel: str = LoanChannel.FORM,
) -> LoanRepayment:
    """Record a repayment of ``loan`` (yuan): the outstanding principal goes down, and a loan
    repaid in full is settled (``repaid``). The lending institution's users only (403); a
    settled loan is refused with 409 ``loan_state_conflict``; a principal above the
    outstanding, nothing paid, or a day before the disbursement or after today is 400."""
    require(loan_can_update, user=actor, obj=loan)
    loan = _loan_locked(loan)
    principal = Decimal(principal).quantize(_CENT)
    interest = Decimal(interest or 0).quantize(_CENT)
    fields, conflict = _repayment_refusals(
        LoanState.of(loan),
        paid_on=paid_on,
        principal=principal,
        interest=interest,
        today=timezone.localdate(),
    )
    if conflict:
        raise _state_conflict(conflict)
    if principal < 0 or interest < 0:
        fields.setdefault("principal", []).append(_("金额不能为负数。"))
    if fields:
        raise ApplicationError.invalid(fields)
    before = model_snapshot(loan, _AUDITED_LOAN_FIELDS)
    repayment = LoanRepayment.objects.create(
        loan=loan, paid_on=paid_on, principal=principal, interest=interest, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=repayment,
        after=model_snapshot(repayment, ["loan", "paid_on", "principal", "interest"]),
    )
    loan.outstanding = Decimal(loan.outstanding) - principal
    update = ["outstanding", "updated_at"]
    if loan.outstanding == 0:
        _status_event(
            loan,
            from_status=loan.status,
            to_status=LoanStatus.REPAID,
            on=paid_on,
            channel=channel,
            actor=actor,
            note=_("本金已全部归还"),
        ).save()
        loan.status, loan.status_since = LoanStatus.REPAID, paid_on
        update += ["status", "status_since"]
    loan.save(update_fields=update)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=loan,
        before=before,
        after=model_snapshot(loan, _AUDITED_LOAN_FIELDS),
    )
    return repayment


@transaction.atomic
def loan_status_change(
    *,
    loan: Loan,
    actor,
    status: str,
    effective_on: datetime.date | None = None,
    note: str = "",
    channel: str = LoanChannel.FORM,
) -> Loan:
    """Move ``loan`` to ``status`` from ``effective_on`` (default today), with the history
    row and the audit event. The lending institution's users only (403); a move not in
    :data:`LOAN_MOVES` — or to ``repaid`` while principal is outstanding — is refused with
    409 ``loan_state_conflict`` and changes nothing."""
    require(loan_can_update, user=actor, obj=loan)
    loan = _loan_locked(loan)
    if status not in LoanStatus.values:
        raise ApplicationError.invalid({"status": [_("贷款状态应为 正常、逾期、违约 或 已结清。")]})
    refusal = loan_move_refusal(current=loan.status, target=status)
    if refusal:
        raise _state_conflict(refusal)
    if status == LoanStatus.REPAID and Decimal(loan.outstanding) > 0:
        raise _state_conflict(
            _("贷款余额尚有%(outstanding)s，请先登记还款，本金全部归还后自动结清。")
            % {"outstanding": _yuan(loan.outstanding)}
        )
    today = timezone.localdate()
    effective_on = effective_on or today
    day_refusal = _date_refusal(effective_on, disbursed_on=loan.disbursed_on, today=today)
    if day_refusal:
        raise ApplicationError.invalid({"effective_on": [day_refusal]})
    before = model_snapshot(loan, _AUDITED_LOAN_FIELDS)
    _status_event(
        loan,
        from_status=loan.status,
        to_status=status,
        on=effective_on,
        channel=channel,
        actor=actor,
        note=note,
    ).save()
    loan.status, loan.status_since = status, effective_on
    loan.save(update_fields=["status", "status_since", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=loan,
        before=before,
        after=model_snapshot(loan, _AUDITED_LOAN_FIELDS),
    )
    return loan


# --- file import --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportColumn:
    """A column of the loan import file: its header, the names it is also known by, and
    whether it must be there."""

    header: str
    field: str
    required: bool = False
    aliases: tuple[str, ...] = ()


IMPORT_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("合同编号", "contract_number", True, ("贷款合同编号",)),
    ImportColumn("日期", "day", True, ("还款日期", "生效日期")),
    ImportColumn("归还本金(元)", "principal", aliases=("归还本金（元）", "归还本金")),
    ImportColumn("支付利息(元)", "interest", aliases=("支付利息（元）", "支付利息")),
    ImportColumn("贷款状态", "status", aliases=("状态",)),
    ImportColumn("说明", "note", aliases=("备注",)),
)
_COLUMN_ORDER = {column.header: index for index, column in enumerate(IMPORT_COLUMNS)}
_STATUS_WORDS = {
    **{str(label): value for value, label in LoanStatus.choices},
    **{value: value for value in LoanStatus.values},
}


def _known_headers() -> dict[str, ImportColumn]:
    known = {}
    for column in IMPORT_COLUMNS:
        for name in (column.header, *column.aliases):
            known[name.replace(" ", "")] = column
    return known


def match_header(values: tuple) -> list[tuple[int, ImportColumn]]:
    """The import file's columns from its header row, or IngestFileError naming the missing
    and unknown columns."""
    known = _known_headers()
    columns: list[tuple[int, ImportColumn]] = []
    unknown, seen = [], set()
    for index, value in enumerate(values):
        name = str(value or "").strip().replace(" ", "")
        if not name:
            continue
        column = known.get(name)
        if column is None:
            unknown.append(name)
        elif column.field not in seen:
            seen.add(column.field)
            columns.append((index, column))
    problems = []
    missing = [c.header for c in IMPORT_COLUMNS if c.required and c.field not in seen]
    if missing:
        problems.append(_("缺少必填列：%(columns)s。") % {"columns": "、".join(missing)})
    if unknown:
        problems.append(_("无法识别的列：%(columns)s。") % {"columns": "、".join(unknown)})
    if problems:
        raise IngestFileError(
            "".join(problems)
            + _("请使用导入模板，表头为：%(headers)s。")
            % {"headers": "、".join(c.header for c in IMPORT_COLUMNS)}
        )
    return columns


@dataclass
class LoanRow:
    """One row of the file, parsed (no database)."""

    row: int
    contract_number: str
    day: datetime.date
    principal: Decimal | None
    interest: Decimal | None
    status: str | None
    note: str
    raw: dict


def _error(row: int, column: str, value, reason: str) -> dict:
    return {
        "row": row,
        "column": column,
        "value": "" if value is None else str(value),
        "reason": reason,
    }


def _parse_day(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat(text[:10] if len(text) > 10 else text)
    except ValueError:
        try:
            year, month, day = (int(part) for part in text.split("-"))
            return datetime.date(year, month, day)
        except ValueError:
            return None


def _parse_money(value) -> Decimal | None:
    if isinstance(value, bool):
        raise InvalidOperation
    amount = Decimal(str(value).strip().replace(",", ""))
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(_CENT):
        raise InvalidOperation
    return amount.quantize(_CENT)


class LoanRowChecker:
    """Checks rows on their own, then against the loans (``states``: the loans of the
    batch's institution as earlier rows of the file leave them)."""

    def __init__(self, batch: LoanImportBatch) -> None:
        self.institution_id = batch.institution_id
        self.today = timezone.localdate()
        self.states: dict[str, LoanState] = {}

    def parse_row(self, number: int, values: dict) -> tuple[LoanRow | None, list[dict]]:
        errors = []
        contract = str(values.get("合同编号") or "").strip()
        if not contract:
            errors.append(_error(number, "合同编号", None, _("合同编号不能为空。")))
        raw_day = values.get("日期")
        day = None
        if raw_day is None:
            errors.append(_error(number, "日期", None, _("日期不能为空。")))
        else:
            day = _parse_day(raw_day)
            if day is None:
                errors.append(
                    _error(number, "日期", raw_day, _("日期格式应为 YYYY-MM-DD，如 2026-03-02。"))
                )
        amounts: dict[str, Decimal | None] = {}
        for header in ("归还本金(元)", "支付利息(元)"):
            value = values.get(header)
            if value is None:
                amounts[header] = None
                continue
            try:
                amounts[header] = _parse_money(value)
            except (InvalidOperation, ValueError):
                amounts[header] = None
                errors.append(
                    _error(
                        number,
                        header,
                        value,
                        _("金额应为不小于0、最多两位小数的数字（单位：元），如 125000.50。"),
                    )
                )
        raw_status = values.get("贷款状态")
        status = None
        if raw_status is not None:
            status = _STATUS_WORDS.get(str(raw_status).strip())
            if status is None:
                errors.append(
                    _error(
                        number,
                        "贷款状态",
                        raw_status,
                        _("贷款状态应为 正常、逾期、违约 或 已结清。"),
                    )
                )
        principal, interest = amounts["归还本金(元)"], amounts["支付利息(元)"]
        if not errors and status is None and not (principal or interest):
            errors.append(
                _error(
                    number,
                    "归还本金(元)",
                    None,
                    _("请填写归还本金、支付利息或贷款状态中的至少一项。"),
                )
            )
        if errors:
            return None, errors
        assert day is not None
        note = str(values.get("说明") or "").strip()[:255]
        return LoanRow(number, contract, day, principal, interest, status, note, values), []

    def check(self, record: LoanRow) -> tuple[list[dict], bool, bool]:
        """The row against its loan's state: (errors, adds a repayment, changes the
        status); applies it to the state when it has no error."""
        state = self.states.get(record.contract_number)
        if state is None:
            return (
                [
                    _error(
                        record.row,
                        "合同编号",
                        record.contract_number,
                        _("本机构没有合同编号为“%(number)s”的贷款，请核对合同编号。")
                        % {"number": record.contract_number},
                    )
                ],
                False,
                False,
            )
        errors = []
        principal, interest = record.principal or Decimal("0"), record.interest or Decimal("0")
        key = (record.day, principal, interest)
        repays = bool(principal or interest) and key not in state.repayments
        outstanding, status = state.outstanding, state.status
        if repays:
            fields, conflict = _repayment_refusals(
                state, paid_on=record.day, principal=principal, interest=interest, today=self.today
            )
            if conflict:
                errors.append(_error(record.row, "归还本金(元)", principal, conflict))
            if "principal" in fields:
                errors.append(_error(record.row, "归还本金(元)", principal, fields["principal"][0]))
            if "paid_on" in fields:
                errors.append(_error(record.row, "日期", record.day, fields["paid_on"][0]))
            outstanding -= principal
            if outstanding == 0:
                status = LoanStatus.REPAID
        # A status already recorded on that day (the same file imported again) is unchanged.
        changes = (
            record.status is not None
            and record.status != status
            and (record.day, record.status) not in state.moves
        )
        if changes and record.status is not None:
            refusal = loan_move_refusal(current=status, target=record.status)
            if refusal is None and record.status == LoanStatus.REPAID and outstanding > 0:
                refusal = _("贷款余额尚有%(outstanding)s，不能改为“已结清”。") % {
                    "outstanding": _yuan(outstanding)
                }
            if refusal is None and not repays:
                refusal = _date_refusal(
                    record.day, disbursed_on=state.disbursed_on, today=self.today
                )
                if refusal:
                    errors.append(_error(record.row, "日期", record.day, refusal))
                    refusal = None
            if refusal:
                errors.append(_error(record.row, "贷款状态", record.status, refusal))
        if errors:
            return errors, False, False
        if repays:
            state.repayments.add(key)
        state.outstanding = outstanding
        if changes and record.status is not None:
            status = record.status
            state.moves.add((record.day, status))
        state.status = status
        return [], repays, changes

    def load(self, records: list[LoanRow], *, lock: bool) -> dict[str, Loan]:
        """Read the loans the records name that are not known yet (one query for loans,
        one for their repayments, one for their history); with ``lock``, lock them (the
        write phase)."""
        numbers = {r.contract_number for r in records} - set(self.states)
        if not numbers:
            return {}
        queryset = Loan.objects.filter(
            institution_id=self.institution_id, contract_number__in=numbers
        )
        if lock:
            queryset = queryset.select_for_update()
        loans = {loan.contract_number: loan for loan in queryset}
        stored: dict[int, set] = {loan.pk: set() for loan in loans.values()}
        for loan_id, paid_on, principal, interest in LoanRepayment.objects.filter(
            loan_id__in=stored
        ).values_list("loan_id", "paid_on", "principal", "interest"):
            stored[loan_id].add((paid_on, Decimal(principal), Decimal(interest)))
        moves: dict[int, set] = {pk: set() for pk in stored}
        for loan_id, effective_on, to_status in LoanStatusEvent.objects.filter(
            loan_id__in=stored
        ).values_list("loan_id", "effective_on", "to_status"):
            moves[loan_id].add((effective_on, to_status))
        for number, loan in loans.items():
            self.states[number] = LoanState.of(loan, stored[loan.pk], moves[loan.pk])
        return loans


class LoanImportSpec:
    """The loan import as a client of :func:`kejin.ingest.runs.batch_run`; one per run
    (the validation's loan states are kept apart from the write's)."""

    chunk_size = IMPORT_CHUNK_SIZE
    max_rows = IMPORT_MAX_ROWS

    def __init__(self) -> None:
        self.loans: dict[str, Loan] = {}
        self.writer: LoanRowChecker | None = None

    def table_open(self, batch: LoanImportBatch):
        return _batch_table(batch)

    def checker(self, batch: LoanImportBatch) -> LoanRowChecker:
        return LoanRowChecker(batch)

    def validate_chunk(self, *, batch, checker: LoanRowChecker, records: list[LoanRow]):
        checker.load(records, lock=False)
        valid, errors = [], []
        for record in records:
            row_errors, _repays, _changes = checker.check(record)
            if row_errors:
                errors.extend(row_errors)
            else:
                valid.append(record)
        return valid, errors

    def write_chunk(self, *, batch, checker, records: list[LoanRow]) -> ChunkResult:
        # Looked up at call time, so that a test can inject a fault into one chunk.
        if self.writer is None:
            self.writer = LoanRowChecker(batch)
        return loan_import_chunk_write(batch=batch, spec=self, records=records)

    def sort_errors(self, batch, errors: list[dict]) -> list[dict]:
        return sorted(errors, key=lambda e: (e["row"], _COLUMN_ORDER.get(e["column"], 99)))

    def batch_audit_after(self, batch: LoanImportBatch, totals: ChunkResult) -> dict | None:
        if not (totals.created or totals.updated):
            return None
        return {
            "institution": batch.institution_id,
            "original_name": batch.original_name,
            "total_rows": batch.total_rows,
            "created": totals.created,
            "updated": totals.updated,
            "unchanged": totals.unchanged,
            "rejected": batch.error_count,
        }


def loan_import_chunk_write(
    *, batch: LoanImportBatch, spec: LoanImportSpec, records: list[LoanRow]
) -> ChunkResult:
    """Phase 2 for one chunk, inside the batch's transaction: lock the chunk's loans, check
    the rows again against them (another writer may have changed them since validation),
    then bulk-create the repayments and history rows, bulk-update the loans and audit each
    created repayment and changed loan (one ``bulk_create`` of events)."""
    writer = spec.writer
    assert writer is not None
    spec.loans.update(writer.load(records, lock=True))
    result = ChunkResult()
    log = RowAuditLog(actor=batch.uploaded_by)
    actor = batch.uploaded_by
    repayments: list[LoanRepayment] = []
    events: list[LoanStatusEvent] = []
    befores: dict[int, dict] = {}
    for record in records:
        row_errors, repays, changes = writer.check(record)
        if row_errors:
            result.errors.extend(row_errors)
            continue
        loan = spec.loans[record.contract_number]
        state = writer.states[record.contract_number]
        if not (repays or changes) and state.status == loan.status:
            result.unchanged += 1
            continue
        befores.setdefault(loan.pk, model_snapshot(loan, _AUDITED_LOAN_FIELDS))
        if repays:
            repayments.append(
                LoanRepayment(
                    loan=loan,
                    paid_on=record.day,
                    principal=record.principal or Decimal("0"),
                    interest=record.interest or Decimal("0"),
                    recorded_by=actor,
                )
            )
        if state.status != loan.status:
            events.append(
                _status_event(
                    loan,
                    from_status=loan.status,
                    to_status=state.status,
                    on=record.day,
                    channel=LoanChannel.IMPORT,
                    actor=actor,
                    note=record.note
                    or (_("本金已全部归还") if state.status == LoanStatus.REPAID else ""),
                )
            )
            loan.status, loan.status_since = state.status, record.day
        loan.outstanding = state.outstanding
        if repays:
            result.created += 1
        else:
            result.updated += 1
    if repayments:
        LoanRepayment.objects.bulk_create(repayments)
        for repayment in repayments:
            log.created(repayment, ["loan", "paid_on", "principal", "interest"])
    if events:
        LoanStatusEvent.objects.bulk_create(events)
    changed = [loan for loan in spec.loans.values() if loan.pk in befores]
    if changed:
        now = timezone.now()
        for loan in changed:
            loan.updated_at = now
        Loan.objects.bulk_update(changed, [*_AUDITED_LOAN_FIELDS, "updated_at"])
        for loan in changed:
            before = befores.pop(loan.pk)
            names = [
                name
                for name in _AUDITED_LOAN_FIELDS
                if model_snapshot(loan, [name]) != {name: before[name]}
            ]
            if names:
                log.updated(loan, {name: before[name] for name in names})
    log.save()
    return result


@contextmanager
def _batch_table(batch: LoanImportBatch) -> Iterator:
    batch.file.open("rb")
    try:
        with table_open(batch.file, filename=batch.original_name, match_header=match_header) as t:
            yield t
    finally:
        batch.file.close()


def loan_import_batch_create(*, actor, uploaded_file) -> LoanImportBatch:
    """Store an uploaded xlsx/csv of repayments and status updates of the actor's
    institution's loans as a pending batch, and run it on commit (a Celery task; in-process
    without a broker, so the batch has run when this returns). Only a lending institution's
    users (403); a file too large, unsafe or with a wrong header is refused (400 on
    ``file``) and nothing is stored."""
    require(loan_can_update, user=actor)
    name = upload_check(
        uploaded_file=uploaded_file, max_bytes=IMPORT_MAX_BYTES, match_header=match_header
    )
    with transaction.atomic():
        batch = LoanImportBatch(
            institution_id=actor.institution_id, original_name=name, uploaded_by=actor
        )
        batch.file.save(name, uploaded_file, save=False)
        batch.save()
        batch_enqueue_on_commit(loan_import_batch_run_task, batch.pk)
    batch.refresh_from_db()
    return batch


def loan_import_batch_run(*, batch: LoanImportBatch) -> LoanImportBatch:
    """Validate and write a pending batch (see :mod:`kejin.ingest.runs`). Idempotent: a
    batch that is not pending is left alone."""
    return batch_run(batch=batch, spec=LoanImportSpec())


def loan_import_batches_expire_stale() -> list[int]:
    """Fail the running batches whose worker died; their ids."""
    return batches_expire_stale(model=LoanImportBatch)
