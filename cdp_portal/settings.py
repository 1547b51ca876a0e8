"""The portal's one settings module, driven by environment variables.

Every knob is documented in README.md ("Configuration"). Development defaults are safe to
run on a laptop; with DJANGO_DEBUG=0 the secrets have no default and the portal refuses
to start without them.
"""

import os
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from cdp_portal.core.config import DEV_SECRET_KEY, TASKS_BACKEND_CHOICES, check_environment
from cdp_portal.core.sso_settings import single_sign_on_origins, single_sign_on_providers

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# --- Configuration checked at start (deploy) ------------------------------------------
# Every malformed variable, and in production every missing one, in one message before
# anything below reads them (cdp_portal/core/config.py); manage.py and wsgi.py print it
# without a traceback.
check_environment(os.environ, production=not DEBUG)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    # No default on purpose: production must be configured explicitly.
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "cdp_portal.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    # Named in the portal's languages (cdp_portal.third_party_apps), otherwise the apps' own.
    "cdp_portal.third_party_apps.AccountConfig",
    "cdp_portal.third_party_apps.MFAConfig",
    # Single sign-on through the institution's identity provider (see "Single sign-on").
    "cdp_portal.third_party_apps.SocialAccountConfig",
    "allauth.socialaccount.providers.saml",
    "allauth.socialaccount.providers.openid_connect",
    "cdp_portal.third_party_apps.TaggitConfig",
    "django_htmx",
    "csp",
    "communities",
    "conversations",
    "resources",
    "forums",
    "readiness",
    "digests",
    # The site, last: it composes the apps' pages.
    "cdp_portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so the answers of the middleware below (503, 400, redirects) are logged too.
    "cdp_portal.core.request_log.RequestLogMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cdp_portal.core.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "cdp_portal.accounts.middleware.SessionBackendUpgradeMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cdp_portal.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # PORTAL_PASSWORD_LOGIN=0: the password pages answer a page saying so; an identity
    # provider that fails or cannot be reached gives the sign-in error page, not a 500.
    "cdp_portal.accounts.middleware.SignInMethodsMiddleware",
    "cdp_portal.core.middleware.StaffTwoFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # A closed community's raised "members only" 403 becomes its page (how to join).
    "communities.access.MembersOnlyMiddleware",
    # Last of the __call__ chain, yet before every process_view (CSRF, login required)
    # and view: its 400 page gets the layout, the CSP nonce and the security headers.
    "cdp_portal.core.middleware.RejectMalformedInputMiddleware",
]

ROOT_URLCONF = "cdp_portal.urls"
WSGI_APPLICATION = "cdp_portal.wsgi.application"
ASGI_APPLICATION = "cdp_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # cdp_portal is not an installed app: register its template library by name.
            "libraries": {"portal": "cdp_portal.templatetags.portal"},
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# `make run` / `make test` resolve DATABASE_URL through cdp_portal.localdb (environment,
# then the local server, then a private cluster under var/pgdata) before Django starts.
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/cdp_portal"),
}
# Django's backend, with prepared statements that leave word searches alone.
DATABASES["default"]["ENGINE"] = "cdp_portal.postgresql"
# A database that is down or unreachable must give a quick 503 page (see
# cdp_portal.core.middleware.DatabaseUnavailableMiddleware), not a request hanging on the
# kernel's TCP timeout or on the pool: connecting gives up after DATABASE_CONNECT_TIMEOUT
# seconds (psycopg waits at least 2), waiting for a pooled connection after
# DATABASE_POOL_TIMEOUT seconds.
DATABASES["default"]["OPTIONS"] = {
    **DATABASES["default"].get("OPTIONS", {}),
    "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=3),
}
if env.bool("DATABASE_POOL", default=not DEBUG):
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 2,
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind pgbouncer in transaction pooling, a server-side cursor (`.iterator()`, the admin's
# CSV export) declared in one transaction is gone from the next, which pgbouncer may send
# to another server connection: set DATABASE_DISABLE_SERVER_SIDE_CURSORS=1 there.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
)
# Prepared statements: parameters bound by the server, and a statement run a few times on
# a connection is prepared there, so PostgreSQL plans it once instead of on every request
# (planning was most of the database's time on a topic page: 2.1 -> 0.45 ms for the topic's
# lookup). A prepared statement lives in one server connection, which transaction pooling
# does not keep: off by default behind pgbouncer (DATABASE_DISABLE_SERVER_SIDE_CURSORS=1).
DATABASE_PREPARED_STATEMENTS = env.bool(
    "DATABASE_PREPARED_STATEMENTS",
    default=not DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"],
)
if DATABASE_PREPARED_STATEMENTS:
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
    # psycopg's own default: prepared from the fifth run, so one-off statements are not.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Read replica (README, "Read replica") ----------------------------------------------
