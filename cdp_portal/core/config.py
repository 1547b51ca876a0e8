"""The environment checked once at start: every problem listed in one message.

django-environ stops at the first malformed value with a traceback, and quietly takes a
default for a missing one (a production site whose e-mail links point to 127.0.0.1). So
before settings.py reads anything, `check_environment` looks at every variable the portal
reads and collects all that are malformed, and in production (DJANGO_DEBUG=0) all that
are missing too, then raises one `ConfigurationError` naming each variable and what it
expects, one per line. `manage.py` and `cdp_portal/wsgi.py` print it without a traceback.

Values are checked here with the same rules settings.py and the apps apply later
(`parse_post_rate` is the posting limit's own parser); a secret's value is never echoed.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

# settings.py's development key: a production site must never run with it.
DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
# Django's own `check --deploy` rule for a strong key (security.W009).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
TASKS_BACKEND_CHOICES = ("immediate", "database")
# sysexits.h EX_CONFIG: what manage.py exits with on a bad environment (the systemd units
# do not restart a service that stops with it).
EXIT_CONFIG = 78

# django-environ's spelling of booleans; anything else it would silently read as False.
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "ok"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "off", ""})
BOOLEANS = (
    "DJANGO_DEBUG",
    "DATABASE_POOL",
    "PORTAL_STAFF_MFA_REQUIRED",
    "PORTAL_DOWNLOADS_VIA_PROXY",
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS",
    "DATABASE_PREPARED_STATEMENTS",
    "FRAGMENT_CACHE",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_PRELOAD",
    "PORTAL_FAST_PASSWORD_HASHER",
    "PORTAL_PASSWORD_LOGIN",
)
# Integer variables and the smallest value that makes sense for each.
INTEGERS = {
    "DATABASE_CONNECT_TIMEOUT": 1,
    "DATABASE_POOL_MAX": 1,
    "CONN_MAX_AGE": 0,
    "TRUSTED_PROXY_COUNT": 0,
    "PORTAL_UPLOAD_MAX_BYTES": 1,
    "PORTAL_EMAIL_MAX_ATTEMPTS": 1,
    "PORTAL_EMAIL_RETRY_BASE_SECONDS": 1,
    "PORTAL_EMAIL_RETRY_MAX_SECONDS": 1,
    "PORTAL_EMAIL_SENDING_TIMEOUT": 1,
    "PORTAL_EMAIL_KEEP_SENT_DAYS": 0,
    "PORTAL_TASK_STUCK_TIMEOUT": 1,
    "EMAIL_PORT": 1,
    "EMAIL_TIMEOUT": 1,
    "SECURE_HSTS_SECONDS": 0,
    "WEB_CONCURRENCY": 1,
    "DATABASE_REPLICA_STICKY_SECONDS": 0,
    "FRAGMENT_LOCAL_CACHE_MB": 0,
    "PORTAL_SAML_METADATA_CACHE_SECONDS": 0,
}
# Number variables, and whether 0 is allowed (it turns the feature off).
FLOATS = {
    "DATABASE_POOL_TIMEOUT": False,
    "DATABASE_REPLICA_LAG_CHECK_SECONDS": False,
    "DATABASE_REPLICA_RETRY_SECONDS": False,
    "DATABASE_REPLICA_MAX_LAG_SECONDS": True,
    "SENTRY_TRACES_SAMPLE_RATE": True,
}
# Never echoed in a message: they hold passwords or keys.
SECRETS = frozenset(
    {
        "SECRET_KEY",
        "DATABASE_URL",
        "DATABASE_REPLICA_URL",
        "EMAIL_URL",
        "EMAIL_HOST_PASSWORD",
        "REDIS_URL",
        "S3_SECRET_ACCESS_KEY",
        "SENTRY_DSN",
        "PORTAL_OIDC_CLIENT_SECRET",
    }
)

POST_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
POST_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
# allauth's rate syntax: COUNT/PERIOD[/ip|key|user], comma separated.
ALLAUTH_RATE = re.compile(r"^\d+/(\d+(\.\d+)?)?[smhd](/(ip|key|user))?$")
DATABASE_SCHEMES = ("postgres", "postgresql", "pgsql")
REDIS_SCHEMES = ("redis", "rediss", "unix")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The part of a single sign-on address that names the identity provider
# (/accounts/saml/<slug>/acs/, /accounts/oidc/<slug>/login/callback/).
SSO_SLUG = re.compile(r"^[A-Za-z0-9_-]{1,50}$")


class ConfigurationError(ImproperlyConfigured):
    """The environment is missing or malformed; `problems` has one line per variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"The portal cannot start: {len(problems)} configuration problem(s) in the "
            f"environment (see README, 'Configuration', and deploy/portal.env.example):\n"
            f"{lines}"
        )


