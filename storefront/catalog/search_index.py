"""The search index's own query language, shared by the search page (`catalog.search`) and the
listings that filter by a search (`catalog.browse`, the JSON API's `?q=`).

The index (`product_search`, migration 8a1c2e4f6b06) has a column per language and field; a query
is its words (runs of letters and digits, so nothing a shopper types is syntax), every one of which
must match, as the start of a word from PREFIX_FROM letters on.
"""
from __future__ import annotations

import re
from functools import cache

import sqlalchemy as sa

# The index's languages (its columns, made by the migration: a new language needs one).
LANGUAGES = ("en", "es", "lv")
DEFAULT_LANGUAGE = "en"
# The PostgreSQL text-search configuration of each language, as the migration built the documents.
CONFIGURATIONS = {"en": "english", "es": "spanish", "lv": "simple"}
FIELDS = ("title", "category", "description")
MAX_WORDS = 10
# Shorter words match whole words only: "a" as the start of a word would match nearly every
# product, and rank them all, for nothing.
PREFIX_FROM = 3
_WORD = re.compile(r"[^\W_]+")


def query_words(query: str) -> list[str]:
    """The words of a query, as the index splits text: runs of letters and digits. Anything else
    (quotes, `*`, `:`, `-`, `%`) separates words and is never query syntax."""
    return _WORD.findall(query.lower())[:MAX_WORDS]


def query_parameters(dialect: str, words: list[str], own: str) -> dict[str, str]:
    """The query in the index's own syntax: every word must match, as the start of a word from
    PREFIX_FROM letters on. The words hold letters and digits only, so nothing a shopper types is
    read as an operator."""
    if dialect != "sqlite":
        return {"terms": " & ".join(word + (":*" if len(word) >= PREFIX_FROM else "") for word in words)}
    match = " AND ".join(f'"{word}"' + ("*" if len(word) >= PREFIX_FROM else "") for word in words)
    own_columns = " ".join(f"{field}_{own}" for field in FIELDS)
    return {"match": match, "own": f"{{{own_columns}}} : ({match})"}


def query_terms(dialect: str, query: str) -> dict[str, str] | None:
    """The parameters of `matching_ids` for `query` (None: it has no word, so nothing matches)."""
    words = query_words(query)
    if not words:
        return None
    found = query_parameters(dialect, words, DEFAULT_LANGUAGE)
    return {name: found[name] for name in ("match", "terms") if name in found}


@cache
def matching_ids(dialect: str):
    """The ids of the active products matching the query (in any language), for other listings to
    filter by (the API's, with its category and sort): parameters from `query_terms`."""
    matching = sa.text(matching_ids_sql(dialect)).columns(sa.column("id", sa.Integer))
    return sa.select(matching.subquery().c.id)


def tsquery(language: str) -> str:
    return f"to_tsquery('{CONFIGURATIONS[language]}', search_unaccent(:terms))"


def postgresql_match() -> str:
    return " OR ".join(f"{language} @@ {tsquery(language)}" for language in LANGUAGES)


def matching_ids_sql(dialect: str) -> str:
    if dialect == "sqlite":
        return "SELECT rowid AS id FROM product_search WHERE product_search MATCH :match"
    return f"SELECT product_id AS id FROM product_search WHERE {postgresql_match()}"
