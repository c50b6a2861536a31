"""The tertial calendar; coordinators open, close and reopen tertials and move deadlines.

Every form works as a plain POST: a redirect with a flash message, or the
tertial's page again with the problem beside the field (422) or a message
saying why the change was refused (409). htmx requests aimed at the tertial's
panel (told apart by `htmx.target`) get the panel alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block

from tracker.accounts.access import COORDINATORS, READERS, allow
from tracker.db import get_session
from tracker.periods import service
from tracker.periods.forms import CloseForm, DeadlineForm, ReopenForm, add_error
from tracker.periods.models import ReportingPeriod
from tracker.viewkit import commit_or_refuse, period_or_404, wants_fragment

bp = Blueprint("periods", __name__, url_prefix="/tertialer")

SHOW = "periods/show.html"
PANEL_ID = "period-panel"


@dataclass
class Panel:
    """What the tertial's panel shows: the forms as posted, and what happened."""

    deadline: DeadlineForm
    close: CloseForm
    reopen: ReopenForm
    message: str | None = None
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)


@bp.get("/")
@allow(READERS)
def index():
    """Show the tertial calendar: dates, deadlines, state and reopenings."""
    session = get_session()
    return render_template("periods/index.html", years=service.calendar(session), editable=_can_edit())


@bp.get("/<period>")
@allow(READERS)
def show(period: str):
    """Show one tertial with its reopenings; coordinators also get the forms that change it."""
    return _page(period_or_404(get_session(), period))


@bp.post("/<period>/oppna", endpoint="open")
@allow(COORDINATORS)
def open_period(period: str):
    """Open a tertial for every organisation (a warning says if another one is open too)."""
    session = get_session()
    tertial = period_or_404(session, period)
    others, error = commit_or_refuse(session, lambda: service.open_period(session, period=tertial, actor=current_user),
                                     service.PeriodError)
    if error is not None:
        return _refused(tertial, error)
    message = _("%(period)s är öppen för rapportering.", period=tertial.label)
    warning = _also_open(others)
    return _done(tertial, message, warnings=[warning] if warning else [])


@bp.post("/<period>/stang")
@allow(COORDINATORS)
def close(period: str):
    """Close a tertial, once the coordinator has confirmed it."""
    session = get_session()
    tertial = period_or_404(session, period)
    form = CloseForm()
    _none, error = commit_or_refuse(session, lambda: service.close_period(
        session, period=tertial, actor=current_user, confirmed=bool(form.confirm.data)), service.PeriodError)
    if error is not None:
        return _refused(tertial, error, close=form)
    return _done(tertial, _("%(period)s är stängd. Ingen kan rapportera på den längre.", period=tertial.label))


@bp.post("/<period>/deadline")
@allow(COORDINATORS)
def deadline(period: str):
    """Move the last day for reporting on a tertial."""
    session = get_session()
    tertial = period_or_404(session, period)
    form = DeadlineForm()
    if not form.validate():
        return _refused(tertial, None, deadline=form)
    _none, error = commit_or_refuse(session, lambda: service.change_deadline(
        session, period=tertial, deadline=form.value, actor=current_user), service.PeriodError)
    if error is not None:
        return _refused(tertial, error, deadline=form)
    return _done(tertial, _("Sista dag för %(period)s är nu %(date)s.", period=tertial.label,
                            date=form.value.isoformat()))


@bp.post("/<period>/ateroppna")
@allow(COORDINATORS)
def reopen(period: str):
    """Open a closed tertial again for one organisation, with the reason why."""
    session = get_session()
    tertial = period_or_404(session, period)
    form = ReopenForm().with_choices(service.reopenable_organisations(session))
    reopened, error = commit_or_refuse(session, lambda: service.reopen_for(
        session, period=tertial, organisation_slug=form.organisation.data, reason=form.reason.data,
        actor=current_user), service.PeriodError)
    if error is not None:
        return _refused(tertial, error, reopen=form)
    _reopening, organisation = reopened
    return _done(tertial, _("%(period)s är återöppnad för %(org)s. Organisationen kan rapportera tills "
                            "återöppningen stängs.", period=tertial.label, org=organisation.short_name))


@bp.post("/<period>/ateroppna/<int:reopening_id>/stang")
@allow(COORDINATORS)
def close_reopening(period: str, reopening_id: int):
    """End a reopening: the organisation can no longer report on the closed tertial."""
    session = get_session()
    tertial = period_or_404(session, period)
    reopening, organisation = service.get_reopening(session, tertial, reopening_id) or abort(404)
    _none, error = commit_or_refuse(session, lambda: service.close_reopening(
        session, reopening=reopening, organisation=organisation, actor=current_user), service.PeriodError)
    if error is not None:
        return _refused(tertial, error)
    return _done(tertial, _("Återöppningen av %(period)s för %(org)s är stängd.", period=tertial.label,
                            org=organisation.short_name))


# Reading the request

def _can_edit() -> bool:
    return current_user.is_authenticated and current_user.role in COORDINATORS


# Answering

def _also_open(others: list[ReportingPeriod]) -> str | None:
    if not others:
        return None
    labels = ", ".join(p.label for p in others)
    return _("Obs: även %(periods)s är öppen. Två tertialer kan vara öppna samtidigt, till exempel i januari när "
             "förra årets tertial 3 rapporteras till verksamhetsberättelsen. Stäng den som inte ska vara öppen.",
             periods=labels)


def _panel(period: ReportingPeriod, **state) -> Panel:
    session = get_session()
    forms = {
        "deadline": state.pop("deadline", None) or DeadlineForm(formdata=None, data={
            "deadline": period.deadline.isoformat()}),
        "close": state.pop("close", None) or CloseForm(formdata=None),
        "reopen": (state.pop("reopen", None) or ReopenForm(formdata=None)).with_choices(
            service.reopenable_organisations(session)),
    }
    return Panel(**forms, **state)


def _context(period: ReportingPeriod, panel: Panel) -> dict:
    session = get_session()
    return {
        "period": period, "entry": service.period_entry(session, period), "panel": panel,
        "editable": _can_edit(), "others_open": service.other_open_periods(session, period),
        "panel_id": PANEL_ID,
    }


def _page(period: ReportingPeriod, *, status: int = 200, **state):
    panel = _panel(period, **state)
    if wants_fragment(PANEL_ID):
        return render_block(SHOW, "panel", **_context(period, panel)), status
    return render_template(SHOW, **_context(period, panel)), status


def _refused(period: ReportingPeriod, error: service.PeriodError | None, **forms):
    """The tertial again: a field's problem beside it (422), or why the change was refused (409)."""
    if error is None:
        return _page(period, status=422, **forms)
    form = next((f for f in forms.values() if error.field and error.field in f), None)
    if form is not None:
        add_error(form, error.field, str(error))
        return _page(period, status=422, **forms)
    return _page(period, status=409, problem=str(error), **forms)


def _done(period: ReportingPeriod, message: str, *, warnings: list[str] = ()):
    if wants_fragment(PANEL_ID):
        return _page(period, message=message, warnings=list(warnings))
    flash(message)
    for warning in warnings:
        flash(warning)
    if request.form.get("from") == "index":
        return redirect(f"{url_for('periods.index')}#period-{period.code}", code=303)
    return redirect(url_for("periods.show", period=period.code), code=303)