def parse_post_rate(value: str) -> tuple[int, int] | None:
    """PORTAL_POST_RATE_LIMIT: "10/10m" → (10, 600); "", "0", "off", "none" → None (no
    limit). Raises ValueError for anything else."""
    if not value or value.strip() in {"0", "off", "none"}:
        return None
    match = POST_RATE.match(value)
    if not match:
        raise ValueError(value)
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * POST_RATE_UNITS[unit]


def _shown(name: str, value: str) -> str:
    return f"{name} (value hidden)" if name in SECRETS else f"{name}={value!r}"


class _Problems:
    """Collects one line per variable; the first problem found for a variable wins."""

    def __init__(self, environment: Mapping[str, str]) -> None:
        self.environment = environment
        self.lines: dict[str, str] = {}

    def missing(self, name: str, expected: str) -> None:
        self.lines.setdefault(name, f"{name} is missing: expected {expected}")

    def malformed(self, name: str, expected: str) -> None:
        value = self.environment.get(name, "")
        self.lines.setdefault(name, f"{_shown(name, value)}: expected {expected}")

    def check(self, name: str, valid: Callable[[str], bool], expected: str) -> None:
        """When `name` is set, `valid(value)` must hold."""
        if name in self.environment and not valid(self.environment[name]):
            self.malformed(name, expected)


def _is_integer(value: str, minimum: int) -> bool:
    try:
        return int(value.strip()) >= minimum
    except ValueError:
        return False


def _is_positive_float(value: str) -> bool:
    try:
        return float(value) > 0
    except ValueError:
        return False


def _is_database_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
        environ.Env.db_url_config(value)
    except (ValueError, KeyError, TypeError, ImproperlyConfigured):
        return False
    return parts.scheme in DATABASE_SCHEMES and parts.path.strip("/") != ""


def _is_site_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.query
        and not parts.fragment
    )


def _is_post_rate(value: str) -> bool:
    try:
        parse_post_rate(value)
    except ValueError:
        return False
    return True


def _is_allauth_rates(value: str) -> bool:
    rates = [part.strip() for part in value.split(",") if part.strip()]
    return all(ALLAUTH_RATE.match(rate) for rate in rates)


def _is_host_list(value: str) -> bool:
    hosts = [host.strip() for host in value.split(",")]
    return all(host and "://" not in host and "/" not in host for host in hosts)


def _is_origin_list(value: str) -> bool:
    origins = [origin.strip() for origin in value.split(",") if origin.strip()]
    return all(_is_site_url(origin) and urlsplit(origin).path in ("", "/") for origin in origins)


def _is_time_zone(value: str) -> bool:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_types(problems: _Problems) -> None:
    for name in BOOLEANS:
        problems.check(
            name,
            lambda value: value.strip().lower() in TRUE_WORDS | FALSE_WORDS,
            "a boolean: 1/0, true/false, yes/no or on/off",
        )
    for name, minimum in INTEGERS.items():
        problems.check(
            name,
            lambda value, minimum=minimum: _is_integer(value, minimum),
            f"a whole number >= {minimum}",
        )
    for name, zero_allowed in FLOATS.items():
        if zero_allowed:
            problems.check(
                name,
                lambda value: value.strip() == "0" or _is_positive_float(value),
                "a number >= 0, such as 0, 0.5 or 5",
            )
        else:
            problems.check(name, _is_positive_float, "a number > 0, such as 5 or 2.5")


