"""The offer pages as a Latvian or Spanish shop manager meets them, over HTTP: the time zones the
form offers, the windows it refuses, refusals that say what is wrong, and codes, times and labels
in the staff member's words."""
from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from promotions.models import Offer, OfferCode
from storefront.audit.models import AuditEntry
from storefront.extensions import db
from tests.backoffice.conftest import sign_in
from tests.factories import make_user

from .conftest import make_code, make_offer
from .test_offer_admin import local, now, offer_count, offer_form

RIGA = ZoneInfo("Europe/Riga")


@pytest.fixture
def marketer(client):
    user = make_user("marketer@example.com", "marketer")
    sign_in(client, user)
    return user


def options(page: str, select_id: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of each option of the page's select with this id."""
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.DOTALL).group(1)
    return [(html.unescape(value), html.unescape(label), "selected" in attributes)
            for attributes, value, label in re.findall(r'<option([^>]*value="([^"]*)"[^>]*)>([^<]*)</option>', select)]


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))


# --- time zones -----------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/admin/offers/new", "/admin/offers/{id}/preview"])
def test_the_time_zones_offered_are_places_with_the_shops_own_first(client, marketer, url):
    offer = make_offer(state="draft", starts_at=now() + dt.timedelta(days=1))
    zones = options(client.get(url.format(id=offer.id)).get_data(as_text=True), "timezone")
    values = [value for value, _label, _selected in zones]
    assert zones[0] == ("Europe/Riga", "Europe/Riga", True)
    assert {"Europe/Tallinn", "Europe/Madrid", "America/New_York", "Asia/Kolkata"} <= set(values)
    for legacy in ("localtime", "Factory", "posixrules", "UTC", "Etc/GMT-3", "PRC", "W-SU", "US/Pacific", "CST6CDT",
                   "Asia/Calcutta"):
        assert legacy not in values, legacy
    assert all(re.fullmatch(r"(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/\S+",
                            value) for value in values)
    assert len(values) == len(set(values)) < 500


def test_the_preview_refuses_a_zone_the_form_does_not_offer(client, marketer):
    offer = make_offer(state="draft", starts_at=now() + dt.timedelta(days=1))
    query = f"persona=anyone&moment={local(now() + dt.timedelta(days=2))}&timezone=localtime"
    response = client.get(f"/admin/offers/{offer.id}/preview?{query}")
    assert response.status_code == 422
    assert "Choose a time zone from the list." in response.get_data(as_text=True)


def test_an_offer_saved_in_localtime_is_edited_in_the_shops_zone_at_the_same_instants(client, marketer):
    offer = make_offer(timezone="localtime", starts_at=now() - dt.timedelta(hours=2))  # live
    starts_at, ends_at = offer.starts_at, offer.ends_at
    form = client.get(f"/admin/offers/{offer.id}/edit").get_data(as_text=True)
    assert [value for value, _label, selected in options(form, "timezone") if selected] == ["Europe/Riga"]
    assert f'value="{local(starts_at)}"' in form
    renamed = client.post(f"/admin/offers/{offer.id}/edit", data=offer_form(
        name="Renamed", percent="10", starts_at=local(starts_at), ends_at=local(ends_at), timezone="Europe/Riga"))
    assert renamed.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Offer, offer.id)
    assert (saved.name, saved.timezone) == ("Renamed", "Europe/Riga")
    assert (saved.starts_at, saved.ends_at) == (starts_at, ends_at)  # the window shoppers were promised


# --- windows --------------------------------------------------------------------------------

def test_a_start_earlier_today_is_taken(client, marketer):
    response = client.post("/admin/offers/new", data=offer_form(starts_at=local(now() - dt.timedelta(hours=20))))
    assert response.status_code == 302 and offer_count() == 1


def test_an_end_two_years_after_the_start_is_taken_and_a_minute_more_is_not(client, marketer):
    starts = dt.datetime(now().year + 1, 5, 1, 10, 0)
    two_years = starts.replace(year=starts.year + 2)
    longer = client.post("/admin/offers/new", data=offer_form(
        starts_at=f"{starts:%Y-%m-%dT%H:%M}", ends_at=f"{two_years + dt.timedelta(minutes=1):%Y-%m-%dT%H:%M}"))
    assert longer.status_code == 422 and offer_count() == 0
    assert (f"An offer runs for at most 2 years: choose an end no later than {two_years:%Y-%m-%d %H:%M}."
            in longer.get_data(as_text=True))
    taken = client.post("/admin/offers/new", data=offer_form(
        starts_at=f"{starts:%Y-%m-%dT%H:%M}", ends_at=f"{two_years:%Y-%m-%dT%H:%M}"))
    assert taken.status_code == 302 and offer_count() == 1


def test_a_draft_whose_start_is_long_past_is_not_scheduled_live_at_once(client, marketer):
    offer = make_offer(state="draft", starts_at=dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc),
                       ends_at=now() + dt.timedelta(days=7), timezone="UTC")
    response = client.post(f"/admin/offers/{offer.id}/schedule")
    assert response.status_code == 422
    assert ("This offer's start, 1900-01-01 00:00, is more than a day in the past: edit the offer and choose a "
            "start from now on.") in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).state == "draft" and audit_count() == 0


