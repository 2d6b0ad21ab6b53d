"""Offers, their codes and redemptions.

An offer's counters are the truth its caps are enforced on: `offers.redemptions_count` (held and
confirmed redemptions), `offer_customer_uses.uses` per customer key and `offer_codes.uses` per
code. Each moves only by a conditional UPDATE in the database (``uses = uses + 1 WHERE uses <
cap``), never by read-modify-write in Python, and CHECK constraints stand behind the caps.
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property

from storefront.catalog.translations import OFFER_FIELDS, Translated
from storefront.database import UTCDateTime, utcnow
from storefront.extensions import db

from . import liveness
from .liveness import OfferState, OfferStatus  # stored state and shown status, defined with the rule


class Benefit(StrEnum):
    PERCENT = "percent"            # `percent` % off the targeted items
    FIXED = "fixed"                # `amount` minor units off the targeted items, once per order
    FREE_SHIPPING = "free_shipping"
    BUY_X_GET_Y = "bxgy"           # of every `buy_qty + get_qty` targeted units, the cheapest `get_qty` are free


class Target(StrEnum):
    ORDER = "order"
    PRODUCTS = "products"
    CATEGORIES = "categories"


class Audience(StrEnum):
    EVERYONE = "everyone"
    TAB_VISITORS = "tab_visitors"  # arrived through a verified launch from one of `audience_pages`
    CODE_HOLDERS = "code_holders"  # entered one of the offer's codes
    MEMBERS = "members"            # signed in with the platform (the launch names the user)
    FIRST_ORDER = "first_order"    # no earlier order with this e-mail that was paid


offer_products = sa.Table(
    "offer_products", db.metadata,
    sa.Column("offer_id", sa.ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
)

offer_categories = sa.Table(
    "offer_categories", db.metadata,
    sa.Column("offer_id", sa.ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category_id", sa.ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Offer(Translated, db.Model):
    __tablename__ = "offers"
    __table_args__ = (
        sa.CheckConstraint("benefit IN ('percent', 'fixed', 'free_shipping', 'bxgy')", name="benefit_known"),
        sa.CheckConstraint("target IN ('order', 'products', 'categories')", name="target_known"),
        sa.CheckConstraint("audience IN ('everyone', 'tab_visitors', 'code_holders', 'members', 'first_order')",
                           name="audience_known"),
        sa.CheckConstraint("state IN ('draft', 'scheduled', 'ended_early')", name="state_known"),
        sa.CheckConstraint("benefit != 'percent' OR (percent > 0 AND percent <= 100)", name="percent_in_range"),
        sa.CheckConstraint("benefit != 'fixed' OR amount > 0", name="amount_positive"),
        sa.CheckConstraint("benefit != 'bxgy' OR (buy_qty >= 1 AND get_qty >= 1)", name="bxgy_quantities"),
        sa.CheckConstraint("ends_at > starts_at", name="window_ordered"),
        sa.CheckConstraint("cap_total IS NULL OR cap_total >= 1", name="cap_total_positive"),
        sa.CheckConstraint("cap_per_customer IS NULL OR cap_per_customer >= 1", name="cap_per_customer_positive"),
        sa.CheckConstraint("redemptions_count >= 0 AND (cap_total IS NULL OR redemptions_count <= cap_total)",
                           name="redemptions_within_cap"),
        sa.Index("ix_offers_window", "state", "ends_at", "starts_at"),
    )

    translated_fields = OFFER_FIELDS

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # What the shopper reads on the banner and the offer page.
    description: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    # Where the offer page lives: /offers/<slug>.
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    benefit: so.Mapped[str] = so.mapped_column(sa.String(20))
    percent: so.Mapped[int | None] = so.mapped_column()
    amount: so.Mapped[int | None] = so.mapped_column()
    buy_qty: so.Mapped[int | None] = so.mapped_column()
    get_qty: so.Mapped[int | None] = so.mapped_column()
    target: so.Mapped[str] = so.mapped_column(sa.String(20), default=Target.ORDER)
    min_subtotal: so.Mapped[int | None] = so.mapped_column()
    min_quantity: so.Mapped[int | None] = so.mapped_column()
    audience: so.Mapped[str] = so.mapped_column(sa.String(20), default=Audience.EVERYONE)
    # For tab visitors: the pages whose tab counts, as "platform:page_id"; empty means any
    # page the shop is configured for.
    audience_pages: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    starts_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)
    ends_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime)
    # The zone the marketer chose the window in (shown back in it); the window itself is UTC.
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64))
    cap_total: so.Mapped[int | None] = so.mapped_column()
    cap_per_customer: so.Mapped[int | None] = so.mapped_column()
    # Held and confirmed redemptions; only conditional UPDATEs move it (see the module doc).
    redemptions_count: so.Mapped[int] = so.mapped_column(default=0)
    exclusive: so.Mapped[bool] = so.mapped_column(default=False)
    priority: so.Mapped[int] = so.mapped_column(default=0)
    # Send each paid order of this offer's audience a single-use code for it ("thank you").
    thank_you: so.Mapped[bool] = so.mapped_column(default=False)
    # Free shipping: the delivery methods it makes free (codes of `storefront.delivery.DELIVERY_METHODS`).
    shipping_methods: so.Mapped[list] = so.mapped_column(sa.JSON, default=lambda: ["standard"],
                                                         server_default='["standard"]')
    state: so.Mapped[str] = so.mapped_column(sa.String(20), default=OfferState.DRAFT)
    ended_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    products = so.relationship("Product", secondary=offer_products, order_by="Product.title")
    categories = so.relationship("Category", secondary=offer_categories, order_by="Category.name")

    @hybrid_method
    def is_live(self, now: dt.datetime) -> bool:
        """Live at `now` (`liveness.is_live`); on the class, the same rule as a WHERE clause."""
        return liveness.is_live(self.state, self.starts_at, self.ends_at, now)

    @is_live.inplace.expression
    @classmethod
    def _is_live_clause(cls, now: dt.datetime) -> sa.ColumnElement[bool]:
        return liveness.is_live(cls.state, cls.starts_at, cls.ends_at, now, all_of=sa.and_)

    @hybrid_property
    def has_room(self) -> bool:
        """Below its total cap (or uncapped); on the class, the same rule as a WHERE clause."""
        return self.cap_total is None or self.redemptions_count < self.cap_total

    @has_room.inplace.expression
    @classmethod
    def _has_room_clause(cls) -> sa.ColumnElement[bool]:
        return sa.or_(cls.cap_total.is_(None), cls.redemptions_count < cls.cap_total)

    def status_at(self, now: dt.datetime) -> OfferStatus:
        return liveness.status_at(self.state, self.starts_at, self.ends_at, now)

    @property
    def remaining(self) -> int | None:
        return None if self.cap_total is None else max(self.cap_total - self.redemptions_count, 0)

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.name!r}>"


class CodeBatch(db.Model):
    """Unique single-use codes generated together for one channel (exported as CSV)."""

    __tablename__ = "offer_code_batches"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    offer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    channel: so.Mapped[str] = so.mapped_column(sa.String(40))
    utm_source: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    utm_campaign: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    size: so.Mapped[int] = so.mapped_column()
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class CodeKind(StrEnum):
    SHARED = "shared"        # one code posted to a channel's followers; uses are unlimited
    UNIQUE = "unique"        # single-use, from a batch
    STORE = "store"          # single-use, shown as a QR code for the physical store
    THANK_YOU = "thank_you"  # single-use, sent with an order's receipt


class OfferCode(db.Model):
    __tablename__ = "offer_codes"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('shared', 'unique', 'store', 'thank_you')", name="kind_known"),
        sa.CheckConstraint("uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name="uses_within_max"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    offer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    batch_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offer_code_batches.id", ondelete="CASCADE"),
                                                      index=True)
    # Stored upper-case; shoppers may type it in any case.
    code: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), default=CodeKind.SHARED)
    # Attribution: the channel it was posted to ("meta", "telegram", "vk", "instagram", "email",
    # "store", "web"...) and its UTM tags.
    channel: so.Mapped[str] = so.mapped_column(sa.String(40), default="web")
    utm_source: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    utm_campaign: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    # Only shoppers who came through that platform's tab may use it (a code for its followers).
    channel_only: so.Mapped[bool] = so.mapped_column(default=False)
    max_uses: so.Mapped[int | None] = so.mapped_column()
    uses: so.Mapped[int] = so.mapped_column(default=0)
    # The order whose receipt carried it (thank-you codes; one per order).
    issued_for_order_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("orders.id", ondelete="SET NULL"), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    offer: so.Mapped[Offer] = so.relationship()


class RedemptionStatus(StrEnum):
    HELD = "held"            # with the order's stock reservation
    CONFIRMED = "confirmed"  # the order was paid (or staff marked a store code used)
    RELEASED = "released"    # the reservation ended unpaid: the counters were given back


class Redemption(db.Model):
    __tablename__ = "offer_redemptions"
    __table_args__ = (
        sa.UniqueConstraint("offer_id", "order_id", name="uq_offer_redemptions_offer_order"),
        sa.CheckConstraint("status IN ('held', 'confirmed', 'released')", name="status_known"),
        sa.CheckConstraint("discount >= 0", name="discount_not_negative"),
        sa.Index("ix_offer_redemptions_offer_status", "offer_id", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    offer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"))
    # None for a store redemption (a scanned QR code).
    order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    code_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offer_codes.id", ondelete="SET NULL"),
                                                     index=True)
    # The per-customer counters this redemption moved, to give back exactly those on release.
    customer_keys: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=RedemptionStatus.HELD)
    # The discount it gave (items and shipping), in minor units.
    discount: so.Mapped[int] = so.mapped_column(default=0)
    channel: so.Mapped[str] = so.mapped_column(sa.String(40), default="web")
    utm_source: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    created_at: so.Mapped[dt.datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)
    released_at: so.Mapped[dt.datetime | None] = so.mapped_column(UTCDateTime)


class CustomerUse(db.Model):
    """How many redemptions of an offer one customer key holds (for the per-customer cap)."""

    __tablename__ = "offer_customer_uses"
    __table_args__ = (sa.CheckConstraint("uses >= 0", name="uses_not_negative"),)

    offer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True)
    # "email:<address>", "<platform>:<user id>" or "card:<fingerprint>".
    customer_key: so.Mapped[str] = so.mapped_column(sa.String(200), primary_key=True)
    uses: so.Mapped[int] = so.mapped_column(default=0)


class OfferDailyStat(db.Model):
    """Views and carts per offer, channel and day (UTC), counted once per visit."""

    __tablename__ = "offer_daily_stats"

    offer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True)
    channel: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    day: so.Mapped[dt.date] = so.mapped_column(sa.Date, primary_key=True)
    views: so.Mapped[int] = so.mapped_column(default=0)
    carts: so.Mapped[int] = so.mapped_column(default=0)
