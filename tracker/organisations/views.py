"""Organisation pages: an organisation's commitments."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from tracker.accounts.access import ALL_ROLES, allow, check_org
from tracker.db import get_session
from tracker.organisations import service
from tracker.programs import service as programs

bp = Blueprint("organisations", __name__, url_prefix="/organisation")


@bp.get("/<slug>")
@allow(ALL_ROLES)
def show(slug: str):
    """Show an organisation's commitments grouped by programme and goal."""
    session = get_session()
    organisation = service.get_by_slug(session, slug)
    if organisation is None:
        abort(404)
    check_org(current_user, organisation.id)
    return render_template(
        "organisations/show.html",
        organisation=organisation,
        commitments=programs.organisation_commitments(session, organisation),
    )
