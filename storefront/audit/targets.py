"""What an audit entry was done to, by name and with a link to its page: "Order ZV10004",
"Category Sweaters", "Review by Anna (1 ★)", not "Category 3".

An entry keeps only the target's type and id (and ids among its details: `product_id=1`), so
that it outlives what it names. Each area that records entries names its own types with a
namer (`@names("review")`): given the ids on one page of the log, it returns what it can still
find in one query. What is gone (a deleted category) is shown by the words the entry kept, or its
id, so nothing is ever hidden.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _


@dataclass(frozen=True)
class Named:
    """A thing by name (`text`, "" when its type says all: "Catalog") and its page, if it has one."""

    text: str
    url: str | None = None


Namer = Callable[[list[str]], Mapping[str, Named]]
_NAMERS: dict[str, Namer] = {}

# Details that hold another record's id, by the type whose namer names it.
ID_KEYS = {"product_id": "product", "category_id": "category", "parent_id": "category",
           "reply_id": "reply", "answer_id": "answer"}


def names(*target_types: str):
    """Register the decorated function as the namer of `target_types`: it gets the ids (as the
    entries keep them, text) of one page of the log and returns {id: Named} for those it finds."""
    def register(namer: Namer) -> Namer:
        for target_type in target_types:
            _NAMERS[target_type] = namer
        return namer
    return register


def namer_for(target_type: str) -> Namer | None:
    return _NAMERS.get(target_type)


def referenced(entries: Iterable[Any]) -> set[tuple[str, str]]:
    """(type, id) of every target and id-holding detail of `entries` (AuditEntry rows), also the old
    and new ids of a change ("parent category: 2 → 5")."""
    refs = set()
    for entry in entries:
        if entry.target_id not in (None, ""):
            refs.add((entry.target_type, str(entry.target_id)))
        details = entry.details or {}
        changed = details.get("changed") if isinstance(details.get("changed"), Mapping) else {}
        for key, value in (*details.items(), *changed.items()):
            kind = ID_KEYS.get(key)
            if kind is None:
                continue
            for item in (value if isinstance(value, (list, tuple)) else [value]):
                if isinstance(item, (int, str)) and not isinstance(item, bool) and item != "":
                    refs.add((kind, str(item)))
    return refs


def name_all(refs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Named]:
    """Names of `refs`, one namer call (one query) per type: the log's page costs as many queries
    as it shows kinds of things, however many entries it lists."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for target_type, target_id in refs:
        if target_type in _NAMERS:
            by_type[target_type].add(target_id)
    named: dict[tuple[str, str], Named] = {}
    for target_type, ids in sorted(by_type.items()):
        for target_id, name in _NAMERS[target_type](sorted(ids)).items():
            named[(target_type, str(target_id))] = name
    return named


def int_ids(ids: Iterable[str]) -> list[int]:
    """The ids that are numbers (an entry written by hand may hold anything)."""
    return [int(i) for i in ids if str(i).isdigit() and len(str(i)) < 19]


def excerpt(text: str, length: int = 60) -> str:
    """The first words of `text`, on one line, in the reader's quotation marks."""
    text = " ".join((text or "").split())
    if len(text) > length:
        text = text[:length].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
    return _("“%(text)s”", text=text)
