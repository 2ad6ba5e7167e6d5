"""Settings shared by every runtime mode, read from the environment.

With no environment at all the project runs embedded: SQLite file, local-memory
cache and eager Celery. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL,
django-redis and a Redis broker. See the README for every variable.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, *, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Core -------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "common",
    "accounts",
    "customers",
    "catalog",
    "sales",
    "analytics",
    "analytics.rfm",
    "ingestion",
    "dashboard",
    "compat",
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
]

ROOT_URLCONF = "salesanalytics.urls"
WSGI_APPLICATION = "salesanalytics.wsgi.application"
ASGI_APPLICATION = "salesanalytics.asgi.application"

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

# --- Database ---------------------------------------------------------------
# Embedded default: a SQLite file inside the project. PostgreSQL when
# DATABASE_URL is set (postgres://user:pass@host:port/name).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Let concurrent writers wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    _redis = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "salesanalytics"),
        # A Redis that stops answering fails a cache call within seconds instead of holding the request.
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }
    CACHES = {
        "default": _redis,
        # Throttle counters (common.throttles), in the same Redis: while it is down requests are let
        # through, and each skipped count is logged, rather than answered with a 500.
        "throttles": {**_redis, "OPTIONS": {**_redis["OPTIONS"], "IGNORE_EXCEPTIONS": True}},
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    # One LOCATION: both aliases share one in-process store, as they share one Redis database.
    _locmem = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "salesanalytics"}
    CACHES = {"default": _locmem, "throttles": _locmem}

# --- Celery -----------------------------------------------------------------
# Without REDIS_URL tasks run in-process (eager); with it, on a Redis broker
# served by a separate worker and beat.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# Task outcomes live in the records tasks write (jobs, runs, snapshots); nothing waits on a result store.
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A producer (the web sending an import, beat) that finds the broker down retries once, at once, and
# gives up instead of retrying for seconds; workers reconnect on their own (broker_connection_*).
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TIMEZONE = "UTC"
# How often beat sends the import sweeps (stale jobs failed, lost ones sent again).
IMPORT_SWEEP_SECONDS = float(os.environ.get("IMPORT_SWEEP_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "fail-stale-import-jobs": {"task": "ingestion.tasks.fail_stale_import_jobs", "schedule": IMPORT_SWEEP_SECONDS},
    "requeue-lost-import-jobs": {"task": "ingestion.tasks.requeue_lost_import_jobs", "schedule": IMPORT_SWEEP_SECONDS},
    "delete-expired-uploads": {"task": "ingestion.tasks.delete_expired_uploads", "schedule": 24 * 60 * 60.0},
    "refresh-all-segments": {"task": "customers.tasks.refresh_all_segments", "schedule": 24 * 60 * 60.0},
    "fail-stale-rfm-runs": {"task": "analytics.rfm.tasks.fail_stale_rfm_runs", "schedule": 60.0},
}

# --- Auth -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- Internationalisation and time ------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Time zone of analytics period buckets (day/week/month boundaries).
ANALYTICS_TIME_ZONE = os.environ.get("ANALYTICS_TIME_ZONE", "UTC")
# Cached analytics answers live this long; a write makes them unreachable at once (the data version).
ANALYTICS_CACHE_SECONDS = int(os.environ.get("ANALYTICS_CACHE_SECONDS", "3600"))
# Concurrent misses of one answer wait up to this long for the request computing it.
ANALYTICS_CACHE_LOCK_SECONDS = int(os.environ.get("ANALYTICS_CACHE_LOCK_SECONDS", "30"))

# --- Staff dashboard ----------------------------------------------------------
# ISO 4217 code the dashboard formats money in (amounts are stored without a currency).
DASHBOARD_CURRENCY = os.environ.get("DASHBOARD_CURRENCY", "USD")

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so anonymous requests get 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["common.permissions.ModelRolePermission"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "common.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.exceptions.api_exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("LOGIN_THROTTLE_RATE", "10/min"),
        "register": os.environ.get("REGISTER_THROTTLE_RATE", "20/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Proxies in front of the app; throttles trust X-Forwarded-For only that deep (0: the socket address).
    "NUM_PROXIES": int(os.environ.get("DJANGO_NUM_PROXIES", "0")),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Sales Analytics API",
    "DESCRIPTION": "Customers, catalog, orders, segments, analytics and imports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI's assets are served from this installation, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Group operations by resource (customers, orders, ...) rather than under one "v1" tag.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "GenderEnum": "customers.models.Gender",
        "TierEnum": "customers.models.Tier",
        "AgentRoleEnum": "sales.models.AgentRole",
        "DashboardSegmentsStatusEnum": "analytics.dashboard.serializers.SEGMENTS_STATUSES",
        # Import jobs and RFM runs share one status lifecycle.
        "JobStatusEnum": "ingestion.models.ImportStatus",
    },
}

# --- Imports ----------------------------------------------------------------
# Server-side file paths given to data/refresh/ must resolve inside IMPORT_ROOT;
# uploads are stored under IMPORT_ROOT/uploads for the worker to read.
IMPORT_ROOT = Path(os.environ.get("IMPORT_ROOT", BASE_DIR / "var" / "imports"))
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", str(512 * 1024 * 1024)))
# A running import touches its job every IMPORT_HEARTBEAT_SECONDS; one silent for
# IMPORT_STALE_AFTER_SECONDS is marked failed (its worker died; nothing was loaded).
IMPORT_HEARTBEAT_SECONDS = float(os.environ.get("IMPORT_HEARTBEAT_SECONDS", "10"))
IMPORT_STALE_AFTER_SECONDS = int(os.environ.get("IMPORT_STALE_AFTER_SECONDS", "120"))
# A job still queued this long after it was sent, while no import runs, is sent again
# (its message was lost, e.g. the broker restarted without persistence).
IMPORT_REQUEUE_AFTER_SECONDS = int(os.environ.get("IMPORT_REQUEUE_AFTER_SECONDS", "600"))
# Uploaded files are deleted this many days after their job ends (beat, daily).
IMPORT_UPLOAD_RETENTION_DAYS = int(os.environ.get("IMPORT_UPLOAD_RETENTION_DAYS", "30"))

# --- Compat routes ----------------------------------------------------------
# Seed 001's GET products/data/backfill imports this products CSV (inside IMPORT_ROOT,
# relative to it unless absolute) and waits this long for the job before answering 202.
COMPAT_PRODUCTS_BACKFILL_FILE = os.environ.get("COMPAT_PRODUCTS_BACKFILL_FILE", "products.csv")
COMPAT_BACKFILL_WAIT_SECONDS = float(os.environ.get("COMPAT_BACKFILL_WAIT_SECONDS", "30"))

# --- Segments ---------------------------------------------------------------
# Order writes refresh each segment at most once per this many seconds (imports refresh at once).
SEGMENT_REFRESH_DEBOUNCE_SECONDS = int(os.environ.get("SEGMENT_REFRESH_DEBOUNCE_SECONDS", "60"))

# --- RFM runs ---------------------------------------------------------------
# A running RFM run touches its row every RFM_HEARTBEAT_SECONDS; one silent for
# RFM_STALE_AFTER_SECONDS is marked failed (its worker died).
RFM_HEARTBEAT_SECONDS = float(os.environ.get("RFM_HEARTBEAT_SECONDS", "10"))
RFM_STALE_AFTER_SECONDS = int(os.environ.get("RFM_STALE_AFTER_SECONDS", "120"))
# A run still queued this long was lost by the broker and is marked failed.
RFM_QUEUED_EXPIRE_SECONDS = int(os.environ.get("RFM_QUEUED_EXPIRE_SECONDS", "3600"))
# Silhouette and Davies-Bouldin are computed on a random sample of this many customers.
RFM_EVALUATION_SAMPLE_SIZE = int(os.environ.get("RFM_EVALUATION_SAMPLE_SIZE", "2000"))
# k-means without n_clusters tries k = 2..8 on a random sample of this many customers.
RFM_K_SELECTION_SAMPLE_SIZE = int(os.environ.get("RFM_K_SELECTION_SAMPLE_SIZE", "1000"))
# DBSCAN runs on at most this many customers; the others join their nearest core point.
RFM_DBSCAN_FIT_SAMPLE_SIZE = int(os.environ.get("RFM_DBSCAN_FIT_SAMPLE_SIZE", "20000"))
# BLAS/OpenMP threads one run's clustering may use. RFM matrices are small (customers x 3): threads
# cost more in start-up and spin-waiting than they save, the more so on a busy machine.
RFM_THREADS = int(os.environ.get("RFM_THREADS", "1"))
# The dashboard computes a missing run while it answers only up to this many customers; above, it queues it.
RFM_DASHBOARD_SYNC_MAX_CUSTOMERS = int(os.environ.get("RFM_DASHBOARD_SYNC_MAX_CUSTOMERS", "30000"))

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
