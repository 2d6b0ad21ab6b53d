"""Configuration from environment variables, with defaults that are safe for a first run.

Every setting can be overridden by an environment variable of the same name. Secrets have no
production default: without SECRET_KEY the app generates one per instance folder and keeps it
there, so sessions survive restarts of the demo but never share a key with anyone else's.

The settings an admin may change in the back office (`storefront.shop_settings.registry`: shop
name and tagline, bank details, delivery methods, rates and threshold, tax, stock holds, ship-to
countries, languages, FRAME_ANCESTORS, SOCIAL_APPS) take their value here as the default; a change
saved at /admin/settings overrides it in every process from its next request on, without a restart.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def _list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key(instance_path: Path) -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings and pick psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


DEMO_SOCIAL_APPS = [
    {"platform": "meta", "app_id": "demo-meta-app", "secret": "demo-meta-secret", "pages": ["1001"]},
    {"platform": "telegram", "bot": "ZiemeluVilnaBot", "secret": "123456:demo-telegram-bot-token"},
    {"platform": "vk", "app_id": "51000001", "secret": "demo-vk-secret"},
]


def _json(name: str, default):
    value = os.environ.get(name)
    return json.loads(value) if value else default


def from_environment(instance_path: Path = INSTANCE_PATH) -> dict:
    """Build the Flask config mapping from the environment."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'shop.db'}"
    # One Redis for everything the app nodes share (rate limits, the task queue, the page cache),
    # unless a setting below names another store for one of them.
    redis_url = os.environ.get("REDIS_URL", "")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # A database host that drops packets (rather than refusing) must not hang every request:
        # PostgreSQL connections give up after 5 s and the page answers 503 (storefront/errors.py).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **({"connect_args": {"connect_timeout": 5}}
                                                               if database_url.startswith("postgres") else {})},
        # Shop identity and money. Prices are integer minor units of one currency.
        "SHOP_NAME": os.environ.get("SHOP_NAME", "Ziemeļu Vilna"),
        "SHOP_TAGLINE": os.environ.get("SHOP_TAGLINE", "Knitwear from the Baltic coast"),
        "SHOP_CURRENCY": os.environ.get("SHOP_CURRENCY", "EUR"),
        "SHOP_TIMEZONE": os.environ.get("SHOP_TIMEZONE", "Europe/Riga"),
        "SHOP_COUNTRY": os.environ.get("SHOP_COUNTRY", "LV"),
        # The shop's public address, for absolute links in e-mails and shared cards. Pages use the
        # request's host when it is empty; mail, sent by the worker, has no request to ask.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        # Tax: a rate in basis points (2100 = 21 %). When prices include tax, the tax is shown as
        # "included"; otherwise it is added to the total before the shopper commits.
        "PRICES_INCLUDE_TAX": _bool("PRICES_INCLUDE_TAX", True),
        "TAX_RATE_BPS": _int("TAX_RATE_BPS", 2100),
        # Shipping estimate shown in the cart: a flat rate, free from a threshold (these, the tax
        # and the bank details below are editable at /admin/settings; these are their defaults).
        "SHIPPING_FLAT_RATE": _int("SHIPPING_FLAT_RATE", 495),
        "FREE_SHIPPING_THRESHOLD": _int("FREE_SHIPPING_THRESHOLD", 6000),
        "SHIPPING_EXPRESS_RATE": _int("SHIPPING_EXPRESS_RATE", 1290),
        # The delivery methods checkout offers (standard, express, pickup and any added); the cart's estimate
        # is the first of them on offer (`storefront.delivery`).
        "DELIVERY_METHODS": _list("DELIVERY_METHODS", "standard,express,pickup"),
        # Methods an admin added (a parcel locker, say): a JSON list of {"code", "names": {language:
        # name}, "rate", "free_from"}, as the settings page writes it (`storefront.delivery`).
        "DELIVERY_CUSTOM_METHODS": _json("DELIVERY_CUSTOM_METHODS", []),
        # Checkout: how long stock is held while a shopper pays by card, and for manual methods
        # (a bank transfer takes days). Manual methods are on by default so the shop works
        # without payment keys.
        "STOCK_HOLD_MINUTES": _int("STOCK_HOLD_MINUTES", 15),
        "MANUAL_PAYMENT_HOLD_HOURS": _int("MANUAL_PAYMENT_HOLD_HOURS", 72),
        "MANUAL_PAYMENT_METHODS": _list("MANUAL_PAYMENT_METHODS", "bank_transfer,cash_on_delivery"),
        # Refunds are the admin's; true lets support staff refund too (accounts.models.User.can).
        "SUPPORT_MAY_REFUND": _bool("SUPPORT_MAY_REFUND", False),
        # Countries the shop delivers to (ISO 3166 alpha-2).
        "SHIP_TO_COUNTRIES": _list("SHIP_TO_COUNTRIES", "LV,LT,EE,FI,SE,DK,DE,PL,NL,BE,FR,ES,IT,AT,IE,PT"),
        # Where bank transfers go, shown with the order's reference. The defaults are the demo's.
        "BANK_ACCOUNT_HOLDER": os.environ.get("BANK_ACCOUNT_HOLDER", "SIA Ziemeļu Vilna (demo)"),
        "BANK_IBAN": os.environ.get("BANK_IBAN", "LV80 BANK 0000 4351 9500 1"),
        "BANK_BIC": os.environ.get("BANK_BIC", "BANKLV22"),
        # Who the shop is, as its legal pages (imprint, withdrawal, privacy) name it. The defaults are the demo's.
        "SHOP_LEGAL_NAME": os.environ.get("SHOP_LEGAL_NAME", "SIA Ziemeļu Vilna (demo)"),
        # Without its country: the legal pages add SHOP_COUNTRY's name in their language.
        "SHOP_ADDRESS": os.environ.get("SHOP_ADDRESS", "Krasta iela 1, Rīga, LV-1003"),
        # Where a "pickup" order is collected (the studio); the shop's address unless set.
        "PICKUP_ADDRESS": os.environ.get("PICKUP_ADDRESS") or os.environ.get("SHOP_ADDRESS", "Krasta iela 1, Rīga, LV-1003"),
        "SHOP_EMAIL": os.environ.get("SHOP_EMAIL", "shop@example.com"),
        "SHOP_PHONE": os.environ.get("SHOP_PHONE", "+371 2000 0000"),
        "SHOP_REGISTRATION_NUMBER": os.environ.get("SHOP_REGISTRATION_NUMBER", "40000000000 (demo)"),
        "SHOP_VAT_NUMBER": os.environ.get("SHOP_VAT_NUMBER", "LV40000000000 (demo)"),
        "ORDER_NUMBER_PREFIX": os.environ.get("ORDER_NUMBER_PREFIX", "ZV"),
        # Stripe: card payments are offered only when a secret key is set. STRIPE_API_BASE points
        # the library at a local Stripe test server (tests, demo); empty means Stripe itself.
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        "STRIPE_MAX_NETWORK_RETRIES": _int("STRIPE_MAX_NETWORK_RETRIES", 2),
        # Stripe's own default: a signature older than 300 s is refused (replay protection).
        "STRIPE_WEBHOOK_TOLERANCE": _int("STRIPE_WEBHOOK_TOLERANCE", 300),
        # E-mail: with no SMTP_HOST, mail is written to the log (the demo); tests run a real SMTP
        # server on loopback.
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Ziemeļu Vilna <shop@example.com>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "SMTP_TIMEOUT": _int("SMTP_TIMEOUT", 10),
        # Run queued tasks in-process at once instead of in a worker (tests).
        "TASKS_IMMEDIATE": _bool("TASKS_IMMEDIATE", False),
        # Where the task queue keeps its tasks: a SQLite file (nothing to install), redis://… in
        # production, memory:// for a process on its own.
        "HUEY_URL": os.environ.get("HUEY_URL") or redis_url or f"sqlite:///{instance_path / 'tasks.db'}",
        "MAX_LINE_QUANTITY": _int("MAX_LINE_QUANTITY", 99),
        "CATALOG_PAGE_SIZE": _int("CATALOG_PAGE_SIZE", 12),
        # Languages the storefront speaks; the first is the default.
        "LANGUAGES": _list("LANGUAGES", "en,es,lv"),
        "BABEL_DEFAULT_LOCALE": "en",
        # Times are stored in UTC and shown in the shop's zone.
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("SHOP_TIMEZONE", "Europe/Riga"),
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        # Uploads live in the instance folder, never in the package.
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        "MAX_IMAGE_BYTES": _int("MAX_IMAGE_BYTES", 5 * 1024 * 1024),
        "MAX_IMAGE_DIMENSION": _int("MAX_IMAGE_DIMENSION", 6000),
        # Catalog CSV imports: largest file and row count accepted, and whether the import runs
        # off the request (the page then shows its progress).
        "IMPORT_MAX_BYTES": _int("IMPORT_MAX_BYTES", 10 * 1024 * 1024),
        "IMPORT_MAX_ROWS": _int("IMPORT_MAX_ROWS", 50_000),
        "IMPORT_IN_BACKGROUND": _bool("IMPORT_IN_BACKGROUND", True),
        # Whole request bodies larger than this are refused with 413 before any view runs.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        # Cookies. Embedded mode (inside a social page's frame) needs SameSite=None; Secure;
        # Partitioned — browsers refuse third-party cookies otherwise.
        "SESSION_COOKIE_NAME": os.environ.get("SESSION_COOKIE_NAME", "shop_session"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "SESSION_COOKIE_SAMESITE": os.environ.get("SESSION_COOKIE_SAMESITE", "Lax"),
        "SESSION_COOKIE_PARTITIONED": _bool("SESSION_COOKIE_PARTITIONED", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Parent pages allowed to frame the storefront (exact origins, no wildcards).
        "FRAME_ANCESTORS": _list("FRAME_ANCESTORS"),
        # Inside a social page's frame the session cookie must be SameSite=None; Secure;
        # Partitioned, or the browser drops it (http://localhost and 127.0.0.1 count as secure).
        "EMBEDDED_COOKIES": _bool("EMBEDDED_COOKIES", False),
        # The demo social page signs launches with the demo apps' secrets, which are public: it
        # exists only when DEMO_PAGE is on (make run), and only then are those apps the default.
        # Production sets SOCIAL_APPS (JSON) to its own apps and never turns DEMO_PAGE on.
        "DEMO_PAGE": _bool("DEMO_PAGE", False),
        "SOCIAL_APPS": _json("SOCIAL_APPS", DEMO_SOCIAL_APPS if _bool("DEMO_PAGE", False) else []),
        # Unknown offer codes a client may try before a pause (promotions.limits: a code that exists
        # but cannot be used now never counts). Kept in RATELIMIT_STORAGE_URI's store, below.
        "CODE_RATE_LIMIT": os.environ.get("CODE_RATE_LIMIT", "10 per 10 minutes"),
        # Which offer audiences each platform's policy permits (JSON {"meta": ["tab_visitors", ...]});
        # unset, storefront.social.platforms.PLATFORM_AUDIENCES applies (none allows likes or shares).
        "OFFER_PLATFORM_AUDIENCES": _json("OFFER_PLATFORM_AUDIENCES", None),
        # A launch message is fresh for this long; one dated further in the future is refused.
        "LAUNCH_MAX_AGE": _int("LAUNCH_MAX_AGE", 600),
        "LAUNCH_CLOCK_SKEW": _int("LAUNCH_CLOCK_SKEW", 60),
        "WTF_CSRF_TIME_LIMIT": None,
        # Where every rate limit counts (Flask-Limiter's storage; the login and wrong-code limits
        # among them): Redis when REDIS_URL is set (every app node counts together), else a
        # SQLite file in the instance folder that all of one machine's worker processes share
        # (`make run`; storefront.extensions.SqliteLimitStorage). memory:// counts per process,
        # so each worker would have its own count: only for a single process.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or redis_url
        or f"sqlite:///{instance_path / 'ratelimits.db'}",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;20 per hour"),
        # Behind a reverse proxy, how many proxies' X-Forwarded-* headers to trust. Without it
        # every shopper has the proxy's address, and one rate limit would lock everyone out.
        "PROXY_FIX_HOPS": _int("PROXY_FIX_HOPS", 0),
        # Seconds a browser keeps to HTTPS once it has seen the shop over HTTPS (0: never say so).
        "HSTS_MAX_AGE": _int("HSTS_MAX_AGE", 31536000),
        "REDIS_URL": redis_url,
        # The page cache (storefront/page_cache.py), answered before Flask: redis://… (shared by
        # every app node), sqlite:///file (shared by the workers of one machine: `make run`),
        # memory:// (one process) or "off". Pages are fresh for PAGE_CACHE_TTL seconds (also the
        # s-maxage a CDN in front is told) and may be served stale while one request renders
        # the new copy for PAGE_CACHE_STALE seconds more; any change to what a page shows bumps
        # the cache's version, so a change is visible on the very next request.
        "PAGE_CACHE_URL": os.environ.get("PAGE_CACHE_URL") or redis_url or f"sqlite:///{instance_path / 'page_cache.db'}",
        "PAGE_CACHE_TTL": _int("PAGE_CACHE_TTL", 60),
        "PAGE_CACHE_STALE": _int("PAGE_CACHE_STALE", 300),
        # Overload: at most this many checkout requests (place order, pay) run at once in one
        # worker process; as many more may wait up to CHECKOUT_QUEUE_WAIT_MS for a slot (a checkout
        # takes a few hundred milliseconds), and the rest get 503 with Retry-After at once rather
        # than a queue that outlives the shopper's patience (storefront/checkout/admission.py).
        "CHECKOUT_MAX_CONCURRENT": _int("CHECKOUT_MAX_CONCURRENT", 2),
        "CHECKOUT_QUEUE_WAIT_MS": _int("CHECKOUT_QUEUE_WAIT_MS", 1000),
        # Retry-After of a checkout refused as busy: its slot frees within a second.
        "BUSY_RETRY_AFTER_SECONDS": _int("BUSY_RETRY_AFTER_SECONDS", 1),
        # A page read that waited longer than this in the server's accept queue is answered 503
        # from a ready copy instead of being rendered for a shopper who is about to give up
        # (storefront/health.py); 0 turns the shedding off.
        "MAX_QUEUE_WAIT_MS": _int("MAX_QUEUE_WAIT_MS", 500),
        # Retry-After of a page shed under overload and of anything refused while the database is away.
        "RETRY_AFTER_SECONDS": _int("RETRY_AFTER_SECONDS", 5),
        # Where product images live: "local" (UPLOAD_FOLDER) or "s3" (an S3-compatible bucket
        # through boto3, shared by every app node; credentials from boto3's usual environment).
        "MEDIA_STORAGE": os.environ.get("MEDIA_STORAGE", "local"),
        "S3_BUCKET": os.environ.get("S3_BUCKET", ""),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        "S3_REGION": os.environ.get("S3_REGION", "us-east-1"),
        "S3_PREFIX": os.environ.get("S3_PREFIX", "media/"),
        # Reviews (reviews/). Published at once by default; REVIEWS_HOLD_ALL holds every review
        # for a look, all alike (never by rating). Unverified reviews and staff reviews are off
        # unless the shop turns them on (staff reviews are then labelled as staff's).
        "REVIEWS_HOLD_ALL": _bool("REVIEWS_HOLD_ALL", False),
        "REVIEWS_ALLOW_UNVERIFIED": _bool("REVIEWS_ALLOW_UNVERIFIED", False),
        "REVIEWS_ALLOW_STAFF": _bool("REVIEWS_ALLOW_STAFF", False),
        "REVIEWS_PAGE_SIZE": _int("REVIEWS_PAGE_SIZE", 10),
        "REVIEWS_MAX_PHOTOS": _int("REVIEWS_MAX_PHOTOS", 3),
        # Side by side: the most helpful favourable (rating >= …) and critical (rating <= …) review.
        "REVIEWS_FAVOURABLE_MIN": _int("REVIEWS_FAVOURABLE_MIN", 4),
        "REVIEWS_CRITICAL_MAX": _int("REVIEWS_CRITICAL_MAX", 3),
        # Asking for reviews: the link's life, the request N days after shipping when delivery is
        # never marked, the one reminder, and never the same product to the same buyer within …
        "REVIEW_LINK_DAYS": _int("REVIEW_LINK_DAYS", 90),
        "REVIEW_REQUEST_AFTER_SHIPPED_DAYS": _int("REVIEW_REQUEST_AFTER_SHIPPED_DAYS", 14),
        "REVIEW_REMINDER_DAYS": _int("REVIEW_REMINDER_DAYS", 7),
        "REVIEW_REQUEST_REPEAT_DAYS": _int("REVIEW_REQUEST_REPEAT_DAYS", 365),
        # The "we replied to …" figure on product pages covers this many days.
        "REPLY_STATS_DAYS": _int("REPLY_STATS_DAYS", 90),
        # Limits on shoppers' posts (per address), counted only for real attempts.
        "REVIEW_POST_RATE_LIMIT": os.environ.get("REVIEW_POST_RATE_LIMIT", "10 per hour"),
        "QUESTION_POST_RATE_LIMIT": os.environ.get("QUESTION_POST_RATE_LIMIT", "5 per hour"),
        "VOTE_RATE_LIMIT": os.environ.get("VOTE_RATE_LIMIT", "60 per hour"),
        "REPORT_RATE_LIMIT": os.environ.get("REPORT_RATE_LIMIT", "10 per hour"),
        # New visits the page beacon may record per address (each is a `visits` row, from a form
        # anyone can post with made-up tags; `social.attribution.may_start_visit`); only a visit
        # that would start counts. Generous: a mobile carrier puts many shoppers behind one
        # address, and a visit refused is only a visit not counted.
        "BEACON_VISIT_RATE_LIMIT": os.environ.get("BEACON_VISIT_RATE_LIMIT", "300 per minute;5000 per day"),
        # Questions: how many recent buyers are invited to answer one, and how long their link lives.
        "QUESTION_INVITE_BUYERS": _int("QUESTION_INVITE_BUYERS", 5),
        "QUESTION_LINK_DAYS": _int("QUESTION_LINK_DAYS", 30),
        # The staff inbox: reviews rated at most this go to it, each item is due this many minutes
        # after it arrives, counted on the business clock (opening hours per weekday in the shop's
        # zone, minus holidays) or the calendar clock; alerts when this many minutes are left.
        "INBOX_NEGATIVE_MAX_RATING": _int("INBOX_NEGATIVE_MAX_RATING", 2),
        "INBOX_RESPONSE_MINUTES": _int("INBOX_RESPONSE_MINUTES", 120),
        "INBOX_CLOCK": os.environ.get("INBOX_CLOCK", "business"),
        "INBOX_WARNING_MINUTES": _int("INBOX_WARNING_MINUTES", 15),
        # {"mon": [["09:00", "18:00"]], …}: weekdays mon…sun, each a list of open intervals.
        "INBOX_BUSINESS_HOURS": _json("INBOX_BUSINESS_HOURS", {
            "mon": [["09:00", "18:00"]], "tue": [["09:00", "18:00"]], "wed": [["09:00", "18:00"]],
            "thu": [["09:00", "18:00"]], "fri": [["09:00", "18:00"]], "sat": [["10:00", "14:00"]], "sun": []}),
        # Days the shop is closed (YYYY-MM-DD, in the shop's zone): Latvia's public holidays.
        "INBOX_HOLIDAYS": _list("INBOX_HOLIDAYS", ",".join([
            "2026-01-01", "2026-04-03", "2026-04-05", "2026-04-06", "2026-05-01", "2026-05-04",
            "2026-06-23", "2026-06-24", "2026-11-18", "2026-12-24", "2026-12-25", "2026-12-26",
            "2026-12-31", "2027-01-01", "2027-03-26", "2027-03-28", "2027-03-29", "2027-05-01",
            "2027-05-04", "2027-06-23", "2027-06-24", "2027-11-18", "2027-12-24", "2027-12-25",
            "2027-12-26", "2027-12-31"])),
        # The JSON API and its OpenAPI document (flask-smorest).
        "API_TITLE": "Storefront API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {"info": {"description": (
            "Answers are in the language asked for: `?lang=en|es|lv`, else the `Accept-Language` header "
            "(the shop's default language when neither names one it speaks). Product titles, descriptions, "
            "option names and values, category names and messages come in that language, falling back to "
            "the default language where a text has no translation; `Content-Language` says which. Slugs, "
            "SKUs and `options` (the keys a cart and an order use) are the same in every language.")}},
        # Staff sessions (storefront/accounts/sessions.py). Each sign-in is a session the server
        # can end: "keep me signed in" keeps it at most STAFF_REMEMBER_DAYS (also the remember
        # cookie's life); one without it ends after STAFF_IDLE_HOURS unused.
        "STAFF_REMEMBER_DAYS": _int("STAFF_REMEMBER_DAYS", 30),
        "REMEMBER_COOKIE_DURATION": _int("STAFF_REMEMBER_DAYS", 30) * 86400,  # seconds, for Flask-Login
        "STAFF_IDLE_HOURS": _int("STAFF_IDLE_HOURS", 8),
        # Sign-in attempts per account (any address), beside LOGIN_RATE_LIMIT per address: credential
        # stuffing comes from many addresses at once.
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 10 minutes;50 per day"),
        # How long an e-mailed staff invitation or password-reset link can be used (once).
        "STAFF_INVITATION_HOURS": _int("STAFF_INVITATION_HOURS", 72),
        # A staff password needs at least this many characters and this zxcvbn score (0-4; 3 is
        # "safely unguessable" against an offline attack on a slow hash, checked against zxcvbn's
        # lists of common and breached passwords, words and names, and the member's own e-mail).
        "STAFF_PASSWORD_MIN_LENGTH": _int("STAFF_PASSWORD_MIN_LENGTH", 10),
        "STAFF_PASSWORD_MIN_SCORE": _int("STAFF_PASSWORD_MIN_SCORE", 3),
        # How new staff passwords are hashed (werkzeug's method string). The default is werkzeug's
        # own, scrypt at n=2**15 (~100 ms and 32 MB a hash, slow on purpose). Only the tests lower
        # it, as Django's docs advise, since a stored hash names its own cost and is checked at it.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
    }
