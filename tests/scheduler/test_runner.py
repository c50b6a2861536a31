"""The scheduler: jobs kept in the database, missed runs made up once, lock loss, and recorded runs."""
from __future__ import annotations

import queue
import threading
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from sqlalchemy import text
from sqlmodel import Session, select

from tests.conftest import PG_URL
from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.clock import utcnow
from tracker.db import ENGINE_KEY
from tracker.scheduler import registry, runner, runs
from tracker.scheduler.lock import SchedulerLock, lock_file_for
from tracker.scheduler.models import JobRun, RunOutcome, RunTrigger

TIMEOUT = 30
STOCKHOLM = registry.TIMEZONE


def failing_job(session, *, now, config):
    raise ValueError("något gick snett")


def counting_job(session, *, now, config):
    return f"körde {now.isoformat()}"


@pytest.fixture
def quiet_app(app, tmp_path):
    """Jobs that would touch the outside world write to the test's own folders."""
    app.config.update(OUTBOX_DIR=tmp_path / "outbox", SMTP_HOST=None, BACKUP_DIR=tmp_path / "backups")
    return app


def _runs(app, job_id: str | None = None) -> list[JobRun]:
    with Session(app.extensions[ENGINE_KEY]) as check:
        query = select(JobRun).order_by(JobRun.id)
        return list(check.exec(query.where(JobRun.job_id == job_id) if job_id else query))


def _stored_next_runs(app) -> dict[str, datetime]:
    with Session(app.extensions[ENGINE_KEY]) as check:
        return runs.next_run_times(check)


def _start_and_stop(app, *, wait_for: set[str] = frozenset()) -> None:
    """Start the scheduler, wait until the jobs in `wait_for` have run once, and stop it."""
    scheduler = runner.build_scheduler(app)
    done: set[str] = set()
    finished = threading.Event()

    def heard(event) -> None:
        done.add(event.job_id)
        if wait_for <= done:
            finished.set()

    scheduler.add_listener(heard, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    runner.start(scheduler, app.config)
    try:
        if wait_for:
            assert finished.wait(TIMEOUT), f"ran {done}, waited for {wait_for}"
    finally:
        scheduler.shutdown(wait=True)


def test_first_start_stores_every_job_in_stockholm_time(quiet_app):
    start = datetime(2026, 11, 20, 12, 0, tzinfo=STOCKHOLM)  # a Friday
    at_start = {spec.id for spec in registry.JOBS if spec.run_at_start}
    with time_machine.travel(start, tick=False):
        _start_and_stop(quiet_app, wait_for=at_start)
    stored = _stored_next_runs(quiet_app)
    assert set(stored) == set(registry.BY_ID)
    local = {job_id: when.astimezone(STOCKHOLM) for job_id, when in stored.items()}
    assert local["weekly_digest"] == datetime(2026, 11, 23, 7, 30, tzinfo=STOCKHOLM)
    assert local["nightly_backup"] == datetime(2026, 11, 21, 2, 30, tzinfo=STOCKHOLM)
    assert local["effect_goal_reminders"] == datetime(2027, 1, 15, 8, 0, tzinfo=STOCKHOLM)
    assert local["open_periods"] == datetime(2026, 11, 21, 0, 5, tzinfo=STOCKHOLM)
    # The jobs that look at today's state ran at start, once each, and nothing else did.
    assert sorted(run.job_id for run in _runs(quiet_app)) == sorted(at_start)
    assert all(run.trigger == RunTrigger.scheduled for run in _runs(quiet_app))


def test_runs_missed_while_stopped_are_made_up_once_at_start(quiet_app):
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=STOCKHOLM), tick=False):
        _start_and_stop(quiet_app, wait_for={"deliver_notifications"})
    # Down for three Mondays: one weekly digest is made up, not three.
    with time_machine.travel(datetime(2026, 12, 9, 9, 0, tzinfo=STOCKHOLM), tick=False):
        _start_and_stop(quiet_app, wait_for={"weekly_digest", "nightly_backup", "deliver_notifications"})
    assert len(_runs(quiet_app, "weekly_digest")) == 1
    assert len(_runs(quiet_app, "nightly_backup")) == 1
    assert _runs(quiet_app, "effect_goal_reminders") == []  # its day has not come
    local = _stored_next_runs(quiet_app)["weekly_digest"].astimezone(STOCKHOLM)
    assert local == datetime(2026, 12, 14, 7, 30, tzinfo=STOCKHOLM)


def test_a_changed_schedule_is_rescheduled_and_a_removed_job_dropped(quiet_app):
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=STOCKHOLM), tick=False):
        scheduler = runner.build_scheduler(quiet_app)
        scheduler.start(paused=True)
        runner.reconcile(scheduler, quiet_app.config, now=datetime.now(STOCKHOLM))
        scheduler.add_job(runs.run_scheduled, "interval", args=["retired"], id="retired", minutes=1)
        quiet_app.config["EFFECT_GOAL_REMINDER"] = (2, 1)
        runner.reconcile(scheduler, quiet_app.config, now=datetime.now(STOCKHOLM))
        jobs = {job.id: job for job in scheduler.get_jobs()}
        scheduler.shutdown(wait=False)
    assert "retired" not in jobs
    assert jobs["effect_goal_reminders"].next_run_time == datetime(2027, 2, 1, 8, 0, tzinfo=STOCKHOLM)
    assert (jobs["weekly_digest"].coalesce, jobs["weekly_digest"].max_instances,
            jobs["weekly_digest"].misfire_grace_time) == (True, 1, None)


