"""Kejin settings: the only module that reads the environment (django-environ).

Variables: DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, CELERY_BROKER_URL,
CELERY_BROKER_KEY_PREFIX, KEJIN_CITY, CACHE_URL, KEJIN_HTTPS, SECURE_HSTS_SECONDS (and
_INCLUDE_SUBDOMAINS, _PRELOAD), SECURE_SSL_REDIRECT, KEJIN_API_TOKEN_LIFETIME_DAYS,
KEJIN_SIGN_IN_RATE_IP, KEJIN_SIGN_IN_RATE_USERNAME, KEJIN_REGISTRY_PREVIEW_SYNC_MAX,
KEJIN_CREDIT_PUBLIC_RATE_ANON, KEJIN_FINANCING_CLAIM_DAYS, KEJIN_FINANCING_CONTACT_DAYS,
KEJIN_FINANCING_DECISION_DAYS, KEJIN_POLICY_ACCEPT_DAYS,
KEJIN_POLICY_DECIDE_DAYS, KEJIN_POLICY_PAY_DAYS, KEJIN_POLICY_CLAIM_REVIEW_DAYS, EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, DEFAULT_FROM_EMAIL.
Development needs none of them: SQLite under var/, a generated secret key kept in var/,
Celery tasks run eagerly in-process.
"""

import datetime
import secrets
import sys
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A development checkout: `make run`/`make test` set KEJIN_DEV=1, and so does running pytest.
DEV = env.bool("KEJIN_DEV", default=False) or "pytest" in sys.modules


