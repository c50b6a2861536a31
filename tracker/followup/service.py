"""Follow-up of a programme: which programme and tertial a page shows.

The follow-up itself lives beside this module: `overview` (the spread of
statuses), `compliance` (how much each organisation has reported) and
`history` (a commitment's saved versions). Every function there loads what it
shows in a fixed number of queries and groups the rows in Python, so a page
costs the same number of queries for 19 organisations as for 190.
"""
from __future__ import annotations

from sqlmodel import Session, select

from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.periods.service import list_periods, parse_period_code
from tracker.programs.models import Program
from tracker.programs.service import runs_in_year

DEFAULT_PROGRAM = "program-mot-vald-2021-2025"


class NotFound(LookupError):
    """A programme, tertial or commitment asked for in the URL does not exist."""


def choose_program(session: Session, slug: str | None) -> tuple[Program | None, list[Program]]:
    """The programme with this slug (NotFound if none), else the 2021–2025 programme, else the first."""
    programs = list(session.exec(select(Program).order_by(Program.start_year, Program.name)))
    if slug:
        chosen = next((p for p in programs if p.slug == slug), None)
        if chosen is None:
            raise NotFound(slug)
        return chosen, programs
    return next((p for p in programs if p.slug == DEFAULT_PROGRAM), programs[0] if programs else None), programs


def default_period(periods: list[ReportingPeriod]) -> ReportingPeriod | None:
    """The earliest open tertial, else the latest closed one, else the next to open."""
    for state, pick in ((PeriodState.open, 0), (PeriodState.closed, -1), (PeriodState.upcoming, 0)):
        found = [p for p in periods if p.state == state]
        if found:
            return found[pick]
    return None


def choose_period(session: Session, code: str | None, program: Program | None = None
                  ) -> tuple[ReportingPeriod | None, list[ReportingPeriod]]:
    """The tertial with this code (NotFound if it is not in the calendar), else the default one.

    The default is chosen among the tertials in the programme's years, so an ended
    programme opens on its last tertial rather than on one it is not asked for.
    """
    periods = list_periods(session)
    if not code:
        within = [p for p in periods if program is None or runs_in_year(program, p.year)]
        return default_period(within or periods), periods
    try:
        year, number = parse_period_code(code)
    except ValueError:
        raise NotFound(code) from None
    chosen = next((p for p in periods if (p.year, p.number) == (year, number)), None)
    if chosen is None:
        raise NotFound(code)
    return chosen, periods
