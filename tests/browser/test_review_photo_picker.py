"""The review form's photo picker speaks the page's language, in Chromium.

The browser's own file control says "Choose Files" and "No file chosen" in the browser's language,
whatever the page's. With script the shop draws its own button (a second label of the input, which
stays focusable) and says what was chosen, politely: here a Latvian page in an English browser,
from the review request's link, with no photo, one photo, and more than a review may carry; and the
keyboard reaches the input and shows its focus on the button.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from reviews.models import ReviewRequest
from storefront.database import utcnow
from storefront.extensions import db
from tests.factories import make_category, make_product
from tests.reviews.factories import make_delivered_order
from tests.reviews.write_support import png

pytestmark = pytest.mark.browser_ui


@pytest.fixture
def review_link(app) -> str:
    with app.test_request_context():
        category = make_category("Hats", slug="hats")
        product = make_product("Rīga beanie", slug="riga-beanie", category=category,
                               variants=[{"sku": "BEANIE-1", "price": 2500, "stock": 10}])
        order = make_delivered_order(product.variants[0], now=utcnow() - dt.timedelta(days=5),
                                     email="ilze@example.com", full_name="Ilze Bērziņa", locale="lv")
        db.session.commit()
        request = db.session.scalar(sa.select(ReviewRequest).where(ReviewRequest.order_id == order.id))
        return f"/reviews/write/{request.token}?lang=lv"


def test_the_photo_picker_speaks_the_pages_language_not_the_browsers(app, browser, live_server, review_link,
                                                                      tmp_path, screenshot):
    photos = []
    for n in range(4):
        path = tmp_path / f"cepure-{n + 1}.png"
        path.write_bytes(png(colour=(40 * n, 90, 120)))
        photos.append(str(path))
    context = browser.new_context(locale="en-US", viewport={"width": 400, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + review_link)
    expect(page.locator("html")).to_have_attribute("lang", "lv")

    field = page.locator("[data-file-picker]").first
    picker = field.locator("input[type=file]")
    button = field.locator(".file-picker-button")
    chosen = field.locator(".file-picker-chosen")
    expect(button).to_be_visible()
    expect(button).to_have_text("Izvēlēties fotoattēlus")
    expect(chosen).to_have_text("Nav izvēlēts neviens fotoattēls.")
    expect(chosen).to_have_attribute("aria-live", "polite")
    # The browser's own control is out of sight (its English words with it), but still the field.
    assert picker.evaluate("input => input.getBoundingClientRect().width") <= 1
    expect(page.get_by_label("Fotoattēli (nav obligāti)")).to_have_count(1)

    picker.set_input_files(photos[:1])
    expect(chosen).to_have_text("Izvēlēts 1 fotoattēls: cepure-1.png")
    picker.set_input_files(photos[:2])
    expect(chosen).to_have_text("Izvēlēti 2 fotoattēli: cepure-1.png, cepure-2.png")
    field.scroll_into_view_if_needed()
    screenshot(page, "review-photo-picker-lv-400")
    picker.set_input_files(photos)  # one more than REVIEWS_MAX_PHOTOS (3)
    expect(chosen).to_have_text("Izvēlēts pārāk daudz fotoattēlu (4): atsauksmei var pievienot ne vairāk kā "
                                "3 fotoattēlus.")
    expect(field).to_have_class("field file-picker file-picker-enhanced file-picker-too-many")
    picker.set_input_files([])
    expect(chosen).to_have_text("Nav izvēlēts neviens fotoattēls.")

    # The keyboard: Tab from the field before it lands on the input, and the button shows the ring.
    field.locator("xpath=preceding::select[1]").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "file"
    outline = button.evaluate("b => getComputedStyle(b).outlineStyle + ' ' + getComputedStyle(b).outlineWidth")
    assert outline == "solid 3px", outline
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "review-photo-picker-lv-1280-focus")
    wide, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= screen
    context.close()


def test_without_script_the_browsers_own_control_stays(app, browser, live_server, review_link):
    context = browser.new_context(locale="lv-LV", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + review_link)
    field = page.locator("[data-file-picker]").first
    expect(field.locator("input[type=file]")).to_be_visible()
    expect(field.locator(".file-picker-row")).to_be_hidden()
    context.close()
