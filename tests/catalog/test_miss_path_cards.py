"""Product cards (home shelves, listings, related products) are read in one statement per list,
and say what the products, their variants and pictures say; their links are `url_for`'s."""
from __future__ import annotations

import pytest
from flask import url_for

from storefront.catalog import browse, pages
from storefront.catalog.models import Product
from storefront.catalog.views import product_path
from storefront.extensions import db
from tests.factories import add_image, make_category, make_product


def expected_card(product: Product) -> browse.ProductCard:
    """The card as the product's ORM objects describe it (what the card macro read before)."""
    variants = list(product.variants)  # in the page's order: position, then id
    cheapest = sorted(variants, key=lambda v: v.price)[0] if variants else None
    image = product.main_image
    return browse.ProductCard(
        id=product.id, slug=product.slug, title=product.title, price_min=product.price_min,
        price_max=product.price_max if variants else None, total_stock=product.total_stock,
        on_sale=any(v.on_sale for v in variants),
        cheapest_was=cheapest.compare_at_price if cheapest is not None and cheapest.on_sale else None,
        image_filename=image.filename if image else None, image_alt=image.alt if image else None)


@pytest.fixture
def assorted():
    """Products covering every branch of a card."""
    category = make_category("Knitwear", slug="knitwear")
    made = [
        make_product("Plain", category=category, price_min=2500),
        make_product("From", category=category, price_min=2000, variants=[
            {"price": 3000, "stock": 0}, {"price": 2000, "stock": 2, "compare_at_price": 2600},
            {"price": 2000, "stock": 0}]),
        # The cheapest two tie on price: the first of them in the page's order decides.
        make_product("Tie", category=category, price_min=1500, variants=[
            {"price": 1500}, {"price": 1500, "compare_at_price": 1900}, {"price": 1800, "compare_at_price": 2500}]),
        make_product("Dear on sale", category=category, price_min=1000, variants=[
            {"price": 1000}, {"price": 1200, "compare_at_price": 1500}]),
        make_product("Sold out", category=category, price_min=900, variants=[{"price": 900, "stock": 0}]),
        make_product("Zero was", category=category, price_min=900, variants=[{"price": 900, "compare_at_price": 0}]),
        make_product("Same was", category=category, price_min=900, variants=[{"price": 900, "compare_at_price": 900}]),
    ]
    bare = Product(title="No variants", slug="bare", category=category, price_min=0)
    db.session.add(bare)
    db.session.commit()
    made.append(bare)
    add_image(made[0], "a/second.jpg", alt="")
    add_image(made[1], "b/first.jpg", alt="A blue sweater")
    add_image(made[1], "b/second.jpg", alt="Its back")
    first = made[2]
    add_image(first, "c/z.jpg", alt="later")
    image = add_image(first, "c/a.jpg", alt="earlier by position")
    image.position = -1
    db.session.commit()
    return category, made


def test_cards_say_what_the_products_say(assorted):
    category, made = assorted
    db.session.expire_all()
    expected = {p.id: expected_card(p) for p in made}
    listing = browse.list_cards(category=category, sort="name", per_page=50)
    assert {card.id: card for card in listing.items} == expected
    assert [card.title for card in listing.items] == sorted(p.title for p in made)
    assert {c.id for c in browse.newest_cards(50)} == set(expected)
    assert {c.id for c in pages.on_sale_products(limit=50)} == {
        p.id for p in made if any(v.on_sale for v in p.variants)}
    related = browse.related_products(made[0], limit=50)
    assert [c.id for c in related] == [c.id for c in browse.list_cards(category=category, per_page=50).items
                                       if c.id != made[0].id]


def test_a_card_shows_the_cheapest_variants_old_price_and_the_sale_badge(client, assorted):
    html = client.get("/c/knitwear?sort=name").get_data(as_text=True)
    cards = {title: body for body, title in
             ((card, card.split('class="card-title">')[1].split("<")[0]) for card in html.split("<article")[1:])}
    assert 'class="price-from">from</span> <span class="price-now is-sale">€20.00</span> <s class="price-was">' \
           '<span class="visually-hidden">was </span>€26.00</s>' in cards["From"]
    assert 'badge-sale' in cards["From"] and 'alt="A blue sweater"' in cards["From"]
    assert '<span class="price-now">€15.00</span></p>' in cards["Tie"].replace("\n", "")
    assert 'badge-sale' in cards["Dear on sale"] and "price-was" not in cards["Dear on sale"]
    assert 'badge-soldout' in cards["Sold out"] and "is-sold-out" in cards["Sold out"]
    for title in ("Zero was", "Same was", "Plain"):
        assert "badge-" not in cards[title] and "price-was" not in cards[title], title
    assert 'alt="earlier by position"' in cards["Tie"]
    assert 'alt="Plain"' in cards["Plain"]  # a picture without words: the title
    assert 'class="card-price"></p>' in cards["No variants"]


@pytest.mark.parametrize("slug", ["plain", "with space", "ünïcode-ķēdes", "a/b", "q?x=1#f", "100%", "semi;colon@at"])
@pytest.mark.parametrize("query", ["", "?lang=lv", "?sort=name&page=2"])
def test_product_links_are_what_url_for_builds(app, slug, query):
    with app.test_request_context(f"/c/knitwear{query}", base_url="http://shop.test/shop"):
        app.preprocess_request()
        expected = url_for("catalog.product", slug=slug)
        assert product_path(slug) == expected
        assert product_path("second") == url_for("catalog.product", slug="second")
        assert expected.startswith("/shop/p/")
