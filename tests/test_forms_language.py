"""Every form speaks the page's language when it refuses: each form a shopper or a member of staff
can send (every POST route of the pages, on the demo shop) is sent empty and with invalid values
in English, Spanish and Latvian, and no error message on a Spanish or Latvian page may be one of
the shop's or WTForms' English messages. WTForms ships no Latvian catalog: its own messages
("This field is required.") come from the shop's (storefront.text_input.FormMessages)."""
from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
import wtforms
from babel.messages.pofile import read_po
from flask import current_app

from storefront.accounts.models import User
from tests.demo_shop import load_demo_shop
from storefront.extensions import db
from tests.backoffice.conftest import sign_in

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc)
# What fills each part of a route's address: the first row of the table that holds it.
ADDRESS_PARTS = {
    "category_id": "SELECT min(id) FROM categories", "image_id": "SELECT min(id) FROM product_images",
    "item_id": "SELECT min(id) FROM inbox_items", "canned_id": "SELECT min(id) FROM canned_replies",
    "review_id": "SELECT min(id) FROM reviews", "offer_id": "SELECT min(id) FROM offers",
    "batch_id": "SELECT min(id) FROM offer_code_batches", "order_id": "SELECT min(id) FROM orders",
    "product_id": "SELECT min(id) FROM products", "variant_id": "SELECT min(id) FROM variants",
    "user_id": "SELECT max(id) FROM users", "invitation_id": "SELECT min(id) FROM staff_invitations",
    "answer_id": "SELECT min(id) FROM answers",
    "tracking_token": "SELECT tracking_token FROM orders ORDER BY id LIMIT 1",
    "line_id": "SELECT min(id) FROM order_lines WHERE order_id = (SELECT min(id) FROM orders)",
}
SLUGS = {"question_pages.ask": "SELECT slug FROM products ORDER BY id LIMIT 1",
         "offers.store_code": "SELECT slug FROM offers ORDER BY id LIMIT 1"}
# Not forms a person fills in: machine posts, and buttons whose whole form is the CSRF token
# (with CSRF off in tests they would only delete, end or sign out what the next forms need).
NOT_FORMS = re.compile(r"^(social|webhooks)\.|\.(\w*delete|\w*disable|enable|sign_out\w*|logout|\w*revoke|offer_end|"
                       r"offer_schedule|batch_download|catalog_export|remove_code|remove|helpful|vote|publish|"
                       r"withhold|item_private|member_reset_link|confirm_form)$")
# Forms that must refuse both payloads with a message on the page: the test cannot pass by
# reaching none of them.
MUST_REFUSE = {"checkout.details", "cart.add", "question_pages.ask", "admin.product_new",
               "admin.category_new", "admin.variant_new", "offers_admin.offer_new", "staff.members",
               "legal_admin.edit", "inbox.canned_list"}
MESSAGE = re.compile(r'<(p|div|span|li)\b[^>]*class="[^"]*\b(?:field-error|error|alert-error|flash-error)\b[^"]*"'
                     r'[^>]*>(.*?)</\1>', re.DOTALL)


def english_patterns(language: str) -> list[re.Pattern]:
    """The English messages that have their own translation in `language` (the shop's catalog,
    and WTForms' messages), as patterns with their placeholders open."""
    with open(ROOT / f"translations/{language}/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f, locale=language)
    english = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if ids[0] and any(strings) and ids[0] not in strings:
            english.update(ids)
    with open(Path(wtforms.__file__).parent / "locale/wtforms.pot", "rb") as f:
        english.update(m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id)
    patterns = []
    for text in english:
        if len(text) < 12 or not text.endswith((".", "!", "?")):
            continue  # labels and words, not messages
        parts = re.split(r"%\(\w+\)[sd]|%[sd]", text)
        patterns.append(re.compile("^" + ".+?".join(re.escape(part) for part in parts) + "$"))
    return patterns


def messages_on(page: str) -> list[str]:
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split()) for _, inner in MESSAGE.findall(page)]


def form_addresses() -> list[tuple[str, str]]:
    """(endpoint, address) of every form route whose address the demo shop can fill."""
    found = []
    for rule in current_app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/") or NOT_FORMS.search(rule.endpoint):
            continue
        values = {}
        for name in rule.arguments:
            query = SLUGS.get(rule.endpoint) if name == "slug" else ADDRESS_PARTS.get(name)
            value = db.session.scalar(sa.text(query)) if query else ("terms" if name == "page" else None)
            if value is None:
                break
            values[name] = value
        else:
            found.append((rule.endpoint, rule.build(values)[1]))
    return sorted(found)


def invalid_values(client, address: str) -> dict[str, str]:
    """Every field of the form at `address` (as its page shows it) with a value it must refuse."""
    page = client.get(address).get_data(as_text=True)
    names = set(re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', page)) - {"csrf_token"}
    return {name: "not-an-email" if "mail" in name else "-1x" for name in names}


@pytest.fixture
def demo_shop(client):
    load_demo_shop(NOW)
    admin = db.session.scalar(sa.text("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1"))
    sign_in(client, db.session.get(User, admin))
    variant = db.session.scalar(sa.text("SELECT min(id) FROM variants WHERE stock > 0"))
    assert client.post("/cart/add", data={"variant_id": variant, "quantity": 1}).status_code == 303


@pytest.mark.parametrize("language", ["es", "lv"])
def test_no_form_refuses_in_english_on_a_spanish_or_latvian_page(client, demo_shop, language):
    english = english_patterns(language)
    refused, in_english = set(), []
    for endpoint, address in form_addresses():
        for data in ({}, invalid_values(client, address)):
            response = client.post(f"{address}{'&' if '?' in address else '?'}lang={language}", data=data)
            shown = messages_on(response.get_data(as_text=True))
            if shown and response.status_code >= 400:
                refused.add(endpoint)
            in_english += [(endpoint, text) for text in shown if any(p.match(text) for p in english)]
    assert in_english == []
    assert MUST_REFUSE <= refused, sorted(MUST_REFUSE - refused)


def test_the_checkout_says_a_field_is_required_in_latvian(client, demo_shop):
    page = client.post("/checkout?lang=lv", data={}).get_data(as_text=True)
    assert "Šis lauks ir obligāts." in messages_on(page)
    assert "This field is required." not in page


@pytest.mark.parametrize("language", ["es", "lv"])
def test_the_staff_sign_in_refuses_in_the_pages_language(app, language):
    english = english_patterns(language)
    for data in ({}, {"email": "not-an-email", "password": ""}):
        page = app.test_client().post(f"/account/login?lang={language}", data=data).get_data(as_text=True)
        shown = messages_on(page)
        assert shown and not [text for text in shown if any(p.match(text) for p in english)], shown
