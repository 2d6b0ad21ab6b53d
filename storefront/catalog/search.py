"""Search: the active products whose words match the shopper's, in any of the shop's languages.

The index (`product_search`, migration 8a1c2e4f6b06) holds, per active product and per language,
its title, the names of its category and of that one's parent, and its description in that
language (the default language's text where a translation is missing); triggers keep it current
on every write. Searching reads the index only: how long it takes grows with the matches, not
with the catalog.

Every word of the query must match, as the start of a word ("dzemper" finds "Džemperis"; words
of one or two letters whole), in any one language's texts, whatever the case and the accents. The
most relevant come first, and first of all the products that match in the shopper's language: a
title counts more than the category, which counts more than the description.

  PostgreSQL: a tsvector per language (English and Spanish stemmed) with a GIN index each; the
  query's words are freed of accents by the same `search_unaccent` as the documents.
  SQLite: FTS5, whose `unicode61 remove_diacritics 2` tokenizer folds case and accents of the
  documents and of the query alike; rank by bm25.

A page of results costs two statements whatever the catalog: the page's ids in order with the
count of all matches, and their cards (in another order than relevance: the count, and the cards).
"""
from __future__ import annotations

from functools import cache

import sqlalchemy as sa

from ..extensions import db
from .browse import Page, ProductCard, SORTS, cards_of, read_columns, run_cards
from .models import Product
from .search_index import (DEFAULT_LANGUAGE, FIELDS, LANGUAGES, matching_ids, matching_ids_sql, postgresql_match,
                           query_parameters, query_words, tsquery)

# SQLite's bm25 weight of each field, as the PostgreSQL documents weigh them (A, B and D).
FIELD_WEIGHTS = {"title": 10.0, "category": 4.0, "description": 1.0}
RELEVANCE = "relevance"
# The search page's orders: relevance first (its default), then the catalog's.
SEARCH_SORTS = (RELEVANCE, *SORTS)
# The index's tables, which the models do not describe (see `belongs_to_models`): on SQLite,
# the FTS5 table and the shadow tables it keeps its index in.
INDEX_TABLES = frozenset({"product_search", *(f"product_search_{shadow}"
                                               for shadow in ("data", "idx", "content", "docsize", "config"))})


def normalise_sort(sort: str | None) -> str:
    return sort if sort in SEARCH_SORTS else RELEVANCE


def search_cards(query: str, *, language: str, sort: str | None = None, page: int = 1,
                 per_page: int = 12) -> Page[ProductCard]:
    """A page of the active products matching `query`, as cards, in `sort` order (by default the
    most relevant first, those matching in `language` before the rest)."""
    page, per_page, sort = max(1, int(page)), max(1, int(per_page)), normalise_sort(sort)
    words = query_words(query)
    if not words:
        return Page([], 0, page, per_page)
    dialect, own = db.session.get_bind().dialect.name, _own_language(language)
    parameters = {**query_parameters(dialect, words, own), "limit": per_page, "offset": (page - 1) * per_page}
    if sort != RELEVANCE:
        total = read_columns(_count_statement(dialect), parameters).scalar() or 0
        return Page(run_cards(_sorted_cards_statement(dialect, sort), parameters, kept=False), total, page, per_page)
    # The page's ids come with the count of every match: one pass over the index, not two.
    rows = read_columns(_ranked_statement(dialect, own), parameters).all()
    if not rows:
        total = read_columns(_count_statement(dialect), parameters).scalar() if page > 1 else 0
        return Page([], total or 0, page, per_page)
    cards = {card.id: card for card in run_cards(_cards_statement(), {"ids": [row[0] for row in rows]}, kept=False)}
    return Page([cards[row[0]] for row in rows if row[0] in cards], rows[0][1], page, per_page)


def _own_language(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def belongs_to_models(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's `include_name`: whether a database object is one the models describe. The search
    index is not (SQLAlchemy has no type for an FTS5 table, nor for its shadow tables)."""
    return not (type_ == "table" and name in INDEX_TABLES)


# --- the statements, built once per shape -----------------------------------------------------------

@cache
def _count_statement(dialect: str):
    return sa.text(f"SELECT count(*) FROM ({matching_ids_sql(dialect)}) AS matched")


@cache
def _ranked_statement(dialect: str, own: str):
    """One page of the matching ids, each with the number of matches: first those matching in the
    shopper's language, then by relevance, then the newest."""
    if dialect == "sqlite":
        weights = ", ".join(str(FIELD_WEIGHTS[field]) for _ in LANGUAGES for field in FIELDS)
        # bm25 is computed inside: FTS5 refuses it in the ORDER BY of a query with a window.
        return sa.text(
            "SELECT id, count(*) OVER () FROM (SELECT rowid AS id, "
            "rowid IN (SELECT rowid FROM product_search WHERE product_search MATCH :own) AS own, "
            f"bm25(product_search, {weights}) AS rank FROM product_search WHERE product_search MATCH :match) "
            "ORDER BY own DESC, rank, id DESC LIMIT :limit OFFSET :offset")
    relevance = ", ".join(f"ts_rank({language}, {tsquery(language)})" for language in LANGUAGES)
    return sa.text(
        f"SELECT product_id, count(*) OVER () FROM product_search WHERE {postgresql_match()} "
        f"ORDER BY {own} @@ {tsquery(own)} DESC, greatest({relevance}) DESC, product_id DESC "
        "LIMIT :limit OFFSET :offset")


@cache
def _cards_statement():
    return cards_of(sa.bindparam("ids", expanding=True), (Product.id,))


@cache
def _sorted_cards_statement(dialect: str, sort: str):
    """A page of the matches' cards in one of the catalog's orders."""
    ids = (sa.select(Product.id).where(Product.id.in_(matching_ids(dialect)))
           .order_by(*SORTS[sort]).limit(sa.bindparam("limit", type_=sa.Integer))
           .offset(sa.bindparam("offset", type_=sa.Integer)))
    return cards_of(ids, SORTS[sort])
