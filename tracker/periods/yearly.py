"""The calendar follows the programmes: every year a programme runs has its three tertials.

One rule, used by the seed and by the daily `extend_calendar` job: for each year in which
some programme runs, up to next year, the tertials that are missing are created with the
default deadlines (seeds/periods.yaml), never before the calendar's first tertial (the
programme mot våld was adopted in June 2021, so reporting starts with 2021 T3). A year is
added once it is next year, so in December the coming year's calendar is there and a
coordinator can move its deadlines as for any tertial. Existing tertials are never changed.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlmodel import Session, select

from tracker.audit import service as audit
from tracker.periods.models import ReportingPeriod
from tracker.periods.service import Deadline, build_period
from tracker.programs.models import Program

HORIZON_YEARS = 1  # how far ahead of today's year the calendar is made


def missing_tertials(session: Session, *, today: date, first: tuple[int, int] | None = None) -> list[tuple[int, int]]:
    """(year, number) of each tertial a running or coming programme needs that the calendar lacks.

    `first` is the calendar's first tertial; without it, the earliest tertial there is.
    """
    existing = {(year, number) for year, number in session.exec(select(ReportingPeriod.year, ReportingPeriod.number))}
    if first is None:
        if not existing:
            return []
        first = min(existing)
    last_year = today.year + HORIZON_YEARS
    years: set[int] = set()
    for start, end in session.exec(select(Program.start_year, Program.end_year)):
        years.update(range(max(start, first[0]), min(end, last_year) + 1))
    return [(year, number) for year in sorted(years) for number in (1, 2, 3)
            if (year, number) >= first and (year, number) not in existing]


def extend_calendar(session: Session, *, deadlines: Mapping[int, Deadline], today: date,
                    first: tuple[int, int] | None = None, actor=None) -> list[ReportingPeriod]:
    """Create the missing tertials (audited, state as of today); the caller commits."""
    created = []
    for year, number in missing_tertials(session, today=today, first=first):
        period = build_period(year, number, deadlines[number], today)
        session.add(period)
        session.flush()
        audit.record(session, actor=actor, action="period.created", entity=period,
                     after={"code": period.code, "deadline": period.deadline.isoformat(),
                            "state": str(period.state)})
        created.append(period)
    return created
