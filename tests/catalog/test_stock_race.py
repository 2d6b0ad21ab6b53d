"""Staff changing stock while shoppers check out the same variant: no sale is ever lost, and stock
never goes below zero.

Checkouts go through the order API of the shop under gunicorn with four worker processes (the
`gunicorn_server` fixture); staff edits and imports run in threads of this process, each with its
own app context and so its own database session. A barrier releases everyone at once. On SQLite
(BEGIN IMMEDIATE) the writes queue for the one write lock; on PostgreSQL (TEST_DATABASE_URL) they
run side by side and meet at the variant's row.
"""
from __future__ import annotations

import csv
import io
import time

import pytest
import sqlalchemy as sa

from storefront.accounts.models import User
from storefront.audit.models import AuditEntry
from storefront.backoffice import imports
from storefront.backoffice.models import ImportJob
from storefront.cart import service as carts
from storefront.catalog import csv_io, editing
from storefront.catalog.models import Variant
from storefront.errors import ShopError
from storefront.extensions import db
from storefront.orders.models import Order
from tests.factories import make_product, make_user
from tests.concurrency import at_once, call, in_own_context


SHOPPER = {"email": "rush@example.com", "full_name": "Rush Shopper", "address_line1": "Tērbatas iela 2",
           "city": "Rīga", "postal_code": "LV-1011", "country": "LV", "shipping_method": "standard",
           "payment_method": "bank_transfer"}


def cart_of(variant: Variant) -> str:
    """A new cart holding one unit of `variant`; its token."""
    cart = carts.create_cart()
    carts.add_item(cart, variant, 1)
    return cart.token


def checkout(server: str, token: str):
    return lambda: call("POST", f"{server}/api/v1/orders", dict(SHOPPER, cart_token=token))


def when_sold(count: int) -> None:
    """Wait, in this thread's own session, until the rush has placed `count` orders."""
    while count and db.session.scalar(sa.select(sa.func.count(Order.id))) < count:
        db.session.rollback()  # end this session's snapshot to see the server's orders
        time.sleep(0.002)


def stock_edit(app, staff_id: int, variant_id: int, *, typed: int, seen: int, after_sales: int = 0):
    """Staff's stock form, sent with the value its page showed, once the rush has placed
    `after_sales` orders (its other checkouts still in flight)."""
    def work():
        when_sold(after_sales)
        result = editing.set_stock(db.session.get(User, staff_id), variant_id, str(typed), seen=str(seen))
        return result.id
    return in_own_context(app, work)


def now_in_database(variant_id: int) -> int:
    db.session.commit()  # end the test's snapshot: the server and the threads wrote in their own sessions
    return db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id))


def stock_audit(variant_id: int) -> list[dict]:
    db.session.commit()
    return [entry.details for entry in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "variant.stock",
                                    AuditEntry.target_id == str(variant_id)).order_by(AuditEntry.id))]


def test_deliveries_booked_during_a_rush_of_checkouts_keep_every_sale(app, gunicorn_server):
    staff = make_user()
    variant = make_product(variants=[{"stock": 30, "price": 1500}]).variants[0]
    variant_id = variant.id
    tokens = [cart_of(variant) for _ in range(24)]
    # Five staff members each book a delivery of 4, typing 34 over the 30 their page showed, as
    # the sales go on.
    edits = [stock_edit(app, staff.id, variant_id, typed=34, seen=30, after_sales=n) for n in (0, 4, 8, 12, 16)]

    started = time.monotonic()
    results = at_once([checkout(gunicorn_server, token) for token in tokens] + edits)
    elapsed = time.monotonic() - started

    orders, staff_results = results[:24], results[24:]
    assert [status for status, _ in orders] == [201] * 24, [body for status, body in orders if status != 201]
    assert staff_results == [variant_id] * 5
    # 30 on hand, 5 × 4 delivered, 24 sold: a sale overwritten by a stock edit would show here.
    assert now_in_database(variant_id) == 30 + 20 - 24
    changes = [details["changed"]["stock"] for details in stock_audit(variant_id)]
    assert len(changes) == 5 and all(after - before == 4 for before, after in changes)
    sold_before_an_edit = [30 + 4 * i - before for i, (before, _) in enumerate(changes)]
    assert sold_before_an_edit == sorted(sold_before_an_edit) and sold_before_an_edit[-1] >= 16
    print(f"\n24 checkouts and 5 stock edits at once: stock {now_in_database(variant_id)}, the edits "
          f"landed after {sold_before_an_edit} sales, {elapsed:.2f} s")


def test_a_write_off_overtaken_by_sales_is_refused_and_stock_never_goes_below_zero(app, gunicorn_server):
    staff = make_user()
    variant = make_product(variants=[{"stock": 6, "price": 1500}]).variants[0]
    variant_id = variant.id
    tokens = [cart_of(variant) for _ in range(6)]
    # The 6 units the page showed were found damaged: staff types 0 while shoppers buy them, and
    # sends the form once the first of them has bought one.
    write_off = stock_edit(app, staff.id, variant_id, typed=0, seen=6, after_sales=1)

    results = at_once([checkout(gunicorn_server, token) for token in tokens] + [write_off])

    orders, refusal = results[:6], results[6]
    # Taking 6 off what the sales left would go below zero: the write-off wrote nothing at all
    # (no stock change, no audit entry), and every shopper got their unit.
    assert isinstance(refusal, ShopError), refusal
    assert (refusal.code, refusal.status, refusal.field) == ("stock_changed", 409, "stock")
    assert 0 <= refusal.details["stock"] < 6
    assert [status for status, _ in orders] == [201] * 6, [body for status, body in orders if status != 201]
    assert now_in_database(variant_id) == 0
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 6
    assert stock_audit(variant_id) == []
    print(f"\nA write-off of 6 racing 6 checkouts: refused with {refusal.details['stock']} left, 6 sold")


