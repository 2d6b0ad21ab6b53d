"""The customers list and a customer's page: one line per address (whatever its case), figures
that agree with the order list and the dashboard, a fixed number of queries whatever the number of
customers, search and sorting, and who may see, export and erase."""
from __future__ import annotations

import datetime as dt
import random
import re

import pytest
import sqlalchemy as sa

from promotions.models import Redemption
from reviews.models import Review
from storefront.accounts.models import Permission, Role, ROLE_PERMISSIONS
from storefront.backoffice import dashboard
from storefront.customers import queries
from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from storefront.orders.queries import OrderFilters, order_page
from tests.factories import make_product, make_user
from tests.promotions.conftest import make_offer

from .conftest import sign_in

ZONE = "Europe/Riga"
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)
CHANNELS = (("meta", "facebook"), ("telegram", "telegram"), ("vk", "vk"), ("web", ""), ("web", "newsletter"))


def add_order(email: str, created_at: dt.datetime, *, total: int = 5000, status: str = "paid", channel: str = "web",
              source: str = "", refunded: int = 0, name: str = "A Buyer") -> Order:
    order = Order(email=email, full_name=name, address_line1="Street 1", city="Rīga", postal_code="LV-1001",
                  country="LV", shipping_method="standard", payment_method="bank_transfer", currency="EUR",
                  items_subtotal=total, discount=0, shipping=0, tax=0, tax_included=True, total=total,
                  amount_refunded=refunded, status=status, channel=channel, utm_source=source,
                  created_at=created_at, number=None,
                  paid_at=created_at if status not in ("pending_payment", "cancelled") else None)
    db.session.add(order)
    db.session.flush()
    order.number = f"T{order.id:05d}"
    return order


def add_review(product_id: int, email: str, rating: int = 5) -> Review:
    review = Review(product_id=product_id, author_name="Someone", email=email, language="en", rating=rating,
                    original_rating=rating)
    db.session.add(review)
    return review


