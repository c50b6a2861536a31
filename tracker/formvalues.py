"""Reading what people type into forms and spreadsheets: text, whole numbers and dates, one rule each."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _

# PostgreSQL's integer column; a larger count is a typing mistake, not a count of cases.
MAX_COUNT = 2_147_483_647
# Spaces Swedish users and Excel put between thousands: "1 234", with a plain, no-break or narrow no-break space.
THOUSANDS_SPACES = str.maketrans("", "", " \u00a0\u202f")


def clean_text(raw: Any) -> str | None:
    """Stripped text, None when empty; browsers send line breaks as CRLF: count them as one, as the textarea does."""
    text = str(raw if raw is not None else "").replace("\r\n", "\n").strip()
    return text or None


def whole_number(raw: Any, *, maximum: int = MAX_COUNT, unit: str | None = None) -> tuple[int | None, str | None]:
    """Read "1 234" (or "1 234 kr" with `unit` "kr") as 1234; nothing written is None; anything else a problem.

    Refuses "-3", "2.5", "2,5", "abc" and "²" with a message in Swedish.
    """
    if isinstance(raw, bool):
        return None, _("Skriv ett heltal, 0 eller större.")
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))  # a spreadsheet cell
    else:
        text = str(raw if raw is not None else "").strip()
        if not text:
            return None, None
        if unit and text.lower().endswith(unit):
            text = text[: -len(unit)]
        text = text.strip().translate(THOUSANDS_SPACES)
    if not text.isascii() or not text.isdigit():  # also the unit alone ("kr"): not a number
        return None, _("Skriv ett heltal, 0 eller större.")
    value = int(text)
    if value > maximum:
        return None, _("Talet är för stort.")
    return value, None


def iso_date(raw: Any) -> tuple[date | None, str | None]:
    """Read a date written as 2024-03-31 (what a date field sends); nothing written is None."""
    if isinstance(raw, date):
        return raw, None
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None, None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text), None
    except ValueError:
        return None, _("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-31.")
