"""Staff find what they type, in any script and in the language they read the list in."""
from __future__ import annotations

import re

from storefront.extensions import db
from tests.factories import make_order, make_product


def titles(client, query: str) -> list[str]:
    page = client.get("/admin/products", query_string={"q": query, "lang": "lv"}).get_data(as_text=True)
    return re.findall(r"<strong>([^<]+)</strong></a>", page)


def test_products_are_found_by_a_name_with_capitals_beyond_a_to_z_and_by_a_translated_title(client, admin):
    make_product("Ķemeri Long Scarf", slug="kemeri-long-scarf")
    pullover = make_product("Gauja cable-knit pullover", slug="gauja")
    pullover.translations = {"lv": {"title": "Gaujas bižu džemperis"}, "es": {"title": "Jersey de ochos Gauja"}}
    make_product("Plain socks", slug="plain-socks")
    db.session.commit()

    for typed in ("Ķemeri", "ķemeri", "ĶEMERI LONG", "kemeri"):
        assert titles(client, typed) == ["Ķemeri Long Scarf"], typed
    for typed in ("Gaujas bižu", "DŽEMPERIS", "jersey de OCHOS"):
        assert titles(client, typed) == ["Gaujas bižu džemperis"], typed  # listed in the staff's language
    assert titles(client, "Šalle") == []


def test_orders_and_customers_are_found_by_a_name_in_any_case(client, admin):
    product = make_product("Hat", variants=[{"price": 1000, "stock": 5}])
    order = make_order(product.variants[0], full_name="Ēriks Ķēniņš", email="eriks@example.com")
    db.session.commit()

    customers = client.get("/admin/customers", query_string={"q": "ēRIKS ķĒNIŅŠ"}).get_data(as_text=True)
    assert "eriks@example.com" in customers
    orders = client.get("/admin/orders", query_string={"q": order.number.lower()}).get_data(as_text=True)
    assert order.number in orders
