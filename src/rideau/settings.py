"""Rideau settings: everything comes from environment variables with safe defaults.

DATABASE_URL   default: an embedded SQLite file under ./var/
SECRET_KEY     default: generated once and kept in ./var/secret_key
EMAIL_URL      smtp://user:pass@host:port (smtp+tls:// for STARTTLS, smtps:// for TLS);
               unset: messages are written to ./var/mail/ (the demo's sink), not sent
ALLOWED_HOSTS  comma-separated, default: localhost,127.0.0.1,[::1]
DEBUG          "1"/"true" to switch on
"""

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("RIDEAU_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs page with its bundled Swagger UI files (no CDN)
    "rideau.core",
    "rideau.contacts",
    "rideau.accounts",
    "rideau.venues",
    "rideau.events",
    "rideau.catalog",
    "rideau.inventory",
    "rideau.orders",
    "rideau.checkin",
    "rideau.messaging",
    "rideau.registration",
    "rideau.reservations",
    "rideau.giftcards",
    "rideau.boxoffice",
    "rideau.scenarios",
    "rideau.partners",
    "rideau.passes",
    "rideau.ops",  # the operational commands: demo, worker, serve, check_integrity
    "rideau.api",
    "rideau.web",
]

# `rideau.web.middleware`'s are Django's and django-csp's, stepping aside for the paths
# below (the public shop API: JSON, no authentication, cookies ignored; issue 17)
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "rideau.web.middleware.CSPMiddleware",  # Content-Security-Policy, with a nonce per answer
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rideau.web.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "rideau.web.middleware.TimezoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "rideau.web.middleware.AuthenticationMiddleware",
    "rideau.web.middleware.MessageMiddleware",
    "rideau.web.middleware.XFrameOptionsMiddleware",
]
RIDEAU_BARE_PATHS = ("/api/v1/shop/",)

ROOT_URLCONF = "rideau.urls"
WSGI_APPLICATION = "rideau.wsgi.application"

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
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'rideau.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web server and the worker share the embedded file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:control-home"
LOGOUT_REDIRECT_URL = "web:login"

