"""Page forms of applications: the apply form (its fields from the policy version's
``inputs``) and the officers' action forms. They parse input only; the services decide
(``kejin.policies.services_applications``), and their field messages land beside the fields
(``inputs.<name>``, ``insurance_policy``, ``loan``, ``amount``…)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kejin.core.money import format_yuan
from kejin.core.ui.forms import BootstrapFormMixin, MultipleFileField, bootstrap_style
from kejin.policies.choices import PolicyScheme, RejectReason

#: Fields of a tech-insurance version taken from the chosen insurance policy, not typed.
FROM_INSURANCE = frozenset({"premium", "line"})
_DATE = {"type": "date"}


class ApplicationForm(BootstrapFormMixin, forms.Form):
    """The fields of ``version`` (``inputs.<name>``), the insurance policy or loan the scheme
    needs, the attachments and a comment (on a resubmission)."""

    def __init__(
        self,
        *args,
        version,
        scheme: str,
        insurance=(),
        loans=(),
        resubmit: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if scheme == PolicyScheme.TECH_INSURANCE:
            self.fields["insurance_policy"] = forms.ChoiceField(
                label=_("科技保险保单"),
                required=False,
                choices=[("", "—")]
                + [
                    (
                        str(p.pk),
                        f"{p.number} · {p.get_line_display()} · {format_yuan(p.premium)}",
                    )
                    for p in insurance
                ],
                help_text=_("保费和险种取自所选保单。"),
            )
        elif scheme in (PolicyScheme.INTEREST_SUBSIDY, PolicyScheme.GUARANTEE_FEE):
            self.fields["loan"] = forms.ChoiceField(
                label=_("贷款"),
                required=False,
                choices=[("", "—")]
                + [
                    (
                        str(loan.pk),
                        f"{loan.contract_number} · {loan.institution.name} · "
                        f"{format_yuan(loan.amount)}",
                    )
                    for loan in loans
                ],
            )
        for spec in version.inputs or ():
            name = spec.get("name")
            if not name or (scheme == PolicyScheme.TECH_INSURANCE and name in FROM_INSURANCE):
                continue
            kind = spec.get("kind")
            label = spec.get("label") or name
            if kind == "money":
                label = f"{label}（元）"
            widget: forms.Widget | None = forms.TextInput(attrs=_DATE) if kind == "date" else None
            if kind == "text":
                widget = forms.Textarea(attrs={"rows": 2})
            self.fields[f"inputs.{name}"] = forms.CharField(
                label=label, required=False, widget=widget, max_length=4000
            )
            if spec.get("required"):
                self.fields[f"inputs.{name}"].widget.attrs["aria-required"] = "true"
        self.fields["attachments"] = MultipleFileField(
            label=_("附件"), help_text=_("PDF、JPG 或 PNG，每个不超过 10 MB，最多 5 个。")
        )
        if resubmit:
            self.fields["comment"] = forms.CharField(
                label=_("补充说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        bootstrap_style(self)

    def service_data(self) -> dict:
        """What the services take: ``inputs``, ``insurance_policy``, ``loan``, ``comment``."""
        data = self.cleaned_data
        return {
            "inputs": {
                name.split(".", 1)[1]: value
                for name, value in data.items()
                if name.startswith("inputs.")
            },
            "insurance_policy": data.get("insurance_policy") or None,
            "loan": data.get("loan") or None,
            "comment": data.get("comment", ""),
        }


class CommentForm(BootstrapFormMixin, forms.Form):
    """Accept or withdraw, with an optional comment."""

    comment = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("退回意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("说明需要补充的材料或信息。"),
    )


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label=_("不予通过原因"), choices=[("", "—"), *RejectReason.choices], required=False
    )
    comment = forms.CharField(
        label=_("具体说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApproveForm(BootstrapFormMixin, forms.Form):
    amount = forms.CharField(label=_("核定金额（元）"), required=False)
    comment = forms.CharField(
        label=_("审核意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("核定金额高于测算金额时必须说明理由。"),
    )


class PayForm(BootstrapFormMixin, forms.Form):
    amount = forms.CharField(label=_("兑付金额（元）"), required=False)
    paid_on = forms.CharField(label=_("兑付日期"), required=False, widget=forms.TextInput(_DATE))
    voucher = forms.CharField(label=_("凭证号"), required=False, max_length=200)
