"""Settings, read from the environment (django-environ); every variable is listed in README.md.

Two shapes: the embedded default (DJANGO_ENV=development: SQLite, a filesystem Celery broker,
the local QBO sandbox) and production (DJANGO_ENV=production: PostgreSQL, Redis, real Intuit).
"""

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("HATSYNC_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

_INSECURE_KEY = "django-insecure-hatsync-development-key-do-not-use-in-production"


def _key_of_this_machine(path: Path) -> str:
    """Development without SECRET_KEY: a key made on first run and kept in var/ (mode 0600),
    since the default above is public (anyone could decrypt the tokens a demo stores)."""
    for _ in range(50):
        try:
            key = path.read_text().strip()
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process of the demo is writing it
                continue
            key = secrets.token_urlsafe(50)
            with os.fdopen(fd, "w") as file:
                file.write(key + "\n")
            return key
        if key:
            return key
        time.sleep(0.1)  # being written by another process
    raise ImproperlyConfigured(f"{path} is empty: remove it, and a new key is made.")


SECRET_KEY = env.str("SECRET_KEY", default="") or (
    _INSECURE_KEY if PRODUCTION else _key_of_this_machine(VAR_DIR / "secret_key"))
# Tokens a demo stored before its key was its own were encrypted with a key derived from the
# public default: still read (integrations/encryption.py), and re-encrypted with the new key
# by `manage.py rotate_token_key` (bin/demo runs it). Never in production.
TOKEN_KEY_FROM_PUBLIC_DEFAULT = "" if PRODUCTION else _INSECURE_KEY
if PRODUCTION and (SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "Production needs its own SECRET_KEY (50+ random characters); the default is refused."
    )

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "invoices",
    "integrations",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hatsync.middleware.HttpHygieneMiddleware",  # 405 for unused methods; pages never cached
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "invoices.middleware.AccountLocaleMiddleware",  # dates and numbers the account's way
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into a page
]

ROOT_URLCONF = "hatsync.urls"
WSGI_APPLICATION = "hatsync.wsgi.application"

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
                "hatsync.context_processors.support",
                "invoices.context_processors.account_words",
                "integrations.context_processors.invoice_panel",
                "integrations.context_processors.invoice_number_note",
                "integrations.context_processors.contact_customer_note",
                "integrations.context_processors.connection_renewal_banner",
                "integrations.context_processors.tax_sync_notes",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hatsync.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker write one file: wait for the lock instead of failing, and take the write
    # lock when a transaction starts so SELECT ... FOR UPDATE style sections stay serial.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "invoices.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "invoices:invoice_list"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The product is in English; the account's country picks the English whose formats (dates,
# separators) its pages use: invoices.middleware.AccountLocaleMiddleware activates it.
LANGUAGE_CODE = "en-us"
LANGUAGES = [
    ("en-us", "English (United States)"),
    ("en-gb", "English (United Kingdom)"),
    ("en-ca", "English (Canada)"),
    ("en-au", "English (Australia)"),
    ("en-ie", "English (Ireland)"),
]
TIME_ZONE = "UTC"
USE_I18N = True  # localisation (formats per language) is always on since Django 5.0
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "hatsync" / "static"]
# Serve static files straight from the apps in development (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Celery -----------------------------------------------------------------------------
# Embedded default: kombu's filesystem transport, which needs no server. Production: Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = "hatsync.broker:Transport"  # kombu's, writing atomically
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control
        "store_processed": False,
        "polling_interval": 0.2,  # seconds; kombu's default of 1 s makes bulk syncs crawl
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE
# Each worker writes that it is alive to the cache at most this often (hatsync/heartbeat.py;
# `manage.py workers_seen` reads it).
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=10.0)
# Two queues: "sync" for what a person just did (one invoice, one payment: seconds matter),
# "bulk" for imports and backlogs. Run a worker on each (see Procfile) so a big import never
# stands in front of a person's invoice.
CELERY_TASK_DEFAULT_QUEUE = "sync"
CELERY_TASK_ROUTES = {
    "integrations.tasks.drain_company": {"queue": "bulk"},
    "integrations.tasks.reconcile_account": {"queue": "bulk"},  # minutes for a big company
    "integrations.tasks.undo_sync": {"queue": "bulk"},
}

