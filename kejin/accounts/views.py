"""Sign-in and password pages: Django's auth views with Kejin's forms, templates and audit."""

from __future__ import annotations

import importlib
import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from kejin.accounts.choices import Role
from kejin.accounts.forms import KejinPasswordChangeForm, LoginForm
from kejin.accounts.throttles import sign_in_wait
from kejin.core.audit import audit_record
from kejin.core.choices import AuditAction
from kejin.core.http import client_ip_address


def demo_users_hint() -> list[dict]:
    """The demo accounts to list on the login page of a development checkout (else empty).

    They come from ``kejin.accounts.demo.DEMO_USERS`` when that module exists; each entry
    becomes ``{"username", "role", "note", "password"}`` (missing parts are empty).
    """
    if not (settings.DEBUG or getattr(settings, "DEV", False)):
        return []
    try:
        demo = importlib.import_module("kejin.accounts.demo")
    except ImportError:
        return []
    default_password = getattr(demo, "DEMO_PASSWORD", "")
    hints = []
    for entry in getattr(demo, "DEMO_USERS", ()):
        if isinstance(entry, dict):
            item = dict(entry)
        elif isinstance(entry, str):
            item = {"username": entry}
        else:
            item = dict(zip(("username", "role", "note"), entry, strict=False))
        if not item.get("username"):
            continue
        role = item.get("role", "")
        item["role"] = item.get("role_label") or _role_label(role)
        item.setdefault("note", item.get("description", ""))
        item.setdefault("password", default_password)
        hints.append(item)
    return hints


def _role_label(role) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return str(role or "")


class LoginView(auth_views.LoginView):
    """Sign in; a successful sign-in is recorded in the audit trail."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["demo_users"] = demo_users_hint()
        return context

    def post(self, request, *args, **kwargs):
        """Too many attempts from this address or for this username: refused (429) before
        the password is checked."""
        wait = sign_in_wait(request)
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            context = self.get_context_data(form=self.form_class(request))
            context["throttled_message"] = _("登录尝试过于频繁，请%(minutes)d分钟后再试。") % {
                "minutes": minutes
            }
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(math.ceil(wait))
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Audited here until kejin.accounts.services has a sign-in service for pages.
        with transaction.atomic():
            response = super().form_valid(form)
            user = form.get_user()
            audit_record(
                actor=user,
                action=AuditAction.LOGIN,
                instance=user,
                after={"channel": "login_page"},
                ip_address=client_ip_address(self.request),
            )
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (Django's password validators apply); audited."""

    template_name = "accounts/password_change.html"
    form_class = KejinPasswordChangeForm
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(
                actor=self.request.user,
                action=AuditAction.PASSWORD_CHANGE,
                instance=self.request.user,
                ip_address=client_ip_address(self.request),
            )
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
