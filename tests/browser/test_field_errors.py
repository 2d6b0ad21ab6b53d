"""A field's error message goes as soon as the shopper corrects the field (static/js/field-errors.js):
the server's message is about the value it judged, so changing the value hides it and clears
aria-invalid and the field's aria-describedby link to it; putting the judged value back shows it
again. The other fields keep theirs until they too are changed."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_user

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui


def test_a_checkout_field_error_goes_as_soon_as_the_shopper_corrects_the_field(page: Page, live_server,
                                                                                knitwear_shop):
    page.set_viewport_size({"width": 400, "height": 900})
    page.goto(live_server.url + "/p/bobble-hat?lang=lv")
    page.locator("[data-add-to-cart]").click()
    expect(page).to_have_url(re.compile(r"/cart/"))
    page.goto(live_server.url + "/checkout?lang=lv")
    page.locator("form.checkout button[type=submit]").last.click()
    # The script that follows the fields runs when the answer has loaded; an edit before that
    # would go unseen (a test that types first would depend on timing).
    page.wait_for_load_state()
    email = page.locator('input[name="email"]')
    email_error = page.locator(".field:has(input[name=email]) .field-error")
    name_error = page.locator(".field:has(input[name=full_name]) .field-error")
    expect(email_error).to_have_text("Šis lauks ir obligāts.")
    expect(email).to_have_attribute("aria-invalid", "true")

    email.fill("anna@example.com")
    expect(email_error).to_be_hidden()
    expect(email).to_have_attribute("aria-invalid", "false")
    expect(name_error).to_be_visible()  # a field not yet corrected keeps its message

    email.fill("")
    expect(email_error).to_be_visible()
    expect(email).to_have_attribute("aria-invalid", "true")


def test_a_field_corrected_before_the_script_loads_loses_its_message_once_it_runs(page: Page, live_server,
                                                                                 knitwear_shop):
    """On a slow line a shopper may correct a field before field-errors.js has run: the message is
    about the value the server judged (the one the page was drawn with), so it goes once the script
    runs, and comes back if the judged value is put back."""
    page.goto(live_server.url + "/p/bobble-hat")
    page.locator("[data-add-to-cart]").click()
    expect(page).to_have_url(re.compile(r"/cart/"))
    page.goto(live_server.url + "/checkout")
    page.route("**/js/field-errors.js*", lambda route: route.abort())
    page.locator("form.checkout button[type=submit]").last.click()
    page.wait_for_load_state()
    email = page.locator('input[name="email"]')
    email_error = page.locator(".field:has(input[name=email]) .field-error")
    name_error = page.locator(".field:has(input[name=full_name]) .field-error")
    email.fill("anna@example.com")
    expect(email_error).to_be_visible()  # no script yet
    page.unroute("**/js/field-errors.js*")
    page.add_script_tag(url=live_server.url + "/static/js/field-errors.js")
    expect(email_error).to_be_hidden()
    expect(email).to_have_attribute("aria-invalid", "false")
    expect(name_error).to_be_visible()
    email.fill("")
    expect(email_error).to_be_visible()
    expect(email).to_have_attribute("aria-invalid", "true")


def test_a_staff_form_error_goes_with_its_aria_describedby_link(page: Page, live_server):
    make_user("legal-admin@example.com", "admin", password="correct horse battery staple")
    page.goto(live_server.url + "/account/login")
    page.fill('input[name="email"]', "legal-admin@example.com")
    page.fill('input[name="password"]', "correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/"))
    page.goto(live_server.url + "/admin/legal/terms")
    page.fill('input[name="title_en"]', "Terms")
    page.fill('textarea[name="body_en"]', "Our terms.")
    page.fill('input[name="title_lv"]', "Noteikumi")
    page.get_by_role("button", name="Save page").click()
    page.wait_for_load_state()
    body = page.locator('textarea[name="body_lv"]')
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(body).to_have_attribute("aria-describedby", "legal-markdown-help body_lv-errors")
    body.fill("Mūsu noteikumi.")
    expect(page.locator("#body_lv-errors p")).to_be_hidden()
    expect(body).to_have_attribute("aria-invalid", "false")
    expect(body).to_have_attribute("aria-describedby", "legal-markdown-help")


def test_a_refused_form_opens_at_its_first_refused_field_focused_and_its_title_says_so(page: Page, live_server,
                                                                                      knitwear_shop):
    """The page a refused form comes back as opens scrolled to the field to fix, with the focus on
    it (a screen reader reads its label and message), not at the top a screen away from the message."""
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(live_server.url + "/p/bobble-hat?lang=es")
    page.locator("[data-add-to-cart]").click()
    expect(page).to_have_url(re.compile(r"/cart/"))
    page.locator("#offer-code-input").fill("NOPE-123")
    page.locator("#offer-code-input").press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#offer-code-input")).to_be_focused()
    expect(page.locator("#code-error")).to_be_in_viewport()
    expect(page).to_have_title(re.compile(r"^Error: "))

    page.goto(live_server.url + "/checkout?lang=lv")
    page.locator('input[name="email"]').fill("anna@example.com")
    page.locator("form.checkout button[type=submit]").last.click()
    page.wait_for_load_state()
    expect(page.locator('input[name="full_name"]')).to_be_focused()  # the first field refused
    expect(page).to_have_title(re.compile(r"^Kļūda: "))
