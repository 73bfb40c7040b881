"""Settings of both planes, read from the environment.

Defaults suit the embedded local stack (`make run`, `make test`). With DJANGO_ENV=production
the process refuses to start on unsafe values instead of falling back to them.
"""

import math
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.client_address import parse_networks
from config.env import env_bool, env_float, env_int, env_list, env_str
from config.task_queues import task_queues

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = BASE_DIR / ".local"

DJANGO_ENV = env_str("DJANGO_ENV", "local").lower()
if DJANGO_ENV not in {"local", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'local' or 'production', not {DJANGO_ENV!r}.")
IS_PRODUCTION = DJANGO_ENV == "production"

PLATFORM_NAME = env_str("PLATFORM_NAME", "e-Office Cloud")
# The control plane answers on this host (and www.); tenants on <subdomain>.PLATFORM_DOMAIN.
PLATFORM_DOMAIN = env_str("PLATFORM_DOMAIN", "" if IS_PRODUCTION else "localhost").lower()
CONTROL_PLANE_HOSTS = [PLATFORM_DOMAIN]
# How links in e-mails reach the platform from outside (a development server keeps its port).
PUBLIC_URL_SCHEME = env_str("PUBLIC_URL_SCHEME", "https" if IS_PRODUCTION else "http")
PUBLIC_PORT = env_str("PUBLIC_PORT", "" if IS_PRODUCTION else "8000")

# --- Secrets and hosts -------------------------------------------------------------------------
_LOCAL_SECRET = "local-only-not-secret-" + "x" * 40
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "" if IS_PRODUCTION else _LOCAL_SECRET)
DEBUG = env_bool("DJANGO_DEBUG", not IS_PRODUCTION)
ALLOWED_HOSTS = [PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}", *env_list("DJANGO_ALLOWED_HOSTS")]


def _looks_random(key: str) -> bool:
    """At least 50 characters, not Django's placeholder, not a repeated block, and at least 160
    bits by the characters' own frequencies: a 50-character hex key passes, "abc" * 20 fails."""
    if len(key) < 50 or key.startswith("django-insecure-") or key == _LOCAL_SECRET:
        return False
    if any(key == (key[:size] * (len(key) // size + 1))[: len(key)] for size in range(1, 26)):
        return False
    counts = Counter(key).values()
    bits = -sum(n * math.log2(n / len(key)) for n in counts)
    return len(counts) >= 10 and bits >= 160


if IS_PRODUCTION:
    if not _looks_random(SECRET_KEY):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in "
            "production, not a placeholder or a pattern "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    if not PLATFORM_DOMAIN or PLATFORM_DOMAIN in {"localhost", "127.0.0.1"}:
        raise ImproperlyConfigured(
            "PLATFORM_DOMAIN must be set to the public domain in production (e.g. eoffice.gov.pk); "
            "it decides which hosts are allowed."
        )
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")

# --- Applications: the public schema holds the control plane, each tenant schema an e-office ----
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "provisioning",
    "billing",
    "reports",
    "console",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
]
# Officers' accounts and sessions live in each tenant's schema, as django-tenants' security notes
# require: the same e-mail and cookie mean nothing on another tenant's host.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "eoffice",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
ROOT_URLCONF = "config.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    # First: forwarded headers from anyone but a trusted proxy are gone before anything reads them.
    "config.client_address.TrustedProxyMiddleware",
    "config.security_headers.ContentSecurityPolicyMiddleware",
    # Probes answer before host validation and tenant lookup: a load balancer asks by IP.
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tenants.middleware.TenantRoutingMiddleware",
    # Right after routing (WhiteNoise goes between them in production: static files are free).
    "config.request_limits.TenantRequestLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Outside everything that answers for a signed-in officer (views, the MFA and read-only
    # middleware below), so each of those answers is marked no-store.
    "config.security_headers.PrivatePagesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: an officer's own choice of language wins over the browser's.
    "django.middleware.locale.LocaleMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.SlidingSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "tenants.read_only.SuspendedTenantReadOnlyMiddleware",
    # Inside the read-only middleware: a frozen e-office is closed before anything is written,
    # and a suspended one accepts this record (eoffice.write_modes.SUSPENDED_WRITES).
    "accounts.middleware.ActiveDayMiddleware",
    "accounts.middleware.FederalAdminMFAMiddleware",
]

if IS_PRODUCTION:
    # Serves collected, compressed, hashed static files; locally runserver serves them.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("tenants.middleware.TenantRoutingMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.platform",
                "billing.context_processors.grace_banner",
            ],
            # Faster twins of Django's own filters, the same output (issue 12).
            "builtins": ["config.template_builtins"],
        },
    },
]

