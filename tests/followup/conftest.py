"""A hand-built programme whose spread, filters and flags are known, and a helper to write reports directly."""
from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from tracker.accounts.models import Role
from tracker.clock import utcnow
from tracker.db import ENGINE_KEY
from tracker.periods.models import PeriodState
from tracker.programs.models import Activity, Commitment, Goal
from tracker.reporting.models import ReportState, ReportStatus, StatusReport, StatusReportVersion

PROGRAM = "program-mot-vald-2021-2025"


def put_report(session, commitment, period, *, status=ReportStatus.in_progress, state=ReportState.submitted,
               comment=None, next_steps=None, support_needed=False, support_text=None, by=None,
               at: datetime | None = None) -> StatusReport:
    """A report with one version, written as it would be saved (whether or not the tertial is open)."""
    at = at or utcnow()
    content = dict(status=status, comment=comment, next_steps=next_steps, support_needed=support_needed,
                   support_text=support_text)
    report = StatusReport(commitment_id=commitment.id, period_id=period.id, state=state, version=1, updated_at=at,
                          updated_by_id=by.id if by else None, **content,
                          submitted_at=at if state == ReportState.submitted else None)
    session.add(report)
    session.flush()
    session.add(StatusReportVersion(report_id=report.id, version=1, state=state, saved_at=at,
                                    saved_by_id=by.id if by else None, **content))
    session.flush()
    return report


def add_goal(session, program, number: int, title: str) -> Goal:
    goal = Goal(program_id=program.id, number=number, title=title, position=number)
    session.add(goal)
    session.flush()
    return goal


def add_activity(session, goal, title: str, *, ends_on=date(2025, 12, 31), position: int = 0) -> Activity:
    activity = Activity(goal_id=goal.id, title=title, time_frame=f"till {ends_on.isoformat()}", position=position,
                        starts_on=date(2021, 1, 1), ends_on=ends_on, time_frame_parsed=True)
    session.add(activity)
    session.flush()
    return activity


def commit_to(session, activity, organisation) -> Commitment:
    commitment = Commitment(activity_id=activity.id, organisation_id=organisation.id)
    session.add(commitment)
    session.flush()
    return commitment


@pytest.fixture
def scenario(session, make_org, make_program, make_period, make_user):
    """Tertial 2024-T1 is open; 2023-T3 before it is closed.

    Föräldraskapsstöd (Mål 1, runs to 2025): Farsta and Bromma Pågår, Kista Pågår med avvikelse and needs
    support, Spånga has not reported.
    Kampanj mot sexköp (Mål 2, ended 2023): Farsta Genomförd, Bromma only a draft, Kista Pågår with the
    same text as in 2023-T3 (unchanged), Spånga Utgår.
    """
    program = make_program(PROGRAM)
    prevent = add_goal(session, program, 1, "Förebygga våld")
    support = add_goal(session, program, 2, "Stöd till våldsutsatta")
    parenting = add_activity(session, prevent, "Föräldraskapsstöd i alla stadsdelar")
    campaign = add_activity(session, support, "Kampanj mot sexköp", ends_on=date(2023, 12, 31))
    farsta, bromma, kista, spanga = (make_org(slug, name=name) for slug, name in (
        ("farsta", "Farsta"), ("bromma", "Bromma"), ("kista", "Kista"), ("spanga", "Spånga")))
    previous = make_period("2023-T3", state=PeriodState.closed)
    period = make_period("2024-T1", state=PeriodState.open)
    c = {(a, o.slug): commit_to(session, activity, o)
         for a, activity in (("parenting", parenting), ("campaign", campaign))
         for o in (farsta, bromma, kista, spanga)}
    put_report(session, c["parenting", "farsta"], period, comment="Grupper i Farsta.", next_steps="Fler grupper.")
    put_report(session, c["parenting", "bromma"], period, comment="Två grupper i Bromma.")
    put_report(session, c["parenting", "kista"], period, status=ReportStatus.deviation,
               comment="Saknar gruppledare.", support_needed=True, support_text="Utbildning av gruppledare.")
    put_report(session, c["campaign", "farsta"], period, status=ReportStatus.done, comment="Kampanjen är klar.")
    put_report(session, c["campaign", "bromma"], period, state=ReportState.draft, comment="Utkast om affischer.")
    put_report(session, c["campaign", "kista"], previous, comment="Affischer i tunnelbanan.", next_steps="Utvärdera.")
    put_report(session, c["campaign", "kista"], period, comment="Affischer i tunnelbanan.", next_steps="Utvärdera.")
    put_report(session, c["campaign", "spanga"], period, status=ReportStatus.cancelled, comment="Ingen budget.")
    session.commit()
    return SimpleNamespace(
        program=program, goals=(prevent, support), parenting=parenting, campaign=campaign, period=period,
        previous=previous, farsta=farsta, bromma=bromma, kista=kista, spanga=spanga, c=c,
        reader=make_user(Role.reader), coordinator=make_user(Role.coordinator),
    )


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run while the returned context is entered."""

    class Counter:
        def __init__(self):
            self.count = 0

        def _count(self, *_args):
            self.count += 1

        def __enter__(self):
            self.count = 0
            event.listen(app.extensions[ENGINE_KEY], "before_cursor_execute", self._count)
            return self

        def __exit__(self, *_exc):
            event.remove(app.extensions[ENGINE_KEY], "before_cursor_execute", self._count)

    return Counter()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
