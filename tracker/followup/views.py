"""Coordinators and readers follow the programme: status spread, reporting compliance, history.

The overview's choices and filters live in the URL (a GET form), so a view
can be bookmarked and shared. Expanding an activity loads its organisations
with htmx (told apart by `htmx.target`); without JavaScript the same link
opens the activity's own page.
"""
from __future__ import annotations

from flask import Blueprint, abort, get_template_attribute, render_template, request
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from tracker.accounts.access import READERS, allow, check_org
from tracker.accounts.models import Role
from tracker.clock import today
from tracker.db import get_session
from tracker.extensions import htmx
from tracker.followup import service
from tracker.followup.cache import Remembered, cached_overview
from tracker.followup.compliance import COMPLIANCE_SORTS
from tracker.followup.compliance import compliance as organisation_compliance
from tracker.followup.filters import STATUS_CHOICES, Filters, whole_number
from tracker.followup.history import commitment_history, get_commitment
from tracker.followup.overview import build_overview, get_activity
from tracker.pagecache import remembered

bp = Blueprint("followup", __name__, url_prefix="/uppfoljning")

ACTIVITY = "followup/activity.html"
OVERVIEW = "followup/overview.html"
REMEMBERED_OVERVIEW = "followup/overview_remembered.html"  # the overview with its main block as remembered


# Activities per page of the overview: the real programme (33) fits on one page.
PAGE_SIZE = 40


@bp.get("/")
@allow(READERS)
def overview():
    """Show each activity's spread of statuses across the responsible organisations in a tertial."""
    session = get_session()
    program, programs, period, periods = _choices()
    filters = Filters.from_args(request.args)
    page = whole_number(request.args.get("sida", "1")) or 1
    context = {"programs": programs, "periods": periods, "program": program, "period": period,
               "status_choices": STATUS_CHOICES, "show_drafts": _sees_drafts()}
    if not (program and period):
        return render_template(OVERVIEW, overview=None, filters=filters, **context)
    remembered = Remembered(session)

    def content() -> str:
        result = cached_overview(session, program=program, period=period, filters=filters, page=page,
                                 page_size=PAGE_SIZE, remembered=remembered)
        # Rendered alone, the block does not see the template's top-level import: hand it the macro.
        spread = get_template_attribute("followup/_macros.html", "spread")
        return Markup(render_block(OVERVIEW, "content", overview=result, filters=result.filters, spread=spread,
                                   **context))

    # The block's key: the data's, and what the block shows differently per reader (cache.py says why).
    key = ("overview.html", program.id, period.id, filters, page, context["show_drafts"], str(get_locale()),
           str(get_timezone()), today(), request.script_root)
    return render_template(REMEMBERED_OVERVIEW, content=remembered.get(key, content), **context)


@bp.get("/aktivitet/<int:activity_id>")
@allow(READERS)
def activity(activity_id: int):
    """Show, per responsible organisation, an activity's status, comment, next steps and support needed."""
    session = get_session()
    found = get_activity(session, activity_id) or abort(404)
    activity, program = found
    period, _periods = _period(program)
    if period is None:
        abort(404)
    result = build_overview(session, program=program, period=period,
                            filters=Filters.from_args(request.args), activity_id=activity_id)
    followup = result.activities[0] if result.activities else None
    context = {"overview": result, "activity": activity, "followup": followup, "show_drafts": _sees_drafts()}
    if htmx.target == f"activity-{activity_id}-detail" and not htmx.boosted:
        return render_block(ACTIVITY, "detail", **context)
    return render_template(ACTIVITY, **context)


@bp.get("/rapportering")
@allow(READERS)
@remembered
def compliance():
    """Show, per organisation, how much of the tertial is reported and when its contacts last saved."""
    session = get_session()
    period, periods = _period()
    sort = request.args.get("sort", "organisation")
    rows, total = organisation_compliance(session, period=period, sort=sort) if period else ([], None)
    return render_template("followup/compliance.html", period=period, periods=periods, rows=rows, total=total,
                           sort=sort if sort in COMPLIANCE_SORTS else "organisation")


@bp.get("/atagande/<int:commitment_id>")
@allow(READERS | {Role.contact})
def history(commitment_id: int):
    """Show every saved version of a commitment's reports across tertials, and its assignment events."""
    session = get_session()
    commitment = get_commitment(session, commitment_id) or abort(404)
    check_org(get_session(), current_user, commitment.organisation_id)
    # A contact who gets this far reports for the organisation: its drafts are theirs.
    with_drafts = _sees_drafts() or current_user.role == Role.contact
    return render_template("followup/history.html",
                           history=commitment_history(session, commitment, with_drafts=with_drafts))


# Reading the request

def _period(program=None):
    try:
        return service.choose_period(get_session(), request.args.get("period"), program)
    except service.NotFound:
        abort(404)


def _choices():
    try:
        program, programs = service.choose_program(get_session(), request.args.get("program"))
    except service.NotFound:
        abort(404)
    period, periods = _period(program)
    return program, programs, period, periods


def _sees_drafts() -> bool:
    """Coordinators follow the work in progress; leadership reads only what is submitted."""
    return current_user.role in (Role.coordinator, Role.admin)