# Django's widget templates, rendered in Python where an app does not override them: a select
# of 200 posts cost 26 ms of template includes (issue 12).
FORM_RENDERER = "config.form_renderer.FormRenderer"

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database ------------------------------------------------------------------------------------
# Without DATABASE_URL the embedded PostgreSQL of `make run` / `make test` is used: it listens on
# a socket inside .local/postgres, never on a TCP port that could collide with another server.
EMBEDDED_POSTGRES_DIR = LOCAL_DIR / "postgres"
_embedded_url = f"postgres://postgres@{quote(str(EMBEDDED_POSTGRES_DIR), safe='')}/eoffice"
DATABASE_URL = env_str("DATABASE_URL", "" if IS_PRODUCTION else _embedded_url)
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set in production.")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # django-tenants' backend, with the search_path sent only when it changes and, behind
        # a transaction pooler, inside every transaction (config.database.base).
        engine="config.database",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# "transaction" when DATABASE_URL is a PgBouncer in transaction pooling mode (platform/README.md):
# a server connection then serves another client after every transaction, so nothing may be
# left on it: no session search_path, no server-side cursor held open across transactions.
DATABASE_POOL_MODE = env_str("DATABASE_POOL_MODE", "session")
if DATABASE_POOL_MODE not in {"session", "transaction"}:
    raise ImproperlyConfigured("DATABASE_POOL_MODE must be 'session' or 'transaction'.")
if DATABASE_POOL_MODE == "transaction":
    # Read by config.database.base; the stubs' DBConfig lists only Django's own keys.
    cast(dict[str, Any], DATABASES["default"])["TRANSACTION_POOLING"] = True
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

# --- Cache and sessions --------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if IS_PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production: rate limits (failed sign-ins) and cached sessions "
        "must be shared by every web process, not counted separately in each."
    )
# Keys carry the tenant's schema (django_tenants.cache.make_key), so a cached session or rate-limit
# counter of one tenant is never found under another tenant's host.
_cache_common = {
    "KEY_FUNCTION": "django_tenants.cache.make_key",
    "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "eoffice"),
}
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, reusing one Redis client instead of one per call.
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A dead Redis must cost milliseconds, not a hung request: sessions fall back to the DB.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            **_cache_common,
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", **_cache_common}
    }
# The same store without the schema in its keys, for what belongs to no tenant: which tenant a
# host serves (tenants.routing) is asked before any schema is chosen.
CACHES["platform"] = {
    **CACHES["default"],
    "KEY_FUNCTION": "django.core.cache.backends.base.default_key_func",
    "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "eoffice") + "-platform",
}

# Sessions live in each schema's table with the cache in front: restarting a web process, a
# worker or Redis logs no one out. Expiry slides with activity (accounts.middleware).
SESSION_ENGINE = "accounts.session_store"