def test_the_list_shows_the_window_to_the_minute_as_the_offer_page_does(client, marketer):
    starts = dt.datetime(now().year + 1, 5, 1, 0, 0, tzinfo=RIGA)
    riga = make_offer(state="draft", starts_at=starts, ends_at=starts + dt.timedelta(days=7))
    new_york = make_offer(state="draft", starts_at=starts, ends_at=starts + dt.timedelta(days=7),
                          timezone="America/New_York")
    listed = client.get("/admin/offers/").get_data(as_text=True)
    windows = re.findall(r'<td [^>]*class="c-window small"[^>]*>(.*?)</td>', listed, re.DOTALL)
    assert len(windows) == 2 and not re.search(r"\d:\d\d:\d\d", listed)
    shown = {offer.id: re.sub(r"<[^>]+>|\s+", " ", cell).split() for offer, cell in zip((new_york, riga), windows)}
    year = starts.year
    assert shown[riga.id] == [f"{year}-05-01", "00:00", "–", f"{year}-05-08", "00:00"]
    assert shown[new_york.id] == [f"{year}-04-30", "17:00", "–", f"{year}-05-07", "17:00", "(America/New_York)"]
    page = client.get(f"/admin/offers/{riga.id}").get_data(as_text=True)
    assert f"{year}-05-01 00:00 – {year}-05-08 00:00" in page


# --- refusals that say what is wrong ---------------------------------------------------------

@pytest.mark.parametrize("size", ["0", "", "12.5", "10001"])
def test_a_batch_size_outside_the_range_is_refused_with_the_range(client, marketer, size):
    offer = make_offer()
    response = client.post(f"/admin/offers/{offer.id}/batches", data={"size": size, "channel": "email"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A batch has 1 to 10,000 codes." in page and "This field is required." not in page
    assert 'id="size"' in page and 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count(OfferCode.id))) == 0 and audit_count() == 0


@pytest.mark.parametrize("lang, message", [
    ("en", "A code has only Latin letters A–Z, digits and dashes, not Š: write S for Š, A for Ā and so on."),
    ("lv", "Kodā var būt tikai latīņu burti A–Z, cipari un defises, bet ne Š: Š vietā rakstiet S, Ā vietā — A utt."),
    ("es", "Un código solo lleva letras latinas A–Z, dígitos y guiones, no Š: escribe S en lugar de Š"),
])
def test_a_code_with_a_latvian_letter_is_refused_naming_the_letter(client, marketer, lang, message):
    offer = make_offer()
    response = client.post(f"/admin/offers/{offer.id}/codes?lang={lang}",
                           data={"code": "šalle-2026", "channel": "meta"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count(OfferCode.id))) == 0 and audit_count() == 0


def test_a_code_too_short_is_refused_with_its_shape(client, marketer):
    offer = make_offer()
    response = client.post(f"/admin/offers/{offer.id}/codes", data={"code": "AB", "channel": "meta"})
    assert response.status_code == 422
    assert ("A code is 4 to 40 Latin letters A–Z, digits or dashes, starting with a letter or digit."
            in response.get_data(as_text=True))


@pytest.mark.parametrize("lang, message", [
    ("lv", "Procentuālā atlaide ir vesels skaitlis no 1 līdz 100."),
    ("es", "El porcentaje de descuento es un número entero de 1 a 100."),
])
def test_a_percentage_with_decimals_is_told_it_is_a_whole_number_in_the_staff_language(client, marketer, lang, message):
    response = client.post(f"/admin/offers/new?lang={lang}", data=offer_form(percent="12.5"))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert offer_count() == 0


# --- words --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [
    ("en", ["Shared", "In store, single-use", "Thank-you, single-use"]),
    ("lv", ["Koplietojams", "Veikalā, vienreizējs", "Pateicības, vienreizējs"]),
    ("es", ["Compartido", "En tienda, de un solo uso", "De agradecimiento, de un solo uso"]),
])
def test_the_codes_table_names_each_codes_kind_in_the_staff_language(client, marketer, lang, words):
    offer = make_offer()
    make_code(offer, "TG-WEEK", kind="shared", channel="telegram", max_uses=None)
    make_code(offer, "SHOP-AAAA-BBBB", kind="store", channel="store")
    make_code(offer, "THANKS-AAAA-BBBB", kind="thank_you", channel="email")
    page = client.get(f"/admin/offers/{offer.id}?lang={lang}").get_data(as_text=True)
    table = re.search(r'<table class="table codes">.*?</table>', page, re.DOTALL).group(0)
    kinds = [cell for cell in re.findall(r"<td>([^<]*)</td>", table) if cell]
    for word in words:
        assert word in kinds, (word, kinds)
    assert not {"shared", "store", "thank_you"} & set(kinds)


def test_the_spanish_form_calls_the_benefit_the_type_of_discount(client, marketer):
    page = client.get("/admin/offers/new?lang=es").get_data(as_text=True)
    assert '<label for="benefit">Tipo de descuento</label>' in page and "Ventaja" not in page
