"""Page forms: one Bootstrap styling mixin, one mapper of a service's error onto a form, and
setting choices or locking fields at run time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import forms
from django_stubs_ext import StrOrPromise

from kejin.core.errors import ApplicationError, ErrorCode


def bootstrap_class(widget: forms.Widget) -> str:
    """The Bootstrap class a widget takes: form-select, form-check-input or form-control."""
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.CheckboxInput)):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


def bootstrap_style(form: forms.BaseForm) -> None:
    """Give every widget of ``form`` its Bootstrap class (kept if the widget already has one)."""
    for field in form.fields.values():
        widget = field.widget
        classes = widget.attrs.get("class", "").split()
        css = bootstrap_class(widget)
        if css not in classes:
            widget.attrs["class"] = " ".join([*classes, css])


def _mark_invalid(form: forms.BaseForm) -> None:
    """Bootstrap's red outline on every field that has an error."""
    for name in getattr(form, "_errors", None) or {}:
        if name in form.fields:
            widget = form.fields[name].widget
            classes = widget.attrs.get("class", "").split()
            if "is-invalid" not in classes:
                widget.attrs["class"] = " ".join([*classes, "is-invalid"])


class BootstrapFormMixin:
    """Bootstrap classes on every widget, and the red outline on every field with an error —
    the form's own or a service's added later with ``add_error``.

    Put it first: ``class EnterpriseForm(BootstrapFormMixin, forms.ModelForm)``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_style(self)

    def full_clean(self):
        super().full_clean()
        _mark_invalid(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        _mark_invalid(self)


def form_add_service_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's error in ``form``: each field message beside its field (or above the
    form when the form has no such field), and the error's own message above the form when
    it names no field or is not an input error (e.g. a refusal of some fields).

    An error that is neither an input error nor about fields is not the form's to show: it
    is re-raised, so that it becomes an error page.
    """
    if error.code != ErrorCode.INVALID and not error.fields:
        raise error
    for name, field_messages in error.fields.items():
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)
    if not error.fields or error.code != ErrorCode.INVALID:
        form.add_error(None, error.message)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (PDF, JPG or PNG offered); the service checks their type
    and size (``kejin.core.attachments``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png", "multiple": True})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


def form_choices_set(form: forms.BaseForm, **choices: Mapping[str, str]) -> None:
    """Give multiple-choice fields their choices at run time (code → label), e.g. the
    tiers and labels of the registry: ``form_choices_set(self, tiers=tier_choices())``."""
    for name, mapping in choices.items():
        field = form.fields[name]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = list(mapping.items())


def form_fields_lock(form: forms.BaseForm, names: Iterable[str], help_text: StrOrPromise) -> None:
    """Show ``names`` but take no input for them (e.g. once published), saying why."""
    for name in names:
        form.fields[name].disabled = True
        form.fields[name].help_text = help_text
