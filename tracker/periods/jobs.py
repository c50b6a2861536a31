"""Scheduled tertial jobs: open each tertial on its first day, close it after its deadline and grace days.

Both go through the calendar's service, audited with the system as actor, and
decide from the database what is due, so a run made twice (or again after the
process died) does nothing twice.

A tertial closed by the scheduler always ends up with its styrkort. The close
and the system's request for them are committed together, and every run then
looks at each closed tertial's newest system request (`requested_by_id` None,
the whole tertial) and finishes it:

- queued: the run that requested it died before generating; it is run now;
- running, but stale (no progress for `STALE_AFTER`): the process died while
  generating; it is marked failed and a new request is run;
- failed: requested again and run, up to `MAX_ATTEMPTS` requests in a row; then
  it is left to the coordinators (named in the summary until one of them has
  generated the tertial's styrkort);
- running and not stale, or done: left alone.

A generation that fails in a run makes the run raise, after its closes are committed.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from tracker.archive import jobs as archive_jobs
from tracker.archive.models import DocumentKind, GenerationJob, JobState
from tracker.audit.models import AuditEvent
from tracker.clock import local_day
from tracker.periods import service as periods
from tracker.periods import yearly
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.seeding.files import read_periods

MAX_ATTEMPTS = 3  # system requests in a row for one tertial's styrkort before they are left to coordinators
INTERRUPTED = "Avbröts: processen som skapade styrkorten slutade svara."


class ScorecardsNotGenerated(RuntimeError):
    """The styrkort of a closed tertial could not be generated; what the run did is in the message."""


def short_label(period: ReportingPeriod) -> str:
    return f"T{period.number} {period.year}"


def joined(tertials: list[ReportingPeriod]) -> str:
    """"T1 2026", "T1 2026 och T2 2026", "T3 2025, T1 2026 och T2 2026"."""
    labels = [short_label(p) for p in tertials]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} och {labels[-1]}"


def extend_calendar(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """Create the tertials of every year a programme runs, up to next year, with the default deadlines."""
    created = extend_from_seed(session, today=local_day(now), config=config)
    if created is None:
        return f"Ingen standardkalender: {Path(config['SEED_DIR']) / 'periods.yaml'} finns inte."
    return f"Skapade {joined(created)}." if created else "Kalendern har redan alla tertialer."


def extend_from_seed(session: Session, *, today, config: Mapping[str, Any]) -> list[ReportingPeriod] | None:
    """The calendar rule with seeds/periods.yaml's first tertial and deadlines; commits. None without the file."""
    located = read_periods(Path(config["SEED_DIR"]))
    if located is None:
        return None
    seed = located.value
    deadlines = {number: row.deadline() for number, row in seed.deadlines.items()}
    created = yearly.extend_calendar(session, deadlines=deadlines, today=today,
                                     first=periods.parse_period_code(seed.first))
    session.commit()
    return created


