"""The dashboard charts' value axes: few, distinct, evenly spaced, nice whole numbers from 0 past the
tallest bar, and on the sales chart the paid-orders axis's labels on the revenue axis's gridlines."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_babel import force_locale

from storefront.backoffice.dashboard import SalesDay
from storefront.backoffice.dashboard_charts import nice_ticks, paired_ticks, sales_svg

NICE = {1, 2, 25, 5}  # a step's leading digits: 1, 2, 2.5 or 5 times a power of ten


def is_nice_scale(ticks: list[int], high: float) -> bool:
    step = ticks[1] - ticks[0]
    return (step > 0 and int(str(step).rstrip("0")) in NICE and ticks == [step * n for n in range(len(ticks))]
            and ticks[-1] >= high and (3 <= len(ticks) <= 7 or (ticks == [0, 1] and high <= 0)))


@pytest.mark.database_independent  # a pure function
@pytest.mark.parametrize("revenue, paid", [(1300, 10), (1300.5, 13), (999, 3), (40, 1), (89.9, 1), (123_456, 100),
                                           (5000, 47), (0, 5), (2, 17), (0, 0), (0.4, 0), (7, 7)])
def test_both_axes_count_in_nice_whole_steps_over_the_same_gridlines(revenue, paid):
    left, right = paired_ticks(revenue, paid)
    assert len(left) == len(right)
    assert is_nice_scale(left, revenue) and is_nice_scale(right, paid)


@pytest.mark.database_independent  # a pure function
def test_the_audited_week_gets_seven_labels_a_side_instead_of_fourteen_rounded_ones():
    assert paired_ticks(1300, 10) == ([0, 250, 500, 750, 1000, 1250, 1500], [0, 2, 4, 6, 8, 10, 12])


@pytest.mark.database_independent  # a pure function
@pytest.mark.parametrize("high, ticks", [(0, [0, 1]), (1, [0, 1, 2]), (4, [0, 1, 2, 3, 4]), (7, [0, 2, 4, 6, 8]),
                                         (9, [0, 2, 4, 6, 8, 10]), (13, [0, 5, 10, 15]), (50, [0, 10, 20, 30, 40, 50]),
                                         (99, [0, 20, 40, 60, 80, 100])])
def test_a_count_axis_reaches_its_highest_value_in_whole_steps(high, ticks):
    assert nice_ticks(high) == ticks


def axis_labels(svg: str, axis: str) -> list[str]:
    """The labels of a pygal axis ("y" or "y2"), bottom to top."""
    group = re.search(rf'<g class="axis {axis}(?: [^"]*)?">(.*?)</g>\s*(?=<g class="(?:axis|series))', svg, re.DOTALL)
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", group.group(1))
    return [label for label in labels if label.strip()]


@pytest.mark.database_independent  # renders an SVG, reads no table
@pytest.mark.parametrize("language, thousand", [("en", "1,000"), ("es", "1.000"), ("lv", "1\xa0000")])
def test_the_sales_chart_labels_each_axis_once_per_gridline(app, language, thousand):
    # The audited week: 1,300 in revenue and 10 paid orders on its best day.
    week = [(3, 320), (10, 1300), (7, 905), (5, 640), (2, 150), (8, 1120), (4, 410)]
    days = [SalesDay(dt.date(2026, 11, 27) + dt.timedelta(days=n), orders=paid + 1, paid_orders=paid,
                     revenue=revenue * 100) for n, (paid, revenue) in enumerate(week)]
    with app.test_request_context(), force_locale(language):
        svg = sales_svg(days, "EUR")
    revenue_axis = [int(re.sub(r"\D", "", label)) for label in axis_labels(svg, "y")]
    paid_axis = [int(label) for label in axis_labels(svg, "y2")]
    assert revenue_axis == [0, 250, 500, 750, 1000, 1250, 1500]
    assert paid_axis == [0, 2, 4, 6, 8, 10, 12]
    assert thousand in axis_labels(svg, "y")
    # The days as the language writes them, not "11-27", which reads as the 11th in Riga or Madrid.
    assert {"en": "Nov 27", "es": "27 nov", "lv": "27. nov."}[language] in svg and "11-27" not in svg


def legend_rows(svg: str) -> tuple[float, list[float]]:
    """The legend's top in the picture, and the y of each name's row within the legend."""
    legend = re.search(r'<g transform="translate\([\d.]+, ([\d.]+)\)" class="legends">(.*?)</g></g>', svg, re.DOTALL)
    return float(legend.group(1)), [float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)"', legend.group(2))]


@pytest.mark.database_independent  # renders an SVG, reads no table
@pytest.mark.parametrize("narrow", [False, True])
def test_the_sales_legend_ends_the_picture_without_an_empty_strip_and_never_cuts_a_name(app, narrow):
    month = [SalesDay(dt.date(2026, 11, 6) + dt.timedelta(days=n), orders=9, paid_orders=n % 13 + 1,
                      revenue=(n * 37 % 22 + 2) * 10000) for n in range(30)]
    with app.test_request_context(), force_locale("lv"):
        svg = sales_svg(month, "EUR", narrow=narrow)
    height = float(re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', svg).group(1))
    top, rows = legend_rows(svg)
    assert "Apmaksāti pasūtījumi" in svg
    if narrow:  # one name a row: "Ieņēmumi", then "Apmaksāti pasūtījumi", each whole on a phone
        assert len(set(rows)) == 2
    else:  # both names on one row, at the foot of the picture
        assert len(set(rows)) == 1 and height - (top + rows[0]) < 60