# With DATABASE_REPLICA_URL, reading requests read from a streaming replica and the rest
# stays on the primary (cdp_portal/core/replica.py). Unset: no second alias, no router,
# no middleware, one database as before. Keep this block after every change to
# DATABASES["default"]: the replica takes the same options.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_STICKY_SECONDS = env.int("DATABASE_REPLICA_STICKY_SECONDS", default=10)
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=5.0)
DATABASE_REPLICA_LAG_CHECK_SECONDS = env.float("DATABASE_REPLICA_LAG_CHECK_SECONDS", default=2.0)
DATABASE_REPLICA_RETRY_SECONDS = env.float("DATABASE_REPLICA_RETRY_SECONDS", default=10.0)
if DATABASE_REPLICA_URL:
    _replica = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"] = {
        **DATABASES["default"],
        **{key: _replica[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], **_replica.get("OPTIONS", {})},
        # A standby cannot hold a test database of its own: in tests, the alias reads the
        # primary's (streamed to the standby when there is one).
        "TEST": {"MIRROR": "default"},
    }
    if DATABASES["replica"]["OPTIONS"].pop("pool", None):
        # No pool for the replica: a pool waits its whole timeout for a server that
        # refuses connections, and logs every retry, where a plain connection fails at
        # once and the request reads the primary. Persistent connections stand in for it.
        DATABASES["replica"]["CONN_MAX_AGE"] = 60
    DATABASE_ROUTERS = ["cdp_portal.core.replica.ReplicaRouter"]
    MIDDLEWARE.insert(0, "cdp_portal.core.replica.ReplicaRoutingMiddleware")
    del _replica