def test_execute_records_the_summary_or_the_error(quiet_app, monkeypatch):
    monkeypatch.setitem(registry.BY_ID, "failing", registry.JobSpec(
        "failing", f"{__name__}:failing_job", "Fel", "", registry.JOBS[0].trigger, registry.JOBS[0].schedule))
    monkeypatch.setitem(registry.BY_ID, "counting", registry.JobSpec(
        "counting", f"{__name__}:counting_job", "Räkna", "", registry.JOBS[0].trigger, registry.JOBS[0].schedule))
    with time_machine.travel(datetime(2026, 3, 1, 10, 0, tzinfo=STOCKHOLM), tick=False):
        ok = runs.execute(quiet_app, "counting")
    failed = runs.execute(quiet_app, "failing")
    assert (ok.outcome, ok.message) == (RunOutcome.ok, "körde 2026-03-01T09:00:00+00:00")  # UTC in, UTC stored
    assert failed.outcome == RunOutcome.error
    assert failed.message == "ValueError: något gick snett"
    assert failed.finished_at is not None and failed.process


def test_a_scheduled_run_left_running_is_marked_interrupted_when_a_scheduler_starts(quiet_app, session):
    session.add(JobRun(job_id="close_periods", trigger=RunTrigger.scheduled))
    manual = JobRun(job_id="close_periods", trigger=RunTrigger.manual)
    session.add(manual)
    session.commit()
    assert runs.mark_interrupted(session) == 1
    outcomes = {run.trigger: run.outcome for run in _runs(quiet_app)}
    # A manual run belongs to a web process, which may still be running it.
    assert outcomes == {RunTrigger.scheduled: RunOutcome.interrupted, RunTrigger.manual: RunOutcome.running}


def _run_in_thread(app, events: queue.Queue, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=runner.run, args=(app,), kwargs={
        "stop_event": stop, "poll": 0.05, "check_every": 0.05, "listener": events.put})
    thread.start()
    return thread


def _expect(events: queue.Queue, wanted: str) -> None:
    try:
        assert events.get(timeout=TIMEOUT) == wanted
    except queue.Empty:
        pytest.fail(f"no {wanted!r} within {TIMEOUT} s")


def _lose_lock_and_recover(app, lose) -> None:
    events: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    thread = _run_in_thread(app, events, stop)
    try:
        _expect(events, "started")
        lose()
        _expect(events, "lost")  # it stopped running jobs
        _expect(events, "started")  # and took the lock again
        other = SchedulerLock(app.config["DATABASE_URL"])
        assert other.acquire(blocking=False) is False
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert not thread.is_alive()
    _expect(events, "stopped")
    lock = SchedulerLock(app.config["DATABASE_URL"])
    assert lock.acquire(blocking=False)  # released on stop
    lock.release()


@pytest.mark.skipif(bool(PG_URL), reason="SQLite file lock")
def test_a_removed_lock_file_stops_the_jobs_until_the_lock_is_taken_again(quiet_app):
    lock_file = lock_file_for(SchedulerLock(quiet_app.config["DATABASE_URL"]).url)
    _lose_lock_and_recover(quiet_app, lambda: Path(lock_file).unlink())


@pytest.mark.skipif(not (PG_URL or "").startswith("postgresql"), reason="needs PostgreSQL")
def test_a_lost_postgresql_lock_session_stops_the_jobs_until_the_lock_is_taken_again(quiet_app):
    def terminate() -> None:
        with quiet_app.extensions[ENGINE_KEY].begin() as connection:
            ended = connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'tracker scheduler' AND pid <> pg_backend_pid()")).all()
        assert ended == [(True,)]

    _lose_lock_and_recover(quiet_app, terminate)


def test_manual_run_is_recorded_audited_and_shown(quiet_app, client, login, make_user, session):
    coordinator = make_user(Role.coordinator)
    login(coordinator)
    response = client.post("/schemalagda-jobb/deliver_notifications/kor", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="job-deliver_notifications"' in response.text
    runs.wait_for_manual_runs(TIMEOUT)
    [run] = _runs(quiet_app, "deliver_notifications")
    assert (run.trigger, run.triggered_by_id, run.outcome) == (RunTrigger.manual, coordinator.id, RunOutcome.ok)
    session.rollback()
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "scheduler.run_requested")).one()
    assert (audit.actor_id, audit.entity_id) == (coordinator.id, str(run.id))
    row = client.get("/schemalagda-jobb/deliver_notifications/status")
    assert "hx-trigger" not in row.text  # finished: no more polling
    assert "OK" in row.text and run.message in row.text
    page = client.get("/schemalagda-jobb/deliver_notifications")
    assert coordinator.name in page.text and "Manuell" in page.text


def test_run_now_is_refused_while_the_job_runs(quiet_app, session, make_user):
    session.add(JobRun(job_id="nightly_backup", trigger=RunTrigger.scheduled, started_at=utcnow()))
    session.commit()
    with pytest.raises(runs.RunRefused, match="körs redan"):
        runs.request_run(session, "nightly_backup", actor=make_user(Role.admin))
    assert len(_runs(quiet_app, "nightly_backup")) == 1


def test_jobs_page_lists_every_job_and_warns_when_no_scheduler_runs(quiet_app, client, login, make_user):
    login(make_user(Role.admin))
    page = client.get("/schemalagda-jobb/")
    assert page.status_code == 200
    for spec in registry.JOBS:
        assert spec.name in page.text
    assert "Schemaläggaren har inte startats" in page.text
    assert "Varje dag kl. 00.05" in page.text and "Den 15 januari varje år kl. 08.00" in page.text
