"""One application error with stable codes, rendered the same way by pages and the API.

Pages show ``message`` (and field messages beside their fields); the API returns
``{"error": {"code", "message", "fields"}}`` with ``status``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ErrorCode:
    """Stable error codes. Clients rely on them: never rename one."""

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_AUTHENTICATED = "not_authenticated"
    CONFLICT = "conflict"
    LOCKED_OUT = "locked_out"
    THROTTLED = "throttled"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    NOT_ACCEPTABLE = "not_acceptable"
    PARSE_ERROR = "parse_error"
    # Domain conflicts (409): say which state forbids the request.
    RUN_IN_PROGRESS = "run_in_progress"
    OVERRIDE_ACTIVE = "override_active"
    OVERRIDE_LIFTED = "override_lifted"
    ALREADY_REGISTERED = "already_registered"
    VERSIONS_OVERLAP = "versions_overlap"
    VERSION_NOT_DRAFT = "version_not_draft"
    # A rule version whose worked cases fail (400: fix the rule or the cases).
    WORKED_CASES_FAIL = "worked_cases_fail"
    # Credit disputes (异议).
    DISPUTE_ALREADY_OPEN = "dispute_already_open"
    DISPUTE_CLOSED = "dispute_closed"
    DISPUTE_NOT_UPHELD = "dispute_not_upheld"
    DISPUTE_ALREADY_REPLIED = "dispute_already_replied"
    RECORD_NOT_CURRENT = "record_not_current"
    REPORT_REQUEST_DECIDED = "report_request_decided"
    REPORT_GRANT_INACTIVE = "report_grant_inactive"
    EXPORT_UNAVAILABLE = "export_unavailable"
    # Financing matchmaking (融资对接).
    DEMAND_STATE_CONFLICT = "demand_state_conflict"
    DEMAND_ALREADY_CLAIMED = "demand_already_claimed"
    PRODUCT_STATE_CONFLICT = "product_state_conflict"
    LOAN_STATE_CONFLICT = "loan_state_conflict"
    # Policies (政策兑现, 科技保险, 风险补偿).
    POLICY_STATE_CONFLICT = "policy_state_conflict"
    APPLICATION_STATE_CONFLICT = "application_state_conflict"
    APPLICATION_DUPLICATE = "application_duplicate"
    CLAIM_STATE_CONFLICT = "claim_state_conflict"
    CLAIM_DUPLICATE = "claim_duplicate"
    FUND_INSUFFICIENT = "fund_insufficient"
    ENROLMENT_PAUSED = "enrolment_paused"
    BAD_REQUEST = "bad_request"
    CSRF_FAILED = "csrf_failed"
    TOKEN_EXPIRED = "token_expired"
    REQUEST_TOO_LARGE = "request_too_large"
    SERVER_ERROR = "server_error"


_DEFAULT_STATUS = {
    ErrorCode.INVALID: 400,
    ErrorCode.PARSE_ERROR: 400,
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.TOKEN_EXPIRED: 401,
    ErrorCode.CSRF_FAILED: 403,
    ErrorCode.REQUEST_TOO_LARGE: 413,
    ErrorCode.SERVER_ERROR: 500,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.LOCKED_OUT: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.NOT_ACCEPTABLE: 406,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RUN_IN_PROGRESS: 409,
    ErrorCode.OVERRIDE_ACTIVE: 409,
    ErrorCode.OVERRIDE_LIFTED: 409,
    ErrorCode.ALREADY_REGISTERED: 409,
    ErrorCode.VERSIONS_OVERLAP: 409,
    ErrorCode.VERSION_NOT_DRAFT: 409,
    ErrorCode.DISPUTE_ALREADY_OPEN: 409,
    ErrorCode.DISPUTE_CLOSED: 409,
    ErrorCode.DISPUTE_NOT_UPHELD: 409,
    ErrorCode.DISPUTE_ALREADY_REPLIED: 409,
    ErrorCode.RECORD_NOT_CURRENT: 409,
    ErrorCode.REPORT_REQUEST_DECIDED: 409,
    ErrorCode.REPORT_GRANT_INACTIVE: 409,
    ErrorCode.DEMAND_STATE_CONFLICT: 409,
    ErrorCode.DEMAND_ALREADY_CLAIMED: 409,
    ErrorCode.PRODUCT_STATE_CONFLICT: 409,
    ErrorCode.LOAN_STATE_CONFLICT: 409,
    ErrorCode.POLICY_STATE_CONFLICT: 409,
    ErrorCode.APPLICATION_STATE_CONFLICT: 409,
    ErrorCode.APPLICATION_DUPLICATE: 409,
    ErrorCode.CLAIM_STATE_CONFLICT: 409,
    ErrorCode.CLAIM_DUPLICATE: 409,
    ErrorCode.FUND_INSUFFICIENT: 409,
    ErrorCode.ENROLMENT_PAUSED: 409,
    ErrorCode.EXPORT_UNAVAILABLE: 503,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.THROTTLED: 429,
}


class ApplicationError(Exception):
    """A failure the user can understand and act on.

    ``fields`` maps a field name to its messages, for input errors.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}
        self.status = status or _DEFAULT_STATUS.get(code, 400)

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}

    @classmethod
    def not_found(cls, what: str | None = None) -> ApplicationError:
        """The object does not exist or the caller may not see it (never say which)."""
        return cls(ErrorCode.NOT_FOUND, what or str(_("未找到该记录，或您无权查看。")))

    @classmethod
    def permission_denied(cls, message: str | None = None) -> ApplicationError:
        return cls(ErrorCode.PERMISSION_DENIED, message or str(_("您无权执行此操作。")))

    @classmethod
    def invalid(cls, fields: dict[str, list[str]], message: str | None = None) -> ApplicationError:
        return cls(
            ErrorCode.INVALID,
            message or str(_("提交的数据有误，请按提示修改后重试。")),
            fields=fields,
        )
