"""Organisation pages: every nämnd and bolag (the demo ones apart), and an organisation's commitments and their
latest status."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from tracker import clock
from tracker.accounts.access import ALL_ROLES, COORDINATORS, READERS, allow, check_org, may_use
from tracker.db import get_session
from tracker.funds.summary import organisation_funds
from tracker.organisations import service
from tracker.pagecache import remembered
from tracker.programs import service as programs

# No url_prefix: the list is /organisationer, one organisation /organisation/<slug>.
bp = Blueprint("organisations", __name__)

HISTORY = "followup.history"  # built in the follow-up area; linked when it exists


@bp.get("/organisationer")
@allow(READERS | COORDINATORS)
@remembered
def index():
    """List every nämnd and bolag with its number of commitments; the demo organisations apart."""
    real, demo = service.real_and_demo(service.list_with_commitment_counts(get_session()))
    return render_template("organisations/index.html", organisations=real, demo_organisations=demo)


@bp.get("/organisation/<slug>")
@allow(ALL_ROLES)
@remembered
def show(slug: str):
    """Show an organisation's commitments grouped by programme and goal, with their latest status."""
    session = get_session()
    organisation = service.get_by_slug(session, slug)
    if organisation is None:
        abort(404)
    check_org(get_session(), current_user, organisation.id)
    return render_template(
        "organisations/show.html",
        organisation=organisation,
        commitments=programs.organisation_commitments(session, organisation),
        latest_statuses=service.latest_statuses(session, organisation.id),
        history_endpoint=HISTORY if may_use(HISTORY) else None,
        funds=organisation_funds(session, organisation.id, today=clock.today()),
    )


