"""The dashboard's "Stock to watch": the table lists the variants the low and sold-out figures count,
or, with more of them than it shows, says how many it shows of how many."""
from __future__ import annotations

import re

from tests.factories import make_product

# Twenty variants of five products: 8 sold out, 9 low (1 to 3 left), 3 with plenty.
STOCKS = [0, 0, 1, 12, 0, 2, 3, 0, 0, 1, 40, 3, 0, 2, 0, 1, 0, 3, 25, 2]


def stock_section(html: str) -> str:
    start = html.index('aria-labelledby="stock-heading"')
    return html[start:html.index("</section>", start)]


def test_the_stock_table_lists_every_variant_the_low_and_sold_out_figures_count(client, admin):
    for first in range(0, len(STOCKS), 4):
        make_product(variants=[{"stock": stock} for stock in STOCKS[first:first + 4]])
    section = stock_section(client.get("/admin/").get_data(as_text=True))
    products, low, sold_out = (int(value) for value in re.findall(r'<span class="stat-value">(\d+)</span>', section))
    assert (products, low, sold_out) == (5, 9, 8)
    rows = re.findall(r"<tr><td><code>[^<]*</code></td>.*?</tr>", section, flags=re.DOTALL)
    assert len(rows) == 12  # the emptiest first: every sold-out one, then the lowest
    assert sum("Sold out" in row for row in rows) == sold_out and sum(">Low<" in row for row in rows) == 4
    assert "The 12 emptiest of 17: the figures above open the whole list." in section
    assert 'href="/admin/products?stock=low"' in section and 'href="/admin/products?stock=sold_out"' in section


def test_a_few_variants_to_watch_are_all_listed_without_a_word_on_how_many(client, admin):
    make_product(variants=[{"stock": 0}, {"stock": 2}, {"stock": 30}])
    section = stock_section(client.get("/admin/").get_data(as_text=True))
    assert len(re.findall(r"<tr><td><code>", section)) == 2 and "data-stock-shown" not in section
