"""Generation jobs: requested in the web app, run in the background, polled for progress.

The request only records the job; a background thread runs it, so a page never
waits for PDFs. Progress and the result live in the database, so any web worker
can answer the polling.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from flask import Flask
from sqlalchemy import update
from sqlmodel import Session, select

from tracker.accounts.models import User
from tracker.archive import generation
from tracker.archive.models import ArchivedDocument, DocumentKind, GenerationJob, JobState
from tracker.archive.service import Subject
from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.db import ENGINE_KEY
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Program


def request_job(session: Session, *, kind: DocumentKind, period: ReportingPeriod, program: Program | None = None,
                organisation: Organisation | None = None, user: User | None) -> tuple[GenerationJob, bool]:
    """Record a generation request, or find the same one already waiting or running; commits.

    Returns the job and whether it is new (and so must be started). `user` None
    is the scheduler (audited as the system): its request is only ever the same
    as another system request, since what a coordinator asked for while the
    tertial was still open is not the styrkort of the closed tertial.
    """
    now = utcnow()
    same = select(GenerationJob).where(
        GenerationJob.kind == kind, GenerationJob.period_id == period.id,
        GenerationJob.program_id == (program.id if program else None),
        GenerationJob.organisation_id == (organisation.id if organisation else None),
        GenerationJob.state.in_([JobState.queued, JobState.running]))
    if user is None:
        same = same.where(GenerationJob.requested_by_id.is_(None))
    for job in session.exec(same):
        if not job.is_stale(now):
            return job, False
    job = GenerationJob(kind=kind, period_id=period.id, program_id=program.id if program else None,
                        organisation_id=organisation.id if organisation else None,
                        requested_by_id=user.id if user else None)
    session.add(job)
    session.flush()
    audit.record(session, actor=user, action="archive.generation_requested", entity=job,
                 after={"kind": kind, "period": period.code, "program": program.slug if program else None,
                        "organisation": organisation.slug if organisation else None})
    session.commit()
    return job, True


def subjects_of(session: Session, job: GenerationJob) -> list[Subject]:
    """The documents a job makes."""
    from tracker.reports import service as reports

    period = session.get(ReportingPeriod, job.period_id)
    if job.kind == DocumentKind.scorecard:
        organisation = session.get(Organisation, job.organisation_id) if job.organisation_id else None
        return generation.scorecard_subjects(session, period=period, organisation=organisation)
    program = session.get(Program, job.program_id)
    if job.kind == DocumentKind.midterm:
        first, last = reports.midterm_range(session, program, period)
    elif job.kind == DocumentKind.final:
        first, last = reports.final_range(session, program)
    else:
        first, last = reports.annual_range(session, program, period.year)
    return [generation.report_subject(kind=DocumentKind(job.kind), program=program, first=first, last=last)]


def run_job(session: Session, root: Path, job_id: int, *, workers: int = 1) -> GenerationJob:
    """Run a recorded job to the end, keeping its progress up to date; never raises for a failed document."""
    claimed = session.execute(
        update(GenerationJob).where(GenerationJob.id == job_id, GenerationJob.state == JobState.queued)
        .values(state=JobState.running, started_at=utcnow(), heartbeat_at=utcnow()))
    session.commit()
    job = session.get(GenerationJob, job_id)
    if claimed.rowcount != 1:  # another process has it (or it has finished)
        return job
    user = session.get(User, job.requested_by_id) if job.requested_by_id else None
    try:
        subjects = subjects_of(session, job)
        job.total = len(subjects)
        session.commit()

        def advance(_document: ArchivedDocument | None) -> None:
            job.completed += 1
            job.heartbeat_at = utcnow()
            session.commit()

        generation.generate(session, root, subjects, generated_by_id=user.id if user else None,
                            generated_by_label=user.email if user else "tracker", job_id=job.id,
                            workers=workers, progress=advance)
        job.state = JobState.done
    except Exception as exc:  # the job records what went wrong; the user sees it when polling
        session.rollback()
        job = session.get(GenerationJob, job_id)
        job.state, job.error = JobState.failed, str(exc)[:2000]
    job.finished_at = utcnow()
    session.commit()
    return job


def documents_of(session: Session, job: GenerationJob) -> list[ArchivedDocument]:
    return list(session.exec(select(ArchivedDocument).where(ArchivedDocument.job_id == job.id)
                             .order_by(ArchivedDocument.key)))


# Background execution: one generation at a time per process, beside the web requests.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-generation")
_pending: set[Future] = set()
_lock = threading.Lock()


def run_in_background(app: Flask, job_id: int) -> Future:
    """Run the job on the background thread; the request returns at once."""
    future = _executor.submit(_run_with_app, app, job_id)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)
    return future


def wait_for_background_jobs(timeout: float | None = None) -> None:
    """Block until every background job started so far has finished (tests and shutdown)."""
    with _lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def _run_with_app(app: Flask, job_id: int) -> None:
    with app.app_context(), Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as session:
        run_job(session, Path(app.config["SCORECARD_DIR"]), job_id, workers=app.config["GENERATION_WORKERS"])
