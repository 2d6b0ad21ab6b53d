"""A shopper buys with the keyboard alone, in Chromium at a phone's width: from the product page
to the order confirmation with Tab, Shift+Tab, Enter, Space, the arrow keys and typing — no
click, no `element.focus()`. Every control that takes the focus on the way shows it: a focus
ring (an outline at least 2 px wide, or a box-shadow) that is not transparent, on the control or,
for a visually hidden radio, on the pill drawn for it (WCAG 2.1.1 and 2.4.7)."""
from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from storefront.extensions import db
from storefront.orders.models import Order

MOST_STOPS = 80  # more Tab presses than any page here has controls: a focus trap or a lost target

# What draws the focus of the element that has it: the element itself, or, when it is a visually
# hidden input, the pill or option drawn for it. Describes the element and its ring (or null).
FOCUS_RING = """() => {
    const el = document.activeElement;
    const drawn = (node) => {
        const style = getComputedStyle(node);
        const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2
            && !/rgba\\([^)]*,\\s*0\\)|transparent/.test(style.outlineColor);
        const shadow = style.boxShadow !== "none" && !/rgba\\([^)]*,\\s*0(\\.[0-4]\\d*)?\\)/.test(style.boxShadow);
        return outline ? `outline ${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}`
            : shadow ? `box-shadow ${style.boxShadow}` : null;
    };
    const box = el.getBoundingClientRect();
    const hidden = box.width <= 1 || box.height <= 1;
    const candidates = hidden ? [el.nextElementSibling, el.closest("label")].filter(Boolean) : [el];
    const ring = candidates.map(drawn).find(Boolean) || null;
    const name = el.tagName.toLowerCase() + (el.name ? `[name=${el.name}]` : "")
        + (el.value && el.type === "radio" ? `[value=${el.value}]` : "")
        + (el.innerText ? ` "${el.innerText.trim().slice(0, 40)}"` : "");
    return {name, ring, body: el === document.body};
}"""


class Keyboard:
    """Moves through a page with the keys only, checking each focus stop's ring on the way."""

    def __init__(self, page: Page):
        self.page = page
        self.stops: list[str] = []

    def focused(self) -> dict:
        return self.page.evaluate(FOCUS_RING)

    def tab_to(self, selector: str, *, backwards: bool = False) -> None:
        """Press Tab (or Shift+Tab) until the element matching `selector` has the focus."""
        for _ in range(MOST_STOPS):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            stop = self.focused()
            if stop["body"]:
                continue  # the focus left the page's controls for the browser's own: go round again
            self.stops.append(stop["name"])
            assert stop["ring"], f"{self.page.url}: {stop['name']} has the focus but shows no focus ring"
            if self.page.evaluate("selector => document.activeElement.matches(selector)", selector):
                return
        raise AssertionError(f"{self.page.url}: {MOST_STOPS} Tab presses never reached {selector}; "
                             f"the last stops were {self.stops[-8:]}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def choose(self, group: str, value: str) -> None:
        """Tab into a radio group, then arrow to `value` (arrows move and check in one)."""
        self.tab_to(f"input[name={group}]")
        for _ in range(10):
            if self.page.evaluate("() => document.activeElement.value") == value:
                break
            self.page.keyboard.press("ArrowDown")
        else:
            raise AssertionError(f"the arrow keys never reached {group}={value}")
        self.page.keyboard.press("Space")  # checks it when arrows only moved the focus
        assert self.focused()["ring"], f"{group}={value} shows no focus ring"
        expect(self.page.locator(f"input[name={group}][value={value}]")).to_be_checked()


def test_a_shopper_completes_a_checkout_with_the_keyboard_alone(browser, live_server, knitwear_shop, csrf_enabled,
                                                               screenshot):
    context = browser.new_context(viewport={"width": 400, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    keys = Keyboard(page)
    page.goto(live_server.url + "/p/bobble-hat")

    # The colour pills are one radio group: Tab reaches the checked one, the arrows pick another.
    keys.tab_to('input[data-option-name="Colour"]')
    picked = page.evaluate("() => document.activeElement.value")
    page.keyboard.press("ArrowRight")
    expect(page.locator(f'input[data-option-name="Colour"]:not([value="{picked}"])')).to_be_checked()
    assert keys.focused()["ring"], "the colour pill shows no focus ring"
    keys.tab_to('.buy-form input[name="quantity"]')
    page.keyboard.press("ArrowUp")
    expect(page.locator('.buy-form input[name="quantity"]')).to_have_value("2")
    keys.tab_to("[data-add-to-cart]")
    screenshot(page, "keyboard-product-add-to-cart")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/cart/$"))

    page.wait_for_load_state()  # its stylesheet drawn before the next Tab
    expect(page.locator("[data-total]")).to_have_text("€62.95")
    keys.tab_to("a[href$='/checkout']")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/checkout$"))

    page.wait_for_load_state()  # its stylesheet drawn before the next Tab
    keys.type_into("input[name=email]", "anna@example.com")
    keys.type_into("input[name=full_name]", "Anna Bērziņa")
    keys.type_into("input[name=address_line1]", "Brīvības iela 1")
    keys.type_into("input[name=postal_code]", "LV-1010")
    keys.type_into("input[name=city]", "Rīga")
    keys.choose("shipping_method", "express")
    expect(page.locator("[data-breakdown] [data-total]")).to_have_text("€70.90")
    keys.choose("payment_method", "bank_transfer")
    # Back up to the e-mail to check it, then on to the button: Shift+Tab goes the other way.
    keys.tab_to("input[name=email]", backwards=True)
    expect(page.locator("input[name=email]")).to_have_value("anna@example.com")
    keys.tab_to("form.checkout button[type=submit]")
    screenshot(page, "keyboard-checkout-continue")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/checkout/review$"))

    page.wait_for_load_state()  # its stylesheet drawn before the next Tab
    keys.tab_to("[data-place-order]")
    expect(page.locator("[data-place-order]")).to_have_text(re.compile("€70.90"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/orders/[\w-]+\?placed=1$"))

    page.wait_for_load_state()  # its stylesheet drawn before the next Tab
    db.session.commit()  # the live server wrote the order
    order = db.session.scalars(sa.select(Order)).one()
    expect(page.locator("h1")).to_have_text(f"Order {order.number}")
    screenshot(page, "keyboard-order-confirmation")
    assert (order.email, order.shipping_method, order.payment_method, order.total) == (
        "anna@example.com", "express", "bank_transfer", 7090)
    assert [(line.sku, line.quantity) for line in order.lines] == [
        (next(sku for sku in ("BH-RED", "BH-GREY") if sku != f"BH-{picked.upper()}"), 2)]
    context.close()