def _development_secret_key() -> str:
    """A per-checkout secret key for development, generated once and kept under var/."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# Production must set SECRET_KEY. A development checkout (DEBUG on, or the test and demo
# commands, which set KEJIN_DEV=1) generates one under var/.
if "SECRET_KEY" in env:
    SECRET_KEY = env.str("SECRET_KEY")
elif DEBUG or DEV:
    SECRET_KEY = _development_secret_key()
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment (or .env) when DEBUG is off; "
        "for development set DEBUG=1 or use `make run`."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# The city this installation serves, by GB/T 2260 code (default 嘉兴市).
KEJIN_CITY = env.str("KEJIN_CITY", default="330400")
#: A re-evaluation preview of a list with more enterprises than this is computed by a task
#: (the page polls for it) instead of within the request: ~1.5 s at this size, measured in
#: docs/performance.md ("Re-evaluation preview").
KEJIN_REGISTRY_PREVIEW_SYNC_MAX = env.int("KEJIN_REGISTRY_PREVIEW_SYNC_MAX", default=10_000)
#: Working-day limits of a demand's steps (Jiangsu/Chongqing practice): claim within 1
#: working day of routing, first contact within 2 of the claim, decision within 10 of the
#: claim. Officers may set other limits per step and product type (financing.StepDeadline).
KEJIN_FINANCING_DEADLINES = {
    "claim": env.int("KEJIN_FINANCING_CLAIM_DAYS", default=1),
    "contact": env.int("KEJIN_FINANCING_CONTACT_DAYS", default=2),
    "decision": env.int("KEJIN_FINANCING_DECISION_DAYS", default=10),
}

#: Working-day limits of a policy application's steps (快申快享) when a policy version sets
#: none: accept within 3 working days of submission, decide within 10 of acceptance, pay
#: within 10 of approval; a risk compensation claim is reviewed within 15. Each policy
#: version may set its own (``PolicyVersion.deadline_days``).
KEJIN_POLICY_DEADLINES = {
    "accept": env.int("KEJIN_POLICY_ACCEPT_DAYS", default=3),
    "decide": env.int("KEJIN_POLICY_DECIDE_DAYS", default=10),
    "pay": env.int("KEJIN_POLICY_PAY_DAYS", default=10),
    "claim_review": env.int("KEJIN_POLICY_CLAIM_REVIEW_DAYS", default=15),
}

# Notifications are also emailed (once each) to users who have an address. Development uses
# the console backend; production sets EMAIL_BACKEND/EMAIL_HOST/EMAIL_PORT (SMTP by default).
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG or DEV
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@kejin.local")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "kejin.core",
    "kejin.ingest",
    "kejin.accounts",
    "kejin.enterprises",
    "kejin.institutions",
    "kejin.notifications",
    "kejin.registry",
    "kejin.credit",
    "kejin.financing",
    "kejin.policies",
    "kejin.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kejin.web.middleware.PlatformLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kejin.core.middleware.ApplicationErrorMiddleware",
    "kejin.core.middleware.NoStoreMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kejin.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kejin.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; busy timeout rather than "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: a changed password revokes the user's API tokens, whichever path changed it.
    {"NAME": "kejin.accounts.passwords.RevokeApiTokensOnPasswordChange"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Lock-out after repeated failed logins (django-axes): per username and IP together.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# The cache holds the sign-in rate limits: per process by default; set CACHE_URL (e.g.
# redis://…) to share them between app servers.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://kejin")}

# Sessions and cookies: secure by default outside development.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_HTTPS = env.bool("KEJIN_HTTPS", default=not (DEBUG or DEV))
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
if _HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # HSTS: browsers use HTTPS only for this host for a year (set 0 to turn off).
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
CSRF_FAILURE_VIEW = "kejin.core.handlers.csrf_failure"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Content-Security-Policy (django-csp 4): everything from this host only, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Swagger UI and ECharts tooltips set style attributes.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"  # never served publicly: uploads are read by the services only
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or DEV
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or DEV

# Credit disputes (异议): the source department resolves a dispute within this many working
# days of its filing (Chinese holiday calendar); a category may have its own time limit.
CREDIT_DISPUTE_DEADLINE_WORKDAYS = 20
CREDIT_DISPUTE_DEADLINE_WORKDAYS_BY_CATEGORY: dict[str, int] = {}

# API tokens expire this long after they are issued (401 token_expired; ask for a new one).
KEJIN_API_TOKEN_LIFETIME = datetime.timedelta(
    days=env.int("KEJIN_API_TOKEN_LIFETIME_DAYS", default=30)
)

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kejin.core.api.authentication.ExpiringTokenAuthentication",
        "kejin.core.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "kejin.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_PARSER_CLASSES": [
        "kejin.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "kejin.core.api.schema.KejinAutoSchema",
    "EXCEPTION_HANDLER": "kejin.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # Sign-in attempts (page and token endpoint together), see kejin.accounts.throttles.
        "sign_in_ip": env.str("KEJIN_SIGN_IN_RATE_IP", default="30/min"),
        "sign_in_username": env.str("KEJIN_SIGN_IN_RATE_USERNAME", default="10/min"),
        # Anonymous calls of the public credit API per address (kejin.credit.api.public).
        "credit_public_anon": env.str("KEJIN_CREDIT_PUBLIC_RATE_ANON", default="60/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Kejin 科技金融综合服务平台 API",
    "DESCRIPTION": "Sci-tech finance service platform. Errors: "
    '`{"error": {"code", "message", "fields"}}`; lists are paginated.',
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kejin.core.api.schema.drop_ambiguous_one_of",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ImportKindEnum": "kejin.enterprises.choices.ImportKind",
        "ImportStatusEnum": "kejin.enterprises.choices.ImportStatus",
        "OverrideKindEnum": "kejin.registry.choices.OverrideKind",
        "ScorecardKindEnum": "kejin.credit.choices.ScorecardKind",
        "RuleVersionStatusEnum": "kejin.facts.choices.RuleVersionStatus",
        "ProductStatusEnum": "kejin.financing.choices.ProductStatus",
        "ProductTypeEnum": "kejin.financing.choices.ProductType",
        "LeadStatusEnum": "kejin.financing.choices.LeadStatus",
        "DemandStatusEnum": "kejin.financing.choices.DemandStatus",
        "RejectionReasonEnum": "kejin.financing.choices.RejectionReason",
        "LoanStatusEnum": "kejin.financing.choices.LoanStatus",
        "RejectReasonEnum": "kejin.policies.choices.RejectReason",
    },
}

# Celery: without a broker, tasks run eagerly in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# A prefix on every key the broker uses in Redis (e.g. "kejin-staging:"), so that two
# installations — or two test runs — sharing one Redis database never see each other's tasks.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": env.str("CELERY_BROKER_KEY_PREFIX", default="")
}
# `celery -A config beat` runs the dead-work sweep (kejin.ingest.sweep); without beat, cron
# runs `manage.py ingest_sweep_stale` (docs/operations.md). The daily scan of credit disputes
# past their deadline: without beat, cron runs `manage.py credit_disputes_scan`.
CELERY_BEAT_SCHEDULE = {
    "ingest-sweep-stale": {"task": "ingest.sweep_stale", "schedule": 10 * 60},
    # Credit records delivered before their enterprise was registered (kejin.credit.ingest),
    # matched before the nightly scoring.
    "credit-records-match": {
        "task": "credit.records_match",
        "schedule": crontab(hour=1, minute=0),
    },
    # Every enterprise rescored by the active scorecard each night (only changes written).
    "credit-scores-nightly": {
        "task": "credit.scores_refresh",
        "schedule": crontab(hour=1, minute=30),
    },
    "credit-disputes-overdue": {
        "task": "credit.disputes_overdue_flag",
        "schedule": crontab(hour=1, minute=10),  # daily, Asia/Shanghai (CELERY_TIMEZONE)
    },
    # Financing step deadlines (kejin.financing.sla): overdue demands flagged and escalated,
    # hourly in working hours and once at night; without beat, cron runs
    # `manage.py financing_deadlines_scan`.
    "financing-deadlines-scan": {
        "task": "financing.demands_overdue_scan",
        "schedule": crontab(minute=5, hour="0,8-18"),
    },
    # Application step deadlines (kejin.policies.sla_applications): officers reminded once per
    # overdue step; without beat, cron runs `manage.py policies_deadlines_scan`.
    "policies-deadlines-scan": {
        "task": "policies.applications_overdue_scan",
        "schedule": crontab(hour=8, minute=15),  # daily, Asia/Shanghai (CELERY_TIMEZONE)
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
