"""The dashboard's charts (SVG from pygal, drawn on the server) and the CSV of each chart's numbers.

A chart is an `<img>` of its own staff URL, so the page needs no script and its CSP no exception;
the SVG carries no script either (pygal's config `<script>` and the tooltip's inline style are
taken out: without script the tooltip never shows). The same numbers are in a table beside every
chart and in its CSV, money in major units with the currency named in the header.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence

import pygal
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import ngettext
from pygal.style import Style

from .. import spreadsheets
from ..i18n import short_day
from ..money import format_major, minor_digits
from ..social.platforms import channel_name
from .dashboard import FUNNEL_STEPS, Care, Funnel, OfferLine, SalesDay

STYLE = dict(background="#ffffff", plot_background="#ffffff", foreground="#1d2330", foreground_strong="#1d2330",
             foreground_subtle="#677083", font_family="system-ui, sans-serif", label_font_size=15,
             major_label_font_size=15, legend_font_size=16, title_font_size=16, value_font_size=14)
CHART_STYLE = Style(**STYLE, colors=("#1f5f8b", "#b8860b", "#2e7d32", "#b42318", "#6a3d9a"))
# The funnel: one colour per step, from visits (blues) to paid (red), each 3:1 against white.
FUNNEL_STYLE = Style(**STYLE, colors=("#1f5f8b", "#4a7fb0", "#6a3d9a", "#b8860b", "#2e7d32", "#b42318"))
# A wide chart for a desk; a narrow one for a phone (or a social tab), so its text is not shrunk
# to nothing when the picture is scaled to the screen.
WIDE, NARROW = (900, 340), (440, 420)
# The funnel's six bars per channel need more height (the page's <img> and <source> say the same).
FUNNEL_WIDE, FUNNEL_NARROW = (900, 560), (440, 720)


def _clean(svg: str) -> str:
    """The SVG without its scripts and the tooltip's inline style (the CSP allows neither)."""
    svg = re.sub(r"<script\b[^>]*>.*?</script>", "", svg, flags=re.DOTALL)
    return svg.replace(' style="opacity: 0"', "")


def _chart(kind: type, *, narrow: bool, y_title: str, formatter: Callable[[float], str],
           sizes: tuple[tuple[int, int], tuple[int, int]] = (WIDE, NARROW), style: Style = CHART_STYLE,
           **options) -> pygal.Graph:
    width, height = sizes[1] if narrow else sizes[0]
    return kind(js=[], style=style, width=width, height=height, legend_at_bottom=True, show_y_guides=True,
                truncate_label=-1, truncate_legend=-1, margin=16, margin_right=40,
                no_data_text=_("Nothing in this period"),
                include_x_axis=True, y_title=y_title, value_formatter=formatter, **options)


