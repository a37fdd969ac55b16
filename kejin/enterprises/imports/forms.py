"""The upload form of the import pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kejin.enterprises.choices import ImportKind
from kejin.enterprises.imports.services import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS


class ImportUploadForm(forms.Form):
    """Kind and file of a new import batch; the service checks the file itself."""

    kind = forms.ChoiceField(
        label=_("导入类型"),
        choices=ImportKind.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("请选择导入类型。")},
    )
    file = forms.FileField(
        label=_("文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
        error_messages={"required": _("请选择要上传的文件。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            ".xlsx 或 .csv（UTF-8 或 GBK 编码），不超过 %(mb)s MB、%(rows)s 行。"
        ) % {"mb": IMPORT_MAX_BYTES // 2**20, "rows": IMPORT_MAX_ROWS}
