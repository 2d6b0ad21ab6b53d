"""Every page a shopper or a staff member meets, in Chromium at a phone's width (400 px), in
English, Spanish and Latvian: nothing wider than the screen, and axe-core (WCAG 2.0/2.1 A and AA)
finds no violation.

The shop is the demo shop (`load_demo`: its orders, offers, reviews, questions and staff), plus a
catalog import with a bad row (its report page) and, in each language, a shopper who puts a
pullover in the cart, applies a code, checks out by card and reaches the pay page (the local
Stripe test server's stand-in card field is Stripe's, not ours: axe leaves `#payment-element`
out). The storefront pages are read anonymously in a browser context per language (the
Accept-Language header picks it: anonymous pages carry no session); the back office is read in
the same context after the admin signs in.

Each page × language is its own subtests: "opens" (the status), "shows" (its language and what
makes it that page), "fits 400 px" (else: the element sticking out furthest, its width and
where its right edge is) and "axe" (each rule broken, with the elements; also ids used twice), so
a failure says which page, in which language, and why. A step of the shopper's way that cannot be
taken fails on its own and the sweep goes on. The pages visited: `storefront_pages`, the social
tab (the demo social page and the shop inside it), the shopper's steps (cart with a code, checkout
details, review, pay page) and `back_office_pages`.

axe runs with the WCAG 2.0/2.1 A and AA tags and the rules of tests/browser/test_reviews_accessibility
(`check`, `RULES`: label-content-name-mismatch too, which axe counts as experimental).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from promotions.models import Offer
from reviews.models import InboxItem, Review
from storefront.accounts.models import User
from storefront.backoffice.imports import start_import
from storefront.catalog.models import Category, Product
from tests.demo_shop import load_demo_shop
from storefront.extensions import db
from storefront.orders.models import Order, OrderStatus
from tests.browser.test_reviews_accessibility import RULES, TAGS, check, describe

LANGUAGES = {"en": "en-GB", "es": "es-ES", "lv": "lv-LV"}
PHONE = {"width": 400, "height": 900}
ADMIN = ("admin@example.com", "demo-admin-2024")
PRODUCT = "gauja-cable-knit-pullover"  # colours and sizes, reviews, questions, related products
CODE = "ZV-TELEGRAM"
# A catalog CSV whose second row has a bad price: the import's report lists the problem.
BAD_CSV = ("sku,title,price,stock\n"
           "TEST-1,Test scarf,24.90,5\n"
           "TEST-2,Test hat,twelve,5\n").encode()

# What sticks out: of the elements whose content reaches past the right edge of the screen with
# no child past it (the text, picture or box that does not wrap), the one reaching furthest. What a scroll box clips
# does not count (a wide table in its `.table-wrap` is fine), unless it is positioned outside
# the box's reach (an absolutely placed element whose containing block is outside the box).
WIDEST_OVERFLOW = """() => {
    const screen = document.documentElement.clientWidth;
    // How far an element's content reaches (a block as wide as its too-wide parent, with short
    // text in it, does not stick out itself); an element without content is its own box.
    const extent = (el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        const box = range.getBoundingClientRect();
        return box.width ? box : el.getBoundingClientRect();
    };
    const sticksOut = (el) => extent(el).right > screen + 0.5;
    const clips = (el) => getComputedStyle(el).overflowX !== "visible";
    const clipped = (el) => {
        const absolute = ["absolute", "fixed"].includes(getComputedStyle(el).position);
        let up = absolute ? el.offsetParent : el.parentElement;
        for (; up && up !== document.body && up !== document.documentElement; up = up.parentElement) {
            if (clips(up)) return true;
        }
        return false;
    };
    const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].map((c) => "." + c).join("");
    const path = (el) => {
        const parts = [];
        for (let at = el; at && at !== document.body && parts.length < 4; at = at.parentElement) {
            parts.unshift(name(at));
        }
        return parts.join(" > ");
    };
    let widest = null;
    for (const el of document.body.querySelectorAll("*")) {
        if (!sticksOut(el) || [...el.children].some(sticksOut) || clipped(el)) continue;
        const box = extent(el);
        if (!widest || box.right > widest.right) {
            widest = {right: Math.round(box.right), width: Math.round(box.width), element: path(el),
                      text: (el.innerText || el.getAttribute("src") || "").trim().slice(0, 60)};
        }
    }
    return {page: document.documentElement.scrollWidth, screen, widest};
}"""


@dataclass(frozen=True)
class Visit:
    """A page by name: where it is, the status it answers, what it must show (so an error page
    cannot pass for the page), and what to open on it before looking (a <details>, say)."""

    path: str
    shows: str
    status: int = 200
    then: Callable[[Page], None] | None = None
    axe_leaves_out: tuple[str, ...] = ()  # selectors of what is not ours (Stripe's card field)


def open_file_format(page: Page) -> None:
    page.locator("details.format summary").press("Enter")
    expect(page.locator("details.format")).to_have_attribute("open", "")


@dataclass(frozen=True)
class DemoShop:
    """What the page addresses need: ids and tokens from the demo shop."""

    awaiting_transfer: str
    delivered: str
    offer_slug: str
    offer_id: int
    product_id: int
    variant_id: int
    category_id: int
    category_slug: str
    order_id: int
    review_id: int
    inbox_item_id: int
    staff_id: int
    import_job_id: int


@pytest.fixture
def demo_shop(app) -> DemoShop:
    with app.test_request_context():
        load_demo_shop()
        admin = db.session.scalar(sa.select(User).where(User.email == ADMIN[0]))
        job = start_import(admin, "catalog.csv", BAD_CSV, "en", run_in_background=False)
        db.session.commit()
        orders = sa.select(Order).order_by(Order.id)
        awaiting = db.session.scalar(orders.where(Order.status == OrderStatus.PENDING_PAYMENT,
                                                  Order.payment_method == "bank_transfer"))
        delivered = db.session.scalar(orders.where(Order.status == OrderStatus.DELIVERED))
        product = db.session.scalar(sa.select(Product).where(Product.slug == PRODUCT))
        offer = db.session.scalar(sa.select(Offer).where(Offer.slug == "telegram-ten"))
        category = db.session.scalar(sa.select(Category).where(Category.slug == "sweaters"))
        review = db.session.scalar(sa.select(Review).order_by(Review.rating, Review.id))
        staff = db.session.scalar(sa.select(User).where(User.email != ADMIN[0]).order_by(User.id))
        return DemoShop(
            awaiting_transfer=awaiting.tracking_token, delivered=delivered.tracking_token, offer_slug=offer.slug,
            offer_id=offer.id, product_id=product.id, variant_id=product.variants[0].id, category_id=category.id,
            category_slug=category.slug, order_id=awaiting.id, review_id=review.id,
            inbox_item_id=db.session.scalar(sa.select(InboxItem.id).order_by(InboxItem.id)), staff_id=staff.id,
            import_job_id=job.id)


def storefront_pages(shop: DemoShop) -> dict[str, Visit]:
    return {
        "home": Visit("/", "main h1, main h2"),
        "category": Visit(f"/c/{shop.category_slug}", ".grid"),
        "product": Visit(f"/p/{PRODUCT}", "[data-add-to-cart]"),
        "search": Visit("/search?q=wool", ".grid"),
        "offer page": Visit(f"/offers/{shop.offer_slug}", "main h1"),
        "reviews": Visit(f"/p/{PRODUCT}/reviews", ".review-list .review"),
        "reviews ledger": Visit(f"/p/{PRODUCT}/reviews/ledger", "main h1"),
        "how reviews work": Visit("/reviews/how-they-work", "main h1"),
        "questions": Visit(f"/p/{PRODUCT}/questions", ".qa-item"),
        "tracking, awaiting a transfer": Visit(f"/orders/{shop.awaiting_transfer}", ".payment-reference"),
        "tracking, delivered": Visit(f"/orders/{shop.delivered}", ".timeline"),
        "staff sign-in": Visit("/account/login", "form input[type=password]"),
        "not found": Visit("/p/no-such-thing", "main h1", status=404),
        "refused social launch": Visit("/tab/vk?vk_user_id=1&sign=forged", "h1", status=400),
    }


def back_office_pages(shop: DemoShop) -> dict[str, Visit]:
    return {
        "dashboard": Visit("/admin/?period=30d", "img.chart"),
        "orders": Visit("/admin/orders", "table"),
        "order detail": Visit(f"/admin/orders/{shop.order_id}", "main h1"),
        "products": Visit("/admin/products", "table"),
        "product form": Visit(f"/admin/products/{shop.product_id}", "form"),
        "new product": Visit("/admin/products/new", "form"),
        "variant form": Visit(f"/admin/variants/{shop.variant_id}", "form"),
        "new variant": Visit(f"/admin/products/{shop.product_id}/variants/new", "form"),
        "categories": Visit("/admin/categories", "table"),
        "category form": Visit(f"/admin/categories/{shop.category_id}", "form"),
        "CSV import, file format open": Visit("/admin/catalog/import", "details.format", then=open_file_format),
        "CSV import report": Visit(f"/admin/catalog/import/{shop.import_job_id}", "main h1"),
        "offers": Visit("/admin/offers/", "table"),
        "offer detail": Visit(f"/admin/offers/{shop.offer_id}", "main h1"),
        "offer form": Visit(f"/admin/offers/{shop.offer_id}/edit", "form"),
        "new offer": Visit("/admin/offers/new", "form"),
        "offer preview": Visit(f"/admin/offers/{shop.offer_id}/preview", "main h1"),
        "reviews": Visit("/admin/inbox/reviews", "table"),
        "review detail": Visit(f"/admin/inbox/reviews/{shop.review_id}", "main h1"),
        "inbox": Visit("/admin/inbox/", "main h1"),
        "inbox item": Visit(f"/admin/inbox/{shop.inbox_item_id}", "main h1"),
        "inbox figures": Visit("/admin/inbox/figures", "img.chart"),
        "canned answers": Visit("/admin/inbox/canned", "main h1"),
        "staff": Visit("/admin/staff", "table"),
        "staff member": Visit(f"/admin/staff/{shop.staff_id}", "main h1"),
        "my account": Visit("/admin/account", "form"),
        "audit": Visit("/admin/audit", "table"),
    }


def linked_pages(page: Page, base_url: str, menu: str, known: dict[str, Visit]) -> dict[str, Visit]:
    """The pages `menu`'s links (on the first of `known`) lead to that `known` does not name (by
    path), each to show a heading: a page added to the footer or the back-office menu later is
    looked at too."""
    page.goto(base_url + urlsplit(next(iter(known.values())).path).path)
    seen = {urlsplit(visit.path).path for visit in known.values()}
    paths = [urlsplit(href).path for href in page.eval_on_selector_all(menu, "links => links.map(a => a.href)")
             if href.startswith(base_url)]
    return {f"linked from the menu: {path}": Visit(path, "main h1") for path in dict.fromkeys(paths)
            if path not in seen}


# Pages a person looks at after a run, as tests/artifacts/phone-<page>-<language>.png.
PICTURED = ("home", "product", "search", "tracking, awaiting a transfer", "checkout review",
            "CSV import, file format open")


class Sweep:
    """Looks at pages in one language and records each finding as a subtest."""

    def __init__(self, page: Page, axe: Axe, subtests, language: str, screenshot):
        self.page, self.axe, self.subtests, self.language = page, axe, subtests, language
        self.screenshot = screenshot

    def visit(self, name: str, base_url: str, visit: Visit) -> None:
        opened = False
        with self.subtests.test(page=name, language=self.language, check="opens"):
            response = self.page.goto(base_url + visit.path)
            assert response is not None and response.status == visit.status, (
                f"{name} ({visit.path}) in {self.language}: status {response and response.status}")
            opened = True
        if opened:
            self.look(name, visit.shows, visit.then, visit.axe_leaves_out)

    def look(self, name: str, shows: str, then: Callable[[Page], None] | None = None,
             axe_leaves_out: tuple[str, ...] = ()) -> None:
        """The page now open: what it must show, then both checks, each its own subtest."""
        with self.subtests.test(page=name, language=self.language, check="shows"):
            expect(self.page.locator("html")).to_have_attribute("lang", self.language)
            expect(self.page.locator(shows).first).to_be_visible()
            if then:
                then(self.page)
        if name in PICTURED:
            self.screenshot(self.page, "phone-" + re.sub(r"[^a-z]+", "-", name.lower()).strip("-") + f"-{self.language}")
        with self.subtests.test(page=name, language=self.language, check="fits 400 px"):
            assert_fits(self.page, f"{name} in {self.language}")
        with self.subtests.test(page=name, language=self.language, check="axe"):
            if axe_leaves_out:
                violations = axe_violations(self.page, self.axe, axe_leaves_out)
                assert not violations, f"{name} in {self.language} ({self.page.url}):\n{violations}"
            else:
                check(self.page, self.axe, PHONE["width"])


def assert_fits(page: Page, where: str) -> None:
    # A click or a key that sent a form returns once the next page has begun to load: laid out
    # before its stylesheet has come, a page is measured without the rules that make it fit.
    page.wait_for_load_state()
    found = page.evaluate(WIDEST_OVERFLOW)
    widest = found["widest"]
    assert found["page"] <= found["screen"], (
        f"{where} ({page.url}) is {found['page']} px wide on a {found['screen']} px screen; widest: "
        + (f"{widest['element']} ({widest['width']} px, right edge at {widest['right']} px, "
           f"text {widest['text']!r})" if widest else "none found (a margin or a pseudo-element?)"))


def axe_violations(page: Page, axe: Axe, exclude: tuple[str, ...]) -> str:
    results = axe.run(page, context={"exclude": [[selector] for selector in exclude]},
                      options={"runOnly": {"type": "tag", "values": TAGS}, "rules": RULES,
                               "resultTypes": ["violations"]})
    return describe(results.response["violations"])


def shop_and_pay(sweep: Sweep, base_url: str) -> None:
    """Product → cart (with a code) → checkout details → review → pay page, looking at each."""
    page = sweep.page
    page.goto(f"{base_url}/p/{PRODUCT}")
    page.locator("[data-add-to-cart]").click()
    expect(page).to_have_url(re.compile(r"/cart/"))
    page.locator("input[name=code]").fill(CODE)
    page.locator("input[name=code]").press("Enter")
    expect(page.locator("[data-entered-code]")).to_have_text(CODE)
    sweep.look("cart with a code", "[data-total]")

    page.locator("a[href*='/checkout']").first.click()
    expect(page).to_have_url(re.compile(r"/checkout"))
    sweep.look("checkout details", "form.checkout")
    # A long address, as real ones are: the review page must wrap it, not scroll sideways.
    page.locator("input[name=email]").fill("lucia.martin.fernandez.garcia@correo-ejemplo.example.com")
    page.locator("input[name=full_name]").fill("Lucía Martín")
    page.locator("input[name=address_line1]").fill("Brīvības iela 1")
    page.locator("input[name=postal_code]").fill("LV-1010")
    page.locator("input[name=city]").fill("Rīga")
    page.locator("input[name=payment_method][value=card]").check()
    page.locator("form.checkout button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/checkout/review"))
    sweep.look("checkout review", "[data-place-order]")
    page.locator("[data-place-order]").click()

    expect(page).to_have_url(re.compile(r"/orders/[\w-]+/pay"))
    # Enabled once the shop has created the payment on the Stripe test server (another process).
    expect(page.locator("[data-pay-button]")).to_be_enabled(timeout=60_000)
    sweep.look("payment page", "#payment-element", axe_leaves_out=("#payment-element",))


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/account/login")
    page.locator("input[name=email]").fill(ADMIN[0])
    page.locator("input[name=password]").fill(ADMIN[1])
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/admin/**")


@pytest.fixture
def social_tab(app, live_server):
    """The demo social page may frame the shop (the tab is on the other loopback name)."""
    saved = app.config["FRAME_ANCESTORS"]
    app.config["FRAME_ANCESTORS"] = [live_server.url]
    yield
    app.config["FRAME_ANCESTORS"] = saved


DEMO_SHOPPERS = {"en": "emma", "es": "lucia", "lv": "liga"}


def look_at_social_tab(sweep: Sweep, base_url: str) -> None:
    """The demo social page with the shop in its tab, and the shop inside the tab."""
    sweep.visit("social page", base_url,
                Visit(f"/demo/?platform=telegram&shopper={DEMO_SHOPPERS[sweep.language]}&tab=shop", "iframe"))
    frame = sweep.page.frame(name="shop-tab")
    expect(sweep.page.frame_locator("iframe[name=shop-tab]").locator("main")).to_be_visible()
    with sweep.subtests.test(page="shop in the social tab", language=sweep.language, check="fits its frame"):
        assert_fits(frame, f"shop in the social tab in {sweep.language}")
    with sweep.subtests.test(page="shop in the social tab", language=sweep.language, check="axe"):
        violations = sweep.axe.run(frame, options={"runOnly": {"type": "tag", "values": TAGS}, "rules": RULES})
        assert not violations.response["violations"], describe(violations.response["violations"])


# One test per language, so the test runs' workers share the sweep. What it checks (the pages'
# HTML and CSS in Chromium, and axe) is the same on either database, so it runs in the SQLite pass
# only (`database_independent`); that every one of these pages opens on the database, with the
# demo shop's data, is `test_every_page_of_the_sweep_opens_on_this_database` below, in both passes.
@pytest.mark.database_independent
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_a_phone_and_passes_axe_in_every_language(app, browser, live_server, stripe_shop,
                                                                    social_tab, demo_shop, subtests, screenshot, language):
    axe = Axe()
    context = browser.new_context(viewport=PHONE, locale=LANGUAGES[language])
    page = context.new_page()
    page.set_default_timeout(10_000)  # a step that waits longer has failed
    sweep = Sweep(page, axe, subtests, language, screenshot)
    storefront = storefront_pages(demo_shop)
    # The footer's pages (the legal ones among them); its categories are all one page to us.
    with subtests.test(page="footer", language=language, check="links"):
        storefront |= linked_pages(page, live_server.url, "footer a:not([href*='/c/'])", storefront)
    for name, visit in storefront.items():
        sweep.visit(name, live_server.url, visit)
    # A step that cannot be taken (a page that broke) is a failure of its own; the sweep
    # goes on with the next one.
    with subtests.test(page="social tab", language=language, check="opens"):
        look_at_social_tab(sweep, live_server.url)
    with subtests.test(page="shopper's way to the pay page", language=language, check="steps"):
        shop_and_pay(sweep, live_server.url)
    signed_in = False
    with subtests.test(page="staff sign-in", language=language, check="signs in"):
        sign_in(page, live_server.url)
        signed_in = True
    back_office = back_office_pages(demo_shop)
    with subtests.test(page="back-office menu", language=language, check="links"):
        if signed_in:
            back_office |= linked_pages(page, live_server.url, "nav.sidebar a", back_office)
    for name, visit in back_office.items() if signed_in else ():
        sweep.visit(name, live_server.url, visit)
    context.close()


def shows(html: str, selector: str) -> bool:
    """Whether `html` has what the last part of one of `selector`'s alternatives names (its tag,
    classes, id and attribute names): a rough stand-in for the browser's selector, enough to tell
    the page from an error page."""
    for alternative in selector.split(","):
        compound = alternative.split()[-1]
        tag = re.match(r"[a-z][a-z0-9]*", compound)
        patterns = [rf"<{tag.group()}[\s>]"] if tag else []
        patterns += [rf'class="[^"]*\b{re.escape(name)}\b' for name in re.findall(r"\.([\w-]+)", compound)]
        patterns += [rf'id="{re.escape(name)}"' for name in re.findall(r"#([\w-]+)", compound)]
        patterns += [rf"\s{re.escape(name)}[\s=>]" for name in re.findall(r"\[([\w-]+)", compound)]
        if all(re.search(pattern, html) for pattern in patterns):
            return True
    return False


def menu_paths(html: str, start: str, end: str) -> list[str]:
    """The shop's own paths linked between `start` and the next `end` in `html`."""
    menu = html[html.index(start):]
    menu = menu[:menu.index(end)]
    return list(dict.fromkeys(urlsplit(href).path for href in re.findall(r'href="([^"]+)"', menu)
                              if href.startswith("/")))


