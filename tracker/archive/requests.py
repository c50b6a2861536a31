"""Turning a coordinator's generation request into a job, and describing jobs for the page."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlmodel import Session, select

from tracker.accounts.models import User
from tracker.archive import jobs
from tracker.archive.models import DOCUMENT_KIND_LABELS, ArchivedDocument, DocumentKind, GenerationJob, JobState
from tracker.clock import utcnow
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.periods.service import get_period, list_periods
from tracker.programs.models import Program

RECENT_JOBS = 10


class RequestProblem(ValueError):
    """A request that cannot be made; names the field the Swedish message belongs beside."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass
class FormChoices:
    periods: list[ReportingPeriod]
    organisations: list[Organisation]
    programs: list[Program]
    years: list[int]


def form_choices(session: Session) -> FormChoices:
    """Tertials that have begun (newest first), active organisations, programmes and their years."""
    periods = [p for p in reversed(list_periods(session)) if p.state != PeriodState.upcoming]
    programs = list(session.exec(select(Program).order_by(Program.start_year, Program.name)))
    years = sorted({p.year for p in periods
                    if any(pr.start_year <= p.year <= pr.end_year for pr in programs)}, reverse=True)
    organisations = list(session.exec(select(Organisation).where(Organisation.active).order_by(Organisation.name)))
    return FormChoices(periods, organisations, programs, years)


def resolve_scorecards(session: Session, *, period_code: str | None, organisation_slug: str | None) -> dict:
    organisation = None
    if organisation_slug:
        organisation = session.exec(select(Organisation).where(Organisation.slug == organisation_slug)).first()
        if organisation is None:
            raise RequestProblem(_("Välj en organisation i listan."), "organisation")
    return {"kind": DocumentKind.scorecard, "period": _begun_period(session, period_code),
            "organisation": organisation}


def resolve_midterm(session: Session, *, program_slug: str | None, period_code: str | None) -> dict:
    from tracker.reports import service as reports

    program = _program(session, program_slug)
    period = _begun_period(session, period_code)
    try:
        _first, last = reports.midterm_range(session, program, period)
    except reports.ReportRangeError as error:
        raise RequestProblem(_(error.template, **error.params), "period") from None
    return {"kind": DocumentKind.midterm, "period": last, "program": program}


def resolve_annual(session: Session, *, program_slug: str | None, year: str | None) -> dict:
    from tracker.reports import service as reports

    program = _program(session, program_slug)
    if not ((year or "").isascii() and (year or "").isdigit() and len(year) <= 4):
        raise RequestProblem(_("Välj ett år i listan."), "year")
    try:
        _first, last = reports.annual_range(session, program, int(year))
    except reports.ReportRangeError as error:
        raise RequestProblem(_(error.template, **error.params), "year") from None
    if last.state == PeriodState.upcoming:
        raise RequestProblem(_("Ingen tertial %(year)s har börjat än.", year=year), "year")
    return {"kind": DocumentKind.annual, "period": last, "program": program}


def _begun_period(session: Session, code: str | None) -> ReportingPeriod:
    try:
        period = get_period(session, code or "")
    except ValueError:
        period = None
    if period is None:
        raise RequestProblem(_("Välj en tertial i listan."), "period")
    if period.state == PeriodState.upcoming:
        raise RequestProblem(_("%(period)s har inte börjat än: det finns inget att sammanställa.", period=period.label), "period")
    return period


def _program(session: Session, slug: str | None) -> Program:
    program = session.exec(select(Program).where(Program.slug == (slug or ""))).first()
    if program is None:
        raise RequestProblem(_("Välj ett program i listan."), "program")
    return program


@dataclass
class JobView:
    """A job as the page shows it."""

    id: int
    kind_label: str
    subject: str  # "Tertial 2 2023, alla ansvariga organisationer"
    state: JobState
    total: int
    completed: int
    error: str | None
    stale: bool
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    documents: list[tuple[ArchivedDocument, str]] = field(default_factory=list)  # with a title

    @property
    def running(self) -> bool:
        return self.state in (JobState.queued, JobState.running) and not self.stale


def describe_job(session: Session, job: GenerationJob) -> JobView:
    period = session.get(ReportingPeriod, job.period_id)
    organisation = session.get(Organisation, job.organisation_id) if job.organisation_id else None
    program = session.get(Program, job.program_id) if job.program_id else None
    if job.kind == DocumentKind.scorecard and organisation:
        subject = f"{period.label}, {organisation.name}"
    elif job.kind == DocumentKind.scorecard:
        subject = _("%(period)s, alla ansvariga organisationer", period=period.label)
    elif job.kind == DocumentKind.midterm:
        subject = _("%(program)s, till och med %(period)s", program=program.short_name, period=period.label)
    elif job.kind == DocumentKind.final:
        subject = _("%(program)s, hela programperioden", program=program.short_name)
    else:
        subject = f"{program.short_name}, {period.year}"
    user = session.get(User, job.requested_by_id) if job.requested_by_id else None
    titles = _document_titles(session, jobs.documents_of(session, job)) if job.state == JobState.done else []
    return JobView(job.id, DOCUMENT_KIND_LABELS[DocumentKind(job.kind)], subject, JobState(job.state), job.total,
                   job.completed, job.error, job.is_stale(utcnow()), user.name if user else "tracker",
                   job.requested_at, job.finished_at, titles)


def _document_titles(session: Session, documents: list[ArchivedDocument]) -> list[tuple[ArchivedDocument, str]]:
    ids = {d.organisation_id for d in documents if d.organisation_id} | {-1}
    names = dict(session.exec(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())
    programs = dict(session.exec(select(Program.id, Program.short_name)).all())
    return sorted(((d, f"{names.get(d.organisation_id) or programs[d.program_id]}"
                    + (f" ({programs[d.program_id]})" if d.organisation_id else "")) for d in documents),
                  key=lambda pair: pair[1])


def recent_jobs(session: Session) -> list[JobView]:
    return [describe_job(session, job) for job in session.exec(
        select(GenerationJob).order_by(GenerationJob.requested_at.desc(), GenerationJob.id.desc()).limit(RECENT_JOBS))]