def open_due_periods(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """Open each upcoming tertial whose first day has come, unless its deadline has passed too."""
    today = local_day(now)
    due = session.exec(
        select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.upcoming, ReportingPeriod.starts_on <= today)
        .order_by(ReportingPeriod.year, ReportingPeriod.number).with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    opened = [p for p in due if today <= p.deadline]
    missed = [p for p in due if today > p.deadline]  # opening it now would only let it be closed again
    for period in opened:
        periods.open_period(session, period=period, actor=None)
    session.commit()
    summary = [f"Öppnade {joined(opened)}." if opened else "Inget att öppna."]
    if missed:
        summary.append(f"{joined(missed)} öppnades inte: sista dagen för rapportering har redan passerat.")
    return " ".join(summary)


def close_due_periods(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """Close each open tertial whose deadline and grace days have passed, and generate its styrkort."""
    if not config.get("AUTO_CLOSE", True):
        return "Automatisk stängning är avstängd (TRACKER_AUTO_CLOSE)."
    grace = timedelta(days=config.get("CLOSE_GRACE_DAYS", 7))
    today = local_day(now)
    summary: list[str] = []
    closed_now: set[int] = set()
    for period_id in session.exec(
            select(ReportingPeriod.id).where(ReportingPeriod.state == PeriodState.open,
                                             ReportingPeriod.deadline < today - grace)
            .order_by(ReportingPeriod.year, ReportingPeriod.number)).all():
        period = session.exec(select(ReportingPeriod).where(ReportingPeriod.id == period_id,
                                                            ReportingPeriod.state == PeriodState.open)
                              .with_for_update().execution_options(populate_existing=True)).first()
        if period is None:  # closed by a coordinator meanwhile
            continue
        if _opened_again_by_hand(session, period, grace):
            session.rollback()
            summary.append(f"{short_label(period)} lämnades öppen: en samordnare öppnade den igen efter "
                           "sista dagen (flytta sista dagen för att den ska stängas automatiskt).")
            continue
        periods.close_period(session, period=period, actor=None, confirmed=True)
        # request_job commits: the close and the request for its styrkort are written together.
        archive_jobs.request_job(session, kind=DocumentKind.scorecard, period=period, user=None)
        closed_now.add(period.id)
    session.commit()
    failures = _finish_scorecards(session, now=now, config=config, closed_now=closed_now, summary=summary)
    line = " ".join(summary) or "Inget att stänga."
    if failures:
        raise ScorecardsNotGenerated(f"{line} {' '.join(failures)}")
    return line


def _opened_again_by_hand(session: Session, period: ReportingPeriod, grace: timedelta) -> bool:
    """A coordinator opened the tertial (again) after its deadline and grace: they decide when it closes."""
    opened = session.exec(
        select(AuditEvent).where(AuditEvent.action == "period.opened",
                                 AuditEvent.entity_type == ReportingPeriod.__tablename__,
                                 AuditEvent.entity_id == str(period.id))
        .order_by(AuditEvent.id.desc())
    ).first()
    return (opened is not None and opened.actor_id is not None
            and local_day(opened.occurred_at) > period.deadline + grace)


def _finish_scorecards(session: Session, *, now: datetime, config: Mapping[str, Any], closed_now: set[int],
                       summary: list[str]) -> list[str]:
    """Run or retry each closed tertial's unfinished system request; returns what failed in this run."""
    failures: list[str] = []
    for period, requests in _system_requests(session):
        job, label = requests[0], short_label(period)
        if job.state == JobState.running and job.is_stale(now):
            job = _mark_interrupted(session, job, now)
        if job.state == JobState.done:
            continue
        if job.state == JobState.running:  # alive elsewhere; taken over once it is stale
            summary.append(f"Styrkorten för {label} skapas redan (jobb {job.id}).")
            continue
        if job.state == JobState.failed:
            attempts = next((i for i, r in enumerate(requests) if r.state != JobState.failed), len(requests))
            if attempts >= MAX_ATTEMPTS:
                if not _generated_by_hand(session, period, after=job):
                    summary.append(f"Styrkorten för {label} kunde inte skapas efter {attempts} försök: "
                                   "skapa dem under Arkiv.")
                continue
            job, _created = archive_jobs.request_job(session, kind=DocumentKind.scorecard, period=period, user=None)
        job = archive_jobs.run_job(session, Path(config["SCORECARD_DIR"]), job.id,
                                   workers=config.get("GENERATION_WORKERS", 1))
        count = len(archive_jobs.documents_of(session, job))
        if period.id in closed_now:
            summary.append(f"Stängde {label} och skapade {count} styrkort.")
        else:
            summary.append(f"Skapade {count} styrkort för {label} (ett avbrutet eller misslyckat jobb gjordes om).")
        if job.state == JobState.failed:
            failures.append(f"Styrkorten för {label} kunde inte skapas: {job.error}")
    return failures


def _system_requests(session: Session) -> list[tuple[ReportingPeriod, list[GenerationJob]]]:
    """Each closed tertial with the system's requests for all its styrkort, newest first."""
    rows = session.exec(
        select(ReportingPeriod, GenerationJob).join(GenerationJob, GenerationJob.period_id == ReportingPeriod.id)
        .where(ReportingPeriod.state == PeriodState.closed, GenerationJob.kind == DocumentKind.scorecard,
               GenerationJob.requested_by_id.is_(None), GenerationJob.program_id.is_(None),
               GenerationJob.organisation_id.is_(None))
        .order_by(ReportingPeriod.year, ReportingPeriod.number, GenerationJob.id.desc())
        .execution_options(populate_existing=True)  # what other processes wrote, not what this session last saw
    ).all()
    grouped: dict[int, tuple[ReportingPeriod, list[GenerationJob]]] = {}
    for period, job in rows:
        grouped.setdefault(period.id, (period, []))[1].append(job)
    return list(grouped.values())


def _mark_interrupted(session: Session, job: GenerationJob, now: datetime) -> GenerationJob:
    """Record that a running job's process died (unless it finished in the meantime)."""
    session.execute(update(GenerationJob).where(GenerationJob.id == job.id, GenerationJob.state == JobState.running)
                    .values(state=JobState.failed, error=INTERRUPTED, finished_at=now))
    session.commit()
    session.refresh(job)
    return job


def _generated_by_hand(session: Session, period: ReportingPeriod, *, after: GenerationJob) -> bool:
    """A coordinator generated all the tertial's styrkort since the system's last request."""
    return session.exec(
        select(GenerationJob.id).where(GenerationJob.period_id == period.id,
                                       GenerationJob.kind == DocumentKind.scorecard,
                                       GenerationJob.organisation_id.is_(None), GenerationJob.id > after.id,
                                       GenerationJob.state == JobState.done)
    ).first() is not None
