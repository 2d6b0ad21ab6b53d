"""A review from the request e-mail to the brand's reply and back, in Chromium, with real mail.

Run twice: inside the demo social page's shop tab (a 520 px cross-site frame: the page is served
at http://127.0.0.1:<port>, the shop at http://localhost:<port>) and at 1280 px at top level.

1. A buyer's order is delivered through the staff use cases; the review request arrives over real
   SMTP (aiosmtpd on loopback). Its link opens in the browser (in the tab for the framed run).
2. The buyer writes a 2★ review with a title, a text, a fit and a photo (a real JPEG made with
   Pillow), choosing the rating and sending the form with the keyboard, and sees the thank-you.
3. The review is on the product page at once, with the photo and the proof of purchase.
4. Support signs in (in a context of its own, 1280 px), finds the review in the inbox with its
   deadline badge, opens it, writes the official reply and publishes it (keyboard again).
5. The buyer reloads the product page and sees "Official reply" with the text; the reply e-mail
   arrives over SMTP with the link to the reviewer's page, which offers the follow-up.

Every page is checked for horizontal overflow and photographed into tests/artifacts/; the pages
log no console error and no failed request.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw
from playwright.sync_api import Frame, Page, expect

from reviews.models import CollectionMethod, Reply, Review, ReviewPhoto
from storefront.database import utcnow
from storefront.extensions import db
from storefront.social import embedding
from tests.conftest import wait_for
from tests.factories import make_category, make_product, make_user
from tests.reviews.factories import make_delivered_order

# Chromium on pages whose server side the HTTP tests cover on both databases: the SQLite pass.
pytestmark = pytest.mark.browser_ui

SUPPORT = ("sofia@example.com", "correct horse battery")
BUYER = "anna@example.com"
FRAME_NAME = "shop-tab"  # as the demo page names its frame
TITLE = "Pilled after two wears"
BODY_PARAGRAPHS = ("Soft at first, but it pilled under the arms after two wears.", "Not what I expect for €89.")
BODY = "\n\n".join(BODY_PARAGRAPHS)
REPLY_PARAGRAPHS = ("We are sorry, Anna: that is not how our wool should wear.",
                    "Please send it back with the free label in your parcel; a new one goes out today.")
REPLY = "\n\n".join(REPLY_PARAGRAPHS)
COOKIE_KEYS = ("FRAME_ANCESTORS", "EMBEDDED_COOKIES", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE",
               "SESSION_COOKIE_PARTITIONED", "REMEMBER_COOKIE_SECURE")


@dataclass
class Shopper:
    """Where the buyer reads the shop: a whole page, or the shop tab's frame in the demo page."""

    page: Page
    frame: Frame | None
    name: str
    problems: list[str] = field(default_factory=list)

    @property
    def view(self) -> Page | Frame:
        return self.frame or self.page

    def open(self, url: str) -> None:
        response = self.view.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"

    def reload(self) -> None:
        if self.frame is None:
            self.page.reload()
        else:
            self.open(self.frame.url)  # a frame has no reload button: the same address again

    def fits(self) -> None:
        """Nothing wider than the shop's window (the frame's, in the tab)."""
        fits(self.view)

    def photograph(self, screenshot, step: str, anchor=None) -> None:
        """A screenshot of the whole page; in the tab, with `anchor` scrolled into the frame's view."""
        if self.frame is not None:
            if anchor is not None:
                anchor.scroll_into_view_if_needed()
            else:
                self.frame.evaluate("window.scrollTo(0, 0)")
            # Let the frame paint its new scroll position before the page is photographed.
            self.frame.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        screenshot(self.page, f"reviews-flow-{self.name}-{step}")


def watch(page: Page, problems: list[str]) -> None:
    """Record console errors and failed requests (the browser's own favicon request aside)."""
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "favicon" not in str(message.location) else None)
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and "favicon" not in response.url else None)


