"""The archive of generated PDFs: browse and download; coordinators generate new versions.

Generation runs in the background: the request records a job and answers with
a progress component that polls itself (htmx) until the download links replace it.
Without JavaScript the job's page has a link to check again.
"""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block

from tracker.accounts.access import COORDINATORS, READERS, allow, organisation_ids_of
from tracker.accounts.models import Role
from tracker.archive import jobs, listing
from tracker.archive import service as archive
from tracker.archive.forms import AnnualRequestForm, MidtermRequestForm, ScorecardRequestForm
from tracker.archive.models import JOB_STATE_LABELS, DocumentKind, GenerationJob
from tracker.archive.requests import (
    RequestProblem,
    describe_job,
    form_choices,
    recent_jobs,
    resolve_annual,
    resolve_midterm,
    resolve_scorecards,
)
from tracker.db import get_session
from tracker.extensions import htmx
from tracker.reports.final_request import FinalRequestForm, resolve_final

bp = Blueprint("archive", __name__, url_prefix="/arkiv")

ARCHIVE_ROLES = READERS | {Role.contact}
GENERATE = "archive/generate.html"
JOB = "archive/job.html"


@bp.get("/")
@allow(ARCHIVE_ROLES)
def index():
    """List the archived styrkort and reports by tertial, newest first, and the funds compilations by year."""
    page = request.args.get("sida", 1, type=int)
    own = organisation_ids_of(get_session(), current_user) if current_user.role == Role.contact else None
    session = get_session()
    return render_template("archive/index.html", archive=listing.archive_page(session, organisation_ids=own, page=page),
                           can_generate=current_user.role in COORDINATORS,
                           programs=listing.report_programs(session) if own is None else [],
                           funds=listing.funds_documents(session) if own is None else [])


@bp.get("/dokument/<int:document_id>")
@allow(ARCHIVE_ROLES)
def download(document_id: int):
    """Send one archived version, exactly as it was generated.

    Contacts get only their own organisations' styrkort: never reports or funds compilations.
    """
    document = archive.get(get_session(), document_id) or abort(404)
    if current_user.role == Role.contact and (
            document.kind != DocumentKind.scorecard or document.organisation_id not in organisation_ids_of(get_session(), current_user)):
        abort(403)
    try:
        data = archive.read(current_app.config["SCORECARD_DIR"], document)
    except archive.ArchiveError as error:
        return render_template("error.html", code=410, title=_("Filen kan inte visas"), text=str(error)), 410
    return send_file(BytesIO(data), mimetype=archive.mimetype_of(document),
                     download_name=archive.download_name(document), last_modified=document.generated_at, max_age=0)


@bp.get("/generera")
@allow(COORDINATORS)
def generate():
    """Show the forms that start a generation, and the latest jobs."""
    return _generate_page(*_forms(formdata=None))


@bp.post("/generera/styrkort")
@allow(COORDINATORS)
def generate_scorecards():
    """Start generating the styrkort of a tertial (for every organisation or one)."""
    forms = _forms()
    return _start(forms, 0, lambda: resolve_scorecards(get_session(), period_code=forms[0].period.data,
                                                       organisation_slug=forms[0].organisation.data))


@bp.post("/generera/halvtidsrapport")
@allow(COORDINATORS)
def generate_midterm():
    """Start generating a programme's halvtidsrapport up to a tertial."""
    forms = _forms()
    return _start(forms, 1, lambda: resolve_midterm(get_session(), program_slug=forms[1].program.data,
                                                    period_code=forms[1].period.data))


@bp.post("/generera/sammanstallning")
@allow(COORDINATORS)
def generate_annual():
    """Start generating a programme's årlig sammanställning for a year."""
    forms = _forms()
    return _start(forms, 2, lambda: resolve_annual(get_session(), program_slug=forms[2].program.data,
                                                   year=forms[2].year.data))


@bp.post("/generera/slutrapport")
@allow(COORDINATORS)
def generate_final():
    """Start generating a programme's slutrapport (once its last tertial has closed)."""
    forms = _forms()
    return _start(forms, 3, lambda: resolve_final(get_session(), program_slug=forms[3].program.data))


@bp.get("/jobb/<int:job_id>")
@allow(COORDINATORS)
def job(job_id: int):
    """Show a generation's progress; the download links when it is done."""
    session = get_session()
    found = session.get(GenerationJob, job_id) or abort(404)
    context = _job_context(found)
    if htmx.target == f"job-{job_id}" and not htmx.boosted:
        return render_block(JOB, "job", **context)
    return render_template(JOB, **context)


def _forms(formdata=...):
    choices = form_choices(get_session())
    kwargs = {} if formdata is ... else {"formdata": formdata}
    return (
        ScorecardRequestForm(prefix="scorecard", **kwargs).with_choices(choices.periods, choices.organisations),
        MidtermRequestForm(prefix="midterm", **kwargs).with_choices(choices.programs, choices.periods),
        AnnualRequestForm(prefix="annual", **kwargs).with_choices(choices.programs, choices.years),
        FinalRequestForm(prefix="final", **kwargs).with_choices(choices.programs),
    )


def _start(forms, index: int, resolve):
    session = get_session()
    try:
        requested = resolve()
        job_record, created = jobs.request_job(session, **requested, user=current_user)
    except RequestProblem as problem:
        session.rollback()
        form = forms[index]
        field = form[problem.field] if problem.field in form else form.period
        field.errors = [*field.errors, str(problem)]
        return _generate_page(*forms, status=422)
    if created:
        jobs.run_in_background(current_app._get_current_object(), job_record.id)
    if htmx.target == "generation" and not htmx.boosted:
        return render_block(GENERATE, "generation", **_generate_context(*forms, started=job_record))
    return redirect(url_for("archive.job", job_id=job_record.id), code=303)


def _generate_context(scorecard_form, midterm_form, annual_form, final_form,
                      started: GenerationJob | None = None) -> dict:
    return {"scorecard_form": scorecard_form, "midterm_form": midterm_form, "annual_form": annual_form,
            "final_form": final_form,
            "started": _job_context(started) if started else None,
            "recent": [job for job in recent_jobs(get_session()) if not started or job.id != started.id],
            "JOB_STATE_LABELS": JOB_STATE_LABELS}


def _generate_page(*forms, status: int = 200):
    context = _generate_context(*forms)
    if htmx.target == "generation" and not htmx.boosted:
        return render_block(GENERATE, "generation", **context), status
    return render_template(GENERATE, **context), status


def _job_context(job_record: GenerationJob) -> dict:
    return {"job": describe_job(get_session(), job_record)}
