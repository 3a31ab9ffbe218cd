"""Settings, all from environment variables (django-environ) with safe defaults.

With no environment at all the portal runs embedded: a SQLite file and a Celery broker on the
local filesystem. Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL.
"""

import datetime
import hashlib
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The default key is public: it only serves a laptop with DEBUG on. With DEBUG off the web server
# refuses to start with it (config/wsgi.py), or with any key Django marks "django-insecure-": sessions,
# password reset and invitation links would all be forgeable. Management commands still run, so the
# register can be imported and audits run on a machine that serves nothing.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-embedded-default-set-SECRET_KEY-in-production")
SECRET_KEY_IS_PUBLIC = SECRET_KEY.startswith("django-insecure")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tables2",
    "django_filters",
    "trusts",
    "audits",
    "reports",
    "casework",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every response to a signed-in person: Cache-Control no-store (pages, exports, evidence, letters).
    "config.middleware.NoStoreForSignedInMiddleware",
    # Refuse by default: every view needs a signed-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff (and trust users who turned it on) must pass the second step before any other page.
    "trusts.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL byte or another control character in any query or form value, or an over-long query
    # value: a 400 page that says so.
    "config.middleware.RefuseBadInputMiddleware",
    # An id in the path larger than any database id: 404, not a database error.
    "config.middleware.IdsInRangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Workers and the web server write at once: WAL and immediate transactions avoid
    # "database is locked" on the embedded default.
    # Tests keep their database in a file so that worker processes they start can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 30}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "trusts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out person is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Evidence and letters are private: served only through views that check permission.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"  # nothing routes it: evidence and letters are served by views that check permission

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="equality-audit@localhost")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Who letters come from: the regulator's name and postal address (lines separated by "|" or a new
# line) at the top right of every letter, and the words before the signatory's name.
REGULATOR_NAME = env("REGULATOR_NAME", default="Health Equality Regulator")
REGULATOR_ADDRESS = [
    line.strip()
    for line in env("REGULATOR_ADDRESS", default="Equality Duties Audit|Regulation Directorate|London")
    .replace("\\n", "\n")
    .replace("|", "\n")
    .splitlines()
    if line.strip()
]
LETTER_SIGN_OFF = env("LETTER_SIGN_OFF", default="Yours sincerely")

# Production hardening; `check --deploy` is clean when DEBUG is off.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script of ours reads it; forms carry the token
SESSION_COOKIE_AGE = 60 * 60 * 8
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content security policy (django-csp): nothing but our own files; no inline script or style.
# Views that serve a stored copy of a trust's page set a stricter sandbox policy of their own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from one
# address, that pair is refused for AXES_COOLOFF_MINUTES. A correct sign-in clears the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "trusts.views.locked_out"
AXES_VERBOSE = False
# The client's address, for lockouts and the activity log: REMOTE_ADDR, unless the portal sits behind
# TRUSTED_PROXY_COUNT reverse proxies that each append to X-Forwarded-For; then the address the
# outermost of them saw (a client cannot forge it: anything it sends itself sits further left).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must not be negative")
AXES_CLIENT_IP_CALLABLE = "trusts.activity.client_address"

# Two-factor sign-in (django-otp, TOTP): required for every member of staff, optional for trust users.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Equality duties audit")
# The Django admin never shows a device's secret key or QR code: whoever may manage devices could
# otherwise copy another person's authenticator (and django-otp's views 500 on a missing device).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # django-axes reports every sign-in at INFO (the activity log already records them); WeasyPrint
    # reports each step of every PDF it renders, in whichever process renders it.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

