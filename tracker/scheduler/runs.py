"""Running a scheduled job and recording the run; "Kör nu"; what the jobs page shows.

Every run, scheduled or manual, goes through `execute`: a `JobRun` row is written
first, the job runs in a session of its own (its failure rolls back only its own
work), and the outcome and the job's summary (or the error) are written last.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.db import ENGINE_KEY
from tracker.scheduler import registry
from tracker.scheduler.models import JobRun, RunOutcome, RunTrigger

log = logging.getLogger(__name__)
JOBSTORE_TABLE = "apscheduler_jobs"
# The delivery job runs every 5 minutes: a next run this far in the past means no scheduler is running.
SCHEDULER_SILENT_AFTER = timedelta(minutes=15)

_app: Flask | None = None  # the app scheduled runs use; set by the runner


class RunRefused(Exception):
    """"Kör nu" cannot start: the message says why."""


def set_app(app: Flask) -> None:
    global _app
    _app = app


def run_scheduled(job_id: str) -> None:
    """APScheduler's entry point (a module-level function, so the job store can keep a reference)."""
    if _app is None:
        raise RuntimeError("Ingen app för schemalagda jobb: starta dem med tracker.scheduler.runner.")
    execute(_app, job_id)


def _process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def execute(app: Flask, job_id: str, *, run_id: int | None = None) -> JobRun:
    """Run a job now and record the run (a scheduled one, or the manual run `run_id`); never raises."""
    spec = registry.get(job_id)
    if spec is None:
        raise KeyError(job_id)
    engine = app.extensions[ENGINE_KEY]
    with app.app_context():
        with Session(engine, expire_on_commit=False) as session:
            run = session.get(JobRun, run_id) if run_id else JobRun(job_id=job_id, trigger=RunTrigger.scheduled)
            run.process = _process()
            session.add(run)
            session.commit()
        with Session(engine, expire_on_commit=False) as work:
            try:
                message, outcome = spec.function()(work, now=utcnow(), config=app.config), RunOutcome.ok
            except Exception as error:  # noqa: BLE001  (recorded and shown on the jobs page)
                work.rollback()
                log.exception("Jobbet %s misslyckades.", job_id)
                message, outcome = f"{type(error).__name__}: {error}", RunOutcome.error
        with Session(engine, expire_on_commit=False) as session:
            run = session.get(JobRun, run.id)
            run.outcome, run.finished_at, run.message = outcome, utcnow(), (message or "")[:4000]
            session.add(run)
            session.commit()
    log.info("Jobbet %s: %s – %s", job_id, outcome.value, run.message)
    return run


def mark_interrupted(session: Session) -> int:
    """Scheduled runs still "running" when a scheduler takes the lock died with their process."""
    count = session.execute(
        update(JobRun).where(JobRun.outcome == RunOutcome.running, JobRun.trigger == RunTrigger.scheduled)
        .values(outcome=RunOutcome.interrupted, finished_at=utcnow(),
                message="Processen stoppades innan jobbet var klart.")
    ).rowcount
    session.commit()
    return count


# "Kör nu"

def request_run(session: Session, job_id: str, *, actor) -> JobRun:
    """Record a manual run (audited), unless the job is running now; the caller starts it."""
    spec = registry.get(job_id)
    if spec is None:
        raise KeyError(job_id)
    if running_run(session, job_id, utcnow()) is not None:
        raise RunRefused(_("%(job)s körs redan. Vänta tills körningen är klar.", job=_(spec.name)))
    run = JobRun(job_id=job_id, trigger=RunTrigger.manual, triggered_by_id=actor.id)
    session.add(run)
    session.flush()
    audit.record(session, actor=actor, action="scheduler.run_requested", entity=run, after={"job": job_id})
    session.commit()
    return run


def running_run(session: Session, job_id: str, now: datetime) -> JobRun | None:
    for run in session.exec(select(JobRun).where(JobRun.job_id == job_id, JobRun.outcome == RunOutcome.running)
                            .order_by(col(JobRun.started_at).desc())):
        if run.shown_outcome(now) == RunOutcome.running:
            return run
    return None


_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tracker-manual-job")
_pending: set[Future] = set()
_lock = threading.Lock()


def start_in_background(app: Flask, run: JobRun) -> Future:
    future = _executor.submit(execute, app, run.job_id, run_id=run.id)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)
    return future


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def wait_for_manual_runs(timeout: float | None = None) -> None:
    """Block until the manual runs started so far have ended (tests and shutdown)."""
    with _lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)


# The jobs page

@dataclass
class JobStatus:
    spec: registry.JobSpec
    next_run_at: datetime | None
    last: JobRun | None  # the latest run that has ended
    running: JobRun | None


def next_run_times(session: Session) -> dict[str, datetime] | None:
    """Next run per job from APScheduler's table; None if no scheduler has ever started here."""
    engine = session.get_bind()
    if not sa.inspect(engine).has_table(JOBSTORE_TABLE):
        return None
    table = sa.table(JOBSTORE_TABLE, sa.column("id"), sa.column("next_run_time"))
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table.c.id, table.c.next_run_time)).all()
    return {job_id: datetime.fromtimestamp(float(when), UTC) for job_id, when in rows if when is not None}


def overview(session: Session, now: datetime) -> tuple[list[JobStatus], dict[str, datetime] | None]:
    """Every job with its next run, its last ended run and any run in progress (a small query per job)."""
    next_runs = next_run_times(session)
    return [status_of(session, spec, now, next_runs) for spec in registry.JOBS], next_runs


def status_of(session: Session, spec: registry.JobSpec, now: datetime,
              next_runs: dict[str, datetime] | None = None) -> JobStatus:
    next_runs = next_run_times(session) if next_runs is None else next_runs
    latest = list(session.exec(select(JobRun).where(JobRun.job_id == spec.id)
                               .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc()).limit(5)))
    running = next((r for r in latest if r.shown_outcome(now) == RunOutcome.running), None)
    last = next((r for r in latest if r.shown_outcome(now) != RunOutcome.running), None)
    return JobStatus(spec, (next_runs or {}).get(spec.id), last, running)


def scheduler_silent(next_runs: dict[str, datetime] | None, now: datetime) -> bool:
    """True if no scheduler has started, or the frequent delivery job is long overdue."""
    if not next_runs or "deliver_notifications" not in next_runs:
        return True
    return next_runs["deliver_notifications"] < now - SCHEDULER_SILENT_AFTER


def history(session: Session, job_id: str, *, limit: int = 50) -> list[JobRun]:
    return list(session.exec(select(JobRun).where(JobRun.job_id == job_id)
                             .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc()).limit(limit)))