def _check_formats(problems: _Problems) -> None:
    problems.check(
        "DATABASE_URL",
        _is_database_url,
        "postgres://USER:PASSWORD@HOST:5432/NAME (a PostgreSQL URL with a database name)",
    )
    problems.check(
        "DATABASE_REPLICA_URL",
        lambda value: value == "" or _is_database_url(value),
        "postgres://USER:PASSWORD@HOST:5432/NAME of a streaming replica, or empty for none",
    )
    problems.check(
        "PORTAL_BASE_URL",
        _is_site_url,
        "the portal's public address, http(s)://HOST[:PORT], such as https://cdp.univ.example",
    )
    problems.check(
        "PORTAL_POST_RATE_LIMIT", _is_post_rate, "COUNT/PERIOD such as 10/10m, or 0 for no limit"
    )
    for name in ("LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_RATE_LIMIT"):
        problems.check(name, _is_allauth_rates, "allauth rates such as 5/5m/key,30/5m/ip")
    problems.check(
        "PORTAL_TASKS_BACKEND",
        lambda value: value in TASKS_BACKEND_CHOICES,
        "one of " + ", ".join(TASKS_BACKEND_CHOICES),
    )
    problems.check(
        "REDIS_URL",
        lambda value: value == "" or urlsplit(value).scheme in REDIS_SCHEMES,
        "redis://HOST:6379/0 (or rediss://, unix://), or empty for no Redis",
    )
    problems.check(
        "EMAIL_URL",
        lambda value: value == "" or urlsplit(value).scheme in environ.Env.EMAIL_SCHEMES,
        "smtp://, smtp+tls:// or smtps://USER:PASSWORD@HOST:PORT, or empty",
    )
    problems.check(
        "CSRF_TRUSTED_ORIGINS", _is_origin_list, "comma-separated origins, https://HOST[:PORT]"
    )
    problems.check(
        "LOG_LEVEL", lambda value: value in LOG_LEVELS, "one of " + ", ".join(LOG_LEVELS)
    )
    problems.check("TIME_ZONE", _is_time_zone, "an IANA time zone such as America/Montreal")
    problems.check("LOG_FORMAT", lambda value: value in ("", "json", "text"), "json or text")
    _check_media_storage(problems)
    _check_single_sign_on(problems)


