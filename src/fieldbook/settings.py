"""Settings from the environment (12-factor), with embedded defaults for `make run`:
SQLite under var/, the database task worker, the local sandboxes."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp import constants as csp_constants

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("FIELDBOOK_VAR", REPO_DIR / "var"))


def env_secret(name: str, default: str = "") -> str:
    """NAME or the contents of the file named by NAME_FILE (Healthchecks' envsecret)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def _dev_secret(name: str) -> str:
    """A per-checkout random secret kept under var/, so `make run` needs no configuration
    and nothing secret is ever committed."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = os.environ.get("DEBUG", "0") == "1"
SECRET_KEY = env_secret("SECRET_KEY") or _dev_secret("secret_key")
# Encryption keys for secrets at rest (MultiFernet): comma-separated, newest first, so keys rotate.
FIELDBOOK_ENCRYPTION_KEYS = env_secret("FIELDBOOK_ENCRYPTION_KEYS")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "fieldbook.core",
    "fieldbook.customers",
    "fieldbook.catalogue",
    "fieldbook.jobs",
    "fieldbook.contracts",
    "fieldbook.integration",
    "fieldbook.site",  # the demo and run commands, above every other app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fieldbook.core.middleware.LoginRequiredMiddleware",
    "fieldbook.core.middleware.OrganisationMiddleware",
]

ROOT_URLCONF = "fieldbook.urls"
WSGI_APPLICATION = "fieldbook.wsgi.application"

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
                "fieldbook.core.context_processors.organisation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fieldbook.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web app and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, for the test database: multi-process tests (a real `fieldbook worker`
    # killed mid-run) must see the same rows.
    # One file per test process, so concurrent test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Login throttling (core/ratelimit.py): failed attempts per window per username and address
# together, and (looser, wrong passwords only) per address.
LOGIN_MAX_ATTEMPTS = int(os.environ.get("LOGIN_MAX_ATTEMPTS", "5"))
LOGIN_MAX_ATTEMPTS_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_ATTEMPTS_PER_ADDRESS", "50"))
LOGIN_WINDOW_SECONDS = int(os.environ.get("LOGIN_WINDOW_SECONDS", "300"))

CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fieldbook_cache"}}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


# Production over HTTPS (README "Production"): FIELDBOOK_HTTPS=1 turns on secure cookies, the
# redirect to https and a year of HSTS; each can be set on its own too. Behind a proxy that ends
# TLS, SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https says which header to trust.
HTTPS = env_flag("FIELDBOOK_HTTPS", False)
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_flag("CSRF_COOKIE_SECURE", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD", False)
if _proxy_header := os.environ.get("SECURE_PROXY_SSL_HEADER", ""):
    _name, _, _value = _proxy_header.partition(",")
    SECURE_PROXY_SSL_HEADER = (_name.strip(), _value.strip() or "https")

# Content-Security-Policy (django-csp): scripts and styles from our static files only, so an
# injected <script> or style attribute does nothing. Pages keep their behaviour in static/ files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    },
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("FIELDBOOK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# A SyncRun whose heartbeat is older than this is resumed by the sweeper.
FIELDBOOK_HEARTBEAT_STALE_SECONDS = float(os.environ.get("FIELDBOOK_HEARTBEAT_STALE_SECONDS", "60"))
FIELDBOOK_SANDBOX_URL = os.environ.get("FIELDBOOK_SANDBOX_URL", "http://127.0.0.1:8765")
# The "Local sandbox" environment (loopback addresses only): `fieldbook run` and the tests turn it
# on; it stays off unless asked for, so a production server never posts credentials elsewhere.
FIELDBOOK_ALLOW_LOCAL_SANDBOX = os.environ.get("FIELDBOOK_ALLOW_LOCAL_SANDBOX", "0") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
