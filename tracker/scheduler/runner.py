"""Build the scheduler with its jobs, and run it while the single-runner lock is ours.

Schedules are in Europe/Stockholm; everything stored in the database stays UTC.
The schedule lives in APScheduler's SQLAlchemy job store (table `apscheduler_jobs`,
outside our migrations), so a run missed while no scheduler was running is still
due when one starts again: it is made up once (coalesced), however late.
"""
from __future__ import annotations

import atexit
import logging
import signal
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlmodel import Session

from tracker import clock
from tracker.db import ENGINE_KEY
from tracker.scheduler import registry, runs
from tracker.scheduler.lock import SchedulerLock

log = logging.getLogger(__name__)
TIMEZONE = registry.TIMEZONE
# Runs missed while the scheduler was down are made up once, however late, and never overlap.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
LOCK_POLL_SECONDS = 5.0  # how often a waiting scheduler tries to take the lock
LOCK_CHECK_SECONDS = 10.0  # how often the running scheduler checks that the lock is still its own
ENTRY_POINT = f"{runs.run_scheduled.__module__}:{runs.run_scheduled.__name__}"


def build_scheduler(app: Flask) -> BackgroundScheduler:
    """A scheduler (not started) keeping its jobs in the database, in Stockholm time."""
    runs.set_app(app)
    store = SQLAlchemyJobStore(engine=app.extensions[ENGINE_KEY], tablename=runs.JOBSTORE_TABLE)
    return BackgroundScheduler(jobstores={"default": store}, timezone=TIMEZONE, job_defaults=dict(JOB_DEFAULTS))


def start(scheduler: BackgroundScheduler, config: Mapping[str, Any]) -> None:
    """Start paused, bring the stored jobs in line with the registry, then let due runs go."""
    scheduler.start(paused=True)
    reconcile(scheduler, config, now=clock.utcnow().astimezone(TIMEZONE))
    scheduler.resume()


def reconcile(scheduler: BackgroundScheduler, config: Mapping[str, Any], *, now: datetime) -> None:
    """Add new jobs, reschedule changed ones and remove old ones; keep the rest as stored.

    A kept job keeps its stored next run time, even one in the past: that is a
    missed run, made up as soon as the scheduler resumes. Jobs that look at
    today's state (`run_at_start`) also run at every start.
    """
    stored = {job.id: job for job in scheduler.get_jobs()}
    for spec in registry.JOBS:
        trigger = spec.trigger(config)
        job = stored.pop(spec.id, None)
        if job is None:
            scheduler.add_job(runs.run_scheduled, trigger, args=[spec.id], id=spec.id, name=spec.id)
        elif str(job.trigger) != str(trigger) or job.func_ref != ENTRY_POINT or tuple(job.args) != (spec.id,):
            log.info("Schemat för %s har ändrats: %s → %s.", spec.id, job.trigger, trigger)
            scheduler.modify_job(spec.id, func=runs.run_scheduled, args=[spec.id])
            scheduler.reschedule_job(spec.id, trigger=trigger)
        if spec.run_at_start:
            scheduler.modify_job(spec.id, next_run_time=now)
    for job_id in stored:
        log.info("Tar bort jobbet %s, som inte längre finns.", job_id)
        scheduler.remove_job(job_id)


def run(app: Flask, *, stop_event: threading.Event | None = None, poll: float = LOCK_POLL_SECONDS,
        check_every: float = LOCK_CHECK_SECONDS, started: threading.Event | None = None,
        listener: Callable[[str], None] | None = None) -> None:
    """Wait for the lock, then run the jobs until stopped (SIGTERM/SIGINT, or `stop_event`).

    If the lock is lost while running (the PostgreSQL session ends, the lock file
    goes), the scheduler stops at once and waits for the lock again: two schedulers
    never run jobs side by side for longer than one check. `started` is set, and
    `listener` hears "started", "lost" and "stopped", as that happens.
    """
    stop_event = stop_event or threading.Event()
    tell = listener or (lambda _event: None)
    restore = _handle_signals(stop_event)
    lock = SchedulerLock(app.config["DATABASE_URL"], poll=poll)
    try:
        while lock.acquire(blocking=True, stop_event=stop_event):
            lost = _run_while_locked(app, lock, stop_event, check_every, started, tell)
            lock.release()
            if not lost:
                break
            log.error("Schemaläggningslåset förlorades; jobben stoppades. Väntar på att ta låset igen.")
            tell("lost")
        log.info("Schemaläggaren stoppad.")
        tell("stopped")
    finally:
        lock.release()
        restore()


def _run_while_locked(app: Flask, lock: SchedulerLock, stop_event: threading.Event, check_every: float,
                      started: threading.Event | None, tell: Callable[[str], None]) -> bool:
    """Run the scheduler until stopped (False) or until the lock is lost (True)."""
    with Session(app.extensions[ENGINE_KEY]) as session:
        if interrupted := runs.mark_interrupted(session):
            log.warning("%s körning(ar) avbröts när förra schemaläggaren stannade.", interrupted)
    scheduler = build_scheduler(app)
    start(scheduler, app.config)
    try:
        log.info("Schemaläggaren körs: %s.", ", ".join(job.id for job in scheduler.get_jobs()))
        if started is not None:
            started.set()
        tell("started")
        while not stop_event.wait(check_every):
            if not lock.healthy():
                return True
        return False
    finally:
        scheduler.shutdown(wait=True)  # a running job finishes before the lock is released


def start_embedded(app: Flask) -> threading.Thread:
    """Run the scheduler on a thread of this process (`make run`); it stops when the process exits.

    The lock still applies: a second development process waits instead of running jobs twice.
    """
    configure_logging()
    stop_event = threading.Event()
    thread = threading.Thread(target=run, args=(app,), kwargs={"stop_event": stop_event}, daemon=True,
                              name="tracker-scheduler")
    thread.start()

    def stop() -> None:
        stop_event.set()
        thread.join(timeout=60)

    atexit.register(stop)
    return thread


def configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _handle_signals(stop_event: threading.Event) -> Callable[[], None]:
    """Stop on SIGTERM/SIGINT (only the main thread can install handlers); returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum, _frame) -> None:
        log.info("Signal %s: stoppar schemaläggaren.", signal.Signals(signum).name)
        stop_event.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
