"""Programme pages: goals → activities → responsible organisations."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from tracker.accounts.access import ALL_ROLES, allow
from tracker.db import get_session
from tracker.programs import service

bp = Blueprint("programs", __name__, url_prefix="/program")


@bp.get("/<slug>")
@allow(ALL_ROLES)
def show(slug: str):
    """Show a programme's goals, activities, time frames and who is responsible."""
    session = get_session()
    program = service.get_program(session, slug)
    if program is None:
        abort(404)
    return render_template("programs/show.html", program=program, goals=service.program_tree(session, program))
