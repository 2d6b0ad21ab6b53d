"""The storefront application: the app factory and the shop's core areas.

`create_app()` builds the Flask app from environment configuration, binds the extensions and
registers every area's blueprint, error handler and CLI command. Nothing else runs at import.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, send_from_directory

from . import config


def create_app(overrides: dict | None = None) -> Flask:
    instance_path = Path(overrides.get("INSTANCE_PATH", config.INSTANCE_PATH) if overrides else config.INSTANCE_PATH)
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(config.PROJECT_ROOT / "templates"),
        static_folder=str(config.PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config.from_environment(instance_path))
    if overrides:
        app.config.update(overrides)
    instance_path.mkdir(parents=True, exist_ok=True)
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)

    import_models()
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    register_middleware(app)
    return app


def register_middleware(app: Flask) -> None:
    """Outermost first: the proxy fix-up, HSTS on HTTPS answers, the page cache (a hit is answered
    even under overload), the shedding of work that waited too long (refusals from ready copies),
    then Flask."""
    from . import health, page_cache, security

    health.wrap(app)
    page_cache.wrap(app)
    security.wrap(app)
    if app.config["PROXY_FIX_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def import_models() -> None:
    """Import every model module so the metadata (and so Alembic) sees every table."""
    from .accounts import models as _accounts  # noqa: F401
    from .audit import models as _audit  # noqa: F401
    from .backoffice import models as _backoffice  # noqa: F401
    from .cart import models as _cart  # noqa: F401
    from .catalog import models as _catalog  # noqa: F401
    from . import idempotency as _idempotency  # noqa: F401
    from .legal import models as _legal  # noqa: F401
    from .orders import models as _orders  # noqa: F401
    from .mail import models as _mail  # noqa: F401
    from .payments import models as _payments  # noqa: F401
    from .shop_settings import models as _shop_settings  # noqa: F401
    from .social import models as _social  # noqa: F401
    from promotions import models as _promotions  # noqa: F401
    from reviews import models as _reviews  # noqa: F401


def register_extensions(app: Flask) -> None:
    from . import i18n, mail, page_cache, payments, security, shop_settings, social, tasks, text_input
    from .accounts.service import load_user
    from .catalog import search
    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    import promotions
    import reviews

    page_cache.init_app(app)  # first: its after_request hook runs last
    db.init_app(app)
    # The search index's tables are no model's (see storefront.catalog.search): Alembic leaves them be.
    migrate.init_app(app, db, directory=str(config.PROJECT_ROOT / "migrations"), render_as_batch=True,
                     include_name=search.belongs_to_models)
    shop_settings.init_app(app)  # the settings an admin changed, applied whenever the app is entered
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    # No `current_user` in every template: loading a user for any session (even a shopper's) lets
    # Flask-Login's session protection write to it, and reading a page must not change a session.
    # Templates that show the signed-in member of staff use `staff_user` (storefront.templating).
    login_manager.init_app(app, add_context_processor=False)
    login_manager.login_view = "accounts.login"
    login_manager.user_loader(load_user)
    i18n.init_app(app)
    security.init_app(app)
    social.init_app(app)
    tasks.init_app(app)
    mail.init_app(app)
    payments.init_app(app)
    promotions.init_app(app)
    reviews.init_app(app)
    text_input.init_app(app)  # its JSON guard runs before every other before-request hook


def register_blueprints(app: Flask) -> None:
    from .accounts.admin import bp as staff_bp
    from .accounts.admin import own as my_account_bp
    from .accounts.views import bp as accounts_bp
    from .backoffice.views import bp as admin_bp
    from .cart.views import bp as cart_bp
    from .catalog.views import bp as catalog_bp
    from .checkout.views import bp as checkout_bp
    from .customers.admin import bp as customers_bp
    from .extensions import ShopApi, csrf
    from .health import bp as health_bp
    from .legal.admin import bp as legal_admin_bp
    from .legal.views import bp as legal_bp
    from .media import bp as media_bp
    from .orders.views import bp as orders_bp
    from .payments.webhooks import bp as webhooks_bp
    from .shop_settings.admin import bp as settings_admin_bp
    from .social.demo import bp as demo_bp
    from .social.feed import bp as feeds_bp
    from .social.views import bp as social_bp

    from promotions.admin import bp as offers_admin_bp
    from promotions.views import bp as offers_bp
    from reviews.admin import bp as inbox_bp
    from reviews.feed import bp as review_feeds_bp
    from reviews.question_views import bp as questions_bp
    from reviews.request_views import bp as review_requests_bp
    from reviews.views import bp as reviews_bp
    from reviews.write_views import bp as review_forms_bp

    for blueprint in (catalog_bp, cart_bp, accounts_bp, admin_bp, health_bp, media_bp, webhooks_bp, orders_bp,
                      checkout_bp, social_bp, feeds_bp, demo_bp, offers_bp, offers_admin_bp, reviews_bp,
                      review_forms_bp, questions_bp, review_requests_bp, review_feeds_bp, inbox_bp, staff_bp,
                      my_account_bp, legal_bp, legal_admin_bp, customers_bp, settings_admin_bp):
        app.register_blueprint(blueprint)
    # Browsers ask for /favicon.ico whatever a page links: the static file, kept by them for a day.
    app.add_url_rule("/favicon.ico", "favicon",
                     lambda: send_from_directory(app.static_folder, "favicon.ico", max_age=86400))
    # Stripe signs its webhooks; they carry no session cookie and no CSRF token.
    csrf.exempt(webhooks_bp)

    from .cart.api import blp as carts_api
    from .catalog.api import blp as products_api
    from .checkout.api import blp as orders_api
    from reviews.api import blp as reviews_api
    from reviews.question_api import blp as questions_api

    # One Api, so one OpenAPI document, per app: flask-smorest keeps the document on its Api
    # object, and another app made in the same process (a test's) must not replace this one's.
    api = ShopApi(app)
    for api_blueprint in (products_api, carts_api, orders_api, reviews_api, questions_api):
        # The API authenticates by cart token, not by cookie, so cross-site form posts cannot
        # ride on a shopper's session there; CSRF tokens protect the cookie-based pages.
        csrf.exempt(api_blueprint)
        api.register_blueprint(api_blueprint, url_prefix=f"/api/v1/{api_blueprint.name}")


def register_errorhandlers(app: Flask) -> None:
    from .errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from .accounts.cli import users_cli
    from .backoffice.cli import media_cli
    from .demo.cli import demo_cli
    from .payments.cli import payments_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(media_cli)


def register_template_helpers(app: Flask) -> None:
    from .templating import init_app

    init_app(app)
