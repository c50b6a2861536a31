"""Styrkort: one scorecard per organisation and tertial."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts.access import READERS, allow, check_org, organisation_ids_of
from tracker.accounts.models import Role
from tracker.archive import listing
from tracker.db import get_session
from tracker.effect_goals import display, masking
from tracker.effect_goals.masking import DEFAULT_THRESHOLD
from tracker.organisations import service as organisations
from tracker.pagecache import remembered
from tracker.periods.models import PeriodState
from tracker.periods.service import list_periods
from tracker.scorecards import service
from tracker.scorecards.service import CHANGE_LABELS, CHANGE_SYMBOLS, TEXT_CHANGE_LABELS
from tracker.viewkit import period_or_404

bp = Blueprint("scorecards", __name__, url_prefix="/styrkort")

SCORECARD_ROLES = READERS | {Role.contact}


@bp.get("/")
@allow(SCORECARD_ROLES)
@remembered
def index():
    """List the organisations whose scorecards the user may read."""
    rows = organisations.list_with_commitment_counts(get_session())
    if current_user.role == Role.contact:
        mine = organisation_ids_of(get_session(), current_user)
        rows = [(org, count) for org, count in rows if org.id in mine]
    return render_template("scorecards/index.html", organisations=rows)


@bp.get("/<slug>")
@allow(SCORECARD_ROLES)
@remembered
def show(slug: str):
    """Show an organisation's scorecard for a tertial (the latest reported one unless chosen)."""
    session = get_session()
    org = organisations.get_by_slug(session, slug) or abort(404)
    check_org(get_session(), current_user, org.id)
    code = request.args.get("period")
    period = period_or_404(session, code) if code else service.default_period(session, org.id)
    threshold = current_app.config.get("EFFECT_GOAL_MASK_THRESHOLD", DEFAULT_THRESHOLD)
    card = service.build_scorecard(session, organisation=org, period=period, mask_threshold=threshold) if period else None
    periods = [p for p in list_periods(session) if p.state != PeriodState.upcoming]
    archived = listing.documents_for(session, organisation_id=org.id, period_id=period.id) if period else []
    # Coordinators and the organisation's own contacts see its exact effect-goal figures.
    shown_threshold = masking.viewer_of(session, current_user, threshold=threshold).of(org.id)
    return render_template("scorecards/show.html", organisation=org, card=card, periods=periods, archived=archived,
                           CHANGE_LABELS=CHANGE_LABELS, CHANGE_SYMBOLS=CHANGE_SYMBOLS,
                           TEXT_CHANGE_LABELS=TEXT_CHANGE_LABELS, exact_figures=shown_threshold is None,
                           effect_tables=display.results_tables(card.effect_goals, shown_threshold, _) if card else [])
