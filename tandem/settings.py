"""Tandem settings: twelve-factor, typed, failing at start on a bad value.

Every knob is an environment variable (see `.env.example`); nothing else needs editing.
"""

import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from environs import Env
from marshmallow.validate import OneOf

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = Env()
env.read_env(str(BASE_DIR / ".env"), recurse=False)

TANDEM_ENV = env.str("TANDEM_ENV", "development", validate=OneOf(["development", "production"]))
PRODUCTION = TANDEM_ENV == "production"
DEMO_MODE = env.bool("TANDEM_DEMO", False)
DEBUG = env.bool("DEBUG", False)

if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when TANDEM_ENV=production.")
if PRODUCTION and DEMO_MODE:
    raise ImproperlyConfigured("TANDEM_DEMO must be off when TANDEM_ENV=production.")


def _development_secret_key() -> str:
    """A per-checkout random key kept under var/, so development never uses a known secret."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", "") or (
    _development_secret_key() if not PRODUCTION else ""
)
if not SECRET_KEY or (PRODUCTION and len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be set to at least 50 random characters in production.")

TANDEM_URL = env.url("TANDEM_URL", "http://127.0.0.1:8000", schemes=["http", "https"])
_public = urlsplit(TANDEM_URL.geturl() if hasattr(TANDEM_URL, "geturl") else str(TANDEM_URL))
TANDEM_URL = f"{_public.scheme}://{_public.netloc}"
ALLOWED_HOSTS = [_public.hostname or "127.0.0.1"]
if not PRODUCTION:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_TRUSTED_ORIGINS = [TANDEM_URL]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    # Before allauth: tandem/web/templates overrides allauth's layouts so its pages look like Tandem.
    "tandem.web",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "django_cotton",
    "django_filters",
    "django_tasks_db",
    "simple_history",
    "tandem.platform",
    "tandem.parties",
    "tandem.api",
    "tandem.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tandem.platform.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.web.context_processors.tandem",
            ],
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django_cotton.cotton_loader.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "builtins": ["django_cotton.templatetags.cotton"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------

VAR_DIR.mkdir(exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASE_URL = env.str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}")
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=env.int("DB_CONN_MAX_AGE", 60))
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from error
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections matter most here: a new SQLite connection re-reads the schema and
    # starts with an empty page cache (docs/performance.md).
    _database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000;"
        ),
    }
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL.")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------

AUTH_USER_MODEL = "platform.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "tandem.platform.auth.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Tandem"
# Members whose roles are flagged sensitive must enrol in MFA; demo mode relaxes this.
TANDEM_REQUIRE_MFA_FOR_SENSITIVE = env.bool("TANDEM_REQUIRE_MFA_FOR_SENSITIVE", not DEMO_MODE)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/hotkey", NODE_MODULES / "@github" / "hotkey" / "dist"),
    ("vendor/swagger-ui", NODE_MODULES / "swagger-ui-dist"),  # the API docs page (/api/docs)
]
STATICFILES_DIRS = [entry for entry in STATICFILES_DIRS if entry[1].exists()]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("MEDIA_ROOT", VAR_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = not PRODUCTION
TANDEM_MAX_UPLOAD_BYTES = env.int("TANDEM_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = TANDEM_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Email ----------------------------------------------------------------------------------


def _mailer(url: str) -> dict:
    """Parse EMAIL_URL: smtp://user:pass@host:port[?tls=1|ssl=1], console://, locmem://, file:///dir."""
    parts = urlsplit(url)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be one of {sorted(backends)}.")
    mailer: dict = {"BACKEND": backends[parts.scheme], "OPTIONS": {}}
    if parts.scheme == "file":
        mailer["OPTIONS"] = {"file_path": parts.path}
    if parts.scheme == "smtp":
        mailer["OPTIONS"] = {
            "host": parts.hostname or "localhost",
            "port": parts.port or 25,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": options.get("tls") == "1",
            "use_ssl": options.get("ssl") == "1",
            "timeout": 10,
        }
    return mailer


MAILERS = {"default": _mailer(env.str("EMAIL_URL", "console://"))}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Tandem <tandem@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background tasks -----------------------------------------------------------------------

TASKS_BACKEND = env.str("TANDEM_TASKS", "database", validate=OneOf(["database", "immediate"]))
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}

# --- Security -------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    _https = _public.scheme == "https"
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", _https)
    SESSION_COOKIE_SECURE = _https
    CSRF_COOKIE_SECURE = _https
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000 if _https else 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
    SECURE_HSTS_PRELOAD = _https
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging --------------------------------------------------------------------------------

LOG_LEVEL = env.log_level("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "tandem.platform.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Cache ----------------------------------------------------------------------------------

# Login rate limits and MFA code reuse checks live in the cache, so every web process on the
# machine must share it: a directory under var/ (see docs/operations.md for several machines).
CACHES = {"default": {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": str(env.path("TANDEM_CACHE_DIR", VAR_DIR / "cache")),
}}

# --- Tandem ---------------------------------------------------------------------------------

# `tandem backup` writes here; `tandem restore` of PostgreSQL uses pg_dump/pg_restore/psql from
# TANDEM_PG_BINDIR, else those matching the server's major version under /usr/lib/postgresql.
BACKUP_DIR = env.path("BACKUP_DIR", VAR_DIR / "backups")
TANDEM_PG_BINDIR = env.str("TANDEM_PG_BINDIR", "")
NINJA_PAGINATION_PER_PAGE = 50
TANDEM_IDEMPOTENCY_TTL_HOURS = 24