# Each tenant's request budget (config.request_limits): a bucket of TENANT_REQUEST_BURST
# requests refilled at TENANT_REQUESTS_PER_SECOND; 0 requests per second turns the limit off.
TENANT_REQUESTS_PER_SECOND = env_float("TENANT_REQUESTS_PER_SECOND", 100.0)
TENANT_REQUEST_BURST = env_int("TENANT_REQUEST_BURST", 3000)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 8 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# How stale the stored expiry may get before a request renews it; avoids a write per request.
SESSION_REFRESH_INTERVAL = min(300, max(1, SESSION_IDLE_TIMEOUT // 100))
SESSION_COOKIE_DOMAIN = None  # host-only: a cookie of punjab.<domain> never reaches sindh.<domain>
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_DOMAIN = None
# The __Host- prefix makes browsers enforce host-only, Secure and Path=/ (HTTPS only).
SESSION_COOKIE_NAME = "__Host-eoffice-session" if IS_PRODUCTION else "eoffice_session"
CSRF_COOKIE_NAME = "__Host-eoffice-csrf" if IS_PRODUCTION else "eoffice_csrf"

# --- Passwords and accounts ------------------------------------------------------------------
PASSWORD_HASHERS = [
    "accounts.hashers.OWASPArgon2idHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_SESSION_REMEMBER = True  # the idle timeout, not the browser, ends a session
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PLATFORM_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if IS_PRODUCTION else "http"
# A whole secretariat signs in at 9 am from one NAT address, and anyone can type wrong passwords
# for an officer: allauth's per-IP sign-in limit and its per-account lock are off, and failed
# sign-ins are limited per account and address pair, slowed (never locked) per account, and
# capped per address by accounts.login_throttle (its limits: LOGIN_THROTTLE, defaults there).
_LOGINS_PER_IP = env_int("LOGIN_RATE_LIMIT_PER_IP_PER_MINUTE", 600)
ACCOUNT_RATE_LIMITS = {
    "login": None,
    "login_failed": None,
    "reset_password": f"{_LOGINS_PER_IP // 10}/m/ip,5/m/key",
    "reset_password_from_key": f"{_LOGINS_PER_IP // 10}/m/ip",
}
LOGIN_THROTTLE = {
    "ADDRESS_CEILING": env_int("LOGIN_FAILURES_PER_ADDRESS_PER_HOUR", 1000),
}
# allauth counts per-IP limits under config.client_address's rule (accounts.adapter), never a
# number of X-Forwarded-For hops that any client can prepend to.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# allauth signs its "trust this browser" cookie with the shared key alone, not bound to a tenant.
MFA_TRUST_ENABLED = False
MFA_TOTP_ISSUER = PLATFORM_NAME
# Federal administrators oversee every tenant: without TOTP they are sent to set it up first.
REQUIRE_FEDERAL_ADMIN_MFA = env_bool("REQUIRE_FEDERAL_ADMIN_MFA", IS_PRODUCTION)
if IS_PRODUCTION and not REQUIRE_FEDERAL_ADMIN_MFA:
    raise ImproperlyConfigured("REQUIRE_FEDERAL_ADMIN_MFA cannot be turned off in production.")
# Until then a password opens nothing but the page that e-mails the enrolment link; the link
# (valid this long, on the control plane only) opens the enrolment (accounts.mfa_enrolment).
FEDERAL_MFA_ENROLMENT_LINK_TIMEOUT = env_int("FEDERAL_MFA_ENROLMENT_LINK_TIMEOUT_SECONDS", 86400)
# Every signed or hashed token is bound to the schema of the host that issued it (architecture
# rule 6, accounts.tokens): reset and invitation links, e-mail confirmations, the messages cookie.
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "accounts.tokens.TenantPasswordResetTokenGenerator"  # noqa: S105 - a class path
MESSAGE_STORAGE = "accounts.tokens.TenantMessageStorage"

# --- Mail ------------------------------------------------------------------------------------
# No request waits on a mail server: Django's backend queues each message for a worker once the
# transaction commits (config.mail), and the worker delivers it with the backend the
# environment's EMAIL_BACKEND names, retrying with backoff.
EMAIL_BACKEND = "config.mail.QueuedEmailBackend"
EMAIL_DELIVERY_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_DELIVERY_RETRIES = env_int("EMAIL_DELIVERY_RETRIES", 8)
EMAIL_RETRY_SECONDS = env_float("EMAIL_RETRY_SECONDS", 10.0)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", IS_PRODUCTION)
EMAIL_TIMEOUT = 10
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(LOCAL_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{PLATFORM_NAME} <no-reply@{PLATFORM_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# config is no Django app, so the worker is told where the delivery task lives.
CELERY_IMPORTS = ["config.mail"]

# --- Background work -------------------------------------------------------------------------
# Without a broker server the embedded default queues tasks in a local folder: still a real,
# separate worker process, just no Redis to install.
BROKER_DIR = LOCAL_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if IS_PRODUCTION and CELERY_BROKER_URL.startswith("filesystem://"):
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL (or REDIS_URL) must name a broker server in production; the local "
        "folder queue only serves one machine."
    )
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # The folder is polled; a tenth of a second keeps a six-step provisioning run quick.
        "polling_interval": 0.1,
    }
    # kombu does not create these; the embedded default must work on a fresh clone.
    for _folder in ("queue", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# A task whose worker dies is delivered again, so every task must be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "eoffice")
# Work that reads a whole tenant schema (or every tenant's rows) has a queue of its own and runs
# at most TENANT_HEAVY_TASKS_AT_ONCE at a time per tenant (config.heavy_work). Every worker
# consumes both queues: a worker started without -Q reads CELERY_TASK_QUEUES.
HEAVY_TASKS = [
    "tenants.tasks.collect_rollup",
    "billing.tasks.usage.collect_usage",
    "billing.tasks.usage.recompute_usage",
    "reports.tasks.roll_up",
    "reports.tasks.roll_up_all",
    "provisioning.tasks.run_archive_task",
    "provisioning.tasks.back_up_tenant_task",
    "provisioning.tasks.drill_newest_backups",
]
CELERY_TASK_QUEUES = task_queues(CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_ROUTES = ["config.heavy_work.route_task"]
TENANT_HEAVY_TASKS_AT_ONCE = env_int("TENANT_HEAVY_TASKS_AT_ONCE", 1)
# A killed worker's slot is free again after this; longer than any heavy task runs.
TENANT_HEAVY_TASK_LEASE_SECONDS = env_int("TENANT_HEAVY_TASK_LEASE_SECONDS", 15 * 60)
# A task that finds its tenant's slots taken waits this long, doubling on each wait.
TENANT_HEAVY_TASK_RETRY_SECONDS = env_float("TENANT_HEAVY_TASK_RETRY_SECONDS", 2.0)
# Federal figures stay at most this old without anyone pressing "Refresh figures".
CELERY_BEAT_SCHEDULE = {
    "refresh-tenant-rollups": {
        "task": "tenants.tasks.refresh_all_rollups",
        "schedule": env_int("ROLLUP_INTERVAL_SECONDS", 15 * 60),
    },
    # Grace periods of overdue invoices, and the reminders due (each sent once).
    "run-dunning": {"task": "billing.tasks.dunning.run_dunning", "schedule": 60 * 60},
    # Read-only for invoices whose grace ended unpaid; writable again within a minute of paying.
    "apply-billing-holds": {"task": "provisioning.tasks.apply_billing_holds", "schedule": 60},
}

# --- Stripe (collection; our own ledger says what is owed) -----------------------------------
# The API version is pinned: Stripe changes response shapes between versions, and the library's
# types describe this one. STRIPE_API_BASE points the client at localstripe (tests, `make run`);
# empty means the real Stripe.
STRIPE_API_VERSION = env_str("STRIPE_API_VERSION", "2026-10-28.endive")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "" if IS_PRODUCTION else "sk_test_local")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "" if IS_PRODUCTION else "pk_test_local")
STRIPE_WEBHOOK_SECRET = env_str(
    "STRIPE_WEBHOOK_SECRET", "" if IS_PRODUCTION else "whsec_local_not_secret"
)
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "").rstrip("/")
STRIPE_JS_URL = env_str(
    "STRIPE_JS_URL",
    f"{STRIPE_API_BASE}/js.stripe.com/v3/" if STRIPE_API_BASE else "https://js.stripe.com/v3/",
)
# Webhook signatures older than this are refused (replayed captures).
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
STRIPE_TIMEOUT_SECONDS = env_float("STRIPE_TIMEOUT_SECONDS", 20.0)
if IS_PRODUCTION:
    for _name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"):
        if not globals()[_name]:
            raise ImproperlyConfigured(f"{_name} must be set in production.")
    if STRIPE_API_BASE:
        raise ImproperlyConfigured(
            "STRIPE_API_BASE must be empty in production: it points at a local fake Stripe."
        )
    if not STRIPE_SECRET_KEY.startswith(("sk_", "rk_")):
        raise ImproperlyConfigured("STRIPE_SECRET_KEY must be a secret or restricted key.")
CELERY_BEAT_SCHEDULE["reconcile-open-invoices"] = {
    "task": "billing.tasks.collection.reconcile_open_invoices",
    # Daily, after the month-end run (02:00 on the 1st) has sent its invoices.
    "schedule": crontab(hour="3", minute="30"),
}

# A provisioning step that fails is retried this many times, waiting 1, 2, 4 … seconds.
PROVISIONING_STEP_RETRIES = env_int("PROVISIONING_STEP_RETRIES", 3)
# A provisioning run with no step finished for this long, and no worker on it, may be retried.
PROVISIONING_STALL_SECONDS = env_int("PROVISIONING_STALL_SECONDS", 120)

# --- Billing's ledger ------------------------------------------------------------------------
# Sales tax on invoices, a percentage printed as its own field (0 = none charged).
BILLING_TAX_PERCENT = env_str("BILLING_TAX_PERCENT", "0")
try:
    _tax = Decimal(BILLING_TAX_PERCENT)
    # Two decimals at most: the invoice stores the rate it was charged at with two.
    if not 0 <= _tax < 100 or int(_tax.as_tuple().exponent) < -2:
        raise InvalidOperation
except InvalidOperation as not_a_percentage:
    raise ImproperlyConfigured(
        "BILLING_TAX_PERCENT must be a percentage from 0 to 99.99 with at most two decimals, "
        f"not {BILLING_TAX_PERCENT!r}."
    ) from not_a_percentage
# An invoice is due this many days after it is finalised (overdue after that).
BILLING_PAYMENT_DAYS = env_int("BILLING_PAYMENT_DAYS", 14)
# Beat times are in TIME_ZONE (CELERY_TIMEZONE below), the clock billing's days are counted in:
# each task runs after that midnight, so its "today" (timezone.localdate) is already the new day.
CELERY_BEAT_SCHEDULE["billing-month-end"] = {
    # The previous month is rated and invoiced once the nightly usage collection is done.
    "task": "billing.tasks.invoices.month_end",
    "schedule": crontab(day_of_month="1", hour="2", minute="0"),
}
CELERY_BEAT_SCHEDULE["billing-mark-overdue"] = {
    # An invoice unpaid the day after its due date is overdue (and its grace period opens).
    "task": "billing.tasks.invoices.mark_overdue_invoices",
    "schedule": crontab(hour="0", minute="20"),
}
CELERY_BEAT_SCHEDULE["billing-apply-due-terms"] = {
    # Plan and partner changes recorded for a future day take effect on that day.
    "task": "billing.tasks.invoices.apply_due_terms",
    "schedule": crontab(hour="0", minute="10"),
}

# --- Object storage --------------------------------------------------------------------------
S3_BUCKET = env_str("S3_BUCKET")
S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL") or None
S3_REGION = env_str("S3_REGION", "us-east-1")
LOCAL_STORAGE_DIR = Path(env_str("LOCAL_STORAGE_DIR", str(LOCAL_DIR / "storage")))
if IS_PRODUCTION and not S3_BUCKET:
    raise ImproperlyConfigured("S3_BUCKET must be set in production; files are kept in S3.")
if not S3_BUCKET:
    LOCAL_STORAGE_DIR.mkdir(parents=True, exist_ok=True)

# Per-tenant backups (provisioning.backups): nightly, kept 7 daily / 4 weekly / 12 monthly
# (provisioning.backup_retention), and the newest of each tenant restored and verified weekly.
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 4)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12)
# Sent with every backup upload to S3 (encryption at rest); empty for a store that refuses it.
BACKUP_S3_SERVER_SIDE_ENCRYPTION = env_str("BACKUP_S3_SERVER_SIDE_ENCRYPTION", "AES256")
CELERY_BEAT_SCHEDULE["back-up-tenants"] = {
    "task": "provisioning.tasks.back_up_serving_tenants",
    "schedule": crontab(hour="1", minute="15"),
}
CELERY_BEAT_SCHEDULE["drill-tenant-restores"] = {
    "task": "provisioning.tasks.drill_newest_backups",
    "schedule": crontab(day_of_week="sun", hour="4", minute="0"),
}

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The e-office speaks English and Urdu (right to left); each officer chooses (accounts.User).
LANGUAGES = [("en", "English"), ("ur", "اردو")]
# The project's own strings, then django-allauth's pages in Urdu (see locale/allauth/README.md).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "allauth"]
# Day/month/year input and display for both languages, whatever the browser's locale.
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_NAME = "eoffice_language"
TIME_ZONE = env_str("TIME_ZONE", "Asia/Karachi")
# Beat counts its crontab hours in the platform's time zone, so the billing day, the usage day
# and the hour a nightly task runs are one clock (daylight saving included).
CELERY_TIMEZONE = TIME_ZONE
# Yesterday's usage of every billable tenant (and back-fills of missed days), at 00:30.
CELERY_BEAT_SCHEDULE["collect-daily-usage"] = {
    "task": "billing.tasks.usage.collect_all_usage",
    "schedule": crontab(hour="0", minute="30"),
}
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Proxies ---------------------------------------------------------------------------------
# X-Forwarded-For and X-Forwarded-Proto count only from these peers (the load balancer's
# addresses or networks); from anyone else they are removed (config.client_address).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
parse_networks(TRUSTED_PROXIES)
if IS_PRODUCTION and not TRUSTED_PROXIES:
    raise ImproperlyConfigured(
        "TRUSTED_PROXIES must list the load balancer's addresses or networks in production "
        "(e.g. 10.0.0.0/16): without it every client looks like the balancer, and HTTPS "
        "requests like plain HTTP."
    )
