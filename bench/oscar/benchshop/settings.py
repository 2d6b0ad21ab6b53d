"""A minimal django-oscar 4.2 shop for the bench, set up as Oscar's "Building your own shop" page says.

Django's `startproject` settings, then what that page adds: Oscar's defaults, its context
processors, its apps and their dependencies, SITE_ID, the basket and flatpage middleware, the
e-mail sign-in backend, media and static settings, ATOMIC_REQUESTS. Search is Whoosh, as in
Oscar's sandbox. Where the page leaves a choice to the deployer, the choice and why:

- DEBUG off, as in production.
- SQLite: WAL and a busy timeout (as the shop has), and IMMEDIATE transactions: with
  ATOMIC_REQUESTS every request is a transaction, and the product page writes (Oscar's analytics
  count the view), so without them concurrent product views fail with "database is locked".
- Persistent database connections (CONN_MAX_AGE), as Django's deployment checklist suggests and
  as the shop keeps a pool: without them every PostgreSQL request would pay for a new backend.
- Prices in euros, as the shop's, and 12 products a page, as the shop's catalog pages show.

The database, media and search index live where BENCH_OSCAR_DATA and BENCH_OSCAR_DATABASE say
(the bench's temp dir): `sqlite:////path/file` or `postgresql://user@host:port/name`.
"""
import os
from pathlib import Path
from urllib.parse import urlsplit

from oscar.defaults import *  # noqa: F403 (the page's first step)

DATA = Path(os.environ.get("BENCH_OSCAR_DATA", Path(__file__).resolve().parent.parent / "data"))

SECRET_KEY = "bench-only-django-secret-key-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",

    "django.contrib.sites",
    "django.contrib.flatpages",

    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",

    # 3rd-party apps that Oscar depends on
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
]

SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

AUTHENTICATION_BACKENDS = (
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)

ROOT_URLCONF = "benchshop.urls"
WSGI_APPLICATION = "benchshop.wsgi.application"

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
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]


def _database(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": parts.path[1:] if parts.path.startswith("//") else parts.path,
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 60,
                        "init_command": "PRAGMA journal_mode=WAL;"},
        }
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


DATABASES = {
    "default": {
        **_database(os.environ.get("BENCH_OSCAR_DATABASE", f"sqlite:///{DATA / 'db.sqlite3'}")),
        "ATOMIC_REQUESTS": True,
        "CONN_MAX_AGE": 60,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": str(DATA / "whoosh_index"),
    },
}

MEDIA_ROOT = str(DATA / "media")
MEDIA_URL = "/media/"
STATIC_ROOT = str(DATA / "static")
STATIC_URL = "/static/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/Riga"
USE_I18N = True
USE_TZ = True

OSCAR_DEFAULT_CURRENCY = "EUR"
OSCAR_PRODUCTS_PER_PAGE = 12
OSCAR_SHOP_NAME = "Ziemeļu Vilna"

# An error a measured page meets goes to the server's log (by default, with DEBUG off, it would
# only be mailed to ADMINS, of whom there are none).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