# --- Cache and sessions ---------------------------------------------------------------
# Posts and topic rows are kept rendered in the cache under a key made of what they show
# (cdp_portal.core.fragments); 0 renders every fragment on every page.
FRAGMENT_CACHE = env.bool("FRAGMENT_CACHE", default=True)
# A fragment's key names its content, so each process may also keep the ones it serves
# most in its own memory, in front of the shared cache (this many megabytes; 0: none).
FRAGMENT_LOCAL_CACHE_MB = env.int("FRAGMENT_LOCAL_CACHE_MB", default=16)
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Redis that degrades to a per-process memory cache when it is down (cdp_portal/core/cache.py);
    # sessions live in the database with the cache in front, so no outage signs anyone out.
    CACHES = {
        "default": {"BACKEND": "cdp_portal.core.cache.ResilientRedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "cdp_portal.accounts.backends.PortalModelBackend",
    "cdp_portal.accounts.backends.PortalAuthenticationBackend",
    "cdp_portal.accounts.backends.AdministratorsGroupBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "cdp_portal.accounts.adapter.PortalAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "communities.forms.PortalSignupForm"
ACCOUNT_FORMS = {"login": "cdp_portal.accounts.forms.PortalLoginForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CdP] "
# Proxies in front of the portal that append to X-Forwarded-For (0: none, the header is
# ignored). Every rate limit sees the client through cdp_portal.core.client_ip, allauth's too.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Failed sign-ins. "key" is one e-mail address typed from one client address, so one
# person's typos never block another person behind the same proxy; "ip" is a ceiling
# against password spraying. LOGIN_ACCOUNT_RATE_LIMIT protects one account from every
# address together (see README, "Sign-in limits").
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_RATE_LIMIT", default="5/5m/key,30/5m/ip"),
    "login_failed_account": env("LOGIN_ACCOUNT_RATE_LIMIT", default="20/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Staff (animators, administrators) must set up two-factor authentication before using
# the admin; on by default in production, off for the local demo.
PORTAL_STAFF_MFA_REQUIRED = env.bool("PORTAL_STAFF_MFA_REQUIRED", default=not DEBUG)
# Sign-up restricted to the institution's e-mail domains when set (comma separated).
PORTAL_ALLOWED_EMAIL_DOMAINS = [
    domain.strip().lower().lstrip("@")
    for domain in env.list("PORTAL_ALLOWED_EMAIL_DOMAINS", default=[])
    if domain.strip()
]

# --- Single sign-on (README, "Single sign-on") -----------------------------------------
# The institution's identity provider, by SAML 2.0 (Shibboleth…) and/or OpenID Connect,
# through allauth's own providers (cdp_portal/accounts/sso.py adapts them). Each one is
# on when its first variable is set; with neither, the login page has no such button and
# nothing else changes. Checked at start by cdp_portal/core/config.py. Password sign-in
# (and sign-up, reset, change) may be turned off once one of them is on.
PORTAL_PASSWORD_LOGIN = env.bool("PORTAL_PASSWORD_LOGIN", default=True)
SOCIALACCOUNT_ADAPTER = "cdp_portal.accounts.sso.PortalSocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
# An account whose address is the one the identity provider asserts, and verified on the
# portal, is the same person's: linked, never duplicated (an unverified one never is).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# allauth's providers built from PORTAL_SAML_* and PORTAL_OIDC_* (see README).
SOCIALACCOUNT_PROVIDERS = single_sign_on_providers(os.environ)

# --- E-mail ---------------------------------------------------------------------------
# Absolute links in e-mail (invitations, notifications) start with this.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Portail CdP <cdp@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Either one EMAIL_URL (smtp+tls://user:password@host:587) or the separate SMTP settings
# many mail teams hand out; with neither, local mode.
EMAIL_URL = env("EMAIL_URL", default="")
EMAIL_HOST = env("EMAIL_HOST", default="")
if EMAIL_URL:
    globals().update(env.email_url("EMAIL_URL"))
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
else:
    # Local mode: one file per message under var/mail/, so a person can open the link.
    EMAIL_BACKEND = "cdp_portal.core.mail.OneFilePerMessageBackend"
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
# Every e-mail is first stored in the outbox (cdp_portal.outbox) in the caller's transaction,
# then sent by the task queue through EMAIL_BACKEND above, which stays the real transport.
# A failed send is retried after 1 min, 2, 4… (capped at PORTAL_EMAIL_RETRY_MAX_SECONDS)
# until PORTAL_EMAIL_MAX_ATTEMPTS, then marked failed (`manage.py mail_outbox`).
INSTALLED_APPS += ["cdp_portal.outbox"]
PORTAL_EMAIL_MAX_ATTEMPTS = env.int("PORTAL_EMAIL_MAX_ATTEMPTS", default=10)
PORTAL_EMAIL_RETRY_BASE_SECONDS = env.int("PORTAL_EMAIL_RETRY_BASE_SECONDS", default=60)
PORTAL_EMAIL_RETRY_MAX_SECONDS = env.int("PORTAL_EMAIL_RETRY_MAX_SECONDS", default=3600)
# A message claimed by a sender for longer than this (seconds) belongs to a sender that
# died: it is queued again. Keep it well above EMAIL_TIMEOUT.
PORTAL_EMAIL_SENDING_TIMEOUT = env.int("PORTAL_EMAIL_SENDING_TIMEOUT", default=600)
# Sent messages (with their sign-in and reset links) are deleted after this many days.
PORTAL_EMAIL_KEEP_SENT_DAYS = env.int("PORTAL_EMAIL_KEEP_SENT_DAYS", default=7)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# How the portal names itself in the admin's title and in allauth's e-mails, in the
# reader's language (the layout's <title> says the same through its catalogue entry).
PORTAL_NAME = _("Portail CdP")
# Dates, times and percentages in each language's own style: cdp_portal/formats/<lang>/
# overrides only what Django's locale formats get wrong for the portal, and adds the
# named formats the templates use (`|date:"DATE_FORMAT"`, `|percent`).
FORMAT_MODULE_PATH = ["cdp_portal.formats"]
TIME_ZONE = env("TIME_ZONE", default="America/Montreal")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Largest file the resource library accepts (bytes); the types are checked by content.
PORTAL_UPLOAD_MAX_BYTES = env.int("PORTAL_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Deployment behind nginx (deploy/) -------------------------------------------------
# With PORTAL_DOWNLOADS_VIA_PROXY the download view checks permissions and answers with an
# empty response whose X-Accel-Redirect names the file under this internal location of
# deploy/nginx/cdp-portal.conf (an alias of MEDIA_ROOT): nginx sends the bytes, no Python
# worker is held for the length of a download. Local-disk storage only.
PORTAL_DOWNLOADS_VIA_PROXY = env.bool("PORTAL_DOWNLOADS_VIA_PROXY", default=False)
PORTAL_PROTECTED_MEDIA_URL = "/protected-media/"
# gunicorn's worker count (deploy/gunicorn.conf.py reads it too; unset there means two per
# core plus one). `check --deploy` warns when several processes would run without Redis.
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=None)

# --- Media on object storage ------------------------------------------------------------
# MEDIA_STORAGE=s3 keeps uploaded files in a private bucket of an S3-compatible service
# (Amazon S3, MinIO, Ceph RGW, Garage…) instead of MEDIA_ROOT, so that every node of a
# cluster serves the same files. Empty credentials leave boto3 its own chain (AWS_*
# variables, instance role). See README, "Media on object storage".
MEDIA_STORAGE = env("MEDIA_STORAGE", default="") or "local"
# Checked with the rest of the environment (cdp_portal/core/config.py).
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "cdp_portal.core.s3_storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
            "region_name": env("S3_REGION", default="") or None,
            "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env("S3_ADDRESSING_STYLE", default="auto"),
            "location": env("S3_PREFIX", default="").strip("/"),
        },
    }

# --- Security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie; the token travels in the form.
# An expired form gets the portal's page (layout, language), not Django's bare English one.
CSRF_FAILURE_VIEW = "cdp_portal.views.csrf_failure"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The sign-in buttons post to the portal, which redirects to the identity
        # provider: its origin too (README, "Single sign-on").
        "form-action": ["'self'", *single_sign_on_origins(os.environ)],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Forums: background tasks, posting rate limit, notification count ---------------------
# E-mail (the outbox) and notifications go through django-tasks: run at once ("immediate",
# the default for local use and tests) or stored and run by `manage.py db_worker`
# ("database"). Either way `manage.py send_queued_mail` (every minute) sends the retries.
INSTALLED_APPS += ["django_tasks", "cdp_portal.third_party_apps.TasksConfig"]
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
assert tuple(TASK_BACKENDS) == TASKS_BACKEND_CHOICES  # the start-up check knows them all
PORTAL_TASKS_BACKEND = env("PORTAL_TASKS_BACKEND", default="immediate")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[PORTAL_TASKS_BACKEND]}}
# A database task RUNNING for longer than this (seconds) was left by a worker that died;
# `manage.py send_queued_mail` makes it ready to run again.
PORTAL_TASK_STUCK_TIMEOUT = env.int("PORTAL_TASK_STUCK_TIMEOUT", default=3600)
# Posts and topics a member may write per period: "10/10m" (s, m, h or d).
PORTAL_POST_RATE_LIMIT = env("PORTAL_POST_RATE_LIMIT", default="10/10m")
TEMPLATES[0]["OPTIONS"]["context_processors"].append("forums.context_processors.notifications")