# --- security headers and cookies (docs/admin-guide.md, "HTTPS, security headers, cookies")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"  # the ticket widget alone may be framed (xframe_options_exempt)
RIDEAU_HTTPS = not DEBUG and env_bool("RIDEAU_HTTPS")
if RIDEAU_HTTPS:
    # every cookie only over HTTPS, and browsers told to use nothing but HTTPS from now on
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("RIDEAU_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("RIDEAU_HSTS_INCLUDE_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = env_bool("RIDEAU_HSTS_PRELOAD")
if env_bool("RIDEAU_BEHIND_PROXY"):
    # a reverse proxy that terminates TLS and sets X-Forwarded-Proto (and strips the
    # client's own): without it Django cannot tell an HTTPS request, and sends no HSTS
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts and styles only from this site, inline
# ones only with the answer's nonce (templates: nonce="{{ request.csp_nonce }}"); no
# plugins, no foreign <base>. Frame embedding is left to X-Frame-Options (the widget).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates day-first with a 24-hour clock, not Django's American ones (ADR 0033)
FORMAT_MODULE_PATH = ["rideau.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from here after collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]  # htmx, Pico CSS and rideau.css
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

CACHES = {
    "default": {
        "BACKEND": os.environ.get("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": os.environ.get("CACHE_LOCATION", "rideau"),
    }
}


# --- e-mail: the outbox backend records every message in the database; the worker
# delivers it with the SMTP settings below (DESIGN rule 3).
def _email_settings(url: str) -> dict:
    parsed = urlparse(url)
    return {
        "host": parsed.hostname or "localhost",
        "port": parsed.port or (465 if parsed.scheme == "smtps" else 25),
        "user": unquote(parsed.username or ""),
        "password": unquote(parsed.password or ""),
        "use_tls": parsed.scheme == "smtp+tls",
        "use_ssl": parsed.scheme == "smtps",
    }


# Without EMAIL_URL (the demo, a laptop) the worker "delivers" to files under var/mail/:
# nothing leaves the machine, and the back office's mailbox page shows every message.
EMAIL_URL = os.environ.get("EMAIL_URL", "")
_smtp = _email_settings(EMAIL_URL or "smtp://127.0.0.1:25")
EMAIL_BACKEND = "rideau.messaging.backends.OutboxBackend"
RIDEAU_DELIVERY_BACKEND = os.environ.get(
    "RIDEAU_DELIVERY_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_URL
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = _smtp["host"]
EMAIL_PORT = _smtp["port"]
EMAIL_HOST_USER = _smtp["user"]
EMAIL_HOST_PASSWORD = _smtp["password"]
EMAIL_USE_TLS = _smtp["use_tls"]
EMAIL_USE_SSL = _smtp["use_ssl"]
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rideau <noreply@rideau.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Late bounces (docs/outbox.md): set, each message's envelope sender is
# bounces+<id>-<signature>@domain (VERP) and `rideau ingest-bounces` reads what comes back.
RIDEAU_BOUNCE_ADDRESS = os.environ.get("RIDEAU_BOUNCE_ADDRESS", "")

# --- background work (django-tasks backport, database backend by default)
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "mail", "checkout"],
    }
}

# Outbox delivery: attempts before a message is marked failed; the lease a worker takes
# on a message it is sending (a killed worker's messages come back after it).
RIDEAU_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("RIDEAU_OUTBOX_MAX_ATTEMPTS", "8"))
RIDEAU_OUTBOX_LEASE_SECONDS = int(os.environ.get("RIDEAU_OUTBOX_LEASE_SECONDS", "60"))
RIDEAU_OUTBOX_BATCH = int(os.environ.get("RIDEAU_OUTBOX_BATCH", "50"))
# Where a worker journals the messages of its batch the server accepted until the batch is
# marked sent (a killed worker's batch is not sent twice): local disk, shared by the
# workers of a host (docs/outbox.md).
RIDEAU_OUTBOX_JOURNAL_DIR = Path(
    os.environ.get("RIDEAU_OUTBOX_JOURNAL_DIR", VAR_DIR / "outbox-journal")
)
# Retry backoff: RETRY_SECONDS doubled after each failed attempt, capped, with jitter.
RIDEAU_OUTBOX_RETRY_SECONDS = int(os.environ.get("RIDEAU_OUTBOX_RETRY_SECONDS", "60"))
RIDEAU_OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("RIDEAU_OUTBOX_RETRY_MAX_SECONDS", "21600"))
# Campaign messages (queue "campaign") are claimed only when no transactional message is
# due, in batches of at most this size, so a campaign never delays a ticket.
RIDEAU_CAMPAIGN_BATCH = int(os.environ.get("RIDEAU_CAMPAIGN_BATCH", "200"))
# Campaign sending rate limits, messages per minute (0: no limit): per organiser and per
# sender address. A message over its limit waits for the next minute, no attempt counted.
RIDEAU_CAMPAIGN_RATE_PER_ORGANIZER = int(os.environ.get("RIDEAU_CAMPAIGN_RATE_PER_ORGANIZER", "0"))
RIDEAU_CAMPAIGN_RATE_PER_SENDER = int(os.environ.get("RIDEAU_CAMPAIGN_RATE_PER_SENDER", "0"))
# SMS gateway: "twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B33600000000" (the
# host can point to any Twilio-compatible API), unset: SMS are written to var/sms/.
SMS_URL = os.environ.get("SMS_URL", "")
SMS_FILE_PATH = VAR_DIR / "sms"