def _is_http_url(value: str) -> bool:
    """http(s)://HOST…, a query allowed (federation metadata is often served by one)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _is_readable_file(value: str) -> bool:
    try:
        with open(value, "rb") as file:
            return bool(file.read(1))
    except OSError:
        return False


def _check_single_sign_on(problems: _Problems) -> None:
    """README, "Single sign-on": each identity provider is on when its first variable is
    set (PORTAL_SAML_IDP_METADATA_URL or _FILE, PORTAL_OIDC_SERVER_URL); what it then
    needs must be there, and password sign-in may only be turned off with one of them."""
    environment = problems.environment
    saml_url = environment.get("PORTAL_SAML_IDP_METADATA_URL", "").strip()
    saml_file = environment.get("PORTAL_SAML_IDP_METADATA_FILE", "").strip()
    oidc_url = environment.get("PORTAL_OIDC_SERVER_URL", "").strip()
    problems.check(
        "PORTAL_SAML_IDP_METADATA_URL",
        lambda value: value.strip() == "" or _is_http_url(value.strip()),
        "the address of the identity provider's SAML metadata, https://…",
    )
    problems.check(
        "PORTAL_SAML_IDP_METADATA_FILE",
        lambda value: value.strip() == "" or _is_readable_file(value.strip()),
        "the path of a readable file holding the identity provider's SAML metadata",
    )
    if saml_url and saml_file:
        problems.malformed(
            "PORTAL_SAML_IDP_METADATA_FILE",
            "either PORTAL_SAML_IDP_METADATA_URL or PORTAL_SAML_IDP_METADATA_FILE, not both",
        )
    cert = environment.get("PORTAL_SAML_SP_CERT_FILE", "").strip()
    key = environment.get("PORTAL_SAML_SP_KEY_FILE", "").strip()
    for name, value in (("PORTAL_SAML_SP_CERT_FILE", cert), ("PORTAL_SAML_SP_KEY_FILE", key)):
        if value and not _is_readable_file(value):
            problems.malformed(name, "the path of a readable PEM file")
    if bool(cert) != bool(key):
        problems.malformed(
            "PORTAL_SAML_SP_KEY_FILE", "set together with PORTAL_SAML_SP_CERT_FILE, or both empty"
        )
    for name in ("PORTAL_SAML_SLUG", "PORTAL_OIDC_SLUG"):
        problems.check(
            name,
            lambda value: bool(SSO_SLUG.match(value)),
            "letters, digits, - or _ (it is part of the sign-in addresses), such as univ",
        )
    problems.check(
        "PORTAL_OIDC_SERVER_URL",
        lambda value: value.strip() == "" or _is_site_url(value.strip()),
        "the provider's issuer address, https://HOST[/PATH] (its "
        "/.well-known/openid-configuration is read from there)",
    )
    if oidc_url:
        for name, what in (
            ("PORTAL_OIDC_CLIENT_ID", "the client id the provider registered for the portal"),
            ("PORTAL_OIDC_CLIENT_SECRET", "the client secret the provider gave the portal"),
        ):
            if not environment.get(name, "").strip():
                problems.missing(name, f"{what} (PORTAL_OIDC_SERVER_URL is set)")
    password_login = environment.get("PORTAL_PASSWORD_LOGIN", "1").strip().lower()
    if password_login in FALSE_WORDS - {""} and not (saml_url or saml_file or oidc_url):
        problems.malformed(
            "PORTAL_PASSWORD_LOGIN",
            "1 unless single sign-on is configured (PORTAL_SAML_IDP_METADATA_URL, "
            "PORTAL_SAML_IDP_METADATA_FILE or PORTAL_OIDC_SERVER_URL): nobody could sign in",
        )


def _check_media_storage(problems: _Problems) -> None:
    environment = problems.environment
    problems.check(
        "MEDIA_STORAGE", lambda value: value in ("", "local", "s3"), "local or s3 (default local)"
    )
    if environment.get("MEDIA_STORAGE") != "s3":
        return
    if not environment.get("S3_BUCKET", "").strip():
        problems.missing("S3_BUCKET", "the bucket's name (MEDIA_STORAGE=s3)")
    problems.check(
        "S3_ADDRESSING_STYLE",
        lambda value: value in ("auto", "path", "virtual"),
        "auto, path or virtual",
    )
    if bool(environment.get("S3_ACCESS_KEY_ID")) != bool(environment.get("S3_SECRET_ACCESS_KEY")):
        problems.malformed(
            "S3_SECRET_ACCESS_KEY", "set together with S3_ACCESS_KEY_ID, or both left empty"
        )


def _check_secret_key(problems: _Problems) -> None:
    key = problems.environment.get("SECRET_KEY", "")
    expected = (
        f"a random string of at least {SECRET_KEY_MIN_LENGTH} characters, e.g. from "
        "`.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
    )
    if not key.strip():
        problems.missing("SECRET_KEY", expected)
    elif key == DEV_SECRET_KEY or key.startswith("django-insecure"):
        problems.malformed("SECRET_KEY", f"a production key, not the development one: {expected}")
    elif len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE:
        problems.malformed("SECRET_KEY", f"a longer key: {expected}")


def _check_production(problems: _Problems) -> None:
    """What has a development default that a production site must set itself."""
    environment = problems.environment
    _check_secret_key(problems)
    if not environment.get("ALLOWED_HOSTS", "").strip():
        problems.missing("ALLOWED_HOSTS", "the site's host names, comma separated")
    else:
        problems.check(
            "ALLOWED_HOSTS", _is_host_list, "host names without scheme nor path, comma separated"
        )
    if not environment.get("DATABASE_URL", "").strip():
        problems.missing("DATABASE_URL", "postgres://USER:PASSWORD@HOST:5432/NAME")
    if not environment.get("PORTAL_BASE_URL", "").strip():
        problems.missing(
            "PORTAL_BASE_URL",
            "the public address that e-mail links start with, such as https://cdp.univ.example",
        )


def environment_problems(environment: Mapping[str, str], *, production: bool) -> list[str]:
    """Every problem of `environment`, one line per variable, in a stable order."""
    problems = _Problems(environment)
    if production:
        _check_production(problems)
    _check_types(problems)
    _check_formats(problems)
    return list(problems.lines.values())


def check_environment(environment: Mapping[str, str], *, production: bool) -> None:
    """Raise one ConfigurationError listing every problem, or return quietly."""
    problems = environment_problems(environment, production=production)
    if problems:
        raise ConfigurationError(problems)
