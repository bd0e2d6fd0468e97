"""Every CSV the bot writes goes through :func:`csv_writer`: no cell can run as a spreadsheet formula.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``); OWASP's
advice (https://owasp.org/www-community/attacks/CSV_Injection) is to prefix such a cell with a single
quote, which makes it text. Numbers the bot writes as numbers (an ``int`` or ``float`` cell, e.g. a
negative delta) stay numbers; every string — above all what a member typed — is neutralised.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell no spreadsheet runs: a string starting like a formula gets a leading
    ``'``; anything else (numbers, None) is left as it is. Line breaks inside a string become ``\n``
    (``csv`` quotes a field for the line terminator it writes, ``\n``, but not for a lone ``\r``,
    which many readers take as the end of the row)."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_LEADS):
        value = "'" + value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class SafeWriter:
    """``csv.writer`` whose rows go through :func:`safe_cell`."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: IO[str], **options: Any) -> SafeWriter:
    """The one way the bot writes CSV (``options`` as for ``csv.writer``)."""
    return SafeWriter(handle, **options)
