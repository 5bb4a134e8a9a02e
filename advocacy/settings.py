"""Settings for the advocacy campaign tracker.

Everything that differs between a laptop and production comes from the
environment (see the table in README.md). The defaults run the app locally on
SQLite with email printed to the console and no Redis.
"""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# The default key is only good for local use: `check --deploy` flags it.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base for links in emails, which have no request to build them from.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages go out compressed (static files come precompressed from
    # WhiteNoise, above). Django's gzip pads each response against BREACH,
    # and the CSRF token in a page is masked afresh every time.
    "django.middleware.gzip.GZipMiddleware",
    # After WhiteNoise, so static files keep their own long-lived headers.
    "campaigns.cache_headers.RevalidateHtmlMiddleware",
    # Django's, with a session save during a database outage answered as one.
    "campaigns.sessions.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "advocacy.urls"
WSGI_APPLICATION = "advocacy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "campaigns.context_processors.teams",
                "campaigns.context_processors.unread_notices",
            ],
        },
    },
    {
        # Only the board's cards (campaigns/cards.py): a loop over up to
        # thousands of cards, too slow in Django's template language. Second,
        # and in a directory of its own, so Django templates are found first
        # and no Django template name reaches these.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "campaigns.jinja2.environment"},
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
# Persistent connections, verified before reuse so a restarted PostgreSQL
# is picked up without restarting the app: a sync gunicorn worker serves one
# request at a time, so one connection per process is all it can use, and an
# unreachable database fails a request at once rather than after a pool's
# wait. Threaded servers can use a psycopg pool per process instead
# (DATABASE_POOL_MAX_SIZE); see "Running on several machines" in README.md.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # An unreachable server fails fast instead of hanging a worker.
    _options.setdefault("connect_timeout", 5)
    if DATABASE_PGBOUNCER:
        # In transaction mode consecutive transactions may run on different
        # server connections, which a server-side cursor cannot survive.
        # (Django's psycopg binds parameters on the client and prepares no
        # statements, so nothing else depends on the server connection.)
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    elif DATABASE_POOL_MAX_SIZE > 0:
        from psycopg_pool import ConnectionPool

        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
        _options["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_MAX_SIZE,
            # How long a request waits for a connection, also while the
            # database is down: short, so an outage answers with an error
            # page rather than a hang.
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=3),
            "max_idle": 300,
            # Each connection is checked as it is handed out, so one broken
            # by a database restart is replaced rather than used.
            "check": ConnectionPool.check_connection,
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")


def _next_redis_database(url):
    """The same Redis server, the database after the broker's: the cache is
    flushed as a whole on clear(), which must not empty the task queue."""
    if not url:
        return ""
    parts = urlsplit(url)
    number = parts.path.strip("/") or "0"
    return urlunsplit(parts._replace(path=f"/{int(number) + 1}"))


# The cache (and through it sessions, the board cache and throttles) is shared
# by every process when it lives in Redis.
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default=_next_redis_database(REDIS_URL))
# Seconds to wait for Redis before treating it as down (see CACHES).
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.25)

AUTH_USER_MODEL = "campaigns.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "campaigns.backends.CachedUserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "campaign_list"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a day

# Login throttling: five failures lock the account-and-address pair for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The login form posts the email as `username` (Django's AuthenticationForm);
# the callable lower-cases it, so case variants count as the same account.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "campaigns.views.accounts.throttle_username"

# Invitations are signed links that stop working after this many days.
INVITATION_MAX_AGE_DAYS = 7

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without a collectstatic run (local use, tests) whitenoise finds files itself.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
WHITENOISE_MANIFEST_STRICT = False

