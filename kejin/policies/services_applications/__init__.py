"""Writes of applications for a policy (政策兑现): submit, resubmit, withdraw, and the
officers' accept, return, reject, approve and payouts.

An enterprise user applies to a published policy under its live version
(``application_submit``): the version's ``inputs`` are the fields (each checked by kind,
with a message per field ``inputs.<name>``), attachments are checked
(``kejin.core.attachments``), the eligibility rule is pre-checked
(``kejin.policies.evaluation.enterprise_check``: an ineligible enterprise is refused with the
failing clauses; an ``unknown`` one may apply, flagged for the officer) and the amount is
computed by the version's formula with its caps (``kejin.policies.benefits.benefit_compute``:
``already`` holds what the enterprise, the loan and the institution were granted under the
policy this year). Tech-insurance premium subsidies name one of the enterprise's own
insurance policies (``premium`` and ``line`` come from it); interest and guarantee-fee
subsidies one of its own loans (a guarantee fee needs a guarantor on the loan).

One application per enterprise, policy and period (``period_key``): a second is refused with
409 ``application_duplicate`` naming the first, checked before writing and again by the
constraint for a race. Every move is checked by ``kejin.policies.application_workflow``
under the application's row lock (409 ``application_state_conflict``), recorded as an
``ApplicationEvent`` with the working days the step took, audited, and told to the other
side on commit. Each waiting step gets its working-day due date
(``kejin.policies.deadlines.step_due``). Payouts never exceed the approved amount.

The modules: ``common`` (constants, periods, lock and workflow check, the trail of a move),
``values`` (the applicant's field values), ``assessment`` (a submission checked without
writing), ``submission`` (the enterprise's moves), ``decisions`` (the officers'), ``payouts``.
"""

from kejin.policies.services_applications.assessment import (
    Assessment,
    application_assess,
    granted_before,
    policy_open_check,
)
from kejin.policies.services_applications.common import (
    AUDITED,
    application_url,
    deciders,
    period_key,
    period_label,
)
from kejin.policies.services_applications.decisions import (
    application_accept,
    application_approve,
    application_reject,
    application_return,
)
from kejin.policies.services_applications.payouts import application_pay
from kejin.policies.services_applications.submission import (
    application_resubmit,
    application_submit,
    application_withdraw,
)
from kejin.policies.services_applications.values import inputs_clean

__all__ = [
    "AUDITED",
    "Assessment",
    "application_accept",
    "application_approve",
    "application_assess",
    "application_pay",
    "application_reject",
    "application_resubmit",
    "application_return",
    "application_submit",
    "application_url",
    "application_withdraw",
    "deciders",
    "granted_before",
    "inputs_clean",
    "period_key",
    "period_label",
    "policy_open_check",
]