# --- Cache: shared by web and workers (rate-limit windows). Redis when REDIS_URL is set. -------
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}

# --- QuickBooks Online ----------------------------------------------------------------
# local: the bundled QBO sandbox (python -m qbo_sandbox); sandbox / production: Intuit's.
# Shown at the foot of every page: where a studio owner asks for help (Intuit's review asks
# for an in-app support contact).
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="")
QBO_ENVIRONMENT = env.str("QBO_ENVIRONMENT", default="production" if PRODUCTION else "local")
if QBO_ENVIRONMENT not in {"local", "sandbox", "production"}:
    raise ImproperlyConfigured("QBO_ENVIRONMENT must be local, sandbox or production.")
QBO_LOCAL_SANDBOX_URL = env.str(
    "QBO_LOCAL_SANDBOX_URL",
    default=f"http://127.0.0.1:{env.int('QBO_SANDBOX_PORT', default=8765)}",
).rstrip("/")
_local = QBO_ENVIRONMENT == "local"
QBO_CLIENT_ID = env.str("QBO_CLIENT_ID", default="hatsync-local" if _local else "")
QBO_CLIENT_SECRET = env.str("QBO_CLIENT_SECRET", default="hatsync-local-secret" if _local else "")
# Empty: built from the request (https://<host>/integrations/quickbooks/callback/).
QBO_REDIRECT_URI = env.str("QBO_REDIRECT_URI", default="")
QBO_MINOR_VERSION = env.int("QBO_MINOR_VERSION", default=75)
# QuickBooks allows 500 requests and 40 batch requests a minute per company; we use 96% / 95%.
QBO_REQUESTS_PER_MINUTE = env.int("QBO_REQUESTS_PER_MINUTE", default=480)
QBO_BATCHES_PER_MINUTE = env.int("QBO_BATCHES_PER_MINUTE", default=38)
# ... and 10 requests a second per company and app; we keep to 9.
QBO_REQUESTS_PER_SECOND = env.int("QBO_REQUESTS_PER_SECOND", default=9)
# Where the per-company moving windows live: Redis (shared by every machine) or, embedded,
# files under the var folder (shared by the processes of one machine).
QBO_BUDGET_URL = env.str(
    "QBO_BUDGET_URL", default=REDIS_URL or f"file://{VAR_DIR / 'budget'}"
)
QBO_HTTP_TIMEOUT = env.float("QBO_HTTP_TIMEOUT", default=30.0)
# How long a worker holds a company before another may take it over (a killed worker's lease
# runs out by itself); a push renews nothing, so keep it well above a push's duration.
QBO_LEASE_SECONDS = env.int("QBO_LEASE_SECONDS", default=120)
QBO_LEASE_WAIT_SECONDS = env.float("QBO_LEASE_WAIT_SECONDS", default=2.0)
# Bulk sync (Import Invoices, a reconnect's backlog, the sweeper): QuickBooks' batch endpoint
# takes up to 30 operations; a company is worked through in chunks of invoices (bounded
# memory), with up to QBO_MAX_IN_FLIGHT requests at once (Intuit allows 10 per company), and
# gives its worker back after QBO_DRAIN_SLICE_SECONDS so other companies get their turn.
QBO_BATCH_SIZE = min(30, env.int("QBO_BATCH_SIZE", default=30))
QBO_MAX_IN_FLIGHT = min(10, env.int("QBO_MAX_IN_FLIGHT", default=8))
QBO_BULK_CHUNK = env.int("QBO_BULK_CHUNK", default=300)
# Beside its batches a drain sends single requests (one object each) from the rest of the
# request budget, up to QBO_SINGLE_LANE_IN_FLIGHT at once (within QBO_MAX_IN_FLIGHT), while
# every request window keeps QBO_SINGLE_LANE_RESERVE of it free for people's own pushes.
# 0 in flight: batches only.
QBO_SINGLE_LANE_IN_FLIGHT = env.int("QBO_SINGLE_LANE_IN_FLIGHT", default=4)
QBO_SINGLE_LANE_RESERVE = env.float("QBO_SINGLE_LANE_RESERVE", default=0.05)
QBO_DRAIN_SLICE_SECONDS = env.float("QBO_DRAIN_SLICE_SECONDS", default=30.0)
# While other companies' drains wait for a bulk worker thread, or did a moment ago
# (services/turns.py), a drain's turn is this many batch requests (no single lane), then it
# goes back on the queue, due when its batch budget's even pace allows the next turn.
QBO_CROWDED_TURN_BATCHES = env.int("QBO_CROWDED_TURN_BATCHES", default=2)
# ... and sends at most this many requests at once (many companies' turns run side by side).
QBO_CROWDED_IN_FLIGHT = env.int("QBO_CROWDED_IN_FLIGHT", default=2)
# Benchmarks only: the local sandbox's clock can run faster (its --time-scale); the budget's
# minute then lasts 60 / scale seconds. Against Intuit this must stay 1.
QBO_LIMITS_TIME_SCALE = env.float("QBO_LIMITS_TIME_SCALE", default=1.0)
if QBO_LIMITS_TIME_SCALE != 1.0 and QBO_ENVIRONMENT != "local":
    raise ImproperlyConfigured("QBO_LIMITS_TIME_SCALE is for the local sandbox only.")
