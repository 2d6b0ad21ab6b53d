"""Codes in the cart: accepted ones price the cart, refused ones say why with a 4xx status, wrong
ones are rate-limited, and nothing a client claims about itself changes a price."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest

from tests.factories import make_product
from tests.promotions.conftest import make_code, make_offer
from tests.promotions.test_shopper_pages import banners, launch, text

UTC = dt.timezone.utc


@pytest.fixture
def scarf():
    return make_product("Vējš scarf", slug="scarf", option_names=(), variants=[{"sku": "SCARF-1", "price": 3000,
                                                                               "stock": 20}])


@pytest.fixture
def cart(client, scarf):
    client.post("/cart/add", data={"variant_id": scarf.variants[0].id, "quantity": 2})
    return client


def enter(client, code, **extra):
    return client.post("/cart/code", data={"code": code, **extra})


def session_code(client):
    with client.session_transaction() as session:
        return session.get("offer_code")


def test_a_good_code_is_applied_and_prices_the_cart(cart):
    offer = make_offer(name="Telegram 20", percent=20, audience="code_holders")
    make_code(offer, "TG-TWENTY", kind="shared", channel="telegram", max_uses=None)
    response = enter(cart, " tg-twenty ")
    assert response.status_code == 303 and response.headers["Location"] == "/cart/"
    page = text(cart.get("/cart/"))
    assert "Code TG-TWENTY applied: Telegram 20." in page
    assert "data-entered-code>TG-TWENTY<" in page
    assert "data-discount>−€12.00" in page and "data-total>€52.95" in page  # €60 − 20%, plus shipping
    assert session_code(cart) == "TG-TWENTY"


def test_an_amount_in_the_offers_name_stays_whole_in_the_code_applied_message(cart):
    offer = make_offer(name="€10 off from €60", benefit="fixed", amount=1000, audience="code_holders",
                       translations={"lv": {"name": "10 € atlaide no 60 €"}})
    make_code(offer, "TG-TEN", kind="shared", channel="telegram", max_uses=None)
    cart.post("/cart/code?lang=lv", data={"code": "TG-TEN"})
    page = text(cart.get("/cart/?lang=lv"))
    # A line may end at a space, and "10 / € atlaide" did; the no-break space holds them together.
    assert "Kods TG-TEN piemērots: 10\u00a0€ atlaide no 60\u00a0€." in page


def test_removing_the_code_takes_its_offer_off_the_cart(cart):
    offer = make_offer(percent=20, audience="code_holders")
    make_code(offer, "TG-TWENTY", kind="shared", max_uses=None)
    enter(cart, "TG-TWENTY")
    response = cart.post("/cart/code/remove")
    assert response.status_code == 303
    page = text(cart.get("/cart/"))
    assert "The code was removed from your cart." in page and "data-discount" not in page
    assert session_code(cart) is None


def refusal_cases():
    now = dt.datetime.now(UTC)
    CODES = {"audience": "code_holders"}
    return {
        "unknown": (lambda: None, "NOPE-123", "We do not know the code NOPE-123. Please check it and try again."),
        "expired": (lambda: make_code(make_offer(starts_at=now - dt.timedelta(days=3),
                                                 ends_at=now - dt.timedelta(seconds=1), **CODES), "OLD-CODE"),
                    "OLD-CODE", "The code OLD-CODE has expired."),
        "ended_early": (lambda: make_code(make_offer(state="ended_early", **CODES), "STOPPED"),
                        "STOPPED", "The code STOPPED has expired."),
        "used": (lambda: make_code(make_offer(**CODES), "ONCE-ONLY", uses=1), "ONCE-ONLY",
                 "The code ONCE-ONLY has already been used."),
        "not_yet_valid": (lambda: make_code(make_offer(starts_at=now + dt.timedelta(days=1),
                                                       ends_at=now + dt.timedelta(days=2), **CODES), "SOON-CODE"),
                          "SOON-CODE", "The code SOON-CODE is not valid yet."),
        "other_channel": (lambda: make_code(make_offer(**CODES), "VK-FRIENDS", kind="shared", channel="vk",
                                            channel_only=True, max_uses=None),
                          "VK-FRIENDS", "The code VK-FRIENDS is for our followers on Vk: please open the shop "
                                        "from our page there."),
        "sold_out": (lambda: make_code(make_offer(cap_total=1, redemptions_count=1, **CODES), "ALL-GONE", kind="shared",
                                       max_uses=None), "ALL-GONE", "Sorry, the offer behind ALL-GONE has run out."),
        "empty": (lambda: None, "   ", "Please enter a code."),
    }


@pytest.mark.parametrize("reason", list(refusal_cases()))
def test_every_refused_code_says_why_with_a_4xx_status_and_applies_nothing(cart, reason):
    setup, code, message = refusal_cases()[reason]
    setup()
    response = enter(cart, code)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert 'data-code-error>' in page and 'aria-invalid="true"' in page
    assert "data-discount" not in page
    assert session_code(cart) is None


def test_a_refused_code_on_an_offer_link_is_explained_on_the_offer_page(client):
    now = dt.datetime.now(UTC)
    make_offer(slug="old", starts_at=now - dt.timedelta(days=3), ends_at=now - dt.timedelta(hours=1))
    offer = make_offer(slug="live", audience="code_holders")
    make_code(offer, "USED-UP", uses=1)
    response = client.get("/offers/live?code=used-up")
    assert response.status_code == 422
    assert "The code USED-UP has already been used." in text(response)


def test_wrong_codes_are_rate_limited_but_a_right_code_before_the_limit_is_accepted(cart):
    offer = make_offer(percent=10, audience="code_holders")
    make_code(offer, "RIGHT-ONE", kind="shared", max_uses=None)
    for n in range(9):
        assert enter(cart, f"WRONG-{n}").status_code == 422
    assert enter(cart, "RIGHT-ONE").status_code == 303  # accepted, and not counted as a wrong one
    assert enter(cart, "WRONG-9").status_code == 422  # the tenth wrong code
    response = enter(cart, "RIGHT-ONE")
    assert response.status_code == 429
    assert "Too many wrong codes. Please wait a few minutes and try again." in text(response)
    assert int(response.headers["Retry-After"]) > 0
    # Offer links with a code count towards the same limit; the offer page itself is not limited.
    assert cart.get(f"/offers/{offer.slug}?code=RIGHT-ONE").status_code == 429
    assert cart.get(f"/offers/{offer.slug}").status_code == 200


def test_client_sent_follower_price_and_discount_fields_are_ignored(cart, scarf):
    make_offer(slug="friends", percent=50, audience="tab_visitors")
    offer = make_offer(percent=10, audience="code_holders")
    make_code(offer, "VK-ONLY", kind="shared", channel="vk", channel_only=True, max_uses=None)
    claims = {"is_follower": "true", "follower": "1", "price": "1", "unit_price": "1", "discount": "5000",
              "total": "1", "channel": "vk", "launch": "vk:1"}
    response = enter(cart, "VK-ONLY", **claims)
    assert response.status_code == 422 and "is for our followers on Vk" in text(response)
    cart.post("/cart/add", data={"variant_id": scarf.variants[0].id, "quantity": 1, **claims})
    page = text(cart.get("/cart/?is_follower=true&discount=5000"))
    assert "data-total>€90.00" in page and "data-discount" not in page
    assert banners(text(cart.get("/?is_follower=1"))) == []


def test_a_channel_code_is_accepted_from_that_channels_tab(client, scarf):
    offer = make_offer(percent=10, audience="code_holders")
    make_code(offer, "FB-ONLY", kind="shared", channel="meta", channel_only=True, max_uses=None)
    launch(client)
    client.post("/cart/add", data={"variant_id": scarf.variants[0].id, "quantity": 1})
    assert enter(client, "FB-ONLY").status_code == 303


def test_a_coupon_in_metas_checkout_link_is_applied(client, scarf):
    offer = make_offer(name="Instagram 10", percent=10, audience="code_holders")
    make_code(offer, "INSTA10", kind="shared", channel="instagram", max_uses=None)
    page = text(client.get(f"/checkout?products={quote('SCARF-1:2', safe='')}&coupon=insta10"))
    assert "The code INSTA10 is applied: Instagram 10." in page
    assert "data-discount>−€6.00" in page and "Instagram 10" in page
    assert session_code(client) == "INSTA10"


def test_a_refused_coupon_in_metas_checkout_link_says_why(client, scarf):
    make_code(make_offer(audience="code_holders"), "USED-ONE", uses=1)
    page = text(client.get(f"/checkout?products={quote('SCARF-1:1', safe='')}&coupon=used-one"))
    assert "The code USED-ONE was not applied: The code USED-ONE has already been used." in page
    assert "data-discount" not in page
