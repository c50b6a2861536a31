"""Error pages: every refusal and failure gets a page in the user's language, never a bare status."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden

from tracker.accounts.access import PermissionDenied

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


def init_app(app: Flask) -> None:
    for code in ERROR_TITLES:
        app.register_error_handler(code, error_page)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(PermissionDenied, lambda _error: error_page(Forbidden()))


def error_page(error):
    code = getattr(error, "code", 500) or 500
    return render_template(
        "error.html", code=code, title=ERROR_TITLES.get(code, "Fel"), text=ERROR_TEXTS.get(code, "")
    ), code


def _csrf_error(_error):
    message = _l("Formuläret har gått ut eller saknar säkerhetstoken. Ladda om sidan och försök igen.")
    return render_template("error.html", code=400, title=_l("Formuläret kunde inte skickas"), text=message), 400
