"""The product page's reviews and questions, stored as a page-cache section.

The product page shows its reviews (summary, histogram, the side-by-side pair, the first page,
the ledger and the reply figures) and its answered questions: half the page's bytes and of the
work of rendering it. They change when a review, reply, vote, question or answer is written, not
when the rest of the page does (a stock state, an offer's counter, a price), so they are stored
apart (`storefront.page_cache.section`) and a product page rendered again after such a change
reads them back instead of running their queries and templates.
"""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from storefront.catalog.seo import reviews_json_ld
from storefront.database import utcnow
from storefront.page_cache import section

from . import evidence, queries, questions

SECTION = "reviews"


def product_sections(product, language: str) -> tuple[Markup, dict]:
    """(the sections' HTML, the reviews' `aggregateRating` and `review` for the page's JSON-LD).

    The stored copy is kept per product, language and page address (`page_cache.page_address`:
    the vote and report forms send the shopper back to it); the product's slug and option names
    are in the key, as the sections show them and a change to them is not a write to their tables;
    so are the option values' translations in the language."""
    def render() -> dict:
        reviews = queries.product_reviews(product, language=language)
        html = render_template(
            "reviews/product_sections.html", product=product, reviews=reviews,
            reply_figures=queries.reply_figures(now=utcnow()),
            review_ledger=evidence.product_ledger(product.id),
            questions=questions.product_questions(product.id, language))
        return {"html": html, "json_ld": reviews_json_ld(reviews)}

    # The option values' words in `language` too: the badges name what each reviewer bought with
    # them ("M / Auzu bēšs"), and a product's edit writes no table of the section's.
    words = ((product.translations or {}).get(language) or {}).get("values")
    key = (product.id, product.slug, list(product.option_names or ()), language, words)
    found = section(SECTION, key, render)
    return Markup(found["html"]), found["json_ld"]
