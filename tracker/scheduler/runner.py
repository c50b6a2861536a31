"""Build the scheduler with its jobs, and run it once the single-runner lock is ours.

Schedules are in Europe/Stockholm; everything stored in the database stays UTC.
Jobs are module-level functions (APScheduler stores references to them), each
opening its own app context and session.
"""
from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlmodel import Session

from tracker.db import get_engine
from tracker.scheduler.lock import SchedulerLock

log = logging.getLogger(__name__)
TIMEZONE = ZoneInfo("Europe/Stockholm")
# Runs missed while the scheduler was down are made up once, however late, and never overlap.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
LOCK_POLL_SECONDS = 5.0

_app: Flask | None = None  # the app the jobs run in; set by build_scheduler


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[], object]
    trigger: str  # an APScheduler trigger alias: "interval", "cron", "date"
    trigger_args: dict = field(default_factory=dict)
    name: str = ""
    run_at_start: bool = False  # also run as soon as the scheduler starts


def _job_app() -> Flask:
    if _app is None:
        raise RuntimeError("Ingen app för schemalagda jobb: anropa build_scheduler(app) först.")
    return _app


def deliver_notifications() -> None:
    """Email the pending notifications that are due (retries included)."""
    from tracker.notifications.mail import mailer_from_config
    from tracker.notifications.service import deliver_pending

    app = _job_app()
    with app.app_context(), Session(get_engine(), expire_on_commit=False) as session:
        result = deliver_pending(session, mailer_from_config(app.config))
    if result.sent or result.failed or result.retried:
        log.info("E-post: %s skickade, %s misslyckade, %s försöks igen.", result.sent, result.failed,
                 result.retried)


JOBS: list[JobSpec] = [
    JobSpec(id="deliver_notifications", func=deliver_notifications, trigger="interval",
            trigger_args={"minutes": 5}, name="Skicka e-postaviseringar", run_at_start=True),
]


def build_scheduler(app: Flask, *, blocking: bool = False) -> BackgroundScheduler | BlockingScheduler:
    """A scheduler (not started) with every job in JOBS, in Stockholm time."""
    global _app
    _app = app
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone=TIMEZONE, job_defaults=dict(JOB_DEFAULTS))
    for spec in JOBS:
        extra = {"next_run_time": datetime.now(TIMEZONE)} if spec.run_at_start else {}
        scheduler.add_job(spec.func, spec.trigger, id=spec.id, name=spec.name or spec.id,
                          replace_existing=True, **spec.trigger_args, **extra)
    return scheduler


def run(app: Flask, *, stop_event: threading.Event | None = None, poll: float = LOCK_POLL_SECONDS,
        started: threading.Event | None = None) -> None:
    """Wait for the lock, then run the jobs until stopped (SIGTERM/SIGINT, or `stop_event`).

    `started` is set once the lock is held and the scheduler runs.
    """
    stop_event = stop_event or threading.Event()
    restore = _handle_signals(stop_event)
    lock = SchedulerLock(app.config["DATABASE_URL"], poll=poll)
    try:
        if not lock.acquire(blocking=True, stop_event=stop_event):
            log.info("Schemaläggaren stoppades innan låset togs.")
            return
        scheduler = build_scheduler(app)
        scheduler.start()
        if started is not None:
            started.set()
        log.info("Schemaläggaren körs: %s.", ", ".join(job.id for job in scheduler.get_jobs()))
        try:
            while not stop_event.wait(1.0):
                pass
        finally:
            scheduler.shutdown(wait=True)  # a running job finishes before the lock is released
            log.info("Schemaläggaren stoppad.")
    finally:
        lock.release()
        restore()


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