def fits(view: Page | Frame) -> None:
    """No horizontal overflow: the document is no wider than its window (naming what sticks out),
    measured once the page has its stylesheet (a click or a key returns as the next page begins to
    load; in a frame, not even that)."""
    view.wait_for_load_state()
    wide, screen, sticking_out = view.evaluate("""() => [
        document.documentElement.scrollWidth, window.innerWidth,
        [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth)
            .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className}`)]""")
    assert wide <= screen, f"{view.url} is {wide} px wide in a {screen} px window: {sticking_out}"


def a_photo(tmp_path) -> str:
    """A real JPEG of a knit with pills on it, made with Pillow."""
    picture = Image.new("RGB", (480, 360), (35, 58, 85))
    draw = ImageDraw.Draw(picture)
    for x in range(0, 480, 24):
        draw.line([(x, 0), (x + 12, 360)], fill=(48, 74, 104), width=6)
    for n in range(40):
        x, y = (n * 97) % 460 + 10, (n * 53) % 340 + 10
        draw.ellipse([x, y, x + 9, y + 9], fill=(190, 196, 205))
    path = tmp_path / "pilling.jpg"
    picture.save(path, format="JPEG", quality=85)
    return str(path)


def mail_to(inbox, address: str, subject_part: str):
    """The one message to `address` whose subject holds `subject_part`, waited for."""
    def found():
        matches = [m for m in inbox.messages if m["To"] == address and subject_part in m["Subject"]]
        return matches if matches else None

    [message] = wait_for(found, timeout=30)  # sent as the request ended: there already, unless very slow
    return message


def links_in(message, path_part: str) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    return [word for word in re.findall(r"https?://\S+", text) if path_part in word]


@dataclass(frozen=True)
class Shop:
    framed: bool
    url: str     # the shop's origin as the buyer's browser and the mail's links address it
    name: str


@pytest.fixture(params=["tab-520", "page-1280"])
def shop(request, app, live_server, monkeypatch):
    """The live shop, either in embedded mode and framable by the demo page that the same server
    serves (the page at http://127.0.0.1:<port> frames the shop at http://localhost:<port>), or
    plain. The mail's links lead to it; the inbox counts calendar hours, so the badge does not
    depend on the hour the test runs at."""
    framed = request.param == "tab-520"
    url = f"http://localhost:{live_server.port}" if framed else live_server.url
    if framed:
        for key in COOKIE_KEYS:
            monkeypatch.setitem(app.config, key, app.config.get(key))
        app.config.update(FRAME_ANCESTORS=[live_server.url], EMBEDDED_COOKIES=True)
        embedding.apply_cookie_settings(app.config)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", url)
    monkeypatch.setitem(app.config, "INBOX_CLOCK", "calendar")
    return Shop(framed, url, request.param)


@pytest.fixture
def delivered(app, shop, smtp_server):
    """The pullover, a support agent, and Anna's order of size M, delivered two days ago (which
    sends the review request over SMTP)."""
    make_user(SUPPORT[0], role="support", password=SUPPORT[1])
    product = make_product("Gauja cable-knit pullover", slug="gauja", category=make_category("Sweaters"),
                           option_names=("Size",), description="Heavy cable knit in Latvian wool.",
                           variants=[{"sku": f"GAUJA-{size}", "options": {"Size": size}, "price": 8900, "stock": 20}
                                     for size in "SML"])
    with app.test_request_context():
        order = make_delivered_order(product.variants[1], now=utcnow() - dt.timedelta(days=4), email=BUYER,
                                     full_name="Anna Kalniņa")
    return product, order


@pytest.fixture
def contexts(browser):
    """New browser contexts (the buyer's, support's), closed after the test whatever happens."""
    opened = []

    def new(**options):
        opened.append(browser.new_context(locale="en-GB", **options))
        return opened[-1]

    yield new
    for context in opened:
        context.close()


