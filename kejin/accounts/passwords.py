"""Password hooks: a changed password revokes the user's API tokens.

:class:`RevokeApiTokensOnPasswordChange` sits in ``AUTH_PASSWORD_VALIDATORS``. It validates
nothing; Django calls its ``password_changed`` whenever a user is saved after
``set_password`` — the password page, the admin's password form, ``manage.py
changepassword`` and any service alike — so no path can change a password and leave an old
token working.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kejin.accounts.services import api_tokens_revoke


class RevokeApiTokensOnPasswordChange:
    """Not a rule on the password: revokes the user's API tokens once it has changed."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            api_tokens_revoke(user=user)

    def get_help_text(self):
        return _("修改密码后，该账号已签发的API令牌全部失效。")
