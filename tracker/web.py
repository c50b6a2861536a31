"""What every page shares: the layout's helpers, headers and error pages."""
from __future__ import annotations

from datetime import date

from flask import Flask, render_template, request
from flask_babel import format_date

from tracker import babel
from tracker.organisations.models import ORG_KIND_LABELS
from tracker.programs.models import PROGRAM_KIND_LABELS
from tracker.reporting.models import PERIOD_STATE_LABELS, STATUS_LABELS, STATUS_SYMBOLS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def select_locale() -> str:
    """Swedish unless the user chose English (?lang=en, remembered in a cookie)."""
    chosen = request.args.get("lang") or request.cookies.get("lang")
    return chosen if chosen in ("sv", "en") else "sv"


def init_app(app: Flask) -> None:
    babel.locale_selector = select_locale
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        STATUS_SYMBOLS=STATUS_SYMBOLS,
        ORG_KIND_LABELS=ORG_KIND_LABELS,
        PROGRAM_KIND_LABELS=PROGRAM_KIND_LABELS,
        PERIOD_STATE_LABELS=PERIOD_STATE_LABELS,
    )
    app.jinja_env.filters["date_sv"] = _date_sv
    app.after_request(_headers)

    @app.route("/")
    def index():
        """Show the programmes and the organisations."""
        from tracker.db import get_session
        from tracker.organisations import service as organisations
        from tracker.programs import service as programs

        session = get_session()
        return render_template(
            "index.html",
            programs=programs.list_programs(session),
            organisations=organisations.list_with_commitment_counts(session),
        )

    for code in (400, 403, 404, 405, 500):
        app.register_error_handler(code, _error_page)


def _date_sv(value: date | None) -> str:
    return format_date(value, "d MMMM y") if value else ""


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.vary.add("HX-Request")
    return response


ERROR_TITLES = {
    400: "Felaktig begäran",
    403: "Åtkomst nekad",
    404: "Sidan finns inte",
    405: "Metoden är inte tillåten",
    500: "Något gick fel",
}
ERROR_TEXTS = {
    400: "Begäran kunde inte tolkas. Gå tillbaka och försök igen.",
    403: "Du har inte behörighet till den här sidan eller åtgärden.",
    404: "Sidan du söker finns inte. Kontrollera adressen eller gå till startsidan.",
    405: "Den här adressen tar inte emot den sortens begäran.",
    500: "Ett oväntat fel inträffade. Ingenting sparades. Försök igen om en stund.",
}


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    return render_template(
        "error.html", code=code, title=ERROR_TITLES.get(code, "Fel"), text=ERROR_TEXTS.get(code, "")
    ), code