def _every(labels: Sequence[str], at_most: int = 16) -> list[str]:
    """Every label when few; else every n-th, so a 30-day axis stays readable."""
    step = max(1, -(-len(labels) // at_most))
    return [label for index, label in enumerate(labels) if index % step == 0]


def _count(value: float) -> str:
    """A whole number as the staff member's language writes it (1,000 · 1.000 · 1 000)."""
    return format_decimal(value, format="#,##0")


# Steps an axis may take: 1, 2, 2.5 and 5 times a power of ten, whole numbers only (the labels are
# written without decimals, so a step of 0.5 would print 0, 0, 1, 1, 2).
NICE_FACTORS = (1, 2, 2.5, 5)
# Two to six intervals on a value axis: at most seven labels, which the 340 px chart holds without
# crowding.
FEWEST_INTERVALS, MOST_INTERVALS = 2, 6


def nice_step(high: float, intervals: int) -> int:
    """The smallest nice whole step that reaches `high` from 0 in `intervals` steps."""
    magnitude = 1
    while True:
        for factor in NICE_FACTORS:
            step = factor * magnitude
            if step == int(step) and step * intervals >= high:
                return int(step)
        magnitude *= 10


def nice_ticks(high: float) -> list[int]:
    """Evenly spaced whole ticks from 0 to `high` or just past it, in two to six nice steps."""
    return paired_ticks(high, 0)[0]


def paired_ticks(left_high: float, right_high: float) -> tuple[list[int], list[int]]:
    """Ticks for a chart's two value axes, from 0 up to each axis's highest value or just past it.

    pygal draws the second axis's labels at the heights of the first's, dividing its range evenly
    among them, so both need the same number of intervals: each axis gets its own nice whole step,
    and the number of intervals is the one leaving the least empty space above the tallest bar, on
    whichever axis leaves more (the more intervals on a tie, for more gridlines to read against).
    An axis whose values are all 0 has no say; when both are, each counts 0, 1.
    """
    if left_high <= 0 and right_high <= 0:
        return [0, 1], [0, 1]

    def unused(high: float, intervals: int) -> float:
        return 1 - high / (nice_step(high, intervals) * intervals) if high > 0 else 0.0

    intervals = min(range(MOST_INTERVALS, FEWEST_INTERVALS - 1, -1),
                    key=lambda n: max(unused(left_high, n), unused(right_high, n)))
    left, right = nice_step(left_high, intervals), nice_step(right_high, intervals)
    return [left * n for n in range(intervals + 1)], [right * n for n in range(intervals + 1)]


def sales_svg(days: list[SalesDay], currency: str, *, narrow: bool = False) -> str:
    """Revenue per day as bars, with the paid orders' count on a second axis."""
    # The legend's columns said outright: left to itself pygal keeps room for two rows under a
    # one-row legend on a desk (an empty strip), and puts both names in one row on a phone,
    # cutting the second ("Apmaksāti pasūtījum").
    chart = _chart(pygal.Bar, narrow=narrow, y_title=_("Revenue (%(currency)s)", currency=currency),
                   formatter=_count, legend_at_bottom_columns=1 if narrow else 2,
                   x_label_rotation=-40 if len(days) > (4 if narrow else 10) else 0)
    labels = [short_day(day.day) for day in days]
    chart.x_labels = labels
    chart.x_labels_major = _every(labels, 6 if narrow else 16)
    chart.show_minor_x_labels = False
    unit = 10 ** minor_digits(currency)
    revenue = [day.revenue / unit for day in days]
    paid = [day.paid_orders for day in days]
    # Left to itself pygal labels the revenue every 100 (fourteen crowded labels) and writes the
    # paid orders at those same heights, rounded: 10, 9, 8, 8, 7, …
    revenue_ticks, paid_ticks = paired_ticks(max(revenue, default=0), max(paid, default=0))
    chart.y_labels = revenue_ticks
    chart.range = (0, revenue_ticks[-1])
    chart.secondary_range = (0, paid_ticks[-1])
    chart.add(_("Revenue"), revenue)
    chart.add(_("Paid orders"), paid, secondary=True)
    return _clean(chart.render(is_unicode=True))


class LogBarsFromOne(pygal.HorizontalBar):
    """Horizontal bars on a logarithmic axis that all grow from 1: pygal starts a logarithmic
    chart's bars at its smallest value, which would make that value's bar vanish."""

    def _draw(self):
        self.zero = 1
        super()._draw()


def funnel_svg(funnel: Funnel, unnamed: str, *, narrow: bool = False) -> str:
    """Each funnel step of the busiest channels, as grouped horizontal bars (visits at the top of
    each group down to paid orders)."""
    rows = funnel.rows[:6]
    # Visits outnumber orders many times over: on a linear axis the orders would be slivers.
    chart = _chart(LogBarsFromOne, narrow=narrow, y_title=_("count (logarithmic scale)"), formatter=_count,
                   logarithmic=True, sizes=(FUNNEL_WIDE, FUNNEL_NARROW), style=FUNNEL_STYLE,
                   legend_at_bottom_columns=1 if narrow else 3, x_label_rotation=-45 if narrow else 0)
    highest = max([count for row in rows for _step, count in row.counts()] + [1])
    chart.y_labels = [10 ** n for n in range(len(str(highest)) + 1)]  # 1, 10, 100, … past the largest
    chart.range = (1, chart.y_labels[-1])  # bars grow from 1, the same base for every channel
    # pygal draws the first label at the bottom: the busiest channel goes on top.
    chart.x_labels = [channel_label(row.channel, row.source, unnamed) for row in reversed(rows)]
    names = step_names()
    for step in FUNNEL_STEPS:
        chart.add(names[step], [getattr(row, step) or None for row in reversed(rows)])
    return _clean(chart.render(is_unicode=True))


def step_names() -> dict[str, str]:
    """Each funnel step's name in the staff member's language."""
    return {"visits": _("Visits"), "product_views": _("Product views"), "carts": _("Carts"),
            "checkouts": _("Checkouts started"), "orders": _("Orders"), "paid": _("Paid")}


def ratings_svg(care: Care, *, narrow: bool = False) -> str:
    """Reviews received per star rating, this period beside the one before."""
    chart = _chart(pygal.Bar, narrow=narrow, y_title=_("reviews"), formatter=_count)
    chart.y_labels = nice_ticks(max([*care.ratings.values(), *care.previous_ratings.values()]))  # whole reviews
    chart.range = (0, chart.y_labels[-1])
    chart.x_labels = [ngettext("%(num)d star", "%(num)d stars", stars) for stars in range(1, 6)]
    chart.add(_("This period"), [care.ratings[stars] for stars in range(1, 6)])
    chart.add(_("Previous period"), [care.previous_ratings[stars] for stars in range(1, 6)])
    return _clean(chart.render(is_unicode=True))


def channel_label(channel: str, source: str, unnamed: str) -> str:
    return f"{channel_name(channel)} · {source or unnamed}"


# --- CSV ---------------------------------------------------------------------------------------

def _csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = spreadsheets.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def sales_csv(days: list[SalesDay], currency: str) -> str:
    return _csv(["day", "orders", "paid_orders", f"revenue_{currency.lower()}"],
                [[d.day.isoformat(), d.orders, d.paid_orders, format_major(d.revenue, currency)] for d in days])


def funnel_csv(funnel: Funnel) -> str:
    """Each channel's six steps, each step's share of the one before (percent), paid per visit, and
    the previous period's visits and paid orders."""
    rates = ["product_views_per_visit_percent", "carts_per_product_view_percent", "checkouts_per_cart_percent",
             "orders_per_checkout_percent", "paid_per_order_percent"]
    return _csv(["channel", "utm_source", *FUNNEL_STEPS, *rates, "paid_per_visit_percent",
                 "visits_previous_period", "paid_previous_period", "paid_per_visit_percent_previous_period"],
                [[r.channel, r.source, *(count for _step, count in r.counts()),
                  *(_percent(rate) for _step, rate in r.step_rates()), _percent(r.conversion), r.previous_visits,
                  r.previous_paid, _percent(r.previous_conversion)] for r in funnel.rows])


def ratings_csv(care: Care) -> str:
    return _csv(["stars", "reviews", "reviews_previous_period"],
                [[stars, care.ratings[stars], care.previous_ratings[stars]] for stars in range(1, 6)])


def offers_csv(lines: list[OfferLine], currency: str) -> str:
    """The offers table: refunded orders stay redeemed and in revenue, with the refunded ones and
    what went back of them in the last two columns (added last, so older readers of the file keep
    their columns)."""
    return _csv(["offer", "status", "starts_at_utc", "ends_at_utc", "cap", "remaining", "held", "redeemed",
                 "released", f"revenue_{currency.lower()}", "refunded_orders", f"refunds_{currency.lower()}"],
                [[line.offer.name, line.status.value, line.offer.starts_at.isoformat(), line.offer.ends_at.isoformat(),
                  "" if line.offer.cap_total is None else line.offer.cap_total,
                  "" if line.remaining is None else line.remaining, line.figures.held, line.figures.redeemed,
                  line.figures.released, format_major(line.figures.revenue, currency), line.figures.refunded,
                  format_major(line.figures.refunds, currency)] for line in lines])
