"""Schemalagda jobb: each job's schedule, next run and last result, and "Kör nu".

"Kör nu" records the run (audited) and runs it on a background thread; with htmx
the job's row polls itself until the run has ended. Without JavaScript the form
posts and redirects back to the page, which shows the run in progress.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts.access import ADMINS, COORDINATORS, allow
from tracker.accounts.service import user_names
from tracker.clock import utcnow
from tracker.db import get_session
from tracker.extensions import htmx
from tracker.scheduler import registry, runs
from tracker.scheduler.models import OUTCOME_LABELS, OUTCOME_SYMBOLS, TRIGGER_LABELS

bp = Blueprint("scheduler", __name__, url_prefix="/schemalagda-jobb")

OPERATORS = ADMINS | COORDINATORS


def _spec(job_name: str) -> registry.JobSpec:
    return registry.get(job_name) or abort(404)


def _labels() -> dict:
    return {"outcome_labels": OUTCOME_LABELS, "outcome_symbols": OUTCOME_SYMBOLS, "trigger_labels": TRIGGER_LABELS,
            "now": utcnow()}


@bp.get("/")
@allow(OPERATORS)
def index():
    """Every scheduled job: schedule, next run, last result, and "Kör nu"."""
    session = get_session()
    now = utcnow()
    statuses, next_runs = runs.overview(session, now)
    return render_template("scheduler/index.html", statuses=statuses, config=current_app.config,
                           silent=runs.scheduler_silent(next_runs, now), never_started=next_runs is None,
                           **_labels())


@bp.get("/<job_name>")
@allow(OPERATORS)
def show(job_name: str):
    """One job's description and its latest runs."""
    spec = _spec(job_name)
    session = get_session()
    history = runs.history(session, spec.id)
    names = user_names(session, [run.triggered_by_id for run in history])
    return render_template("scheduler/show.html", spec=spec, history=history, names=names,
                           config=current_app.config, **_labels())


@bp.get("/<job_name>/status")
@allow(OPERATORS)
def status(job_name: str):
    """The job's row on the jobs page (polled by htmx while a run is in progress)."""
    spec = _spec(job_name)
    return _row(spec)


@bp.post("/<job_name>/kor")
@allow(OPERATORS)
def run_now(job_name: str):
    """Run a job now, in the background; the run is recorded and audited."""
    spec = _spec(job_name)
    session = get_session()
    message = None
    try:
        run = runs.request_run(session, spec.id, actor=current_user)
    except runs.RunRefused as refused:
        message = str(refused)
    else:
        runs.start_in_background(current_app._get_current_object(), run)
    if htmx:
        return _row(spec, message=message)
    flash(message or _("%(job)s har startats.", job=_(spec.name)))
    return redirect(url_for("scheduler.index"), code=303)


def _row(spec: registry.JobSpec, *, message: str | None = None):
    job_status = runs.status_of(get_session(), spec, utcnow())
    return render_template("scheduler/row.html", status=job_status, message=message, config=current_app.config,
                           **_labels())
