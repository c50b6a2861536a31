"""What every page shares: the layout's helpers, its main menu and the response headers."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from tracker.accounts.access import may_use
from tracker.organisations.models import ORG_KIND_LABELS
from tracker.periods.models import PERIOD_STATE_LABELS
from tracker.programs.models import PROGRAM_KIND_LABELS
from tracker.reporting.models import STATUS_LABELS, STATUS_SYMBOLS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# The largest value an `integer` column holds (PostgreSQL's int4; ids and years are such columns).
MAX_URL_INTEGER = 2**31 - 1


class UrlInteger(IntegerConverter):
    """`<int:…>` for values a column can hold: a larger one is a 404 instead of a failure in the database."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_URL_INTEGER,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except ValidationError:
            # Not werkzeug's "no match": when the same path takes another method (a GET form beside its POST),
            # that answers 405 as if the too large id were a page.
            raise NotFound() from None


def select_locale() -> str:
    """Swedish unless the user chose English (remembered in a cookie); Swedish outside requests."""
    if not has_request_context():
        return "sv"
    chosen = request.cookies.get("lang")
    return chosen if chosen in ("sv", "en") else "sv"


def _refuse_nul() -> None:
    """A NUL character in the path, a query or a form value is a 400: PostgreSQL stores none in text."""
    values = [request.path, *request.args.keys(), *(v for _key, v in request.args.items(multi=True))]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *(v for _key, v in request.form.items(multi=True))]
    if any("\x00" in value for value in values):
        raise BadRequest()


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
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

    app.jinja_env.globals["navigation"] = navigation  # called by the layout only: a fragment does not pay for it


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
    response.headers.setdefault("X-Frame-Options", "DENY")  # for browsers that ignore frame-ancestors
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if max_age := current_app.config.get("HSTS_MAX_AGE"):
        response.headers.setdefault("Strict-Transport-Security", f"max-age={max_age}; includeSubDomains")
    if request.endpoint != "static":
        # Pages and downloads hold people's reports and figures: no browser or proxy cache may keep them
        # (a shared computer's back button, a proxy's disk). The stylesheets and scripts may be cached.
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
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
    ("funds.index", _l("Utvecklingsmedel")),
    ("archive.index", _l("Arkiv")),
    ("organisations.index", _l("Nämnder och bolag")),
    ("notifications.index", _l("Aviseringar")),
    ("accounts.users", _l("Användare")),
    ("scheduler.index", _l("Schemalagda jobb")),
]


def navigation() -> list[tuple[str, str]]:
    """The main menu's links the logged-in user may follow."""
    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label in NAVIGATION if may_use(endpoint)]
