"""How funds figures read, the same on pages, in the PDF and in the Word file."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from tracker.funds.ledger import Check, Total

NBSP = "\u00a0"


def swedish(text: str, **args) -> str:
    """gettext for documents built outside a request: the Swedish source text, formatted."""
    return text % args if args else text


def thousands(value: int) -> str:
    """1234567 as "1 234 567" (no-break spaces, as Swedish print writes it)."""
    return f"{value:,}".replace(",", NBSP)


def kronor(value: int | None, gettext: Callable = swedish, *, unit: bool = True) -> str:
    """An amount in kronor, or "okänt" when it is not known (never 0)."""
    if value is None:
        return gettext("okänt")
    return f"{thousands(value)}{NBSP}kr" if unit else thousands(value)


def signed_kronor(value: int | None, gettext: Callable = swedish) -> str:
    if value is None:
        return gettext("okänt")
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{thousands(abs(value))}{NBSP}kr"


def day(value: date | None, gettext: Callable = swedish) -> str:
    return value.isoformat() if value else gettext("inte angivet")


def count_of(count: int, total: int, gettext: Callable = swedish) -> str:
    """"4 av 14 nämnder", the way Socialstyrelsen counts."""
    return gettext("%(count)s av %(total)s nämnder", count=count, total=total)


def check_text(check: Check, gettext: Callable = swedish) -> str:
    """A check in one sentence: the two figures, the difference and what is unknown."""
    if check.kind in {"report_missing", "repayment_overdue"}:
        return gettext(check.detail, **check.detail_args)
    text = gettext("%(left_label)s %(left)s, %(right_label)s %(right)s",
                   left_label=gettext(check.left_label), left=kronor(check.left, gettext),
                   right_label=gettext(check.right_label).lower(), right=kronor(check.right, gettext))
    if check.difference is not None:
        text += gettext(": skillnad %(difference)s", difference=signed_kronor(check.difference, gettext))
    if check.detail:
        text += ". " + gettext(check.detail, **check.detail_args)
    return text


def unknown_text(total: Total, gettext: Callable = swedish) -> str:
    """"3 av 15 belopp är okända." ("1 av 2 belopp är okänt."), or nothing when every part is known."""
    return gettext(total.unknown_msgid, unknown=total.unknown, parts=total.parts) if total.unknown else ""
