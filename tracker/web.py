"""What every page shares: the layout's helpers, headers and error pages."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, g, has_request_context, redirect, render_template, request
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from tracker.accounts.access import ALL_ROLES, PUBLIC, allow, allowed_roles
from tracker.organisations.models import ORG_KIND_LABELS
from tracker.programs.models import PROGRAM_KIND_LABELS
from tracker.reporting.models import PERIOD_STATE_LABELS, STATUS_LABELS, STATUS_SYMBOLS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def select_locale() -> str:
    """Swedish unless the user chose English (remembered in a cookie); Swedish outside requests."""
    if not has_request_context():
        return "sv"
    chosen = request.cookies.get("lang")
    return chosen if chosen in ("sv", "en") else "sv"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        get_locale=get_locale,
        STATUS_LABELS=STATUS_LABELS,
        STATUS_SYMBOLS=STATUS_SYMBOLS,
        ORG_KIND_LABELS=ORG_KIND_LABELS,
        PROGRAM_KIND_LABELS=PROGRAM_KIND_LABELS,
        PERIOD_STATE_LABELS=PERIOD_STATE_LABELS,
    )
    # Flask-Babel looks the catalog up on every call; a page makes hundreds of
    # calls, so look it up once per request (measured: a third of render time).
    app.jinja_env.install_gettext_callables(
        lambda text, /, **kw: _translations().ugettext(text) % kw if kw else _translations().ugettext(text),
        lambda one, many, n, /, **kw: _translations().ungettext(one, many, n) % {"num": n, **kw},
        newstyle=False,
    )
    app.jinja_env.filters["date_sv"] = _date_sv
    app.jinja_env.filters["datetime_sv"] = _datetime_sv
    app.after_request(_headers)

    @app.route("/")
    @allow(ALL_ROLES)
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

    @app.get("/sprak/<code>")
    @allow(PUBLIC)
    def set_language(code: str):
        """Remember the chosen language (sv or en) and go back."""
        from tracker.accounts.views import safe_next

        response = redirect(safe_next(request.args.get("next")), code=303)
        if code in app.config["LANGUAGES"]:
            response.set_cookie("lang", code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                                secure=app.config["SESSION_COOKIE_SECURE"])
        return response

    for code in (400, 403, 404, 405, 410, 413, 429, 500):
        app.register_error_handler(code, error_page)
    app.register_error_handler(CSRFError, _csrf_error)
    app.context_processor(_navigation)


def _translations():
    cached = g.get("babel_catalog")
    if cached is None:
        cached = g.babel_catalog = get_translations()
    return cached


def _date_sv(value: date | None) -> str:
    return format_date(value, "d MMMM y") if value else ""


def _datetime_sv(value: datetime | None) -> str:
    """Show an aware UTC datetime in Stockholm time."""
    return format_datetime(value, "d MMM y HH:mm") if value else ""


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.vary.add("HX-Request")
    return response


# The main menu: (endpoint, label). A link is shown to those its endpoint allows.
NAVIGATION = [
    ("reporting.my_commitments", _l("Mina åtaganden")),
    ("followup.overview", _l("Programöversikt")),
    ("followup.compliance", _l("Rapportering")),
    ("periods.index", _l("Tertialer")),
    ("scorecards.index", _l("Styrkort")),
    ("effect_goals.index", _l("Effektmål")),
    ("archive.index", _l("Arkiv")),
    ("index", _l("Program och organisationer")),
    ("notifications.index", _l("Aviseringar")),
    ("accounts.users", _l("Användare")),
    ("scheduler.index", _l("Schemalagda jobb")),
]


def _navigation() -> dict:
    links = []
    if current_user.is_authenticated:
        for endpoint, label in NAVIGATION:
            roles = allowed_roles(endpoint) if endpoint in current_app.view_functions else None
            if roles and (PUBLIC in roles or current_user.role in roles):
                links.append((endpoint, label))
    return {"navigation": links}


def _csrf_error(_error):
    message = _l("Formuläret har gått ut eller saknar säkerhetstoken. Ladda om sidan och försök igen.")
    return render_template("error.html", code=400, title=_l("Formuläret kunde inte skickas"), text=message), 400


ERROR_TITLES = {
    400: _l("Felaktig begäran"),
    403: _l("Åtkomst nekad"),
    404: _l("Sidan finns inte"),
    405: _l("Metoden är inte tillåten"),
    410: _l("Länken gäller inte längre"),
    413: _l("Filen är för stor"),
    429: _l("För många försök"),
    500: _l("Något gick fel"),
}
ERROR_TEXTS = {
    400: _l("Begäran kunde inte tolkas. Gå tillbaka och försök igen."),
    403: _l("Du har inte behörighet till den här sidan eller åtgärden."),
    404: _l("Sidan du söker finns inte. Kontrollera adressen eller gå till startsidan."),
    405: _l("Den här adressen tar inte emot den sortens begäran."),
    410: _l("Länken har redan använts eller har gått ut. Be en administratör om en ny."),
    413: _l("Det som skickades är större än 4 MB. Dela upp filen i flera mindre och försök igen."),
    429: _l("För många misslyckade inloggningsförsök. Vänta en stund och försök igen."),
    500: _l("Ett oväntat fel inträffade. Ingenting sparades. Försök igen om en stund."),
}


def error_page(error):
    code = getattr(error, "code", 500) or 500
    return render_template(
        "error.html", code=code, title=ERROR_TITLES.get(code, "Fel"), text=ERROR_TEXTS.get(code, "")
    ), code