def test_every_page_of_the_sweep_opens_on_this_database(app, demo_shop):
    """The sweep's pages (and the footer's and the back-office menu's) through the test client, on
    the demo shop, in both passes: each answers its status in each language and shows what makes
    it that page. The browser, overflow and axe checks are the sweep's, in the SQLite pass."""
    failures, looked_at = [], 0
    for language, locale in LANGUAGES.items():
        headers = {"Accept-Language": locale}
        client = app.test_client()
        storefront = storefront_pages(demo_shop)
        home = client.get("/", headers=headers).get_data(as_text=True)
        storefront |= {f"linked from the footer: {path}": Visit(path, "main h1")
                       for path in menu_paths(home, '<footer class="site-footer"', "</footer>") if "/c/" not in path}
        storefront["social page"] = Visit(f"/demo/?platform=telegram&shopper={DEMO_SHOPPERS[language]}&tab=shop",
                                          "iframe")
        signed_in = client.post("/account/login", data={"email": ADMIN[0], "password": ADMIN[1]}, headers=headers)
        assert signed_in.status_code == 302 and "/admin" in signed_in.headers["Location"], signed_in.status_code
        back_office = back_office_pages(demo_shop)
        dashboard = client.get(back_office["dashboard"].path, headers=headers).get_data(as_text=True)
        back_office |= {f"linked from the menu: {path}": Visit(path, "main h1")
                        for path in menu_paths(dashboard, '<nav class="sidebar"', "</nav>")
                        if path not in {urlsplit(visit.path).path for visit in back_office.values()}}
        visits = storefront | {f"back office: {name}": visit for name, visit in back_office.items()}
        for name, visit in visits.items():
            # The storefront's pages are read anonymously, as in the sweep: a client without a session.
            reader = client if name.startswith("back office: ") else app.test_client()
            response = reader.get(visit.path, headers=headers)
            html = response.get_data(as_text=True)
            looked_at += 1
            if response.status_code != visit.status:
                failures.append(f"{name} ({visit.path}) in {language}: status {response.status_code}, not {visit.status}")
            elif f'<html lang="{language}"' not in html or not shows(html, visit.shows):
                failures.append(f"{name} ({visit.path}): not in {language}, or without {visit.shows!r}")
    assert not failures, "\n".join(failures)
    assert looked_at >= 3 * 45, looked_at  # the named pages, the footer's and the menu's, in 3 languages
