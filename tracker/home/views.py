"""The start page and the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request

from tracker.accounts.access import ALL_ROLES, PUBLIC, allow
from tracker.accounts.views import safe_next
from tracker.db import get_session
from tracker.organisations import service as organisations
from tracker.programs import service as programs

bp = Blueprint("home", __name__)


@bp.get("/")
@allow(ALL_ROLES)
def index():
    """Show the programmes and the organisations."""
    session = get_session()
    return render_template(
        "home/index.html",
        programs=programs.list_programs(session),
        organisations=organisations.list_with_commitment_counts(session),
    )


@bp.get("/sprak/<code>")
@allow(PUBLIC)
def set_language(code: str):
    """Remember the chosen language (sv or en) and go back."""
    response = redirect(safe_next(request.args.get("next")), code=303)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
