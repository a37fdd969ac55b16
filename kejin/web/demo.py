"""Demo users for ``manage.py demo_data``, written where every organisation they belong to is known.

The users themselves are accounts' (:data:`kejin.accounts.demo.DEMO_USERS`); the enterprise
and institution they work for come from those apps' demos, so the writing sits here, in the
layer that may import them all. Running again resets each demo user's password, role,
organisation and flags to the values there and clears any django-axes lock-out on their
usernames, so the printed logins always work. Demo users are written directly and **not
audited** (they are set-up, not changes anyone made).
"""

from __future__ import annotations

from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Model

from kejin.accounts.choices import Role
from kejin.accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_departments
from kejin.accounts.models import User
from kejin.core.demo import demo_regions
from kejin.enterprises.models import Enterprise
from kejin.institutions.models import Institution


@dataclass(frozen=True)
class DemoCredential:
    """A demo login as the command prints it."""

    username: str
    password: str
    role: str
    role_label: str
    organisation: str


@transaction.atomic
def demo_users(
    *,
    enterprise: Enterprise,
    institution: Institution,
    insurer: Institution | None = None,
    password: str = DEMO_PASSWORD,
) -> list[DemoCredential]:
    """Create or reset the users of :data:`DEMO_USERS`; returns their credentials in that order.

    ``enterprise`` employs the enterprise admin and staff; ``institution`` (a tech
    sub-branch) the institution manager and officer, ``insurer`` (an insurance company) the
    insurer's officer (skipped without one); county officers are bound to the county
    of their department key. The password is checked against the configured validators and
    hashed once for all demo users.
    """
    regions = demo_regions()
    departments = demo_departments()
    validate_password(password)
    hashed = make_password(password)
    credentials = []
    for spec in DEMO_USERS:
        username, role, key = spec["username"], spec["role"], spec["organisation"]
        organisation: dict[str, Model | None] = {
            "enterprise": None,
            "institution": None,
            "department": None,
            "county": None,
        }
        if key == "insurer" and insurer is None:
            continue
        if key == "enterprise":
            organisation["enterprise"] = enterprise
        elif key == "institution":
            organisation["institution"] = institution
        elif key == "insurer":
            organisation["institution"] = insurer
        elif key is not None:
            organisation["department"] = departments[key]
        if role == Role.COUNTY_OFFICER:
            organisation["county"] = regions[key]
        is_admin = role == Role.PLATFORM_ADMIN
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                **organisation,
                "full_name": spec["full_name"],
                "role": role,
                "password": hashed,
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        axes_reset(username=username)
        organisation_name = str(user.organisation or "—")
        if user.county_id:
            organisation_name += f"（{user.county.name}）"
        credentials.append(
            DemoCredential(
                username=username,
                password=password,
                role=role.value,
                role_label=str(role.label),
                organisation=organisation_name,
            )
        )
    return credentials
