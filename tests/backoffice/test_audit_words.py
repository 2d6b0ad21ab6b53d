"""The audit log reads in the staff member's language: every action the code records has words,
details are labelled values, times are in the shop's zone."""
from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from reviews.moderation import Action
from storefront.audit import words
from storefront.audit.models import AuditEntry
from storefront.audit.service import record
from storefront.extensions import db
from storefront.orders import staff
from storefront.orders.models import OrderEvent
from storefront.payments.service import mark_manual_payment_received
from tests.factories import make_category, make_order, make_product, make_user
from tests.reviews.factories import make_delivered_order, make_review

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.timezone.utc


def recorded_calls() -> list[ast.Call]:
    calls = []
    for package in ("storefront", "promotions", "reviews"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record" and len(node.args) >= 3:
                    calls.append(node)
    return calls


def recorded_actions() -> set[str]:
    actions = set()
    for call in recorded_calls():
        action = call.args[1]
        if isinstance(action, ast.Constant):
            actions.add(action.value)
        elif isinstance(action, ast.IfExp):
            actions |= {action.body.value, action.orelse.value}
        elif isinstance(action, ast.JoinedStr) and ast.unparse(action) == "f'review.{action.value}'":
            actions |= {f"review.{member.value}" for member in Action}
        else:
            raise AssertionError(f"an action this test cannot read: {ast.unparse(action)}")
    return actions


def test_every_action_target_and_detail_the_code_records_has_words():
    calls = recorded_calls()
    assert len(calls) > 50
    assert recorded_actions() - words.ACTION_NAMES.keys() == set()
    targets = {call.args[2].value for call in calls if isinstance(call.args[2], ast.Constant)}
    assert targets - words.TARGET_NAMES.keys() == set()
    keys = {keyword.arg for call in calls for keyword in call.keywords if keyword.arg not in (None, "ip_address", "when")}
    assert keys - words.KEY_NAMES.keys() == set()


def test_details_are_labelled_values_with_yes_no_money_and_changes(app):
    with app.test_request_context("/?lang=lv"):
        assert words.details("user.login", {"remember": False}) == [("Atcerēties mani", "nē")]
        assert words.details("order.refund", {"amount": 1250, "refunded_total": 1250}, "EUR") == [
            ("Summa", "12,50\xa0€"), ("Kopā atmaksāts", "12,50\xa0€")]
        assert words.details("variant.update", {"changed": {"price": [8900, 7900], "sku": ["A", "B"]}}) == [
            ("Izmaiņas", "Cena: 89,00\xa0€ → 79,00\xa0€; SKU: A → B")]
        assert words.details("settings.change", {"old": 495, "new": 550, "default": False},
                             target_id="SHIPPING_FLAT_RATE") == [("Bija", "4,95\xa0€"), ("Tagad", "5,50\xa0€"),
                                                                 ("Atpakaļ uz noklusējumu", "nē")]
        assert words.details("offer.ended_early", {"ended_at": "2026-11-23T22:30:00+00:00"}) == [
            ("Beidzies", "2026. gada 24. nov. 00:30")]  # in the shop's zone, to the minute
        assert words.details("legal_page.update", {"languages": ["en", "lv"], "note": None}) == [
            ("Valodas", "Angļu, Latviešu"), ("note", "—")]
        assert words.details("inbox.private_message", {"to": "anna@example.com"}) == [("Nosūtīts uz", "anna@example.com")]
        assert words.action_name("order.mark_paid") == "Atzīmēja pasūtījumu kā apmaksātu"
        assert words.action_name("a.future_action") == "a.future_action"  # shown as stored, never hidden
        assert words.details("user.role", {"email": "anna@example.com", "old": "support", "new": "marketer"}) == [
            ("E-pasts", "anna@example.com"), ("Bija", "Atbalsts"), ("Tagad", "Mārketinga speciālists")]
        assert words.actor_name("system") == "Veikals pats" and words.actor_name("a@b.lv") == "a@b.lv"


@pytest.mark.parametrize("language, action, detail, when", [
    ("en", "Signed in", "Keep me signed in</b>: no", "Nov 24, 2026, 12:30"),
    ("es", "Inició sesión", "Mantener la sesión iniciada</b>: no", "24 nov 2026, 0:30"),
    ("lv", "Pieteicās", "Atcerēties mani</b>: nē", "2026. gada 24. nov. 00:30"),
])
def test_the_audit_log_page_names_actions_and_details_in_the_staff_members_language(
        client, admin, language, action, detail, when):
    member = make_user("anna@example.com", role="support")
    entry = record(member, "user.login", "user", member.id, remember=False)
    entry.created_at = dt.datetime(2026, 11, 23, 22, 30, 42, tzinfo=UTC)  # 00:30 on the 24th in Riga
    db.session.commit()

    page = client.get(f"/admin/audit?lang={language}").text

    row = re.search(r'<td [^>]*data-action="user.login">(.*?)</tr>', page, flags=re.DOTALL).group(0)
    assert action in row and detail in row and "remember" not in row
    assert 'datetime="2026-11-23T22:30:42+00:00"' in page  # the exact moment, for the order of events
    assert when in page and f"{when}:42" not in page  # the shop's day and minute, not UTC's, no seconds


def test_an_orders_staff_actions_are_dated_as_the_orders_own_events(app):
    moment = dt.datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    order = make_order(make_product(variants=[{"price": 1000, "stock": 5}]).variants[0], now=moment)
    actor = make_user("packer@example.com")
    db.session.commit()
    mark_manual_payment_received(order.id, actor=actor, now=moment + dt.timedelta(hours=1))
    staff.fulfil(order.id, actor=actor, now=moment + dt.timedelta(days=1))

    entries = db.session.query(AuditEntry.action, AuditEntry.created_at).order_by(AuditEntry.id).all()
    events = dict(db.session.query(OrderEvent.kind, OrderEvent.created_at).filter(OrderEvent.order_id == order.id))
    assert entries == [("order.mark_paid", moment + dt.timedelta(hours=1)), ("order.fulfil", moment + dt.timedelta(days=1))]
    assert events["paid"] == entries[0][1] and events["fulfilled"] == entries[1][1]


def test_the_audit_log_is_filtered_by_who_and_area_and_a_bad_filter_is_a_clear_400(client, admin):
    anna = make_user("anna@example.com", role="support")
    record(anna, "order.fulfil", "order", "ZV10001")
    record(anna, "review.reply", "review", 7, reply_id=3)
    record(None, "order.refund_by_provider", "order", "ZV10002", event="evt_1", refunded_total=500)
    db.session.commit()

    def actions(query: str) -> list[str]:
        page = client.get(f"/admin/audit?{query}").text
        return re.findall(r'<td [^>]*data-action="([^"]+)">', page)

    assert set(actions("")) >= {"order.fulfil", "review.reply", "order.refund_by_provider"}
    assert actions("who=anna%40example.com") == ["review.reply", "order.fulfil"]
    assert actions("area=orders") == ["order.refund_by_provider", "order.fulfil"]
    assert actions("who=anna%40example.com&area=reviews") == ["review.reply"]
    assert actions("who=system&area=reviews") == []
    page = client.get("/admin/audit?who=system&lang=lv").text
    assert '<option selected value="system">Veikals pats</option>' in page

    for query, message in (("area=everything", "Unknown area: choose one from the list."),
                           ("who=mallory%40example.com", "Unknown staff member: choose one from the list.")):
        refused = client.get(f"/admin/audit?{query}&lang=en")
        assert refused.status_code == 400 and message in refused.text and "data-action" not in refused.text


def test_every_target_the_code_records_has_a_namer():
    from storefront.audit import targets

    kinds = {call.args[2].value for call in recorded_calls() if isinstance(call.args[2], ast.Constant)}
    assert {kind for kind in kinds | set(targets.ID_KEYS.values()) if targets.namer_for(kind) is None} == set()


def test_the_audit_log_names_what_each_entry_was_done_to_and_links_it(client, admin):
    support = make_user("ilze@example.com", role="support")
    sweaters = make_category("Sweaters")
    sweaters.translations = {"lv": {"name": "Džemperi"}}
    knitwear = make_category("Knitwear")
    product = make_product("Gauja pullover", category=sweaters, variants=[{"sku": "GAUJA-M", "price": 8900, "stock": 3}])
    order = make_order(product.variants[0])
    gone = make_category("Autumn")
    db.session.commit()
    record(support, "order.ship", "order", order.number, carrier="Omniva")
    record(support, "order.resend_email", "order", order.number, kind="receipt", recipient="a@b.lv")
    record(support, "variant.update", "variant", product.variants[0].id, product_id=product.id, changed={"price": [8900, 7900]})
    record(support, "category.update", "category", sweaters.id, changed={"parent_id": [None, knitwear.id]})
    record(support, "category.delete", "category", gone.id, slug="autumn", name="Autumn")
    record(support, "settings.change", "setting", "SHIPPING_FLAT_RATE", old=495, new=550, default=False)
    record(support, "settings.change", "setting", "PRICES_INCLUDE_TAX", old=True, new=False, default=False)
    record(support, "legal_page.update", "legal_page", "returns", languages=["en", "lv"])
    review = make_review(make_delivered_order(product.variants[0]), 1)
    record(support, "review.publish", "review", review.id, product_id=product.id, **{"from": "withheld"}, to="published")
    record(support, "review.withhold", "review", 999_999, product_id=product.id, **{"from": "published"},
           to="withheld", reason="spam")
    db.session.delete(gone)
    db.session.commit()

    page = client.get("/admin/audit?lang=lv").text

    def row(action: str) -> str:
        return re.search(rf'<td [^>]*data-action="{action}">(.*?)</tr>', page, flags=re.DOTALL).group(1)

    assert f'<a href="/admin/orders/{order.id}">Pasūtījums: {order.number}</a>' in row("order.ship")
    assert "<b>E-pasts</b>: Kvīts" in row("order.resend_email")  # the receipt, not "receipt"
    variant = row("variant.update")
    assert f'href="/admin/variants/{product.variants[0].id}"' in variant and "SKU GAUJA-M" in variant
    assert "<b>Prece</b>: Gauja pullover" in variant and "89,00\xa0€ → 79,00\xa0€" in variant
    category = row("category.update")
    assert f'href="/admin/categories/{sweaters.id}">Kategorija: Džemperi</a>' in category  # in the staff's language
    assert "Virskategorija: — → Knitwear" in category
    assert f"Kategorija {gone.id}</td>" in row("category.delete")  # gone: by the id and the words it kept
    assert "<b>Nosaukums</b>: Autumn" in row("category.delete")
    assert '<a href="/admin/settings#SHIPPING_FLAT_RATE">Iestatījums: Standarta piegādes cena</a>' in page  # its field
    assert "Iestatījums SHIPPING_FLAT_RATE" not in page and "Iestatījums PRICES_INCLUDE_TAX" not in page
    assert "4,95\xa0€" in page and "5,50\xa0€" in page and "<b>Bija</b>: jā" in page
    assert '<a href="/admin/legal/returns">Juridiskā lapa: Atpakaļatdošana un atteikums</a>' in row("legal_page.update")
    assert "<b>Valodas</b>: Angļu, Latviešu" in row("legal_page.update")
    assert f'<a href="/admin/inbox/reviews/{review.id}">Atsauksme: {review.author_name}, 1 ★</a>' in row("review.publish")
    withheld = row("review.withhold")
    assert "Atsauksme 999999" in withheld  # a review that is gone
    assert "<b>No</b>: Publicēta" in withheld and "<b>Līdz</b>: Aizturēta" in withheld and "<b>Iemesls</b>: Spams" in withheld


def test_the_audit_log_runs_as_many_queries_for_many_entries_as_for_few(client, admin, count_queries):
    support = make_user("anna@example.com", role="support")
    products = [make_product(f"Hat {n}", variants=[{"price": 1000, "stock": 1}]) for n in range(12)]
    db.session.commit()

    def entries(count: int) -> int:
        for product in products[:count]:
            record(support, "product.update", "product", product.id, changed={"title": ["a", "b"]})
            record(support, "variant.stock", "variant", product.variants[0].id, product_id=product.id, stock=[1, 2])
        db.session.commit()
        with count_queries() as counter:
            assert client.get("/admin/audit").status_code == 200
        return counter.count

    few = entries(2)
    assert entries(10) == few


def test_a_changed_settings_lists_read_as_names_not_codes(app):
    methods = [{"code": "omniva", "names": {"en": "Omniva parcel locker", "es": "Taquilla Omniva",
                                            "lv": "Omniva pakomāts"}, "rate": 299, "free_from": 4000}]
    apps = [{"platform": "meta", "app_id": "1234", "pages": ["zv-page"], "secret": "set"},
            {"platform": "telegram", "bot": "zv_bot", "secret": "replaced"}]
    with app.test_request_context("/?lang=lv"):
        assert words.details("settings.change", {"old": ["standard", "express"], "new": ["standard"]},
                             target_id="DELIVERY_METHODS")[1][1] == "Standarta piegāde (2–4 darba dienas)"
        assert words.details("settings.change", {"old": [], "new": methods}, target_id="DELIVERY_CUSTOM_METHODS") == [
            ("Bija", "—"), ("Tagad", "Omniva pakomāts: 2,99\xa0€, bez maksas no 40,00\xa0€")]
        shown = words.details("settings.change", {"old": [], "new": apps}, target_id="SOCIAL_APPS")[1][1]
        assert shown == ("Facebook / Instagram (Meta) lietotne 1234 lapām zv-page; "
                         "Telegram lietotne @zv_bot ar jaunu noslēpumu")
        assert words.details("settings.change", {"old": ["LV", "EE"], "new": ["LV"]},
                             target_id="SHIP_TO_COUNTRIES")[0] == ("Bija", "Latvija, Igaunija")
        assert words.details("settings.change", {"old": 2100, "new": 550}, target_id="TAX_RATE_BPS") == [
            ("Bija", "21 %"), ("Tagad", "5,5 %")]
        assert words.details("product.update", {"translated": ["es", "lv"]}) == [
            ("Mainīti tulkojumi", "Spāņu, Latviešu")]
