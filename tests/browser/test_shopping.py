"""A shopper in a real browser: browse, pick a variant, fill the cart, change it, switch language."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def pick(page: Page, option: str, value: str) -> None:
    page.locator(f'input[data-option-name="{option}"][value="{value}"]').check()


def test_shopper_browses_picks_a_variant_and_fills_the_cart(page: Page, live_server, knitwear_shop, screenshot):
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("Ziemeļu Vilna")
    expect(page.get_by_role("heading", name="New arrivals")).to_be_visible()
    screenshot(page, "home-full")

    page.locator(".category-nav").get_by_role("link", name="Sweaters").click()
    expect(page).to_have_url(re.compile(r"/c/sweaters$"))
    expect(page.locator("h1")).to_have_text("Sweaters")
    expect(page.locator("[data-product-card]")).to_have_count(3)
    expect(page.locator(".card", has_text="Amber Coast Pullover")).to_contain_text("Sold out")
    expect(page.locator(".card", has_text="Harbour Fisherman Sweater")).to_contain_text("Sale")
    screenshot(page, "category-full")

    page.get_by_role("link", name=re.compile("Harbour Fisherman Sweater")).click()
    expect(page.locator("h1")).to_have_text("Harbour Fisherman Sweater")
    # The first variant in stock is shown: S / Navy, on sale and nearly gone.
    expect(page.locator("[data-price]")).to_have_text("€89.00")
    expect(page.locator("[data-compare]")).to_be_visible()
    expect(page.locator("[data-compare]")).to_contain_text("€110.00")
    expect(page.locator("[data-stock-state]")).to_have_text("Only 3 left")
    expect(page.locator(".tax-note")).to_contain_text("VAT included")
    # The no-JavaScript list of variants gives way to one picker per option.
    expect(page.locator("[data-variant-list]")).to_be_hidden()
    screenshot(page, "product-full")

    pick(page, "Size", "M")
    expect(page.locator("[data-stock-state]")).to_have_text("In stock")
    pick(page, "Colour", "Oat")
    expect(page.locator("[data-price]")).to_have_text("€95.00")
    expect(page.locator("[data-compare]")).to_be_hidden()
    expect(page.locator("[data-stock-state]")).to_have_text("Sold out")
    expect(page.locator("[data-add-to-cart]")).to_be_disabled()
    expect(page.locator("[data-main-image]")).to_have_attribute("src", re.compile("harbour-oat"))
    pick(page, "Size", "L")
    expect(page.locator("[data-stock-state]")).to_have_text("In stock")
    expect(page.locator("[data-add-to-cart]")).to_be_enabled()

    page.locator('.buy-form input[name="quantity"]').fill("2")
    page.locator("[data-add-to-cart]").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.locator(".alert-success")).to_contain_text("Harbour Fisherman Sweater (L / Oat)")
    line = page.locator('[data-cart-line="HFS-L-OAT"]')
    expect(line.locator("[data-line-total]")).to_have_text("€190.00")
    expect(page.locator("[data-shipping]")).to_have_text("Free")
    expect(page.locator("[data-total]")).to_have_text("€190.00")
    # 190.00 gross at 21 % VAT: 190.00 − round(190.00 / 1.21) = 32.98
    expect(page.locator(".tax-included")).to_contain_text("€32.98")
    expect(page.locator("[data-cart-count]")).to_have_text("2")

    # A hat too, then fewer sweaters, then no sweater at all.
    page.goto(live_server.url + "/p/bobble-hat")
    pick(page, "Colour", "Grey")
    page.locator("[data-add-to-cart]").click()
    expect(page.locator("[data-total]")).to_have_text("€219.00")
    expect(page.locator("[data-cart-count]")).to_have_text("3")

    line.locator('input[name="quantity"]').fill("1")
    line.get_by_role("button", name="Update").click()
    expect(page.locator(".alert-success")).to_contain_text("× 1")
    expect(page.locator("[data-total]")).to_have_text("€124.00")
    screenshot(page, "cart-full")

    line.get_by_role("button", name=re.compile("Remove")).click()
    expect(page.locator('[data-cart-line="HFS-L-OAT"]')).to_have_count(0)
    expect(page.locator("[data-subtotal]")).to_have_text("€29.00")
    expect(page.locator("[data-shipping]")).to_have_text("€4.95")
    expect(page.locator("[data-total]")).to_have_text("€33.95")
    expect(page.locator(".free-shipping")).to_contain_text("Add €31.00 more for free shipping")


def test_too_many_units_are_refused_on_the_product_page(page: Page, live_server, knitwear_shop):
    page.goto(live_server.url + "/p/harbour-sweater")
    page.locator('.buy-form input[name="quantity"]').fill("4")
    page.locator("[data-add-to-cart]").click()
    # Next to the quantity, which has the focus, in the middle of the screen with its message.
    expect(page.locator("#quantity-error")).to_have_text("Only 3 left in stock.")
    expect(page.locator('.buy-form input[name="quantity"]')).to_be_focused()
    expect(page.locator("#quantity-error")).to_be_in_viewport()
    expect(page.locator("[data-cart-count]")).to_have_text("0")


def test_shopper_switches_language_to_spanish_and_latvian(page: Page, live_server, knitwear_shop):
    page.goto(live_server.url + "/c/sweaters")
    expect(page.locator(".result-count")).to_have_text("3 products")

    page.locator(".lang-switch").get_by_role("link", name="ES").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator(".result-count")).to_have_text("3 productos")
    expect(page.locator(".cart-link-text")).to_have_text("Carrito")
    page.get_by_role("link", name=re.compile("Harbour Fisherman Sweater")).click()
    expect(page.locator("[data-add-to-cart]")).to_have_text("Añadir al carrito")
    expect(page.locator("[data-price]")).to_have_text("89,00\xa0€")

    page.locator(".lang-switch").get_by_role("link", name="LV").click()
    expect(page.locator("html")).to_have_attribute("lang", "lv")
    expect(page.locator("[data-add-to-cart]")).to_have_text("Pievienot grozam")
    expect(page.locator(".tax-note")).to_contain_text("PVN iekļauts")
    # Browsing sets no cookie, so the choice travels in the shop's own links ...
    assert page.context.cookies() == []
    page.locator(".cart-link").click()
    expect(page.locator("h1")).to_have_text("Jūsu grozs")
    # ... and the first thing that needs a session keeps it, even at an address typed without ?lang=.
    page.go_back()
    expect(page.locator("[data-add-to-cart]")).to_be_enabled()
    page.locator("[data-add-to-cart]").click()
    expect(page).to_have_url(re.compile(r"/cart/"))
    expect(page.locator("[data-cart-line]")).to_have_count(1)
    page.goto(live_server.url + "/cart/")
    expect(page.locator("h1")).to_have_text("Jūsu grozs")


def test_the_same_purchase_works_in_a_520px_social_tab(narrow_page: Page, live_server, knitwear_shop, screenshot):
    page = narrow_page
    page.goto(live_server.url + "/")
    expect(page.locator(".cart-link")).to_be_visible()
    screenshot(page, "home-520")
    page.locator(".category-nav").get_by_role("link", name="Sweaters").click()
    expect(page.locator("[data-product-card]")).to_have_count(3)
    screenshot(page, "category-520")
    page.get_by_role("link", name=re.compile("Harbour Fisherman Sweater")).click()
    # L comes only in Oat: picking it moves the colour along instead of a dead end.
    pick(page, "Size", "L")
    expect(page.locator('[data-option-current="Colour"]')).to_have_text("Oat")
    expect(page.locator("[data-price]")).to_have_text("€95.00")
    pick(page, "Colour", "Navy")
    expect(page.locator('[data-option-current="Size"]')).to_have_text("S")
    pick(page, "Size", "M")
    expect(page.locator("[data-price]")).to_have_text("€89.00")
    expect(page.locator("[data-stock-state]")).to_have_text("In stock")
    screenshot(page, "product-520")
    page.locator("[data-add-to-cart]").click()
    line = page.locator('[data-cart-line="HFS-M-NAVY"]')
    line.locator('input[name="quantity"]').fill("3")
    line.get_by_role("button", name="Update").click()
    expect(line.locator("[data-line-total]")).to_have_text("€267.00")
    expect(page.locator("[data-total]")).to_have_text("€267.00")
    expect(page.locator("[data-cart-count]")).to_have_text("3")
    # Nothing sticks out of a 520 px frame (measured with the stylesheet the cart page loads).
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 520
    screenshot(page, "cart-520")


def test_a_variant_chosen_before_the_script_loads_stays_chosen(page: Page, live_server, knitwear_shop):
    """On a slow line a shopper may choose from the plain list of variants before shop.js has run:
    once it runs, the option pickers show that variant, and that is the one added to the cart."""
    page.route("**/js/shop.js*", lambda route: route.abort())
    page.goto(live_server.url + "/p/harbour-sweater")
    page.locator("[data-variant-list] label", has_text="L / Oat").locator("input").check()
    page.unroute("**/js/shop.js*")
    page.add_script_tag(url=live_server.url + "/static/js/shop.js")
    expect(page.locator("[data-variant-list]")).to_be_hidden()
    expect(page.locator('[data-option-current="Size"]')).to_have_text("L")
    expect(page.locator('[data-option-current="Colour"]')).to_have_text("Oat")
    expect(page.locator("[data-price]")).to_have_text("€95.00")
    page.locator("[data-add-to-cart]").click()
    expect(page.locator(".alert-success")).to_contain_text("Harbour Fisherman Sweater (L / Oat)")