# Webhooks (changes made in QuickBooks): the verifier token of the app's webhook endpoint
# (Intuit's developer portal). Empty: every delivery is refused (401). The local sandbox's
# demo registers the endpoint with a fixed local token.
QBO_WEBHOOK_VERIFIER_TOKEN = env.str(
    "QBO_WEBHOOK_VERIFIER_TOKEN", default="hatsync-local-verifier" if _local else "")

# Fernet key(s) for the OAuth tokens at rest; comma-separated, newest first, to rotate.
# Development derives one from SECRET_KEY; production must set its own.
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEY", default=[])
if PRODUCTION and not TOKEN_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Production needs TOKEN_ENCRYPTION_KEY (generate one with: python -c \"from "
        "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\")."
    )

# The sweeper (beat, every SYNC_SWEEP_SECONDS) drains again the records left waiting longer
# than SYNC_SWEEP_WAITING_AFTER (a lost task: a broker outage) and those "Syncing" longer than
# SYNC_SWEEP_STUCK_AFTER (a killed worker), so nothing waits for the broker's visibility
# timeout (an hour on Redis). The stuck threshold must stay above a push's duration.
SYNC_SWEEP_WAITING_AFTER = env.float("SYNC_SWEEP_WAITING_AFTER", default=120.0)
# A company refusing writes (a lapsed subscription) gets one probe this often (by the sweep).
QBO_WRITE_PROBE_SECONDS = env.float("QBO_WRITE_PROBE_SECONDS", default=300.0)
SYNC_SWEEP_STUCK_AFTER = env.float("SYNC_SWEEP_STUCK_AFTER", default=600.0)

# Change data capture is a metered call (QBO-FACTS "Going live"): with webhooks configured,
# once every QBO_CDC_CATCH_UP_SECONDS per company, and at the next tick after a gap (a restart,
# a delivery not taken, no webhook QBO_WEBHOOK_SILENCE_SECONDS after hatsync wrote); without
# a verifier token, every QBO_CDC_INTERVAL_SECONDS. Never for a company with nothing synced.
QBO_CDC_TICK_SECONDS = env.float("QBO_CDC_TICK_SECONDS", default=60.0)
QBO_CDC_INTERVAL_SECONDS = env.float("QBO_CDC_INTERVAL_SECONDS", default=300.0)
QBO_CDC_CATCH_UP_SECONDS = env.float("QBO_CDC_CATCH_UP_SECONDS", default=86400.0)
QBO_WEBHOOK_SILENCE_SECONDS = env.float("QBO_WEBHOOK_SILENCE_SECONDS", default=3600.0)