def random_shop(rng: random.Random, customers: int = 12, orders: int = 80) -> list[str]:
    """Orders by `customers` addresses (each typed in random case), in every state, from every channel;
    reviews and redemptions (redeemed and released) by some of them. Committed."""
    emails = [f"shopper{n:03d}@example.com" for n in range(customers)]
    product = make_product(variants=[{"stock": 5}])
    offers = [make_offer() for _ in range(3)]
    for _ in range(orders):
        email = rng.choice(emails)
        typed = "".join(c.upper() if rng.random() < .3 else c for c in email)
        status = rng.choice(tuple(OrderStatus))
        total = rng.randrange(500, 30000)
        refunded = total if status == OrderStatus.REFUNDED else (
            rng.choice((0, 0, rng.randrange(total))) if status in dashboard.PAID_STATES else 0)
        channel, source = rng.choice(CHANNELS)
        order = add_order(typed, NOW - dt.timedelta(minutes=rng.randrange(60 * 24 * 60)), total=total, status=status,
                          channel=channel, source=source, refunded=refunded)
        for offer in rng.sample(offers, rng.randrange(0, 3)):
            status = rng.choice(("confirmed", "released", "held"))
            db.session.add(Redemption(offer_id=offer.id, order_id=order.id, status=status, discount=100,
                                      created_at=order.created_at))
    for email in rng.sample(emails, customers // 2):
        for _ in range(rng.randrange(1, 3)):
            add_review(product.id, email.upper() if rng.random() < .5 else email)
    db.session.commit()
    return emails


def every_customer() -> list[queries.CustomerRow]:
    page = queries.customer_page(per_page=10_000)
    assert len(page.items) == page.total
    return page.items


def test_each_address_is_one_customer_whose_figures_agree_with_the_order_list_and_the_dashboard():
    rng = random.Random(14)
    emails = random_shop(rng)
    rows = {row.email: row for row in every_customer()}
    assert set(rows) == set(emails)  # one line per address, whatever case it was typed in

    for email, row in rows.items():
        listed = order_page(OrderFilters(search=email), time_zone=ZONE, per_page=10_000).items
        assert row.orders == len(listed)
        assert row.spend == sum(o.total - o.amount_refunded for o in listed if o.status in dashboard.PAID_STATES)
        first = min(listed, key=lambda o: (o.created_at, o.id))
        assert (row.key, row.first_order_at, row.first_channel, row.first_source) == (
            first.id, first.created_at, first.channel, first.utm_source)
        assert row.last_order_at == max(o.created_at for o in listed)
        assert row.reviews == db.session.scalar(
            sa.select(sa.func.count(Review.id)).where(sa.func.lower(Review.email) == email))
        assert row.offers_used == len({r.offer_id for r in db.session.scalars(
            sa.select(Redemption).where(Redemption.order_id.in_([o.id for o in listed]),
                                        Redemption.status == "confirmed"))})

    period = dashboard.period_for("custom", NOW, ZONE, date_from="2026-01-01", date_to="2026-11-23")
    sales = dashboard.sales(period).current
    assert sales.orders == sum(row.orders for row in rows.values())
    assert sales.revenue - sales.refunds == sum(row.spend for row in rows.values())


def test_the_list_sorts_searches_and_pages():
    rng = random.Random(7)
    random_shop(rng, customers=9, orders=40)
    add_order("Zed.Unique@Example.com", NOW, total=1, name="Zelda Quist")
    db.session.commit()
    rows = every_customer()
    assert [r.last_order_at for r in rows] == sorted((r.last_order_at for r in rows), reverse=True)
    by_spend = queries.customer_page(sort="spend", per_page=100).items
    assert [r.spend for r in by_spend] == sorted((r.spend for r in rows), reverse=True)
    by_orders = queries.customer_page(sort="orders", per_page=100).items
    assert [r.orders for r in by_orders] == sorted((r.orders for r in rows), reverse=True)

    assert [r.email for r in queries.customer_page("quist").items] == ["zed.unique@example.com"]
    assert [r.email for r in queries.customer_page("ZED.unique").items] == ["zed.unique@example.com"]
    assert queries.customer_page("%").total == 0  # typed text, not a pattern

    first, second = queries.customer_page(per_page=4, page=1), queries.customer_page(per_page=4, page=2)
    assert first.total == second.total == 10 and first.pages == 3
    assert not {r.key for r in first.items} & {r.key for r in second.items}


def test_the_list_page_runs_the_same_queries_for_ten_or_a_hundred_customers(client, admin, count_queries):
    def cost() -> tuple[int, str]:
        with count_queries() as counter:
            response = client.get("/admin/customers?sort=spend")
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    random_shop(random.Random(1), customers=10, orders=30)
    cost()  # the member's first request notes their session's use
    few, _ = cost()
    random_shop(random.Random(2), customers=100, orders=400)
    many, page = cost()
    assert few == many
    assert page.count('class="c-customer"') == queries.CUSTOMERS_PER_PAGE


def test_the_list_shows_the_figures_in_the_shops_currency_and_links_the_customers_page(client, admin):
    order = add_order("Anna@Example.com", NOW, total=12_345, name="Anna Bērziņa")
    add_order("anna@example.com", NOW + dt.timedelta(hours=1), total=1000, status="refunded", refunded=1000,
              name="Anna Bērziņa")
    db.session.commit()
    page = client.get("/admin/customers?lang=en").get_data(as_text=True)
    assert "anna@example.com" in page and "Anna Bērziņa" in page
    assert "€123.45" in page
    assert f'href="/admin/customers/{order.id}"' in page
    detail = client.get(f"/admin/customers/{order.id}?lang=en").get_data(as_text=True)
    assert "anna@example.com" in detail and "€123.45" in detail and "T%05d" % order.id in detail


def test_bad_list_input_is_a_400_with_a_message(client, admin):
    response = client.get("/admin/customers?sort=nonsense")
    assert response.status_code == 400
    assert "Unknown sorting" in response.get_data(as_text=True)
    assert client.get("/admin/customers?q=" + "x" * 101).status_code == 400


def test_an_unknown_customer_is_a_404(client, admin):
    assert client.get("/admin/customers/999999").status_code == 404


# --- who may do what -----------------------------------------------------------------------------

ROUTES = {  # action: (method, path pattern, permission)
    "list": ("GET", "/admin/customers", Permission.VIEW_CUSTOMERS),
    "page": ("GET", "/admin/customers/{key}", Permission.VIEW_CUSTOMERS),
    "export": ("POST", "/admin/customers/{key}/export", Permission.EXPORT_CUSTOMERS),
    "erase": ("POST", "/admin/customers/{key}/erase", Permission.ERASE_CUSTOMERS),
}
MAY = {
    "admin": {"list", "page", "export", "erase"},
    "support": {"list", "page"},
    "marketer": set(),
}


def test_the_permissions_give_each_role_exactly_its_customer_actions():
    for role, allowed in MAY.items():
        held = ROLE_PERMISSIONS[Role(role)]
        assert {action for action, (_, _, permission) in ROUTES.items() if permission in held} == allowed


@pytest.mark.parametrize("action", ROUTES)
@pytest.mark.parametrize("role", MAY)
def test_each_role_may_take_exactly_its_customer_actions(client, role, action):
    order = add_order("carla@example.com", NOW - dt.timedelta(days=3), status="delivered")
    db.session.commit()
    sign_in(client, make_user(f"{role}-member@example.com", role))
    method, path, _ = ROUTES[action]
    data = {"email": "carla@example.com"} if action == "erase" else {}
    response = client.open(path.format(key=order.id), method=method, data=data)
    if action in MAY[role]:
        assert response.status_code in (200, 303), response.status_code
    else:
        assert response.status_code == 403
        db.session.expire_all()
        assert db.session.get(Order, order.id).email == "carla@example.com"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/customers")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("role, shown", [("admin", True), ("support", True), ("marketer", False)])
def test_the_nav_links_customers_for_those_who_may_see_them(client, staff, role, shown):
    staff(role)
    page = client.get("/admin/").get_data(as_text=True)
    assert ('href="/admin/customers"' in page) is shown


def test_the_customer_page_shows_the_actions_only_to_admins(client, staff):
    order = add_order("dora@example.com", NOW, status="delivered")
    db.session.commit()
    staff("support")
    page = client.get(f"/admin/customers/{order.id}").get_data(as_text=True)
    assert "dora@example.com" in page
    assert "/export" not in page and "/erase" not in page
    assert not re.search(r'name="email"', page)