# Rate limits (attempts per window in seconds) on login and one-time codes: per client
# address, and (ten times higher) per account, so a stranger cannot lock a user out.
RIDEAU_LOGIN_RATE = (int(os.environ.get("RIDEAU_LOGIN_RATE", "10")), 300)
RIDEAU_LOGIN_ACCOUNT_RATE = (
    int(os.environ.get("RIDEAU_LOGIN_ACCOUNT_RATE", str(RIDEAU_LOGIN_RATE[0] * 10))),
    300,
)
# Wrong discount codes per client address and per cart (or buyer) in 10 minutes, after
# which every code is refused for a while (0: no limit).
RIDEAU_VOUCHER_RATE = (int(os.environ.get("RIDEAU_VOUCHER_RATE", "10")), 600)
# Personal space: login codes e-mailed per address (and per client address) in 15 minutes,
# and code tries per client address in 15 minutes (each code also allows at most 5 tries).
RIDEAU_ACCOUNT_CODE_RATE = (int(os.environ.get("RIDEAU_ACCOUNT_CODE_RATE", "5")), 900)
RIDEAU_ACCOUNT_CODE_IP_RATE = (int(os.environ.get("RIDEAU_ACCOUNT_CODE_IP_RATE", "30")), 900)
RIDEAU_ACCOUNT_VERIFY_RATE = (int(os.environ.get("RIDEAU_ACCOUNT_VERIFY_RATE", "30")), 900)
# Public agenda registrations (each may create a contact and sends an e-mail) per client
# address and per e-mail address in 15 minutes (0: no limit).
RIDEAU_AGENDA_RATE = (int(os.environ.get("RIDEAU_AGENDA_RATE", "10")), 900)
# Public shop orders per client address and organiser a minute (0: no limit).
RIDEAU_SHOP_ORDER_RATE = (int(os.environ.get("RIDEAU_SHOP_ORDER_RATE", "30")), 60)
# the capacity engine's one-round-trip implementation on PostgreSQL (ADR 0020); "0" keeps
# the ORM implementation (for A/B runs; the differential test compares the two)
RIDEAU_LEAN_TAKE = os.environ.get("RIDEAU_LEAN_TAKE", "1") != "0"
# How long the web shop holds the places of a cart, in minutes.
RIDEAU_CART_MINUTES = int(os.environ.get("RIDEAU_CART_MINUTES", "15"))
# No waitlist offer is made when what it is for starts in less than this many minutes (too
# little time to accept it): the place stays free for direct registration or the door.
RIDEAU_WAITLIST_MIN_OFFER_MINUTES = int(os.environ.get("RIDEAU_WAITLIST_MIN_OFFER_MINUTES", "60"))
# public organiser and event pages kept this many seconds for anonymous visitors (0: off);
# see rideau/web/pagecache.py
RIDEAU_PUBLIC_PAGE_SECONDS = int(os.environ.get("RIDEAU_PUBLIC_PAGE_SECONDS", "5"))
# the session-independent body of a public event page, kept this many seconds for every
# visitor, logged in or not (0: off); saves of what it shows replace it at once in this
# process (rideau/web/pagecache.py)
RIDEAU_PUBLIC_FRAGMENT_SECONDS = int(os.environ.get("RIDEAU_PUBLIC_FRAGMENT_SECONDS", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"rideau": {"level": os.environ.get("RIDEAU_LOG_LEVEL", "INFO")}},
}

# Payments (docs/payments.md). Bank transfer is offered when an IBAN is set; Stripe when a
# secret key is set; the demo card only where RIDEAU_DEMO_PAYMENTS is on (never in production).
RIDEAU_BANK_IBAN = os.environ.get("RIDEAU_BANK_IBAN", "")
RIDEAU_BANK_HOLDER = os.environ.get("RIDEAU_BANK_HOLDER", "")
RIDEAU_BANK_TRANSFER_DAYS = int(os.environ.get("RIDEAU_BANK_TRANSFER_DAYS", "3"))
RIDEAU_DEMO_PAYMENTS = env_bool("RIDEAU_DEMO_PAYMENTS", DEBUG)
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # empty: Stripe's own API
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
