"""The back-office shell: what every staff area shares, so that an area holds only its own pages.

A staff area (catalog and orders here, offers in `promotions.admin`; the inbox and the dashboards
next) joins the back office in four steps:

1. create its blueprint with `staff_blueprint("inbox", __name__, "/admin/inbox")`: its pages deny
   by default and are served as staff pages (never cached, never framed: `storefront.security`);
2. mark every route with `permission_required(Permission.X)` (`accounts.permissions`); a route
   without a mark answers 403 to everyone, so a forgotten decorator means "no one may";
3. have its templates extend "admin/layout.html" (the nav, flash messages, who is signed in);
4. add its sidebar link to `NAVIGATION` below, with the permission that shows it.

Its views then use `submit(form, use_case)` to run a form's use case (or `show_error(form, error)`
for a use case that refused), `acting_user()` as the audit actor, `ConfirmForm` /
`require_confirmation()` for buttons that change state, and `page_number()` for paged lists. An
error page shown to a signed-in staff member on a staff page (a 403 for a permission they lack)
renders inside the same layout (templates/errors/error.html).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from ..accounts.devices import device_name
from ..accounts.models import Permission, User
from ..accounts.permissions import endpoint_permission
from ..audit import words as audit_words
from ..errors import NotFoundError, ShopError
from ..security import serve_as_staff_pages
from ..social.platforms import channel_name
from .locale_names import country_name, language_name


@dataclass(frozen=True)
class NavEntry:
    """A sidebar link, shown to staff who hold `permission`. It is the current page's link when the
    endpoint starts with one of `current` (the longest such prefix among the links wins)."""

    permission: Permission
    endpoint: str
    label: str
    current: tuple[str, ...]


# The back office's one navigation, in sidebar order.
NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry(Permission.ACCESS_BACKOFFICE, "admin.dashboard", _l("Dashboard"), ("admin.dashboard",)),
    NavEntry(Permission.VIEW_ORDERS, "admin.orders", _l("Orders"), ("admin.order",)),
    NavEntry(Permission.VIEW_CUSTOMERS, "customers.customers", _l("Customers"), ("customers.",)),
    NavEntry(Permission.MANAGE_CATALOG, "admin.products", _l("Products"),
             ("admin.product", "admin.variant", "admin.image")),
    NavEntry(Permission.MANAGE_CATALOG, "admin.categories", _l("Categories"), ("admin.categor",)),
    NavEntry(Permission.MANAGE_CATALOG, "admin.catalog_import", _l("Import & export"),
             ("admin.catalog", "admin.import")),
    NavEntry(Permission.MANAGE_OFFERS, "offers_admin.offers", _l("Offers"), ("offers_admin.",)),
    NavEntry(Permission.REDEEM_IN_STORE, "offers_admin.scan", _l("Store scan"), ("offers_admin.scan",)),
    # The support inbox and review moderation (reviews.admin).
    NavEntry(Permission.ANSWER_CUSTOMERS, "inbox.queue", _l("Inbox"), ("inbox.",)),
    NavEntry(Permission.ANSWER_CUSTOMERS, "inbox.reviews", _l("Reviews"), ("inbox.review",)),
    NavEntry(Permission.VIEW_AUDIT_LOG, "admin.audit_log", _l("Audit log"), ("admin.audit_log",)),
    NavEntry(Permission.MANAGE_SETTINGS, "legal_admin.pages", _l("Legal pages"), ("legal_admin.",)),
    NavEntry(Permission.MANAGE_SETTINGS, "settings_admin.edit", _l("Settings"), ("settings_admin.",)),
    # Staff accounts (accounts.admin): admins manage them; everyone has their own account page.
    NavEntry(Permission.MANAGE_USERS, "staff.members", _l("Staff"), ("staff.",)),
    NavEntry(Permission.ACCESS_BACKOFFICE, "my_account.account", _l("My account"), ("my_account.",)),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


def navigation(user: User | None, endpoint: str) -> list[NavLink]:
    """The sidebar links `user` may follow, the one for `endpoint` marked current."""
    entries = [entry for entry in NAVIGATION if user is not None and user.can(entry.permission)]

    def match(entry: NavEntry) -> int:
        return max((len(prefix) for prefix in entry.current if endpoint.startswith(prefix)), default=0)

    current = max(entries, key=match, default=None)
    if current is not None and match(current) == 0:
        current = None
    return [NavLink(entry.label, url_for(entry.endpoint), entry is current) for entry in entries]


def _signed_in_staff() -> User | None:
    if current_user.is_authenticated and current_user.can(Permission.ACCESS_BACKOFFICE):
        return current_user._get_current_object()
    return None


def _layout_context() -> dict:
    # The nav is a function the layout calls, so a mail rendered during a staff request builds none.
    staff = _signed_in_staff()
    return {"in_back_office": staff is not None,
            "back_office_nav": lambda: navigation(staff, request.endpoint or "")}


def _unmatched_staff_address_context() -> dict:
    """An address under a staff area that matches no page (a mistyped /admin/… link) belongs to no
    blueprint, so its 404 would render in the shop; for a signed-in staff member it stays in the
    back office, with its navigation."""
    if not has_request_context() or request.blueprint is not None or not any(request.path == prefix or request.path.startswith(prefix + "/")
                                                for prefix in _staff_prefixes):
        return {}
    return _layout_context()


_staff_prefixes: set[str] = set()


def _keep_unmatched_staff_addresses_in_the_back_office(state) -> None:
    processors = state.app.template_context_processors[None]
    if _unmatched_staff_address_context not in processors:  # once, however many staff areas
        processors.append(_unmatched_staff_address_context)


def deny_unmarked_routes() -> None:
    """Deny by default: a staff view without a declared permission is never served. :raise 403:"""
    if endpoint_permission(request.endpoint) is None:
        abort(403)


def staff_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A blueprint for a staff area: its routes must each carry a permission mark (others answer
    403), its pages are never cached or framed, and its templates (error pages included) get the
    back office's nav and the filters that name a language or a country from its code."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)
    blueprint.before_request(deny_unmarked_routes)
    blueprint.context_processor(_layout_context)
    _staff_prefixes.add(url_prefix.rstrip("/"))
    blueprint.record_once(_keep_unmatched_staff_addresses_in_the_back_office)
    # `{{ order.locale|language_name }}`, `{{ order.country|country_name }}`,
    # `{{ order.channel|channel_name }}`: words, not codes.
    blueprint.add_app_template_filter(language_name)
    blueprint.add_app_template_filter(country_name)
    blueprint.add_app_template_filter(channel_name)  # "Facebook", "Web shop", not "meta", "web"
    blueprint.add_app_template_filter(device_name)  # "Firefox on Windows", not its User-Agent
    # The audit trail in words, in macros too (`staff_actions`): "Marked the order paid".
    blueprint.add_app_template_global(audit_words.action_name, "audit_action")
    blueprint.add_app_template_global(audit_words.target_name, "audit_target")
    blueprint.add_app_template_global(audit_words.details, "audit_details")
    blueprint.add_app_template_global(audit_words.actor_name, "audit_actor")
    serve_as_staff_pages(blueprint)
    return blueprint


def acting_user() -> User:
    """The signed-in staff member, as the object services record as the actor."""
    return current_user._get_current_object()


def page_number() -> int:
    """The page of a paged list asked for by `?page=` (1 when missing or not a number)."""
    return request.args.get("page", 1, type=int) or 1


@dataclass(frozen=True)
class Submission:
    """What became of a staff form: `done`, with the use case's `result`; or not, with the status
    to show the form again with (200 not sent yet, 400 its own errors, a refused use case's 4xx)."""

    status: int
    done: bool = False
    result: Any = None


def submit(form, use_case: Callable[[], Any]) -> Submission:
    """Run `use_case()` when `form` was sent and is valid. A `ShopError` it raises is shown by
    `show_error` (nothing has been written then), except a `NotFoundError`, which propagates: a
    record that is gone is the 404 page, not a form error."""
    if not form.is_submitted():
        return Submission(200)
    if not form.validate():
        return Submission(400)
    try:
        return Submission(200, done=True, result=use_case())
    except NotFoundError:
        raise
    except ShopError as error:
        return Submission(show_error(form, error))


def show_error(form, error: ShopError) -> int:
    """Put a service's error on the form field it names (or flash it); return its status."""
    field = getattr(form, error.field, None) if error.field and form is not None else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")
    return error.status


class ConfirmForm(FlaskForm):
    """An empty form for buttons that change state (delete, schedule, export): a CSRF-protected POST."""


def require_confirmation() -> None:
    """A state-changing button's POST must carry its CSRF token. :raise 400:"""
    if not ConfirmForm().validate_on_submit():
        abort(400)
