"""Forms of the catalogue and ingestion pages: they parse input; the services check it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kejin.core.ui.forms import BootstrapFormMixin
from kejin.credit.ingest.services import CREDIT_MAX_BYTES, CREDIT_MAX_ROWS
from kejin.credit.models import CategoryField, RecordCategory


class RecordCategoryForm(BootstrapFormMixin, forms.ModelForm):
    """A category's own attributes (its fields are added one by one)."""

    class Meta:
        model = RecordCategory
        fields = [
            "code",
            "name",
            "department",
            "description",
            "disclosure",
            "retention_years",
            "disclosure_years",
            "legal_basis",
            "personal_info_disclosed",
            "indicator_note",
            "event_date_field",
            "is_active",
            "order",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
            "indicator_note": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "code": _("小写字母、数字和下划线，如 penalty_market；有记录后不能修改。"),
            "event_date_field": _("记录所述事件的日期字段的代码（须为本类别的日期字段）。"),
        }


class CategoryFieldForm(BootstrapFormMixin, forms.ModelForm):
    """One field of a category; allowed values typed as a comma-separated list."""

    allowed_values = forms.CharField(
        label=_("取值范围"),
        required=False,
        help_text=_("仅“代码”类型：可填的代码，以逗号分隔，如 A,B,M,C,D。"),
    )

    value_labels = forms.CharField(
        label=_("代码含义"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("仅“代码”类型：每行一个“代码=含义”，如 serious=严重；报告和公示页按含义显示。"),
    )

    class Meta:
        model = CategoryField
        fields = [
            "code",
            "name",
            "type",
            "required",
            "allowed_values",
            "value_labels",
            "unit",
            "is_personal",
            "help_text",
            "order",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["allowed_values"] = ",".join(self.instance.allowed_values or [])
            self.initial["value_labels"] = "\n".join(
                f"{code}={label}" for code, label in (self.instance.value_labels or {}).items()
            )


class CreditUploadForm(BootstrapFormMixin, forms.Form):
    """The category and the file of a new batch; the service checks the file itself."""

    category = forms.ModelChoiceField(
        label=_("数据类别"),
        queryset=RecordCategory.objects.none(),
        error_messages={"required": _("请选择数据类别。")},
    )
    file = forms.FileField(
        label=_("文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": _("请选择要上传的文件。")},
    )

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        if categories is not None:
            self.fields["category"].queryset = categories
        self.fields["file"].help_text = gettext(
            ".xlsx 或 .csv（UTF-8 或 GBK 编码），不超过 %(mb)s MB、%(rows)s 行；"
            "列名为字段代码或字段名称，另加“统一社会信用代码”和“来源记录编号”。"
        ) % {"mb": CREDIT_MAX_BYTES // 2**20, "rows": f"{CREDIT_MAX_ROWS:,}"}
