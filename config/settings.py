"""Settings: every value comes from the environment, with a default that is safe to run."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def envbool(name, default):
    """Strictly: a typo (TWO_FACTOR_REQUIRED=Ture) stops the start, naming the setting, instead of
    quietly meaning "off"."""
    value = os.environ.get(name, default).strip().lower()
    if value not in TRUE + FALSE:
        raise ImproperlyConfigured(f"{name}={value!r}: нужно true или false (1/0, yes/no, on/off)")
    return value in TRUE


def envint(name, default):
    value = os.environ.get(name, default).strip()
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name}={value!r}: нужно целое неотрицательное число")
    return int(value)


def envfloat(name, default):
    value = os.environ.get(name, default).strip()
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0 <= number < float("inf"):
        raise ImproperlyConfigured(f"{name}={value!r}: нужно неотрицательное число")
    return number


def envlist(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "False")
# The demo district on one machine (make demo): DEBUG off like production, but mail into files
# and uploads on this disk are allowed (config/production.py).
DEMO = envbool("DEMO", "False")
# No default: with DEBUG off a process that serves or sends refuses to start without a real key
# (config/production.py); development and tests get one from deploy/devservices.py.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Rotating the key: the old one here for a session's lifetime keeps people signed in.
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS", "")
# The portal and the district console answer here; school N at "<slug>.<BASE_DOMAIN>".
BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "localhost")
# Port and scheme used only to print absolute links (invitations, demo output).
SITE_SCHEME = os.environ.get("SITE_SCHEME", "http")
SITE_PORT = os.environ.get("SITE_PORT", "8000")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", f"{BASE_DOMAIN},.{BASE_DOMAIN},127.0.0.1")
# Behind a TLS proxy (the ingress, the one-server install's Caddy): how many proxies stand in front
# of the app. Only then are X-Forwarded-Proto and X-Forwarded-For believed, and of the latter only
# the address the outermost trusted proxy saw (groundwork.addresses.client_ip): a client cannot forge it.
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", "0")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
CSRF_TRUSTED_ORIGINS = [f"https://{BASE_DOMAIN}", f"https://*.{BASE_DOMAIN}"]

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "accounts",
    "audit",
    "monitoring",
    "billing",
    "sms",
    "guide",
    "demo",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "csp",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
# Tables of these apps exist in every school schema; `audit` is in both lists on purpose:
# district actions are audited in public, journal writes in the school's own schema.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "audit",
    "journal",
    "diary",
    "notifications",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.School"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# One `SET search_path` per request instead of one before every query (25 statements instead of
# 44 for a mark). Safe only because django-tenants >= 4.0.1 (pinned) forgets the path on a
# savepoint rollback (issue 1262); tests/test_tenancy.py reads rows after such a rollback, on and off.
TENANT_LIMIT_SET_CALLS = envbool("TENANT_LIMIT_SET_CALLS", "True")
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_school"
DATABASE_ROUTERS = ["tenants.routers.OwnerRouter", "django_tenants.routers.TenantSyncRouter"]
# migrate_schemas visits only the schools that are behind (tenants/migrating.py).
GET_EXECUTOR_FUNCTION = "tenants.migrating.get_executor"
# migrate_schemas --executor=multiprocessing: school schemas migrated side by side.
TENANT_MULTIPROCESSING_MAX_PROCESSES = envint("TENANT_MULTIPROCESSING_MAX_PROCESSES", "2")

MIDDLEWARE = [
    "config.health.HealthMiddleware",
    # As the libraries document: security headers first, static files before anything reads the
    # database (no school lookup per file), then the school; so an unknown host's page has them too.
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "tenants.middleware.SchoolMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "groundwork.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "groundwork.bad_input.BadInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.RefusalsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SchoolAccessGate",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "groundwork.uploads.UncommittedFilesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context.site",
                "diary.context.unread",
                "guide.context.help_url",
                "groundwork.low_vision.context",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgresql:///ejournal"),
        engine="groundwork.postgresql",
        # Kept between requests by gunicorn's workers; the dev server opens a thread per request,
        # so make demo sets 0 (else every thread keeps its own connection open).
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
        # No `SELECT 1` before each request's first statement: a connection PostgreSQL dropped fails
        # that one request and is closed at its end (Django closes a connection after an error).
        conn_health_checks=envbool("DB_CONN_HEALTH_CHECKS", "False"),
    )
}
# One request, one transaction: a request that fails half-way (a refusal, a crash) leaves nothing behind.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Two roles (docs/operations.md): DATABASE_URL is the app's, which reads and writes rows but owns
# no table, so it cannot alter or disable a trigger (the audit's append-only one). Tables are
# made by their owner: migrate_schemas runs with DATABASE_URL set to the owner's, and a new
# school's schema is made through OWNER_DATABASE_URL (tenants/schema.py). Unset: one role.
if os.environ.get("OWNER_DATABASE_URL"):
    DATABASES["owner"] = dj_database_url.parse(
        os.environ["OWNER_DATABASE_URL"], engine="groundwork.postgresql", conn_max_age=0
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"  # 64-bit keys: see docs on sharding

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Failing open (groundwork.caches): with Redis down pages and sign-in go on without the cache; and a
# Redis that does not answer is given up after a second instead of holding the request.
_REDIS_CACHE = {
    "BACKEND": "groundwork.caches.FailOpenRedisCache",
    "LOCATION": REDIS_URL,
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}
CACHES = {
    # The schema is part of every key: the same key in two schools is two entries.
    "default": _REDIS_CACHE | {"KEY_FUNCTION": "django_tenants.cache.make_key"},
    # Sign-in failures and request rates count across every address of the installation, so
    # this one has no schema in its keys: guessing at fifty schools' addresses is one counter.
    "shared": _REDIS_CACHE | {"KEY_PREFIX": "shared"},
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.IdentifierBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOCKOUT_ATTEMPTS = envint("LOCKOUT_ATTEMPTS", "5")
LOCKOUT_MINUTES = envint("LOCKOUT_MINUTES", "15")
INVITATION_DAYS = envint("INVITATION_DAYS", "14")
PASSWORD_RESET_TIMEOUT = 3600  # the «Забыли пароль?» link lives an hour (and works once)
# Sign-in limits (accounts.lockout), counted in PostgreSQL before each password check:
# LOCKOUT_ATTEMPTS per login and network, the wait doubling after each lockout; ACCOUNT_CEILING
# failures an hour per login from browsers it never signed in from.
ACCOUNT_CEILING = envint("ACCOUNT_CEILING", "10")
# Two-factor sign-in (django-otp, TOTP and recovery codes): required for district staff and
# school administration (accounts.two_factor); the demo turns it off so its logins work as listed.
TWO_FACTOR_REQUIRED = envbool("TWO_FACTOR_REQUIRED", "True")
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Электронный журнал")

# Sessions live in public; the cookie is bound to the host that issued it, so a session
# made at one school's address is never sent to another school's address.
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
# Secure by default: with DEBUG off only SECURE_COOKIES=false, said outright, serves plain http.
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "False" if DEBUG else "True")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Headers of every answer (tests/test_bad_input.py reads them off the production settings).
# SECURE_COOKIES=true means the site is served over HTTPS (the Helm chart sets it): then browsers
# are told to come back over HTTPS only, for a year, on every school's address too.
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # a pupil's page address never leaves the site in a Referer
X_FRAME_OPTIONS = "DENY"
# django-csp: scripts and styles from our own static files only; no inline script, no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(8 * 3600))

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves /static/ from the app with DEBUG off. The image collects the files at build
# time with hashed, compressed names (STATIC_MANIFEST=true); without a collected manifest (tests,
# make demo) names stay plain and the files come from the apps' folders.
STATIC_MANIFEST = envbool("STATIC_MANIFEST", "False")
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static")) if STATIC_MANIFEST else None
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# Uploaded files; each school's under its own prefix, served only by views that check access
# (streamed through the app: no public or signed link to a pupil's file leaves it). With
# S3_BUCKET set they go to S3-compatible storage (MinIO or a cloud's), shared by every pod;
# otherwise to MEDIA_ROOT on local disk (make demo, a one-server install with a volume).
S3_BUCKET = os.environ.get("S3_BUCKET", "")
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": S3_BUCKET,
                "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("S3_REGION") or None,
                "access_key": os.environ.get("S3_ACCESS_KEY") or None,
                "secret_key": os.environ.get("S3_SECRET_KEY") or None,
                "default_acl": None,  # the bucket's own (private) policy
                "querystring_auth": True,
                "file_overwrite": False,
                "addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "path"),  # MinIO's
            },
        }
        if S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# The largest request we take (a 10 MB homework file and its form), refused on its Content-Length.
MAX_REQUEST_BYTES = 12 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    # Every API view declares its audience (accounts.access.api_audience); one that does not serves nobody.
    "DEFAULT_PERMISSION_CLASSES": ["accounts.access.NoDeclaredAudience"],
    "DEFAULT_PAGINATION_CLASS": "groundwork.api.Pages",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "groundwork.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["groundwork.throttles.Writes"],
    "DEFAULT_THROTTLE_RATES": {
        "writes": os.environ.get("THROTTLE_WRITES", "600/min"),  # a teacher typing marks makes ~1/s
        "sign_in": os.environ.get("THROTTLE_SIGN_IN", "30/min"),  # per address; the limits per login: accounts.lockout
        "invitation": os.environ.get("THROTTLE_INVITATION", "30/min"),  # codes tried per address
        "two_factor": os.environ.get("THROTTLE_TWO_FACTOR", "20/min"),  # second-factor codes per address
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Электронный журнал — API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "groundwork.api.document_errors"],
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TENANT_CACHE_SECONDS = envint("TENANT_CACHE_SECONDS", "60")
CELERY_TIMEZONE = TIME_ZONE
# A periodic job reaches every school in batches of FAN_OUT_BATCH spread over FAN_OUT_WINDOW
# seconds (tenants.tasks.fan_out): the queue holds one batch at a time however many schools.
FAN_OUT_BATCH = envint("FAN_OUT_BATCH", "100")
FAN_OUT_WINDOW = envint("FAN_OUT_WINDOW", "1800")
CELERY_BEAT_SCHEDULE = {
    "school-figures": {"task": "tenants.tasks.dispatch_school_figures", "schedule": 3600.0},
    "expired-sessions": {"task": "accounts.tasks.clear_expired_sessions", "schedule": crontab(hour=3, minute=0)},
    "people-checks": {"task": "tenants.tasks.dispatch_people_checks", "schedule": crontab(hour=4, minute=15)},
    "notifications": {"task": "notifications.tasks.sweep_notifications", "schedule": 60.0},
    "sms": {"task": "sms.tasks.send_text_messages", "schedule": 60.0},
    "quality-indicators": {"task": "monitoring.tasks.dispatch_school_months", "schedule": crontab(hour=2, minute=30)},
    "programme-figures": {
        "task": "monitoring.tasks.dispatch_school_programmes",
        "schedule": crontab(hour=2, minute=45),
    },
    # Each school makes its own filling (1st) and activity (Monday) report, then the district's is put together.
    "filling-reports": {
        "task": "monitoring.tasks.dispatch_school_reports",
        "args": ["filling"],
        "schedule": crontab(hour=3, minute=30, day_of_month=1),
    },
    "activity-reports": {
        "task": "monitoring.tasks.dispatch_school_reports",
        "args": ["activity"],
        "schedule": crontab(hour=3, minute=30, day_of_week=1),
    },
    # Daily: the month's report is made once, as soon as no term mark's deadline is still ahead.
    "monthly-reports": {
        "task": "monitoring.tasks.monthly_reports",
        "schedule": crontab(hour=6, minute=0),
    },
    "weekly-activity-report": {
        "task": "monitoring.tasks.weekly_activity_report",
        "schedule": crontab(hour=6, minute=0, day_of_week=1),
    },
    "teacher-reminders": {"task": "monitoring.tasks.dispatch_reminders", "schedule": crontab(hour=7, minute=30)},
    # Billing, in public: yesterday's use of every school (after the hourly figures), the month's
    # invoices on the 1st, reminders of overdue invoices.
    "billing-usage": {"task": "billing.tasks.record_usage", "schedule": crontab(hour=1, minute=15)},
    "billing-close": {"task": "billing.tasks.close_last_month", "schedule": crontab(hour=7, minute=0, day_of_month=1)},
    "billing-reminders": {"task": "billing.tasks.remind_overdue", "schedule": crontab(hour=9, minute=0)},
    # Saturday 12:00: the week's digest for every parent.
    "weekly-digest": {
        "task": "diary.tasks.dispatch_weekly_digest",
        "schedule": crontab(hour=12, minute=0, day_of_week=6),
    },
}

# No default that pretends to send: with DEBUG off a missing or console backend refuses to start
# (config/production.py); make demo writes mails to var/mail.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"dnevnik@{BASE_DOMAIN}")

# Sign-in through identity providers (accounts.outside): IDENTITY_PROVIDERS=esia,region lists
# them; each is configured by IDP_<KEY>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _NAME (shown on the
# sign-in page), _SCOPE and _SNILS_CLAIM (which claim carries the SNILS). docs/identity.md.
IDENTITY_PROVIDERS = {
    key: {
        "name": os.environ.get(f"IDP_{key.upper()}_NAME", key),
        "issuer": os.environ.get(f"IDP_{key.upper()}_ISSUER", ""),
        "client_id": os.environ.get(f"IDP_{key.upper()}_CLIENT_ID", ""),
        "client_secret": os.environ.get(f"IDP_{key.upper()}_CLIENT_SECRET", ""),
        "scope": os.environ.get(f"IDP_{key.upper()}_SCOPE", "openid snils"),
        "snils_claim": os.environ.get(f"IDP_{key.upper()}_SNILS_CLAIM", "snils"),
    }
    for key in filter(None, os.environ.get("IDENTITY_PROVIDERS", "").split(","))
}

# SMS (sms.gateways): codes for phone logins and urgent notices to parents with only a phone.
# SMS.ru's API at SMS_GATEWAY_URL with the account's key; an empty key turns SMS off.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "https://sms.ru")
SMS_API_ID = os.environ.get("SMS_API_ID", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "")

# Web Push to the installed web app (notifications.push): the server's VAPID key pair. The public
# key (base64url, uncompressed point) goes to browsers; without both keys push is off.
# `python -c "from py_vapid import Vapid; v = Vapid(); v.generate_keys(); ..."` or deploy/devservices.py.
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", f"mailto:dnevnik@{BASE_DOMAIN}")
# Push goes only to the browsers' push services (accounts.models.PushSubscription.SERVICES).
# tests/settings.py alone adds the test's own service on 127.0.0.1; no environment variable can.
PUSH_LOOPBACK_FOR_TESTS = False

SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
SENTRY_TRACES_SAMPLE_RATE = envfloat("SENTRY_TRACES_SAMPLE_RATE", "0")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        send_default_pii=False,  # pupils' data never leaves for a third party
    )

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"school": {"()": "config.logs.SchoolFilter"}},
    "formatters": {"json": {"()": "config.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["school"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
    },
}

# The school year's electronic archive (journal/archive.py). Each export goes to the file storage
# above and to ARCHIVE_DIR, a second place (mount another disk or a network share there: the
# regulation asks for two media in different rooms). Each school signs its manifests with its own
# key, kept in ARCHIVE_KEYS_DIR (a secret volume in production; made on the first export).
ARCHIVE_DIR = os.environ.get("ARCHIVE_DIR", str(BASE_DIR / "var" / "archives"))
ARCHIVE_KEYS_DIR = os.environ.get("ARCHIVE_KEYS_DIR", str(BASE_DIR / "var" / "archive-keys"))
# Years each kind of document is kept after its school year ends (Перечень типовых документов,
# приказ Минкультуры № 558: сводные ведомости успеваемости — 25 лет, классные журналы — 5 лет).
ARCHIVE_RETENTION_YEARS = {"journal": 5, "summary_sheet": 25, "reports": 5, "missed_lessons": 5}

# Billing: our own requisites on invoices and acts, and the account payments come to.
BILLING_SUPPLIER = {
    "name": os.environ.get("BILLING_SUPPLIER_NAME", "ООО «Электронный журнал» (демо)"),
    "inn": os.environ.get("BILLING_SUPPLIER_INN", "7701010017"),
    "kpp": os.environ.get("BILLING_SUPPLIER_KPP", "770101001"),
    "address": os.environ.get("BILLING_SUPPLIER_ADDRESS", "г. Москва"),
    "bank": os.environ.get("BILLING_SUPPLIER_BANK", "ПАО Сбербанк"),
    "bik": os.environ.get("BILLING_SUPPLIER_BIK", "044525225"),
    "account": os.environ.get("BILLING_SUPPLIER_ACCOUNT", "40701810300000000012"),
    "correspondent_account": os.environ.get("BILLING_SUPPLIER_CORR_ACCOUNT", "30101810400000000225"),
}
