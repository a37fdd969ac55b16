"""Helpers for page forms that hand their input to a service."""

from __future__ import annotations

from kejin.core.errors import ApplicationError, ErrorCode


def form_add_service_error(form, error: ApplicationError) -> None:
    """Show a service's input error beside its fields; anything else is not the form's to show
    (re-raised, so that it becomes an error page)."""
    if error.code != ErrorCode.INVALID and not error.fields:
        raise error
    for field, field_messages in error.fields.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)
