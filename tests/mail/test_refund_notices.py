"""Each refund is mailed to the shopper, once, saying what came back, what has come back in all and
what they paid in the end; and the bank-transfer mail says until when the items are held."""
import datetime as dt
import re
from importlib import import_module

import pytest
import sqlalchemy as sa

from storefront.database import write_transaction
from storefront.extensions import db
from storefront.mail import tasks
from storefront.mail.models import OutboundEmail
from storefront.orders.models import OrderEvent
from storefront.payments import refunds
from storefront.payments import service as payments
from tests.conftest import free_port, fresh
from tests.factories import make_order, make_product, make_user

MIGRATION = import_module("migrations.versions.b7e2d4f60a31_one_refund_notice_per_refund")
NOW = dt.datetime(2026, 11, 20, 3, 38, 17, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def admin():
    return make_user("admin@example.com", "admin")


def paid_order(admin, locale: str):
    """A €156.60 bank-transfer order (VAT €27.18 inside; delivery free over the threshold), paid."""
    pullover = make_product(title="Dzintars pullover", variants=[{"price": 156_60, "stock": 3}]).variants[0]
    order = make_order(pullover, now=NOW, locale=locale)
    payments.mark_manual_payment_received(order.id, actor=admin, now=NOW)
    return fresh(order.id)


def refund_notices(smtp_server, order) -> list[str]:
    return [m.get_body(("plain",)).get_content().replace("\r\n", "\n") for m in smtp_server.messages
            if m["Subject"] == f"Reembolso de tu pedido {order.number}"]


def test_each_partial_refund_is_mailed_with_its_amount_what_came_back_in_all_and_what_was_paid(
        admin, smtp_server):
    order = paid_order(admin, "es")
    refunds.refund(order.id, 54_33, actor=admin, now=NOW + dt.timedelta(hours=1))
    refunds.refund(order.id, 10_00, actor=admin, now=NOW + dt.timedelta(hours=2))

    first, second = refund_notices(smtp_server, order)
    assert f"Te hemos reembolsado 54,33\xa0€ de tu pedido {order.number}." in first
    assert "En total" not in first  # the first refund is all there is
    assert "Reembolsado: -54,33\xa0€\nPagado tras los reembolsos: 102,27\xa0€" in first
    assert (f"Te hemos reembolsado 10,00\xa0€ de tu pedido {order.number}. "
            "En total te hemos reembolsado 64,33\xa0€.") in second
    assert "Total: 156,60\xa0€ (IVA incluido 27,18\xa0€)" in second
    assert "Reembolsado: -64,33\xa0€\nPagado tras los reembolsos: 92,27\xa0€" in second
    html = [m.get_body(("html",)).get_content() for m in smtp_server.messages
            if m["Subject"] == f"Reembolso de tu pedido {order.number}"][1]
    assert "data-refunded>−64,33\xa0€<" in html and "data-paid-after-refunds>92,27\xa0€<" in html


def test_a_refund_notice_sent_late_still_tells_its_own_refund_and_adds_up(app, admin, smtp_server):
    order = paid_order(admin, "es")
    app.config["SMTP_PORT"] = free_port()  # the mail server is down for both refunds
    refunds.refund(order.id, 54_33, actor=admin, now=NOW)
    refunds.refund(order.id, 10_00, actor=admin, now=NOW)
    db.session.commit()
    app.config["SMTP_PORT"] = smtp_server.controller.port  # back up: both notices go out now
    retry_at = db.session.scalar(sa.select(sa.func.max(OutboundEmail.next_attempt_at)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks, "utcnow", lambda: retry_at)
        assert tasks.send_due_emails.call_local() == 2

    first, second = sorted(refund_notices(smtp_server, order), key=lambda text: "En total" in text)
    assert "reembolsado 54,33\xa0€" in first and "Pagado tras los reembolsos: 102,27\xa0€" in first
    assert "En total te hemos reembolsado 64,33\xa0€." in second
    assert "Pagado tras los reembolsos: 92,27\xa0€" in second


def test_a_refund_is_mailed_once_however_often_it_is_recorded_or_its_mail_retried(admin, smtp_server):
    order = paid_order(admin, "es")
    refunds.refund(order.id, 54_33, actor=admin, now=NOW)
    with write_transaction():
        locked = fresh(order.id)
        assert refunds.record_refund(locked, 54_33, now=NOW, source="stripe") == "already_applied"
    [notice] = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == "refunded")).all()
    assert tasks.deliver_email.call_local(notice.id) is False  # a retried task: already sent
    assert len(refund_notices(smtp_server, order)) == 1


@pytest.mark.parametrize("locale", ["es", "lv"])
def test_the_bank_transfer_mail_says_until_when_the_items_are_held_as_the_tracking_page_does(
        client, smtp_server, locale):
    order = make_order(now=NOW, locale=locale)
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()

    page = client.get(f"/orders/{order.tracking_token}", query_string={"lang": locale}).text
    held = re.search(r'<p class="muted">([^<]*)</p>', page).group(1)
    assert held in {"es": ["Te reservamos los artículos hasta el 23 nov 2026, 5:38 (UTC+2)."],
                    "lv": ["Preces jums rezervējam līdz 2026. g. 23. nov. 05:38 (UTC+2)."]}[locale]
    assert held in text
    assert held in message.get_body(("html",)).get_content()


def test_the_migration_keys_the_mail_sent_before_and_gives_old_refund_entries_their_amounts(admin, smtp_server):
    """Before, an order had one mail per kind (no key) and only its first refund was mailed; a
    partial refund's entry said its amount, and the entry of the refund completing the order none."""
    order = paid_order(admin, "es")
    refunds.refund(order.id, 54_33, actor=admin, now=NOW)
    refunds.refund(order.id, order.total - 54_33, actor=admin, now=NOW)
    first_notice = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == "refunded")
                                      .order_by(OutboundEmail.id)).first()
    db.session.execute(sa.delete(OutboundEmail).where(OutboundEmail.kind == "refunded",
                                                      OutboundEmail.id != first_notice.id))
    db.session.execute(sa.update(OutboundEmail).values(key=None, ref_id=None))
    partial, completing = [e for e in fresh(order.id).events if e.kind in ("partially_refunded", "refunded")]
    db.session.execute(sa.update(OrderEvent).where(OrderEvent.id == partial.id).values(details={"amount": 54_33}))
    db.session.execute(sa.update(OrderEvent).where(OrderEvent.id == completing.id).values(details={}))

    MIGRATION.key_existing_order_mails(db.session.connection())
    db.session.commit()
    db.session.expire_all()

    assert dict(db.session.execute(sa.select(OutboundEmail.kind, OutboundEmail.key)).all()) == {
        "order_received": f"order_received:{order.id}", "receipt": f"receipt:{order.id}",
        "refunded": f"refunded:event:{partial.id}"}
    assert db.session.get(OutboundEmail, first_notice.id).ref_id == partial.id
    assert db.session.get(OrderEvent, partial.id).details == {"amount": 54_33, "refunded_total": 54_33}
    assert db.session.get(OrderEvent, completing.id).details == {"amount": 102_27, "refunded_total": 156_60}
