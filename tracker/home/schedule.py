"""What is coming, for the start page: the next scheduled jobs and this year's deadlines for the development funds."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from tracker.funds.models import FundYear
from tracker.funds.reminders import Deadline, report_states
from tracker.scheduler import registry, runs

NEXT_JOBS = 4  # how many of the coming runs the start page lists

FUNDS_DEADLINE_LABELS = {
    Deadline.requisition: _l("Rekvisition till Socialstyrelsen"),
    "internal": _l("Nämndernas återrapport"),
    Deadline.report: _l("Återrapport till Socialstyrelsen"),
    Deadline.repayment: _l("Återbetalning"),
}


@dataclass(frozen=True)
class NextJob:
    spec: registry.JobSpec
    at: datetime


@dataclass(frozen=True)
class NextJobs:
    jobs: list[NextJob]
    scheduler_started: bool  # False: the times are the schedule's, no scheduler has run here


@dataclass(frozen=True)
class FundsDeadline:
    kind: str  # a Deadline, or "internal" (the nämnder's own)
    day: date
    passed: bool

    @property
    def label(self) -> str:
        return str(FUNDS_DEADLINE_LABELS[self.kind])


@dataclass(frozen=True)
class FundsYearDeadlines:
    fund_year: FundYear
    deadlines: list[FundsDeadline]
    committees: int  # nämnder in the year's allocation
    not_submitted: int  # of those, without a submitted usage report


def next_jobs(session: Session, *, now: datetime, config: Mapping[str, Any], limit: int = NEXT_JOBS) -> NextJobs:
    """The next runs, soonest first: from the scheduler's own table, or from each job's schedule if none ran here."""
    stored = runs.next_run_times(session)
    times: dict[str, datetime] = {}
    for spec in registry.JOBS:
        if stored is not None:
            at = stored.get(spec.id)
        else:
            at = spec.trigger(config).get_next_fire_time(None, now)
        if at is not None:
            times[spec.id] = at
    jobs = sorted((NextJob(registry.BY_ID[job_id], at) for job_id, at in times.items()), key=lambda job: job.at)
    return NextJobs(jobs[:limit], scheduler_started=stored is not None)


def _deadlines(fund_year: FundYear, today: date) -> list[FundsDeadline]:
    days = {
        Deadline.requisition: fund_year.requisition_deadline,
        "internal": fund_year.internal_deadline,
        Deadline.report: fund_year.report_deadline,
        # The invoice's due date, when recorded, is the day that counts (as the funds reminders read it).
        Deadline.repayment: fund_year.repayment_due_on or fund_year.repayment_deadline,
    }
    return sorted((FundsDeadline(kind, day, day < today) for kind, day in days.items() if day is not None),
                  key=lambda deadline: deadline.day)


def funds_deadlines(session: Session, *, today: date) -> list[FundsYearDeadlines]:
    """Grant years with a deadline this year or later, with how many nämnder have not reported (two queries).

    The nämnder that must report are the rows of the year's allocation, as the funds reminders count them.
    """
    chosen = []
    for fund_year in session.exec(select(FundYear).order_by(FundYear.year)):
        deadlines = [d for d in _deadlines(fund_year, today) if d.day.year >= today.year]
        if deadlines or fund_year.year == today.year:
            chosen.append((fund_year, deadlines))
    states = report_states(session, [fund_year for fund_year, _deadlines in chosen])
    out = []
    for fund_year, deadlines in chosen:
        of_year = [state for state in states if state.fund_year_id == fund_year.id]
        out.append(FundsYearDeadlines(fund_year, deadlines, len(of_year),
                                      sum(not state.submitted for state in of_year)))
    return out