# Email: one URL picks the transport: smtp+tls://user:pass@host:587,
# smtp+ssl://…:465, smtp://host:1025, consolemail:// (the default) or
# filemail:///var/mail (a folder relative to the working directory).
_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_options = {
    "django.core.mail.backends.smtp.EmailBackend": {
        "host": _email.get("EMAIL_HOST") or "localhost",
        "port": _email.get("EMAIL_PORT") or 25,
        "username": _email.get("EMAIL_HOST_USER") or "",
        "password": _email.get("EMAIL_HOST_PASSWORD") or "",
        "use_tls": bool(_email.get("EMAIL_USE_TLS")),
        "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
        "timeout": env.int("EMAIL_TIMEOUT", default=10),
    },
    "django.core.mail.backends.filebased.EmailBackend": {
        "file_path": _email.get("EMAIL_FILE_PATH") or str(BASE_DIR / "var" / "mail"),
    },
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": _email_options.get(_email["EMAIL_BACKEND"], {}),
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Advocacy <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with REDIS_URL the worker and beat do the work; without it tasks run
# in-process so the embedded default needs no broker.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
# One beat process runs these scans; each finds what is due at that moment
# (no far-future ETA tasks), and claims in the database stop double sends.
CELERY_BEAT_SCHEDULE = {
    "schedule-digests": {
        "task": "campaigns.tasks.schedule_digests",
        "schedule": crontab(minute="*/15"),
    },
    "send-reminders": {
        "task": "campaigns.tasks.send_reminders",
        "schedule": crontab(minute="*/15"),
    },
    "scan-feeds": {
        "task": "campaigns.tasks.scan_feeds",
        "schedule": crontab(minute="*/10"),
    },
    "send-listening-emails": {
        "task": "campaigns.tasks.send_listening_emails",
        "schedule": crontab(minute=5),
    },
    "send-due-hook-deliveries": {
        "task": "campaigns.tasks.send_due_hook_deliveries",
        "schedule": crontab(minute="*"),
    },
    "forget-unfinished-signups": {
        "task": "campaigns.tasks.forget_unfinished_signups",
        "schedule": crontab(minute=30, hour=3),
    },
}
# Digests are built for this many people per task, in a fixed number of queries.
DIGEST_CHUNK_SIZE = env.int("DIGEST_CHUNK_SIZE", default=400)
# A claim still "sending" after this long is reported as unknown, not resent.
EMAIL_CLAIM_STALE_MINUTES = env.int("EMAIL_CLAIM_STALE_MINUTES", default=15)
# Fetching URLs people type (feeds): time and size limits, and the private
# networks that may be reached anyway (none by default; e.g. "10.0.0.0/8").
FETCH_TIMEOUT_SECONDS = env.float("FETCH_TIMEOUT_SECONDS", default=10)
FETCH_MAX_BYTES = env.int("FETCH_MAX_BYTES", default=2 * 1024 * 1024)
FETCH_ALLOWED_NETWORKS = env.list("FETCH_ALLOWED_NETWORKS", default=[])
# How often each followed feed is fetched again.
FEED_SCAN_MINUTES = env.int("FEED_SCAN_MINUTES", default=60)
# The weekly "what is being said" email to stakeholders goes on Mondays from
# this hour (UTC).
LISTENING_EMAIL_HOUR = env.int("LISTENING_EMAIL_HOUR", default=7)
# How long the read-only link in an emailed progress report works.
REPORT_LINK_DAYS = env.int("REPORT_LINK_DAYS", default=30)
# Retries after a mail server error wait base * 2**n seconds (capped at an hour).
EMAIL_RETRY_BACKOFF_SECONDS = env.int("EMAIL_RETRY_BACKOFF_SECONDS", default=30)
EMAIL_MAX_RETRIES = env.int("EMAIL_MAX_RETRIES", default=8)
# Webhooks and chat notifications: a failed delivery is tried again after
# base * 2**(attempts - 1) seconds, capped; a target failing without a single
# success for this many hours is turned off and the team's owners emailed.
WEBHOOK_RETRY_BACKOFF_SECONDS = env.int("WEBHOOK_RETRY_BACKOFF_SECONDS", default=30)
WEBHOOK_MAX_BACKOFF_SECONDS = env.int("WEBHOOK_MAX_BACKOFF_SECONDS", default=3600)
WEBHOOK_DISABLE_AFTER_HOURS = env.int("WEBHOOK_DISABLE_AFTER_HOURS", default=72)
# Retries Celery schedules itself; later ones come from the beat sweep.
WEBHOOK_TASK_RETRIES = env.int("WEBHOOK_TASK_RETRIES", default=5)
# How long a rotated-out secret still signs, so receivers can switch over.
WEBHOOK_PREVIOUS_SECRET_HOURS = env.int("WEBHOOK_PREVIOUS_SECRET_HOURS", default=24)

if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "advocacy",
            "OPTIONS": {
                # With Redis down every read is a miss and every write a
                # no-op, so pages are served from the database instead of
                # failing; /healthz reports the outage.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_TIMEOUT,
            },
        }
    }
    # Sessions are read from the cache and written through to the database,
    # so a Redis outage logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    # The logged-in user too (campaigns/backends.py), removed on every save.
    USER_CACHE = True
else:
    # One process, or several that only share the database: a per-process
    # cache must not hold sessions, or a logout in one worker would leave
    # the session alive in another worker's copy.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    USER_CACHE = False

# The JSON API under /api/v1/ (campaigns/api/): personal access tokens, or
# the browser's session with its CSRF check; JSON in and out only (DRF's
# browsable pages need inline script, which the policy below forbids).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "campaigns.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["campaigns.api.auth.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "campaigns.api.pagination.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "campaigns.api.errors.handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Advocacy API",
    "DESCRIPTION": "Teams, campaigns, stakeholders, influencers, tactics, "
    "milestones, objections, progress reports and activity, as the web pages "
    "show them to you.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Ids in URLs (campaigns/converters.py) are positive integers.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1}},
    # Choices are listed with their values; no markdown list in descriptions.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "ENUM_NAME_OVERRIDES": {
        "TacticStatusEnum": "campaigns.models.TacticStatus",
        "CampaignStatusEnum": "campaigns.models.CampaignStatus",
        "ReportStatusEnum": "campaigns.models.ReportStatus",
    },
}
# Requests per token (or per signed-in person) in each window, counted
# across every process (campaigns/throttle.py).
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=600)
API_RATE_WINDOW_SECONDS = env.int("API_RATE_WINDOW_SECONDS", default=60)

# A strict policy: no inline script or style anywhere; the few scripts carry
# the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Behind a load balancer: how many proxies in front of the app add themselves
# to X-Forwarded-For and set X-Forwarded-Proto. With 0 (the default) both
# headers are ignored, so a client can neither pass a plain request off as
# HTTPS nor choose the address that lockouts and throttles count. With N, the
# client is the Nth address from the right of X-Forwarded-For (each proxy
# appends the address it saw), which no client can forge.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
if TRUSTED_PROXY_HOPS > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Axes locks out by the same address the app's throttles count.
AXES_CLIENT_IP_CALLABLE = "campaigns.client_address.client_ip"

if not DEBUG:
    # Production: HTTPS only. Set SECURE_SSL_REDIRECT=false behind a proxy
    # that already redirects, or for local runs with DEBUG off.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe the health check over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