# Celery. REDIS_URL (or CELERY_BROKER_URL) selects a shared broker; without one the broker is a
# folder on this machine, served by workers that `make demo` and `run_audit --wait` start.
# Figures kept until the audit results change (audits.results_cache): in each process by default;
# CACHE_URL=redis://host:6379/1 shares them between the web processes.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
EMBEDDED_BROKER = CELERY_BROKER_URL.startswith("filesystem://")
if EMBEDDED_BROKER:
    # One folder per database, so a demo worker never takes another database's messages.
    _database_key = hashlib.sha256(env("DATABASE_URL", default="sqlite").encode()).hexdigest()[:12]
    EMBEDDED_BROKER_DIR = env.path("EMBEDDED_BROKER_DIR", default=str(VAR_DIR / "broker" / _database_key))
    _broker_dir = Path(EMBEDDED_BROKER_DIR)
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
        # The default 1 s poll leaves a worker slot idle after every site check.
        "polling_interval": 0.1,
    }
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=15 * 60)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Longer than the hard limit, or a slow task would be delivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 300}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
CELERY_TASK_IGNORE_RESULT = True
# One queue per kind of work, so that workers on different hosts can take different kinds. The
# periodic tasks are quick and must never wait behind hundreds of site checks: they have a queue
# of their own. A bare `celery -A config worker` takes every queue in CELERY_TASK_QUEUES; `-Q` limits.
CELERY_TASK_DEFAULT_QUEUE = "crawl"
CELERY_TASK_ROUTES = {
    "audits.tasks.check_site": {"queue": "crawl"},
    "audits.tasks.recover_stale_checks": {"queue": "periodic"},
    "audits.tasks.start_periodic_audit": {"queue": "periodic"},
    "reports.tasks.*": {"queue": "letters"},
}
CELERY_TASK_QUEUES = [Queue(name) for name in sorted({route["queue"] for route in CELERY_TASK_ROUTES.values()})]
# A site check's task thread only waits while its site is crawled on the worker's event loop
# (audits/crawler/loop.py), so a worker holds this many sites at once; the CPU work runs on one
# thread per core whatever this number.
CELERY_WORKER_POOL = "threads"
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=400)
# A running check renews its lease while it works; one whose worker died is requeued once the lease
# lapses. A running cycle with no progress for AUDIT_STALL_SECONDS has its queued checks sent again
# (a broker that lost its messages). The sweep runs every AUDIT_RECOVERY_INTERVAL seconds (beat).
AUDIT_LEASE_SECONDS = env.int("AUDIT_LEASE_SECONDS", default=300)
AUDIT_STALL_SECONDS = env.int("AUDIT_STALL_SECONDS", default=600)
AUDIT_RECOVERY_INTERVAL = env.float("AUDIT_RECOVERY_INTERVAL", default=120.0)
# Every active trust is audited again for the duties in force on AUDIT_PERIODIC_AUDIT, a crontab
# "minute hour day-of-month month day-of-week" in TIME_ZONE (default 02:00 on the 1st of each month);
# empty turns it off.
AUDIT_PERIODIC_AUDIT = env("AUDIT_PERIODIC_AUDIT", default="0 2 1 * *")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "recover-lost-site-checks": {"task": "audits.tasks.recover_stale_checks", "schedule": AUDIT_RECOVERY_INTERVAL},
}
if AUDIT_PERIODIC_AUDIT:
    try:
        _periodic_audit = crontab.from_string(AUDIT_PERIODIC_AUDIT)
    except ValueError as error:
        raise ImproperlyConfigured(f"AUDIT_PERIODIC_AUDIT {AUDIT_PERIODIC_AUDIT!r} is not a crontab: {error}") from None
    CELERY_BEAT_SCHEDULE["periodic-audit"] = {"task": "audits.tasks.start_periodic_audit", "schedule": _periodic_audit}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The crawler.
AUDIT_ALLOW_PRIVATE_HOSTS = env.bool("AUDIT_ALLOW_PRIVATE_HOSTS", default=False)
AUDIT_CRAWL_DELAY = env.float("AUDIT_CRAWL_DELAY", default=1.0)
AUDIT_PAGE_BUDGET = env.int("AUDIT_PAGE_BUDGET", default=100)
AUDIT_TIME_BUDGET = env.float("AUDIT_TIME_BUDGET", default=300.0)
AUDIT_MAX_RESPONSE_BYTES = env.int("AUDIT_MAX_RESPONSE_BYTES", default=20 * 1024 * 1024)
AUDIT_CONNECT_TIMEOUT = env.float("AUDIT_CONNECT_TIMEOUT", default=10.0)
AUDIT_READ_TIMEOUT = env.float("AUDIT_READ_TIMEOUT", default=20.0)
AUDIT_USER_AGENT = env(
    "AUDIT_USER_AGENT",
    default=f"EqualityDutiesAudit/0.1 (+{SITE_URL}/about/crawler)",
)
for _name in ("AUDIT_CRAWL_DELAY", "AUDIT_TIME_BUDGET", "AUDIT_CONNECT_TIMEOUT", "AUDIT_READ_TIMEOUT"):
    if vars()[_name] < 0:
        raise ImproperlyConfigured(f"{_name} must not be negative")
if AUDIT_PAGE_BUDGET < 1:
    raise ImproperlyConfigured("AUDIT_PAGE_BUDGET must be at least 1")

# Casework (casework/): each morning, the reminders before a case's deadline (days before it), the
# recheck once it has passed, and the next letter once that recheck has ended.
CASE_REMINDER_DAYS = sorted(env.list("CASE_REMINDER_DAYS", cast=int, default=[14, 3]), reverse=True)
if any(days < 1 for days in CASE_REMINDER_DAYS):
    raise ImproperlyConfigured("CASE_REMINDER_DAYS must be whole numbers of days, each at least 1")
CELERY_BEAT_SCHEDULE["follow-cases"] = {"task": "casework.tasks.follow_cases", "schedule": crontab(minute=0, hour=7)}
