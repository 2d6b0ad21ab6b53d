"""The marketer's pages and the store's scan page, over HTTP: who may use them, what bad input
gets back, the scan that marks a code used once, query counts, and a look in a real browser."""
from __future__ import annotations

import datetime as dt
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa

from promotions.models import Offer, OfferCode, OfferDailyStat, Redemption
from storefront.accounts.models import Permission
from storefront.audit.models import AuditEntry
from storefront.extensions import db
from tests.backoffice.conftest import sign_in
from tests.factories import make_category, make_product, make_user

from .conftest import make_code, make_offer, make_paid_order

UTC = dt.timezone.utc


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def local(value: dt.datetime) -> str:
    """A datetime-local input's value in Riga time."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Europe/Riga")).strftime("%Y-%m-%dT%H:%M")


def offer_form(**changes) -> dict:
    data = {"name": "Follower week", "description": "Only in our tab", "benefit": "percent", "percent": "15",
            "target": "order", "audience": "everyone", "starts_at": local(now() + dt.timedelta(days=1)),
            "ends_at": local(now() + dt.timedelta(days=8)), "timezone": "Europe/Riga", "priority": "0"}
    data.update(changes)
    return data


@pytest.fixture
def marketer(client):
    user = make_user("marketer@example.com", "marketer")
    sign_in(client, user)
    return user


def offer_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Offer.id)))


# --- who may ------------------------------------------------------------------------------

def test_every_offer_page_names_the_permission_it_needs(app):
    endpoints = [r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("offers_admin.")]
    assert len(endpoints) >= 12
    marks = {e: getattr(app.view_functions[e], "required_permission", None) for e in endpoints}
    assert all(isinstance(mark, Permission) for mark in marks.values()), marks
    assert {e for e, mark in marks.items() if mark == Permission.REDEEM_IN_STORE} == {
        "offers_admin.scan", "offers_admin.scan_redeem"}


def test_support_staff_cannot_manage_offers_but_can_use_the_scan_page(client):
    offer = make_offer()
    code = make_code(offer, "STORE-AAAA")
    sign_in(client, make_user("support@example.com", "support"))
    for url in ["/admin/offers/", "/admin/offers/new", f"/admin/offers/{offer.id}", f"/admin/offers/{offer.id}/edit",
                f"/admin/offers/{offer.id}/preview", f"/admin/offers/{offer.id}/chart.svg"]:
        assert client.get(url).status_code == 403, url
    refused = [client.post("/admin/offers/new", data=offer_form()),
               client.post(f"/admin/offers/{offer.id}/end"),
               client.post(f"/admin/offers/{offer.id}/schedule"),
               client.post(f"/admin/offers/{offer.id}/codes", data={"code": "SNEAKY", "channel": "meta"}),
               client.post(f"/admin/offers/{offer.id}/batches", data={"size": "5", "channel": "meta"})]
    assert [r.status_code for r in refused] == [403] * 5
    assert offer_count() == 1 and db.session.get(Offer, offer.id).state == "scheduled"
    page = client.get("/admin/offers/scan?code=store-aaaa")
    assert page.status_code == 200 and "Valid now" in page.get_data(as_text=True)
    nav = client.get("/admin/").get_data(as_text=True)
    assert "Store scan" in nav and 'href="/admin/offers/"' not in nav
    assert client.post("/admin/offers/scan", data={"code": code.code}).status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/offers/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# --- creating and editing -----------------------------------------------------------------

def test_a_marketer_creates_a_draft_and_schedules_it(client, marketer):
    response = client.post("/admin/offers/new", data=offer_form())
    assert response.status_code == 302
    offer = db.session.scalar(sa.select(Offer))
    assert (offer.name, offer.state, offer.percent, offer.created_by_id) == ("Follower week", "draft", 15, marketer.id)
    assert client.post(f"/admin/offers/{offer.id}/schedule").status_code == 302
    page = client.get("/admin/offers/").get_data(as_text=True)
    assert "Follower week" in page and "Scheduled" in page
    detail = client.get(f"/admin/offers/{offer.id}").get_data(as_text=True)
    assert "as a draft." in detail and "Scheduled the offer: live from" in detail


BAD_INPUTS = [
    ({"ends_at": local(now() + dt.timedelta(hours=20))}, "ends_at", "The offer must end after it starts."),
    ({"starts_at": local(now() - dt.timedelta(days=3)), "ends_at": local(now() - dt.timedelta(days=1))}, "ends_at",
     "This window is already over: choose an end in the future."),
    ({"percent": "0"}, "percent", "A percentage off is a whole number from 1 to 100."),
    ({"percent": "-5"}, "percent", "A percentage off is a whole number from 1 to 100."),
    ({"percent": "101"}, "percent", "A percentage off is a whole number from 1 to 100."),
    ({"percent": "12.5"}, "percent", "A percentage off is a whole number from 1 to 100."),
    ({"benefit": "fixed", "amount": "0"}, "amount", "A fixed amount off must be more than zero, e.g. 5.00."),
    ({"benefit": "fixed", "amount": "-5.00"}, "amount", "A fixed amount off must be more than zero, e.g. 5.00."),
    ({"benefit": "bxgy", "buy_qty": "0", "get_qty": "1"}, "buy_qty",
     "Buy X get Y needs X and Y as whole numbers from 1 to 1,000,000,000."),
    ({"benefit": "bxgy", "buy_qty": "2", "get_qty": "0"}, "get_qty",
     "Buy X get Y needs X and Y as whole numbers from 1 to 1,000,000,000."),
    ({"min_quantity": "99999999999"}, "min_quantity",
     "A minimum quantity is a whole number from 1 to 1,000,000,000 (or empty)."),
    ({"min_quantity": "0"}, "min_quantity", "A minimum quantity is a whole number from 1 to 1,000,000,000 (or empty)."),
    ({"cap_total": "0"}, "cap_total", "A cap is a whole number from 1 to 1,000,000,000 (leave it empty for no cap)."),
    ({"cap_total": "99999999999"}, "cap_total",
     "A cap is a whole number from 1 to 1,000,000,000 (leave it empty for no cap)."),
    ({"cap_per_customer": "-1"}, "cap_per_customer",
     "A cap is a whole number from 1 to 1,000,000,000 (leave it empty for no cap)."),
    ({"audience": "tab_visitors", "audience_pages": "meta:999"}, "audience_pages",
     "meta:999 is not one of the shop&#39;s connected pages."),
    ({"audience": "likes"}, "audience", "The social platforms forbid rewarding likes, follows or shares."),
    ({"timezone": "Mars/Olympus"}, "timezone", "Choose a time zone from the list."),
    # Names the database knows but no place a marketer means: the server's clock, legacy aliases.
    *[({"timezone": zone}, "timezone", "Choose a time zone from the list.")
      for zone in ("localtime", "Factory", "posixrules", "Etc/GMT-3", "PRC", "W-SU", "US/Pacific", "CST6CDT")],
    ({"starts_at": "1900-01-01T00:00"}, "starts_at",
     "The start, 1900-01-01 00:00, is more than a day in the past: choose a start from now on."),
    ({"ends_at": "9999-12-31T00:00"}, "ends_at", "An offer runs for at most 2 years: choose an end no later than"),
    ({"ends_at": "9999-12-31T23:59", "timezone": "America/New_York"}, "ends_at",
     "9999-12-31 23:59 is too far from today: choose a date within a few years of now."),
    ({"starts_at": "2027-03-28T03:30", "ends_at": "2027-04-02T09:00"}, "starts_at",
     "2027-03-28 03:30 does not exist in Europe/Riga"),
    ({"target": "products"}, "product_ids", "Choose at least one product (from the list)."),
]


@pytest.mark.parametrize("changes, field, message", BAD_INPUTS, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD_INPUTS)])
def test_bad_offer_input_is_refused_on_its_field_and_nothing_is_written(client, marketer, changes, field, message):
    response = client.post("/admin/offers/new", data=offer_form(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert f'id="{field}"' in page and 'aria-invalid="true"' in page
    assert offer_count() == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_a_platform_that_does_not_permit_tab_visitor_offers_is_refused(app, client, marketer):
    app.config["OFFER_PLATFORM_AUDIENCES"] = {"meta": frozenset({"code_holders"})}
    try:
        response = client.post("/admin/offers/new",
                               data=offer_form(audience="tab_visitors", audience_pages="meta:1001"))
    finally:
        app.config.pop("OFFER_PLATFORM_AUDIENCES")
    assert response.status_code == 422
    assert "does not permit offers for the visitors of its page tab" in response.get_data(as_text=True)
    assert offer_count() == 0


def test_the_form_says_which_audiences_each_platform_permits(client, marketer):
    page = client.get("/admin/offers/new").get_data(as_text=True)
    assert "What each platform permits" in page and "not: likes, follows, shares" in page
    assert "Telegram" in page and 'value="meta:1001"' in page


def test_editing_a_live_offers_benefit_is_refused_end_it_and_create_another(client, marketer):
    offer = make_offer(percent=10)
    data = offer_form(starts_at=local(offer.starts_at), ends_at=local(offer.ends_at), percent="40", name=offer.name)
    response = client.post(f"/admin/offers/{offer.id}/edit", data=data)
    assert response.status_code == 409
    assert "end it and create another" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).percent == 10
    renamed = client.post(f"/admin/offers/{offer.id}/edit", data=dict(data, percent="10", name="New name"))
    assert renamed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).name == "New name"


def test_ending_early_twice_ends_the_offer_once(client, marketer):
    offer = make_offer()
    assert client.post(f"/admin/offers/{offer.id}/end").status_code == 302
    again = client.post(f"/admin/offers/{offer.id}/end")
    assert again.status_code == 409 and "already ended" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).state == "ended_early"
    assert db.session.scalars(sa.select(AuditEntry.action)).all() == ["offer.ended_early"]


def test_state_changes_need_the_csrf_token(client, marketer, csrf_enabled):
    offer = make_offer()
    assert client.post(f"/admin/offers/{offer.id}/end").status_code == 400
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).state == "scheduled"


# --- codes, batches, chart, preview -------------------------------------------------------

def test_codes_and_a_batch_are_added_and_the_batch_downloads_as_csv(client, marketer):
    offer = make_offer()
    assert client.post(f"/admin/offers/{offer.id}/codes",
                       data={"code": "tg-week", "channel": "telegram", "utm_source": "tg"}).status_code == 302
    taken = client.post(f"/admin/offers/{offer.id}/codes", data={"code": "TG-WEEK", "channel": "meta"})
    assert taken.status_code == 409 and "The code TG-WEEK is already taken" in taken.get_data(as_text=True)
    assert client.post(f"/admin/offers/{offer.id}/batches", data={"size": "25", "channel": "email"}).status_code == 302
    too_many = client.post(f"/admin/offers/{offer.id}/batches", data={"size": "10001", "channel": "email"})
    assert too_many.status_code == 422 and "1 to 10,000 codes" in too_many.get_data(as_text=True)
    batch_id = db.session.scalar(sa.select(OfferCode.batch_id).where(OfferCode.batch_id.is_not(None)))
    download = client.post(f"/admin/offers/batches/{batch_id}/csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert len(download.get_data(as_text=True).strip().splitlines()) == 26
    detail = client.get(f"/admin/offers/{offer.id}").get_data(as_text=True)
    for sentence in ("Added the code TG-WEEK for Telegram.", "Created 25 single-use codes for E-mail.",
                     "Downloaded 25 codes as CSV."):
        assert sentence in detail
    # Channels by name, in the code table, the batches and the channel picker: not "telegram", "email".
    assert "<td>Telegram</td>" in detail and ">telegram<" not in detail and ">email<" not in detail
    assert '<option value="store">In store</option>' in detail
    latvian = client.get(f"/admin/offers/{offer.id}?lang=lv").get_data(as_text=True)
    assert "kanālam E-pasts" in latvian and '<option value="web">Interneta veikals</option>' in latvian


def test_the_chart_is_an_svg_without_scripts_whose_styles_its_own_policy_allows(client, marketer):
    offer = make_offer(starts_at=now() - dt.timedelta(days=3))
    response = client.get(f"/admin/offers/{offer.id}/chart.svg")
    svg = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "<script" not in svg and "<style" in svg
    assert "'sha256-" in response.headers["Content-Security-Policy"]


def test_the_preview_shows_the_discount_a_tab_visitor_gets(client, marketer):
    hat = make_product("Wool hat", variants=[{"price": 4000}])
    offer = make_offer(state="draft", audience="tab_visitors", audience_pages=["meta:1001"], percent=25,
                       target="products", products=[hat])
    page = client.get(f"/admin/offers/{offer.id}/preview")
    assert page.status_code == 200 and f'name="qty-{hat.variants[0].id}"' in page.get_data(as_text=True)
    query = {"persona": "tab_visitor", "page": "meta:1001", "moment": local(now()), "timezone": "Europe/Riga",
             f"qty-{hat.variants[0].id}": "1"}
    shown = client.get(f"/admin/offers/{offer.id}/preview?{urllib.parse.urlencode(query)}").get_data(as_text=True)
    assert "−€10.00" in shown and "Applies" in shown
    anyone = client.get(f"/admin/offers/{offer.id}/preview?" + urllib.parse.urlencode(dict(query, persona="anyone")))
    assert "Only for shoppers who came from the chosen page" in anyone.get_data(as_text=True)


# --- the scan page ------------------------------------------------------------------------

def test_the_scan_page_marks_a_code_used_once_and_then_says_when(client, marketer):
    offer = make_offer(name="Store day", cap_total=10)
    make_code(offer, "STORE-BBBB")
    page = client.get("/admin/offers/scan?code=store-bbbb").get_data(as_text=True)
    assert "Store day" in page and "Valid now" in page and "Mark used" in page
    assert client.post("/admin/offers/scan", data={"code": "STORE-BBBB"}).status_code == 302
    again = client.get("/admin/offers/scan?code=STORE-BBBB").get_data(as_text=True)
    assert "Already used on" in again and "Mark used" not in again
    second = client.post("/admin/offers/scan", data={"code": "STORE-BBBB"})
    assert second.status_code == 409
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).redemptions_count == 1


def test_two_staff_marking_the_same_code_at_once_mark_it_once(app, client, live_server):
    offer = make_offer(cap_total=5)
    make_code(offer, "STORE-RACE")
    cookies = []
    for n in range(2):
        staff_client = app.test_client()
        sign_in(staff_client, make_user(f"clerk{n}@example.com", "support"))
        cookies.append(staff_client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    barrier = threading.Barrier(2)
    statuses = []

    def clerk(cookie):
        request = urllib.request.Request(f"{live_server.url}/admin/offers/scan", data=b"code=STORE-RACE",
                                         headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=clerk, args=(cookie,)) for cookie in cookies]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # urllib follows the success's redirect to the scan page (200); the other clerk gets 409.
    assert sorted(statuses) == [200, 409]
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).redemptions_count == 1
    assert db.session.scalar(sa.select(sa.func.count(Redemption.id))) == 1
    assert db.session.scalar(sa.select(OfferCode.uses).where(OfferCode.code == "STORE-RACE")) == 1


# --- query counts -------------------------------------------------------------------------

def statements_for(client, count_queries, url: str) -> int:
    db.session.expire_all()
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_the_offer_list_runs_as_many_queries_for_thirty_offers_as_for_one(client, marketer, count_queries):
    make_code(make_offer())
    one = statements_for(client, count_queries, "/admin/offers/")
    for n in range(29):
        make_code(make_offer(audience="tab_visitors" if n % 2 else "everyone"))
    assert statements_for(client, count_queries, "/admin/offers/") == one


def test_the_offer_page_runs_as_many_queries_for_thirty_channels_and_many_codes_as_for_one(
        client, marketer, count_queries):
    def offer_with(channels: int, codes: int) -> Offer:
        offer = make_offer(starts_at=now() - dt.timedelta(days=2))
        for n in range(channels):
            db.session.add(OfferDailyStat(offer_id=offer.id, channel=f"ch-{n}", day=now().date(), views=3, carts=1))
            db.session.add(Redemption(offer_id=offer.id, status="confirmed", channel=f"ch-{n}", discount=100,
                                      confirmed_at=now()))
        for n in range(codes):
            db.session.add(OfferCode(offer_id=offer.id, code=f"C{offer.id}-{n:04d}", kind="shared", channel="meta"))
        db.session.commit()
        return offer

    small, big = offer_with(1, 1), offer_with(30, 60)
    assert statements_for(client, count_queries, f"/admin/offers/{small.id}") == \
        statements_for(client, count_queries, f"/admin/offers/{big.id}")


# --- in a browser -------------------------------------------------------------------------

def test_a_marketer_sees_the_offers_the_form_and_the_results_in_a_browser(app, live_server, page, screenshot):
    hats = make_category("Hats", slug="hats")
    beanie = make_product("Merino beanie", category=hats, variants=[{"price": 2490}])
    make_product("Wool mittens", category=hats, variants=[{"price": 1990}])
    make_user("marketer@example.com", "marketer", "correct horse battery")
    live = make_offer(name="Telegram week: 20 % off", percent=20, audience="tab_visitors",
                      audience_pages=["telegram:ZiemeluVilnaBot"], cap_total=200, starts_at=now() - dt.timedelta(days=6))
    make_offer(name="Free shipping for members", benefit="free_shipping", percent=None, audience="members",
               state="draft", starts_at=now() + dt.timedelta(days=3))
    make_offer(name="Beanie: buy 2 get 1", benefit="bxgy", percent=None, buy_qty=2, get_qty=1, target="products",
               products=[beanie], state="ended_early", starts_at=now() - dt.timedelta(days=5),
               ended_at=now() - dt.timedelta(days=1))
    for day in range(6):
        date = (now() - dt.timedelta(days=5 - day)).date()
        for channel, views in (("telegram", 40 + 9 * day), ("meta", 12 + 3 * day)):
            db.session.add(OfferDailyStat(offer_id=live.id, channel=channel, day=date, views=views, carts=views // 4))
        for n in range(day + 1):
            channel = "telegram" if n % 3 else "meta"
            db.session.add(Redemption(offer_id=live.id, status="confirmed", channel=channel, discount=500,
                                      order_id=make_paid_order(4000 + 700 * n, channel).id,
                                      confirmed_at=dt.datetime.combine(date, dt.time(12), UTC)))
    live.redemptions_count = 21
    db.session.commit()
    make_code(live, "TG-WEEK", kind="shared", channel="telegram", max_uses=None, utm_source="tg")

    page.goto(f"{live_server.url}/admin/offers/")
    page.fill("input[name=email]", "marketer@example.com")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/offers/")
    assert page.locator("table.offers tbody tr").count() == 3
    screenshot(page, "offers-list")

    page.click("text=New offer")
    page.wait_for_url("**/admin/offers/new")  # is_visible() does not wait for the page to load
    assert page.locator("#percent").is_visible() and not page.locator("#amount").is_visible()
    page.select_option("#benefit", "fixed")
    assert page.locator("#amount").is_visible() and not page.locator("#percent").is_visible()
    page.fill("#name", "Weekend tab exclusive")
    page.fill("#amount", "-5")
    page.select_option("#audience", "tab_visitors")
    page.check("input[value='meta:1001']")
    page.fill("#starts_at", local(now() + dt.timedelta(days=1)))
    page.fill("#ends_at", local(now() + dt.timedelta(days=3)))
    page.click("form.offer-form button[type=submit]")
    assert "A fixed amount off must be more than zero" in page.locator(".has-error").inner_text()
    screenshot(page, "offers-form-error")
    page.fill("#amount", "5.00")
    page.click("form.offer-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "Weekend tab exclusive" in page.locator("h1").inner_text()

    page.goto(f"{live_server.url}/admin/offers/{live.id}")
    chart = page.locator("img.chart")
    chart.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('img.chart').complete")
    assert page.evaluate("document.querySelector('img.chart').naturalWidth") > 0
    assert "Cap left: 179 of 200" in page.locator("#results").inner_text()
    screenshot(page, "offers-results")

    page.set_viewport_size({"width": 480, "height": 900})
    page.goto(f"{live_server.url}/admin/offers/{live.id}/preview")
    page.click("text=Show")
    page.wait_for_selector("#preview-total")
    screenshot(page, "offers-preview-narrow")