if env_str("TRUSTED_PROXY_COUNT"):
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT is no longer read (any client can add hops to X-Forwarded-For): "
        "list the proxies' addresses or networks in TRUSTED_PROXIES instead."
    )

# --- Security headers -------------------------------------------------------------------------
# Every page; htmx and the few scripts are files in static/, so scripts need no 'unsafe-inline'.
# Inline style attributes (an office's indent by depth) are allowed; <style> elements are not.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],  # the two-factor QR code is a data: image
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = [f"https://{PLATFORM_DOMAIN}", f"https://*.{PLATFORM_DOMAIN}"]

# --- Logs and errors -------------------------------------------------------------------------
LOG_FORMAT = env_str("LOG_FORMAT", "json" if IS_PRODUCTION else "text")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "config.logging.TenantFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(tenant)s] %(name)s: %(message)s"},
        "json": {"()": "config.logging.JSONFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        "stripe": {"level": "WARNING"},
    },
}

SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from config.observability import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", DJANGO_ENV),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )

# How long readiness probes wait on each dependency before calling it down.
READINESS_TIMEOUT = env_float("READINESS_TIMEOUT_SECONDS", 2.0)
# /readyz names the failing dependency and its error only to a caller that sends this token in
# X-Readiness-Token or comes from one of these networks; everyone else gets only the status.
READINESS_TOKEN = env_str("READINESS_TOKEN")
READINESS_ALLOWED_NETWORKS = env_list("READINESS_ALLOWED_NETWORKS")
parse_networks(READINESS_ALLOWED_NETWORKS, setting="READINESS_ALLOWED_NETWORKS")
if IS_PRODUCTION and READINESS_TOKEN and len(READINESS_TOKEN) < 32:
    raise ImproperlyConfigured("READINESS_TOKEN must be at least 32 random characters.")
