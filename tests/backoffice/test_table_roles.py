"""The back office's lists that a phone shows as cards (`.table.stacked`, and the orders,
customers and variants drawn as small grids) keep their table to every screen reader: CSS that
changes a table's `display` makes Safari and VoiceOver drop its table, row and cell roles, so
each of these tables names them itself (role table, rowgroup, row, columnheader, cell). Axe
checks that the roles are complete where they are rendered (tests/browser/test_every_page_overflow_and_axe.py).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from storefront.accounts.models import User
from storefront.backoffice.imports import start_import
from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.orders.models import Order
from tests.demo_shop import load_demo_shop

from .conftest import sign_in

# The classes of the tables that static/css/admin.css and customers.css redraw as cards.
CARD_TABLES = {"stacked", "orders", "customers", "customer-orders", "variants", "inbox-queue"}
# The role each element of such a table must carry.
ROLES = {"table": "table", "thead": "rowgroup", "tbody": "rowgroup", "tfoot": "rowgroup", "tr": "row",
         "th": ("columnheader", "rowheader"), "td": "cell"}
# The offers list is stacked too; its template is the offers area's (templates/admin/offers/).
PAGES = {
    "orders": "/admin/orders", "products": "/admin/products", "customers": "/admin/customers",
    "categories": "/admin/categories", "reviews": "/admin/inbox/reviews", "canned replies": "/admin/inbox/canned",
    "audit log": "/admin/audit", "imports": "/admin/catalog/import", "staff": "/admin/staff",
    "legal pages": "/admin/legal", "offers": "/admin/offers/", "inbox": "/admin/inbox/",
}


class CardTables(HTMLParser):
    """The elements of the page's card tables that lack their role: (tag, role found) pairs, and
    how many card tables, rows and cells were read."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # inside a card table: how many tables deep, else 0
        self.missing: list[tuple[str, str | None]] = []
        self.counts = {"table": 0, "tr": 0, "td": 0}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif CARD_TABLES & set((attrs.get("class") or "").split()):
                self.depth = 1
        if not self.depth or tag not in ROLES:
            return
        if tag in self.counts:
            self.counts[tag] += 1
        wanted = ROLES[tag]
        if attrs.get("role") not in (wanted if isinstance(wanted, tuple) else (wanted,)):
            self.missing.append((tag, attrs.get("role")))

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1


@pytest.fixture
def pages(app, client):
    """The lists above with rows in each, the demo's first customer and product: signed in as the admin."""
    load_demo_shop()
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
    start_import(admin, "catalog.csv", b"sku,title,price,stock\nT-1,Scarf,12.00,5\n", "en", run_in_background=False)
    db.session.commit()
    sign_in(client, admin)
    order_id = db.session.scalar(sa.select(sa.func.min(Order.id)))
    product_id = db.session.scalar(sa.select(sa.func.min(Product.id)))
    return PAGES | {"customer": f"/admin/customers/{order_id}", "product": f"/admin/products/{product_id}"}


@pytest.mark.parametrize("language", ("en", "lv"))
def test_tables_shown_as_cards_on_a_phone_name_their_table_roles(client, pages, subtests, language):
    for name, path in pages.items():
        with subtests.test(page=name, language=language):
            response = client.get(f"{path}?lang={language}")
            assert response.status_code == 200, path
            tables = CardTables()
            tables.feed(response.get_data(as_text=True))
            assert tables.counts["table"] >= 1 and tables.counts["td"], f"{name}: no card table with rows to look at"
            assert tables.missing == [], f"{name}: elements without their role (tag, role): {sorted(set(tables.missing))}"


def test_no_card_table_hides_its_column_headers_from_screen_readers():
    """A card table's header row is hidden from sight only (clipped), never with display: none,
    which takes the column names from screen readers too."""
    css = "\n".join(path.read_text() for path in (Path(__file__).resolve().parents[2] / "static" / "css").glob("*.css"))
    for name in sorted(CARD_TABLES):
        assert not re.search(rf"\.{re.escape(name)}\s+thead\s*\{{[^}}]*display:\s*none", css), name
