"""A hand-built scorecard scenario: Farsta's five commitments reported over several tertials."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event

from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.programs import editing, responsibility
from tracker.programs.models import ActivityBase, Commitment, Goal, Program
from tracker.reporting.models import ReportState, ReportStatus, StatusReport

CODES = ["2022-T1", "2022-T2", "2022-T3", "2023-T1", "2023-T2", "2023-T3", "2024-T1", "2024-T2"]


@dataclass
class Scenario:
    org: Organisation
    program: Program
    goals: list[Goal]
    commitments: dict[str, Commitment]
    periods: dict[str, ReportingPeriod]


@pytest.fixture
def report(session):
    def add(commitment: Commitment, period: ReportingPeriod, status: ReportStatus | None, *,
            state: ReportState = ReportState.submitted, **content) -> StatusReport:
        row = StatusReport(commitment_id=commitment.id, period_id=period.id, status=status, state=state, **content)
        session.add(row)
        session.flush()
        return row

    return add


@pytest.fixture
def make_scenario(session, make_org, make_program, make_period):
    """Goals and activities for an organisation; periods 2022-T1..2024-T2 (the last one open) made once."""
    periods: dict[str, ReportingPeriod] = {}

    def make(slug: str = "farsta", *, activities: list[tuple[int, str, str]] | None = None) -> Scenario:
        if not periods:
            for code in CODES:
                periods[code] = make_period(code, state=PeriodState.open if code == "2024-T2" else PeriodState.closed)
        org = make_org(slug, name=slug.capitalize())
        program = make_program(f"prog-{slug}")
        goals = [Goal(program_id=program.id, number=1, title="Förebygga våld", position=0),
                 Goal(program_id=program.id, number=2, title="Stöd till våldsutsatta", position=1)]
        session.add_all(goals)
        session.flush()
        commitments = {}
        for goal_index, title, time_frame in activities or []:
            activity = editing.create_activity(session, goal=goals[goal_index], program=program, actor=None,
                                               data=ActivityBase(title=title, time_frame=time_frame))
            commitments[title] = responsibility.assign(session, activity=activity, organisation=org, actor=None)
        return Scenario(org, program, goals, commitments, periods)

    return make


@pytest.fixture
def scenario(session, make_scenario, report) -> Scenario:
    """Five commitments; Tertial 1 2024 is the latest with submitted reports (2024-T2 has a draft only)."""
    s = make_scenario(activities=[
        (0, "Kampanj", "2023"), (0, "Utbildning", "Löpande"),
        (1, "Rutin", "Vår 2023"), (1, "Samverkan", "Löpande"), (1, "Utgången", "2022"),
    ])
    c, p = s.commitments, s.periods
    report(c["Kampanj"], p["2022-T1"], ReportStatus.not_started)
    report(c["Kampanj"], p["2023-T3"], ReportStatus.not_started, comment="Planeras")
    report(c["Kampanj"], p["2024-T1"], ReportStatus.in_progress, comment="Kampanjen har startat",
           next_steps="Utvärdera")
    report(c["Kampanj"], p["2024-T2"], ReportStatus.done, state=ReportState.draft)
    report(c["Utbildning"], p["2023-T3"], ReportStatus.in_progress, comment="Utbildar personal",
           next_steps="Fortsätta")
    report(c["Utbildning"], p["2024-T1"], ReportStatus.deviation, comment="Utbildar personal",
           next_steps="Fortsätta", support_needed=True, support_text="Behöver handledning")
    report(c["Rutin"], p["2023-T3"], ReportStatus.done)
    report(c["Rutin"], p["2024-T1"], ReportStatus.done)
    report(c["Samverkan"], p["2024-T1"], ReportStatus.in_progress, state=ReportState.draft, comment="Utkast")
    report(c["Utgången"], p["2024-T1"], ReportStatus.cancelled, comment="Ersatt av annan insats")
    session.commit()
    return s


@contextmanager
def counted_queries(app) -> Iterator[list[str]]:
    """Collect the SQL statements run on the app's engine inside the block."""
    statements: list[str] = []
    engine = app.extensions["tracker.engine"]

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