def stock_file(stock: int | None = None, price: str | None = None) -> bytes:
    """The catalog as exported now; with `stock`, a stocktake: every variant's stock set to it, in
    a file without the export's `stock_exported` (a count sets the stock whatever was sold)."""
    rows = list(csv.DictReader(io.StringIO("".join(csv_io.export_lines()))))
    columns = [c for c in csv_io.all_columns() if stock is None or c != csv_io.STOCK_EXPORTED]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows([dict(row, **({"stock": str(stock)} if stock is not None else {}),
                           **({"price": price} if price else {})) for row in rows])
    return out.getvalue().encode()


def import_racing_checkouts(app, server: str, variants, data: bytes, filename: str) -> ImportJob:
    """15 shoppers each buy one of every variant while staff imports `data` once 5 of them have;
    every checkout succeeds, and the import's job is returned."""
    staff = make_user()
    tokens = []
    for _ in range(15):
        cart = carts.create_cart()
        for variant in reversed(variants):  # checkouts still lock by ascending id
            carts.add_item(cart, variant, 1)
        tokens.append(cart.token)

    def import_file():
        when_sold(5)
        return imports.start_import(db.session.get(User, staff.id), filename, data, "en",
                                    run_in_background=False).id

    results = at_once([checkout(server, token) for token in tokens] + [in_own_context(app, import_file)])

    orders, job_id = results[:15], results[15]
    assert [status for status, _ in orders] == [201] * 15, [body for status, body in orders if status != 201]
    db.session.commit()
    return db.session.get(ImportJob, job_id)


def test_a_stock_import_racing_checkouts_of_several_variants_lands_whole_and_never_deadlocks(
        app, gunicorn_server):
    product = make_product(variants=[{"stock": 50, "sku": f"RACE-{size}", "options": {"Size": size}}
                                     for size in ("S", "M", "L")])
    variant_ids = [v.id for v in product.variants]

    job = import_racing_checkouts(app, gunicorn_server, list(product.variants), stock_file(200), "stocktake.csv")

    assert job.status == "done", job.errors
    stocks = [now_in_database(variant_id) for variant_id in variant_ids]
    # The file's count replaced whatever the checkouts before it had left; the ones after it took
    # their units from it. Every order takes one of each, so the three agree.
    after_import = 200 - stocks[0]
    assert stocks == [200 - after_import] * 3 and 0 <= after_import <= 10
    print(f"\nA stocktake import racing 15 checkouts of 3 variants: {after_import} checkouts after it")


def test_an_export_imported_again_racing_checkouts_keeps_every_sale(app, gunicorn_server):
    """The export's stock was not edited: whichever checkouts land before the import or after it,
    none is undone (the file's stock_exported says the count is not the admin's)."""
    product = make_product(variants=[{"stock": 50, "sku": f"AGAIN-{size}", "options": {"Size": size},
                                      "price": 2500} for size in ("S", "M", "L")])
    variant_ids = [v.id for v in product.variants]
    data = stock_file(price="19.00")  # as exported before the sales, prices changed

    job = import_racing_checkouts(app, gunicorn_server, list(product.variants), data, "prices.csv")

    assert job.status == "done", job.errors
    assert [now_in_database(variant_id) for variant_id in variant_ids] == [35] * 3
    assert {db.session.get(Variant, variant_id).price for variant_id in variant_ids} == {1900}


def test_an_edited_stock_is_judged_on_the_stock_read_under_the_lock(app, monkeypatch):
    """A sale committed after the import read the file's products but before it locked their
    variants is seen: the edited stock (10 exported, 12 typed, 9 now) is refused, not set."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the import's BEGIN IMMEDIATE keeps every other writer out from its first "
                    "statement: no sale can land between its reads")
    staff = make_user()
    variant_id = make_product(variants=[{"stock": 10, "sku": "STALE-1", "price": 1000}]).variants[0].id
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO("".join(csv_io.export_lines()))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows([dict(row, stock="12") for row in rows])  # a delivery of 2 typed into the export
    lock = csv_io._lock_variants

    def sale_then_lock(skus):
        with db.engine.connect() as other:  # a checkout commits after the products were read
            other.execute(sa.update(Variant).where(Variant.id == variant_id).values(stock=Variant.stock - 1))
            other.commit()
        return lock(skus)

    monkeypatch.setattr(csv_io, "_lock_variants", sale_then_lock)
    db.session.expire_all()
    job = imports.start_import(db.session.get(User, staff.id), "again.csv", out.getvalue().encode(), "en",
                               run_in_background=False)
    db.session.commit()
    assert job.status == "failed" and "was 10 when this file was exported and is 9 now" in job.errors[0]["message"]
    assert now_in_database(variant_id) == 9
