"""Page forms of the dispute workflow. They parse input; the services check and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kejin.core.fields import CleanTextFormField
from kejin.core.ui.forms import BootstrapFormMixin, MultipleFileField, bootstrap_style
from kejin.credit.choices import FieldType
from kejin.credit.disputes import TEXT_MAX_LENGTH
from kejin.credit.models import CreditRecord

ATTACHMENT_HELP = _("可选，最多5个PDF、JPG或PNG文件，每个不超过10 MB。")


def _text(label, help_text="") -> CleanTextFormField:
    return CleanTextFormField(
        label=label,
        multiline=True,
        max_length=TEXT_MAX_LENGTH,
        required=False,  # the service says what is missing, in its words
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=help_text,
    )


class DisputeOpenForm(BootstrapFormMixin, forms.Form):
    reason = _text(_("异议理由"), _("说明哪一项数据有误、正确的情况是什么，以及依据（必填）。"))
    attachments = MultipleFileField(label=_("证明材料"), help_text=ATTACHMENT_HELP)


class DisputeRemoveForm(BootstrapFormMixin, forms.Form):
    note = _text(_("处理说明"), _("说明删除该记录的理由（必填），将告知企业。"))
    attachments = MultipleFileField(label=_("附件"), help_text=ATTACHMENT_HELP)


class DisputeUpholdForm(BootstrapFormMixin, forms.Form):
    annotation = _text(
        _("维持理由"), _("该说明将作为异议标注与记录一并展示，企业可作答复（必填）。")
    )
    attachments = MultipleFileField(label=_("附件"), help_text=ATTACHMENT_HELP)


class DisputeReplyForm(BootstrapFormMixin, forms.Form):
    reply = _text(
        _("企业说明"), _("对来源部门维持理由的答复，与记录一并展示，只能提交一次（必填）。")
    )
    attachments = MultipleFileField(label=_("附件"), help_text=ATTACHMENT_HELP)


class DisputeCorrectForm(BootstrapFormMixin, forms.Form):
    """The record's fields, filled with its current values, then the explanation. Field
    names are ``data.<code>``, as the service names its messages."""

    note = _text(_("处理说明"), _("说明更正了什么、依据是什么（必填），将告知企业。"))
    attachments = MultipleFileField(label=_("附件"), help_text=ATTACHMENT_HELP)

    def __init__(self, *args, record: CreditRecord, **kwargs):
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = {}
        for field in record.category.fields.all():
            value = record.data.get(field.code)
            common: dict[str, Any] = {
                "label": field.name + (f"（{field.unit}）" if field.unit else ""),
                "required": False,
                "initial": "" if value is None else value,
                "help_text": field.help_text,
            }
            formfield: forms.Field
            if field.type == FieldType.CHOICE:
                formfield = forms.ChoiceField(
                    choices=[("", "—"), *field.value_options()],
                    **common,
                )
            elif field.type == FieldType.DATE:
                formfield = forms.CharField(
                    widget=forms.DateInput(attrs={"type": "date"}), **common
                )
            elif field.type == FieldType.BOOLEAN:
                formfield = forms.ChoiceField(
                    choices=[("", "—"), ("true", _("是")), ("false", _("否"))],
                    **{**common, "initial": {True: "true", False: "false"}.get(value, "")},
                )
            else:
                formfield = CleanTextFormField(**common)
            fields[f"data.{field.code}"] = formfield
        self.fields = {**fields, **self.fields}
        self.data_field_names = list(fields)
        bootstrap_style(self)

    def record_data(self) -> dict:
        """The record's fields as typed (field code → text); empty ones left out."""
        return {
            name.removeprefix("data."): self.cleaned_data.get(name)
            for name in self.data_field_names
            if self.cleaned_data.get(name) not in (None, "")
        }