# --- Logging --------------------------------------------------------------------------
# Everything goes to standard output through the root logger: one JSON object per line in
# production (LOG_FORMAT=json, for a log collector), plain text when debugging. Every line
# carries the request id (cdp_portal.core.request_id); cdp_portal.core.request_log writes
# one line per request. Django's own "django" logger keeps only its mail_admins handler:
# with its console handler as well, every line of runserver would be printed twice.
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "request_id": {"()": "cdp_portal.core.request_id.RequestIdFilter"},
    },
    "formatters": {
        "json": {"()": "cdp_portal.core.log_formats.JsonFormatter"},
        "text": {"()": "cdp_portal.core.log_formats.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        },
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
            # Error reports go through the outbox too (straight out if the database is down).
            "email_backend": "cdp_portal.outbox.backends.OutboxBackend",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "INFO"},
    },
}

# --- Error reports (Sentry) -----------------------------------------------------------
# Optional: with SENTRY_DSN set, unhandled errors (web and worker) go to Sentry, tagged
# with the request id, without personal data (cdp_portal.core.error_reports).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from cdp_portal.core.error_reports import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

ADMINS = [("Admin", a) for a in env.list("ADMIN_EMAILS", default=[])]

# Used by tests to make password hashing cheap; never set in production.
if env.bool("PORTAL_FAST_PASSWORD_HASHER", default=False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