def open_shopper(contexts, shop: Shop, live_server) -> Shopper:
    """The buyer's browser: the demo social page with the shop in its 520 px tab (launched as
    Emma from Facebook, opening the pullover), or a plain 1280 px window."""
    context = contexts(viewport={"width": 1280, "height": 1200 if shop.framed else 900})
    page = context.new_page()
    shopper = Shopper(page, None, shop.name)
    watch(page, shopper.problems)
    if shop.framed:
        page.goto(f"{live_server.url}/demo/?platform=meta&shopper=emma&app_data=p:gauja")
        expect(page.frame_locator(f"iframe[name={FRAME_NAME}]").locator("h1")).to_have_text("Gauja cable-knit pullover")
        shopper.frame = page.frame(name=FRAME_NAME)
        assert shopper.frame.url == f"{shop.url}/p/gauja"
        assert shopper.frame.evaluate("window.innerWidth") <= 520
    return shopper


def test_a_buyer_reviews_from_the_emails_link_support_replies_and_the_buyer_reads_it(
        app, contexts, live_server, smtp_server, csrf_enabled, tmp_path, screenshot, shop, delivered):
    _, order = delivered
    line = order.lines[0]

    # 1. The request e-mail, received over SMTP; its link opens the review form.
    request_mail = mail_to(smtp_server, BUYER, f"What do you think of your order {order.number}?")
    [review_link] = links_in(request_mail, "/reviews/write/")
    assert review_link.startswith(f"{shop.url}/reviews/write/")
    shopper = open_shopper(contexts, shop, live_server)
    shopper.open(review_link)
    view = shopper.view
    expect(view.locator("h1")).to_have_text(f"How was your order {order.number}?")
    shopper.fits()
    shopper.photograph(screenshot, "1-review-link")

    # 2. The review: 2★ chosen and the form sent with the keyboard, a photo from the file input.
    form = view.locator(f"#line-{line.id} form.review-form")
    title = form.get_by_label("Title (optional)")
    title.fill(TITLE)
    form.get_by_label("Your review (optional)").fill(BODY)
    form.get_by_label("How does it fit? (optional)").select_option(label="Runs small")
    expect(form.get_by_label("Name shown with your review")).to_have_value("Anna K.")
    form.get_by_label("Photos (optional)").set_input_files(a_photo(tmp_path))
    title.focus()
    shopper.page.keyboard.press("Shift+Tab")          # back into the star group: its last choice
    expect(form.get_by_role("radio", name="1 star", exact=True)).to_be_focused()
    shopper.page.keyboard.press("ArrowUp")            # one star up: 2 stars, chosen
    two_stars = form.get_by_role("radio", name="2 stars")
    expect(two_stars).to_be_focused()
    shopper.page.keyboard.press("Space")
    expect(two_stars).to_be_checked()
    shopper.fits()
    shopper.photograph(screenshot, "2-review-filled", form)
    shopper.page.keyboard.press("Tab")                 # on to the title …
    expect(title).to_be_focused()
    shopper.page.keyboard.press("Enter")               # … where Enter sends the form
    thanks = view.locator("[data-thanks]")
    expect(thanks).to_have_text("Thank you for your review!")
    expect(view.locator(f"#line-{line.id} [data-reviewed]")).to_contain_text("You reviewed this item.")
    shopper.fits()
    shopper.photograph(screenshot, "3-thank-you", thanks)

    # 3. On the product page at once, with the photo and the proof of purchase.
    shopper.open(f"{shop.url}/p/gauja")
    card = view.locator(".review-list .review", has_text=TITLE)
    expect(card).to_contain_text("Rated 2 out of 5")
    expect(card).to_contain_text("Verified purchase")
    expect(card.locator(".review-proof-line")).to_contain_text("Bought size M · delivered")
    expect(card).to_contain_text("Fit: runs small")
    expect(card.locator(".review-body p")).to_have_text(BODY_PARAGRAPHS)  # the browser's CRLFs made paragraphs
    photo = card.get_by_role("img", name="Photo 1 from the review by Anna K.")
    photo.scroll_into_view_if_needed()
    expect(photo).to_be_visible()
    view.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    expect(card.locator(".review-reply")).to_have_count(0)
    shopper.fits()
    shopper.photograph(screenshot, "4-product-page", card)

    # 4. Support, in a browser of its own, answers from the inbox.
    desk = contexts(viewport={"width": 1280, "height": 900}).new_page()
    staff_problems: list[str] = []
    watch(desk, staff_problems)
    desk.goto(f"{shop.url}/account/login")
    desk.get_by_label("E-mail").fill(SUPPORT[0])
    desk.get_by_label("Password").fill(SUPPORT[1])
    desk.get_by_role("button", name="Sign in").click()
    expect(desk.get_by_role("button", name="Sign out")).to_be_visible()
    desk.goto(f"{shop.url}/admin/inbox/")
    expect(desk.get_by_role("heading", name="Inbox")).to_be_visible()
    row = desk.locator("table.inbox-queue tbody tr", has_text="Gauja cable-knit pullover")
    expect(row).to_have_count(1)
    badge = row.locator(".deadline")
    expect(badge).to_have_class(re.compile(r"\bdeadline-green\b"))
    expect(badge).to_contain_text(re.compile(r"On time · (1 h \d+ min|2 h) left"))
    expect(row).to_contain_text("Rated 2 out of 5")
    fits(desk)
    screenshot(desk, f"reviews-flow-{shop.name}-5-inbox")

    row.get_by_role("link", name="Negative review").click()
    expect(desk.get_by_role("heading", name="Review by Anna K.")).to_be_visible()
    expect(desk.locator("#review")).to_contain_text("pilled under the arms")
    reply_box = desk.get_by_role("textbox", name="Official reply")
    reply_box.fill(REPLY)
    reply_box.press("Tab")
    publish = desk.get_by_role("button", name="Publish the reply")
    expect(publish).to_be_focused()
    desk.keyboard.press("Enter")
    expect(desk.get_by_text("Reply published under the review")).to_be_visible()
    expect(desk.locator(".brand-reply")).to_have_text(REPLY)
    fits(desk)
    screenshot(desk, f"reviews-flow-{shop.name}-6-replied")

    # 5. The buyer reloads the product page: the official reply is under the review.
    shopper.reload()
    card = view.locator(".review-list .review", has_text=TITLE)
    reply = card.locator(".review-reply")
    expect(reply).to_contain_text("Official reply")
    expect(reply.locator(".review-reply-body p")).to_have_text(REPLY_PARAGRAPHS)
    expect(reply).to_contain_text("after the review")
    shopper.fits()
    shopper.photograph(screenshot, "7-product-page-reply", reply)

    # The reply e-mail, over SMTP, leads to the reviewer's own page with the follow-up.
    reply_mail = mail_to(smtp_server, BUYER, "replied to your review of Gauja cable-knit pullover")
    assert REPLY in reply_mail.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP's line ends
    db.session.commit()  # end the test's snapshot: the live server wrote the review
    review = db.session.scalar(sa.select(Review).where(Review.order_line_id == line.id))
    [follow_up_link] = links_in(reply_mail, "/reviews/mine/")
    assert follow_up_link == f"{shop.url}/reviews/mine/{review.reviewer_token}?lang={review.language}"
    shopper.open(follow_up_link)
    follow_up = view.get_by_role("heading", name="Add an update after our reply")
    expect(follow_up).to_be_visible()
    expect(view.locator(".review-reply-body p")).to_have_text(REPLY_PARAGRAPHS)
    shopper.fits()
    shopper.photograph(screenshot, "8-follow-up-page", follow_up)

    # What was written: the review from the request, with its photo, and one reply.
    assert (review.rating, review.title, review.body, review.fit) == (2, TITLE, BODY, "small")
    assert review.collection_method == CollectionMethod.POST_FULFILLMENT
    assert db.session.scalar(sa.select(sa.func.count(ReviewPhoto.id)).where(ReviewPhoto.review_id == review.id)) == 1
    assert db.session.scalar(sa.select(Reply.body).where(Reply.review_id == review.id)) == REPLY
    assert shopper.problems == [] and staff_problems == []
