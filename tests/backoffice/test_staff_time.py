"""Staff read moments to the minute, in the shop's zone and their own language, on every page."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests.factories import make_order, make_product

PLACED = dt.datetime(2026, 12, 5, 1, 15, 42, tzinfo=dt.timezone.utc)  # 03:15:42 in Riga
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(autouse=True)
def request_context(app):
    # place_order renders the order mail, which needs a request for its language.
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize("language, placed", [
    ("en", "Dec 5, 2026, 3:15\u202fAM"),  # CLDR: a narrow no-break space before AM
    ("es", "5 dic 2026, 3:15"),
    ("lv", "2026. gada 5. dec. 03:15"),
])
def test_an_order_is_dated_to_the_minute_in_the_shops_zone_and_the_staff_members_language(
        client, admin, language, placed):
    order = make_order(make_product(variants=[{"price": 1000, "stock": 5}]).variants[0], now=PLACED)

    listed = client.get(f"/admin/orders?lang={language}").text
    detail = client.get(f"/admin/orders/{order.id}?lang={language}").text

    for page in (listed, detail):
        assert placed in page
        assert "3:15:42" not in page  # no seconds anywhere a person reads
    # The timeline keeps the exact moment for whoever needs the order of events within a minute.
    assert 'datetime="2026-12-05T01:15:42' in detail


def test_no_back_office_page_or_staff_mail_writes_a_moment_another_way():
    """One function (`storefront.i18n.staff_time`, the `staff_time` filter) dates everything staff
    read: flask_babel's `datetimeformat` and the shopper's `shop_datetime` both show seconds."""
    staff_templates = [*TEMPLATES.glob("admin/**/*.html"), *TEMPLATES.glob("mail/accounts/*"),
                       *TEMPLATES.glob("mail/reviews/inbox_alert.*")]
    assert staff_templates
    other_ways = [f"{path.relative_to(TEMPLATES)}: {match}" for path in staff_templates
                  for match in re.findall(r"\|\s*(?:shop_datetime|datetimeformat|timeformat)\b", path.read_text())]
    assert other_ways == []
