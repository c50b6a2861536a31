"""Organisation pages: an organisation's commitments."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from tracker.db import get_session
from tracker.organisations import service
from tracker.programs import service as programs

bp = Blueprint("organisations", __name__, url_prefix="/organisation")


@bp.get("/<slug>")
def show(slug: str):
    """Show an organisation's commitments grouped by programme and goal."""
    session = get_session()
    organisation = service.get_by_slug(session, slug)
    if organisation is None:
        abort(404)
    return render_template(
        "organisations/show.html",
        organisation=organisation,
        commitments=programs.organisation_commitments(session, organisation),
    )
