"""CSV that leaves the shop, made safe to open in a spreadsheet: the one place cells are guarded.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula: `=HYPERLINK(...)` in a product title becomes a link, `+cmd|...` a
command, in the spreadsheet of whoever opens the export or the public catalog feed. Every text
cell that starts so gets a leading apostrophe, which spreadsheets show as text and hide
(OWASP's advice, https://owasp.org/www-community/attacks/CSV_Injection); importing removes it
again (`unguard_cell`). Numbers are written as numbers. Use `writer`/`dict_writer` for every CSV
the shop sends, so no cell is missed.
"""
from __future__ import annotations

import csv
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def guard_cell(value: Any) -> Any:
    """The cell as it may be written: text that a spreadsheet would run gets a leading `'`."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def unguard_cell(text: str) -> str:
    """A guarded cell read back (a catalog re-imported): the apostrophe `guard_cell` added, removed."""
    return text[1:] if text.startswith("'") and starts_like_formula(text[1:]) else text


class _GuardedWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([guard_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


class _GuardedDictWriter(csv.DictWriter):
    def writerow(self, rowdict):
        return super().writerow({key: guard_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)


def writer(stream, **kwargs) -> _GuardedWriter:
    """`csv.writer` whose every cell is guarded (CRLF line ends, as RFC 4180 says)."""
    kwargs.setdefault("lineterminator", "\r\n")
    return _GuardedWriter(csv.writer(stream, **kwargs))


def dict_writer(stream, fieldnames, **kwargs) -> csv.DictWriter:
    """`csv.DictWriter` whose every cell is guarded (the header is ours and left as it is)."""
    kwargs.setdefault("lineterminator", "\r\n")
    return _GuardedDictWriter(stream, fieldnames=fieldnames, **kwargs)