CELERY_BEAT_SCHEDULE = {
    "sweep-sync-outbox": {
        "task": "integrations.tasks.sweep_outbox",
        "schedule": env.float("SYNC_SWEEP_SECONDS", default=60.0),
    },
    # Changes made in QuickBooks: webhooks bring them in; this tick (no QuickBooks call)
    # queues change data capture where it is due (rules.cdc_due), to repair what was lost.
    "qbo-change-data-capture": {
        "task": "integrations.tasks.catch_up_changes",
        "schedule": QBO_CDC_TICK_SECONDS,
    },
}

# --- Metrics (Prometheus; README "Operating hatsync") -------------------------------------
# /metrics answers only a request bearing this token (Authorization: Bearer ...); unset, it is
# not found (404). Its counters are kept where every web process and worker adds to the same
# figures: Redis when REDIS_URL is set, else a file under the var folder (one machine).
HATSYNC_METRICS_TOKEN = env.str("HATSYNC_METRICS_TOKEN", default="")
HATSYNC_METRICS_URL = env.str(
    "HATSYNC_METRICS_URL", default=REDIS_URL or f"file://{VAR_DIR / 'metrics'}")
# The age of the oldest waiting record is reported per company for this many companies at
# most (those waiting longest): a bounded label, however many studios hatsync serves.
HATSYNC_METRICS_COMPANIES = env.int("HATSYNC_METRICS_COMPANIES", default=10)

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Fields one request may carry: an invoice of the most lines (invoices.services.MAX_LINES,
# 250, seven fields a line) fits; Django's default of 1,000 would refuse one of 140 lines.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Scripts and styles only from our own static files: no inline script, no style attribute.
# No form-action: "Connect to QuickBooks" is a form whose answer redirects to Intuit.
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

# How many reverse proxies in front of hatsync append the address they saw to X-Forwarded-For
# (nginx's $proxy_add_x_forwarded_for, Caddy, a load balancer): the client's address is read
# that many hops from the right (hatsync/client_address.py). 0: hatsync is reached directly, and
# X-Forwarded-For, which any client can write, is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Sign-in: after SIGN_IN_FAILURE_LIMIT failures for one username from one client address, that
# pair is refused (even with the right password) for SIGN_IN_LOCKOUT_MINUTES. The address is
# the client's as TRUSTED_PROXY_COUNT says, so clients behind one proxy are counted apart.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGN_IN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "hatsync.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "hatsync.views.sign_in_locked_out"
AXES_VERBOSE = False  # lockouts are still logged; every successful sign-in is not

# Every handler blanks OAuth secrets (hatsync/log_redaction.py), even at LOG_LEVEL=DEBUG; the
# development server's request lines go through it too (a callback URL carries its `code`).
# HATSYNC_LOG_FORMAT=json: one JSON object a line, with the realm, record key, requestid,
# intuit_tid, task id and duration where known (hatsync/json_logs.py), in web and workers alike.
LOG_FORMAT = env.str("HATSYNC_LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("HATSYNC_LOG_FORMAT must be 'plain' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"class": "hatsync.log_redaction.RedactingFormatter",
                             "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
                   "json": {"()": "hatsync.json_logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Error tracking (hatsync/error_tracking.py): Sentry, with the Django and Celery integrations,
# only when SENTRY_DSN is set. Tokens, codes, cookies, request bodies and QuickBooks data are
# removed from every event before it leaves.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from hatsync.error_tracking import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default=DJANGO_ENV),
                release=env.str("SENTRY_RELEASE", default=""),
                traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))
