"""The demo shop's reviews, questions and support inbox, written the way real ones are.

Each demo review belongs to a real order that went through the checkout, payment, packing,
shipping and delivery use cases, and is written, replied to, followed up and withheld through the
reviews area's own services, dated in the past. The mix is deliberate: the shop shows the bad with
the good, so there are 1–2★ reviews with the brand's reply, one still waiting for a reply (in the
inbox, near its deadline), one past its deadline, one withheld as spam, rating-only reviews,
reviews in all three languages, answered questions and open ones.

Demo buyers have addresses at `demo-buyer.example`; their mail is marked as not sent, so `make
run`'s worker does not log several dozen invented e-mails.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from reviews import inbox, moderation, questions, replies
from reviews.clock import deadline
from reviews.feedback import vote_helpful
from reviews.models import Clock, CollectionMethod, InboxItem, QuestionInvitation, Review, WithholdReason
from reviews.service import ReviewDraft, add_follow_up, write_verified_review

from ..accounts.models import User
from ..cart import service as carts
from ..catalog.models import Product
from ..checkout.service import ShopperDetails, place_order
from ..database import write_transaction
from ..extensions import db
from ..mail.models import OutboundEmail
from ..orders import staff
from ..orders.models import Order
from ..payments.service import mark_manual_payment_received

BUYER_DOMAIN = "demo-buyer.example"


@dataclass(frozen=True)
class DemoReview:
    product: str
    size: str | None
    buyer: str
    language: str
    rating: int
    days_ago: float
    title: str = ""
    body: str = ""
    fit: str | None = None
    # The brand's reply, so many minutes after the review (None: no reply).
    reply: str = ""
    reply_after_minutes: int = 0
    # The reviewer's follow-up after the reply: (text, new rating, days after the review).
    follow_up: tuple[str, int, float] | None = None
    withhold: WithholdReason | None = None
    helpful: int = 0
    # Unanswered and in the inbox: "near" (due within minutes) or "past" its deadline.
    waiting: str = ""


REVIEWS: tuple[DemoReview, ...] = (
    DemoReview("gauja-cable-knit-pullover", "M", "Ilze Bērziņa", "lv", 5, 26,
               "Silts un smags, kā īstam džemperim jābūt",
               "Valkāju katru dienu kopš oktobra. Bizes ir skaistas, vilna nedaudz kņudina pirmajā nedēļā, "
               "pēc tam vairs ne.", fit="true", helpful=7),
    DemoReview("gauja-cable-knit-pullover", "L", "Tom Hughes", "en", 4, 21, "Lovely cables, roomy cut",
               "Beautiful knit and very warm. It runs a size large: I am usually an L and the M would have "
               "been right.", fit="large", helpful=5),
    DemoReview("gauja-cable-knit-pullover", "S", "Lucía Martín", "es", 2, 17, "Pica bastante",
               "El diseño es precioso, pero la lana pica mucho sobre la piel. Lo tengo que llevar con una "
               "camiseta debajo.", fit="true", helpful=4,
               reply="Gracias por contarlo, Lucía. La lana de Gauja es lana sin tratar y pica al principio; "
                     "un lavado a mano con un poco de acondicionador la suaviza mucho. Si aun así no le "
                     "convence, escríbanos y le cambiamos la prenda por el jersey Daugava de merino.",
               reply_after_minutes=72),
    DemoReview("gauja-cable-knit-pullover", "M", "Mark Davies", "en", 1, 12, "Seam came apart after a week",
               "The side seam opened after a week of normal wear. Disappointing at this price.", fit="true",
               helpful=9,
               reply="We are sorry, Mark: that should not happen. A replacement is on its way today with a "
                     "prepaid label for the old one, and we have asked our knitters to check that batch.",
               reply_after_minutes=100,
               follow_up=("The replacement came in three days and the seams are solid. Raising my rating.", 4, 5)),
    DemoReview("gauja-cable-knit-pullover", "L", "Best Deals", "en", 5, 9, "BEST KNIT DEALS",
               "Cheapest sweaters online, visit cheap-knits.example for 90% off!!!", withhold=WithholdReason.SPAM),
    DemoReview("daugava-merino-crew", "M", "Sarah Collins", "en", 4, 23, "Soft enough for bare skin",
               "Fine merino, no itch at all. Slim fit as described.", fit="true", helpful=3),
    DemoReview("daugava-merino-crew", "S", "Javier Ruiz", "es", 5, 19, fit="true"),  # rating only
    DemoReview("daugava-merino-crew", "L", "Anna Kalniņa", "lv", 2, 0.06, "Saruka pēc pirmās mazgāšanas",
               "Mazgāju vilnas režīmā 30 grādos, kā rakstīts etiķetē, un piedurknes kļuva par 3 cm īsākas.",
               fit="small", waiting="near"),
    DemoReview("kurzeme-fair-isle-sweater", "M", "Emma Walsh", "en", 5, 30, "The stars pattern is stunning",
               "Got compliments the first day I wore it. True to size.", fit="true", helpful=2),
    DemoReview("kurzeme-fair-isle-sweater", "L", "Jānis Ozols", "lv", 3, 14, "Labs, bet plāns",
               "Raksts ļoti skaists, bet gaidīju biezāku adījumu par šo cenu.", fit="true", helpful=1,
               reply="Paldies, Jāni! Kurzeme ir adīts no smalkas jēra vilnas, lai to varētu valkāt arī "
                     "telpās; biezākam džemperim iesakām Jūrmalas rullīškapuci.",
               reply_after_minutes=95),
    DemoReview("sigulda-shawl-collar-cardigan", "M", "Peter Novak", "en", 1, 2, "A button fell off",
               "One of the horn buttons came off on the second day.", fit="true", waiting="past"),
)


@dataclass(frozen=True)
class DemoQuestion:
    product: str
    asker: str
    language: str
    body: str
    days_ago: float
    brand_answer: str = ""
    buyer_answer: str = ""
    # The buyer (one of the demo reviewers) whose invitation answers it.
    buyer_answerer: str = "Ilze Bērziņa"
    waiting: str = ""


QUESTIONS: tuple[DemoQuestion, ...] = (
    DemoQuestion("gauja-cable-knit-pullover", "Chris P.", "en", "Does it shrink in the wash?", 20,
                 brand_answer="Not when hand washed cold and dried flat. In a machine, use the wool cycle at "
                              "30 °C at most; like any untreated wool it can felt in a hot wash.",
                 buyer_answer="Mine has been hand washed three times and kept its size."),
    DemoQuestion("gauja-cable-knit-pullover", "Marta G.", "es", "¿Se puede lavar a máquina?", 11,
                 brand_answer="Sí, en programa de lana a 30 °C como máximo y secando en plano; a mano es "
                              "todavía mejor."),
    DemoQuestion("daugava-merino-crew", "Liene V.", "lv", "Vai Navy krāsa ir tumša vai gaiša?", 0.05,
                 waiting="near"),
)

CANNED: tuple[tuple[str, dict[str, tuple[str, str]]], ...] = (
    ("sorry-replace", {
        "en": ("Sorry, replacement", "We are sorry this happened. We are sending a replacement today, with a "
                                     "prepaid label for the faulty one."),
        "es": ("Disculpas, cambio", "Sentimos mucho lo ocurrido. Hoy le enviamos una prenda nueva, con una "
                                    "etiqueta prepagada para devolver la defectuosa."),
        "lv": ("Atvainojamies, apmaiņa", "Mums ļoti žēl. Šodien nosūtām jaunu izstrādājumu un apmaksātu "
                                         "uzlīmi bojātā atpakaļsūtīšanai."),
    }),
    ("thanks-care", {
        "en": ("Thanks, care tips", "Thank you for telling us. Untreated wool softens after a hand wash with a "
                                    "little conditioner; write to us if it still does not suit you."),
        "es": ("Gracias, cuidados", "Gracias por contárnoslo. La lana sin tratar se suaviza tras un lavado a "
                                    "mano con un poco de suavizante; escríbanos si aun así no le convence."),
        "lv": ("Paldies, kopšana", "Paldies, ka pastāstījāt. Neapstrādāta vilna kļūst mīkstāka pēc "
                                   "mazgāšanas ar roku ar nedaudz kondicioniera; rakstiet mums, ja tā joprojām "
                                   "neder."),
    }),
)


@dataclass
class Loaded:
    reviews: int = 0
    questions: int = 0
    canned: int = 0
    orders: list[int] = field(default_factory=list)


def _email(name: str) -> str:
    local = "".join(ch for ch in name.lower().replace(" ", ".") if ch.isalnum() or ch == ".")
    local = local.encode("ascii", "ignore").decode().strip(".") or "buyer"
    return f"{local}@{BUYER_DOMAIN}"


def _delivered_order(product: Product, size: str | None, buyer: str, language: str, *, delivered: dt.datetime,
                     actor: User) -> Order:
    """An order of one item placed, paid by bank transfer, packed, shipped and delivered."""
    variant = next((v for v in product.variants if v.stock > 0 and (size is None or v.options.get("Size") == size)),
                   None) or next(v for v in product.variants if v.stock > 0)
    placed = delivered - dt.timedelta(days=4)
    cart = carts.create_cart()
    carts.add_item(cart, variant, 1)
    details = ShopperDetails(email=_email(buyer), full_name=buyer, address_line1="Brīvības iela 1",
                             city="Rīga", postal_code="LV-1010", country="LV", shipping_method="standard",
                             payment_method="bank_transfer", locale=language)
    order = place_order(cart.token, details, now=placed)
    mark_manual_payment_received(order.id, actor=actor, now=placed + dt.timedelta(hours=5))
    staff.fulfil(order.id, actor=actor, now=placed + dt.timedelta(days=1))
    staff.ship(order.id, carrier="Omniva", tracking_number=f"CC{order.id:09d}LV", actor=actor,
               now=placed + dt.timedelta(days=1, hours=2))
    return staff.deliver(order.id, actor=actor, now=delivered)


def _arrival_due_soon(now: dt.datetime, minutes_left: int) -> dt.datetime:
    """When an item must have arrived to be due about `minutes_left` from now on the shop's clock
    (the latest arrival that is already due by then; at night, due at the next opening)."""
    config = current_app.config
    sched = inbox.shop_schedule()
    clock = Clock(config["INBOX_CLOCK"])
    target = now + dt.timedelta(minutes=minutes_left)
    arrival = now
    for _ in range(7 * 24 * 12):  # five-minute steps back, at most a week
        if deadline(arrival, config["INBOX_RESPONSE_MINUTES"], clock, sched) <= target:
            return arrival
        arrival -= dt.timedelta(minutes=5)
    return now


def _in_opening_hours(days_ago: float, now: dt.datetime, nth: int) -> dt.datetime:
    """A moment `days_ago` days back, moved into the shop's opening hours that day (or the next
    open day), so the demo's replies come within its hours as a real team's would."""
    sched = inbox.shop_schedule()
    day = (now - dt.timedelta(days=days_ago)).astimezone(sched.zone).date()
    for _ in range(14):
        intervals = list(sched.open_intervals(day))
        if intervals:
            opens, closes = intervals[0]
            moment = opens + dt.timedelta(minutes=40 + 23 * (nth % 5))
            if moment < min(closes, now):
                return moment
        day += dt.timedelta(days=1)
    return now - dt.timedelta(days=days_ago)


def _review_time(spec: DemoReview, now: dt.datetime, nth: int) -> dt.datetime:
    if spec.waiting == "near":
        return _arrival_due_soon(now, 10)
    if spec.waiting == "past":
        return _arrival_due_soon(now, -45)
    return _in_opening_hours(spec.days_ago, now, nth)


def load_reviews(now: dt.datetime) -> Loaded:
    """Load the demo reviews, replies, questions and canned replies unless they are there."""
    loaded = Loaded()
    already = db.session.scalar(sa.select(sa.func.count(Review.id)).where(Review.email.like(f"%@{BUYER_DOMAIN}")))
    if already:
        return loaded
    products = {p.slug: p for p in db.session.scalars(sa.select(Product).where(
        Product.slug.in_({spec.product for spec in REVIEWS} | {q.product for q in QUESTIONS})))}
    admin = db.session.scalar(sa.select(User).where(User.role == "admin").order_by(User.id))
    support = db.session.scalar(sa.select(User).where(User.role == "support").order_by(User.id)) or admin
    if admin is None:
        return loaded
    languages = current_app.config["LANGUAGES"]
    for key, texts in CANNED:
        for language, (title, body) in texts.items():
            replies.save_canned_reply(key, language, title, body, actor=None, languages=languages)
            loaded.canned += 1

    for nth, spec in enumerate(REVIEWS):
        product = products.get(spec.product)
        if product is None:
            continue
        written = _review_time(spec, now, nth)
        order = _delivered_order(product, spec.size, spec.buyer, spec.language,
                                 delivered=written - dt.timedelta(days=3), actor=admin)
        loaded.orders.append(order.id)
        review = write_verified_review(
            order.lines[0].id, ReviewDraft(rating=spec.rating, language=spec.language, author_name=_short(spec.buyer),
                                           title=spec.title, body=spec.body, fit=spec.fit),
            collection_method=CollectionMethod.POST_FULFILLMENT, now=written)
        loaded.reviews += 1
        for voter in range(spec.helpful):
            vote_helpful(review.id, f"demo-voter-{voter}", written + dt.timedelta(hours=voter + 2))
        if spec.reply:
            replied = written + dt.timedelta(minutes=spec.reply_after_minutes)
            replies.reply_to_review(review.id, spec.reply, actor=support, now=replied)
            if spec.follow_up:
                text, rating, days = spec.follow_up
                add_follow_up(review.reviewer_token, text, rating, written + dt.timedelta(days=days))
        if spec.withhold:
            moderation.withhold(review.id, spec.withhold, actor=support, now=written + dt.timedelta(minutes=20))

    for nth, spec in enumerate(QUESTIONS):
        product = products.get(spec.product)
        if product is None:
            continue
        asked = _arrival_due_soon(now, 12) if spec.waiting == "near" else _in_opening_hours(spec.days_ago, now, nth)
        question = questions.ask_question(product.id, author_name=spec.asker, email=_email(spec.asker),
                                          body=spec.body, language=spec.language, now=asked)
        loaded.questions += 1
        if spec.brand_answer:
            questions.answer_as_brand(question.id, spec.brand_answer, actor=support,
                                      now=asked + dt.timedelta(minutes=48))
        if spec.buyer_answer:
            invitation = db.session.scalar(sa.select(QuestionInvitation).where(
                QuestionInvitation.question_id == question.id,
                QuestionInvitation.email == _email(spec.buyer_answerer)))
            if invitation is not None:
                questions.answer_from_invitation(invitation.token, author_name=_short(invitation_buyer(invitation)),
                                                 body=spec.buyer_answer, language=spec.language,
                                                 now=asked + dt.timedelta(hours=5))
    _mark_demo_mail_sent(now)
    return loaded


def invitation_buyer(invitation) -> str:
    order = db.session.get(Order, invitation.order_id) if invitation.order_id else None
    return order.full_name if order else "Buyer"


def _short(name: str) -> str:
    parts = name.split()
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


def _mark_demo_mail_sent(now: dt.datetime) -> None:
    """The demo buyers are invented: their mail is recorded as handled, never sent."""
    with write_transaction():
        db.session.execute(sa.update(OutboundEmail).where(
            OutboundEmail.recipient.like(f"%@{BUYER_DOMAIN}"), OutboundEmail.status == "pending")
            .values(status="sent", sent_at=now, last_error="demo buyer: not sent")
            .execution_options(synchronize_session=False))


def open_inbox_items() -> int:
    return db.session.scalar(sa.select(sa.func.count(InboxItem.id)).where(
        InboxItem.first_response_at.is_(None), InboxItem.closed_at.is_(None))) or 0
