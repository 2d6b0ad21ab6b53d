"""Small builders for test data. Each commits, so a request in the test sees the rows.

Catalog and staff: `make_category`, `make_product`, `add_image`, `make_user`. Shopping: `make_cart`,
`make_order` (through the real checkout; `make_card_order` for card payment), `make_paid_card_order`.
The shopper's side of Stripe: `pay_as_shopper` (what Stripe.js does), and webhooks signed as Stripe
signs them: `intent_event`, `signed_webhook`, `post_signed_webhook`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request

import stripe

from storefront.accounts.models import User
from storefront.cart import service as carts
from storefront.cart.models import Cart
from storefront.catalog.models import Category, Product, ProductImage, Variant
from storefront.catalog.service import refresh_price_min
from storefront.checkout.service import ShopperDetails, place_order
from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from storefront.payments import service as payments
from tests.conftest import WEBHOOK_SECRET, fresh, wait_for

VISA = "4242424242424242"

_seq = itertools.count(1)


def make_category(name: str | None = None, parent: Category | None = None, **fields) -> Category:
    n = next(_seq)
    category = Category(name=name or f"Category {n}", slug=fields.pop("slug", f"category-{n}"),
                        parent=parent, **fields)
    db.session.add(category)
    db.session.commit()
    return category


def make_product(title: str | None = None, *, category: Category | None = None, variants=None,
                 option_names=("Size",), **fields) -> Product:
    """A product with variants, given as dicts of Variant fields (defaults: one size M, €25, 10)."""
    n = next(_seq)
    category = category or make_category()
    product = Product(title=title or f"Product {n}", slug=fields.pop("slug", f"product-{n}"),
                      description=fields.pop("description", f"Description of product {n}"),
                      category=category, option_names=list(option_names), **fields)
    for position, spec in enumerate(variants or [{}]):
        spec = dict(spec)
        spec.setdefault("sku", f"SKU-{n}-{position}")
        spec.setdefault("options", {"Size": ["S", "M", "L", "XL"][position % 4]})
        spec.setdefault("price", 2500)
        spec.setdefault("stock", 10)
        product.variants.append(Variant(position=position, **spec))
    db.session.add(product)
    refresh_price_min(product)
    db.session.commit()
    return product


def make_user(email: str = "staff@example.com", role: str = "admin", password: str = "correct horse battery") -> User:
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def add_image(product: Product, filename: str, alt: str = "") -> ProductImage:
    """A picture of `product` (the file itself is not written), 800 × 800."""
    image = ProductImage(product=product, filename=filename, alt=alt, width=800, height=800)
    db.session.add(image)
    db.session.commit()
    return image


# --- carts and orders ------------------------------------------------------------------------------

SHOPPER = {"email": "anna@example.com", "full_name": "Anna Bērziņa", "address_line1": "Brīvības iela 1",
           "city": "Rīga", "postal_code": "LV-1010", "country": "LV", "phone": "+371 2000 0000",
           "shipping_method": "standard", "payment_method": "bank_transfer"}


def checkout_form(**changes) -> dict:
    """What a shopper types into the checkout (the form, or the API's order body): Anna, in Rīga,
    standard delivery, paying by bank transfer; `changes` replace fields."""
    return SHOPPER | changes


def shopper_details(**changes) -> ShopperDetails:
    """`checkout_form(**changes)` as the checkout service takes it (with `locale`, `channel`, …)."""
    return ShopperDetails(**checkout_form(**changes))


def make_cart(variant: Variant | None = None, quantity: int = 1) -> Cart:
    """A cart holding `quantity` of `variant`, or an empty one."""
    cart = carts.create_cart()
    if variant is not None:
        carts.add_item(cart, variant, quantity)
    return cart


def make_order(variant: Variant | None = None, quantity: int = 1, *, now: dt.datetime | None = None,
               **details) -> Order:
    """An order awaiting payment, placed through the checkout from a new cart: `quantity` of
    `variant` (default: a new "Dzintars pullover", €89 with 4 in stock), by `checkout_form(**details)`,
    at `now` (default the real clock). Needs a request context (the order mail's language)."""
    if variant is None:
        variant = make_product(title="Dzintars pullover", variants=[{"price": 8900, "stock": 4}]).variants[0]
    cart = make_cart(variant, quantity)
    return place_order(cart.token, shopper_details(**details), now=now or dt.datetime.now(dt.timezone.utc))


def make_card_order(variant: Variant | None = None, quantity: int = 1, **details) -> Order:
    """`make_order` paid by card: needs card payments on (the `stripe_shop` fixture); its
    PaymentIntent is made by `payments.start_card_payment`."""
    return make_order(variant, quantity, **dict(details, payment_method="card"))


def make_paid_card_order(stripe_url: str, variant: Variant | None = None, quantity: int = 1, **details) -> Order:
    """A card order paid the way a shopper pays: its PaymentIntent confirmed with a Visa card on
    the local Stripe server, and marked paid by Stripe's signed webhook (waited for)."""
    order = make_card_order(variant, quantity, **details)
    payments.start_card_payment(order)
    pay_as_shopper(stripe_url, fresh(order.id).payment_intent_id, VISA)
    wait_for(lambda: fresh(order.id).status == OrderStatus.PAID)
    return fresh(order.id)


# --- Stripe, from the shopper's side and as the webhook sender --------------------------------------

def pay_as_shopper(stripe_url: str, intent_id: str, card_number: str):
    """What Stripe.js does in the shopper's browser: attach a card and confirm the intent."""
    # localstripe accepts only secret keys on these calls; Stripe.js would use the publishable key.
    client = stripe.StripeClient("sk_test_local", base_addresses={"api": stripe_url}, max_network_retries=0)
    method = client.v1.payment_methods.create(params={
        "type": "card", "card": {"number": card_number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    return client.v1.payment_intents.confirm(intent_id)


def intent_event(order: Order, event_type="payment_intent.succeeded", event_id="evt_test_1", **changes) -> dict:
    """A Stripe event about `order`'s PaymentIntent, agreeing with the order unless `changes` say
    otherwise (amount, currency, id, metadata, status)."""
    intent = {"id": order.payment_intent_id, "object": "payment_intent", "amount": order.total,
              "currency": order.currency.lower(), "metadata": {"order_id": str(order.id)}, "status": "succeeded"}
    intent.update(changes)
    return {"id": event_id, "object": "event", "type": event_type, "created": int(time.time()),
            "data": {"object": intent}}


def signed_webhook(event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, dict]:
    """The body and headers of `event` as Stripe delivers it: a `Stripe-Signature` of
    `t=<timestamp>,v1=<HMAC-SHA256 of "<timestamp>.<body>" under the endpoint's secret>`
    (https://docs.stripe.com/webhooks#verify-manually). Default: signed now with the test secret."""
    body = json.dumps(event).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), b"%d." % timestamp + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "Stripe-Signature": f"t={timestamp},v1={signature}"}


def post_webhook(url: str, body: bytes, headers: dict) -> tuple[int, dict]:
    """POST a webhook over HTTP; the status and the JSON answer."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def post_signed_webhook(url: str, event: dict, **signing) -> tuple[int, dict]:
    """Deliver `event` to `url` signed as Stripe signs it (`signing`: see `signed_webhook`)."""
    return post_webhook(url, *signed_webhook(event, **signing))
