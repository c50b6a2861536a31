"""A hand-built programme whose report figures are computed by hand in the tests.

Tertials 2022-T3, 2023-T1 and 2023-T2 are closed, 2023-T3 is open and 2024-T1 upcoming; 2020-T3 lies
before the programme (2021–2025). Farsta has three commitments, Bromma three (one ended on 20 May
2023, one on an activity taken out on 10 February 2023), Åkerby one that ended before the range
but still reported in 2023-T1.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from tracker.audit.models import AuditEvent
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.periods.service import tertial_dates
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import ReportState, ReportStatus, StatusReport, StatusReportVersion

DEADLINES = {1: (0, 5, 15), 2: (0, 9, 15), 3: (1, 1, 31)}  # years after, month, day
SCRIPT = "<script>alert('x')</script> Vakanser kvarstår"


def add_period(session, code: str, state: PeriodState) -> ReportingPeriod:
    year, number = int(code[:4]), int(code[-1])
    starts_on, ends_on = tertial_dates(year, number)
    later, month, day = DEADLINES[number]
    period = ReportingPeriod(year=year, number=number, starts_on=starts_on, ends_on=ends_on,
                             deadline=date(year + later, month, day), state=state)
    session.add(period)
    session.flush()
    return period


def add_report(session, commitment, period, status, *versions: tuple[ReportState, datetime], **content):
    """A report saved once per (state, time) given; its state is the last version's."""
    content = {"status": status, **content}
    submitted = [at for state, at in versions if state == ReportState.submitted]
    report = StatusReport(commitment_id=commitment.id, period_id=period.id, state=versions[-1][0],
                          version=len(versions), updated_at=versions[-1][1],
                          submitted_at=submitted[-1] if submitted else None, **content)
    session.add(report)
    session.flush()
    for number, (state, at) in enumerate(versions, start=1):
        session.add(StatusReportVersion(report_id=report.id, version=number, state=state, saved_at=at, **content))
    session.flush()
    return report


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def submitted(text: str) -> tuple[ReportState, datetime]:
    return ReportState.submitted, at(text)


def draft(text: str) -> tuple[ReportState, datetime]:
    return ReportState.draft, at(text)


@dataclass
class Scenario:
    program: Program
    orgs: dict[str, Organisation]
    activities: dict[str, Activity]
    c: dict[tuple[str, str], Commitment]
    periods: dict[str, ReportingPeriod]


def _activity(session, goal, title, time_frame, ends_on, position) -> Activity:
    activity = Activity(goal_id=goal.id, title=title, time_frame=time_frame, starts_on=date(2021, 1, 1),
                        ends_on=ends_on, time_frame_parsed=True, position=position)
    session.add(activity)
    session.flush()
    return activity


@pytest.fixture
def scenario(session, make_program, make_org) -> Scenario:
    program = make_program("program-mot-vald", start_year=2021, end_year=2025)
    goals = [Goal(program_id=program.id, number=1, title="Förebygga våld", position=0),
             Goal(program_id=program.id, number=2, title="Stöd till våldsutsatta", position=1)]
    session.add_all(goals)
    session.flush()
    activities = {
        "Kampanj": _activity(session, goals[0], "Kampanj", "2022", date(2022, 12, 31), 1),
        "Utbildning": _activity(session, goals[0], "Utbildning", "Löpande", date(2025, 12, 31), 2),
        "Rutin": _activity(session, goals[1], "Rutin", "Vår 2023", date(2023, 6, 30), 1),
        "Gammal": _activity(session, goals[1], "Gammal", "Löpande", date(2025, 12, 31), 2),
    }
    orgs = {slug: make_org(slug, name=name) for slug, name in
            (("farsta", "Farsta"), ("bromma", "Bromma"), ("akerby", "Åkerby"))}
    c = {}
    for org, titles in (("farsta", ["Kampanj", "Utbildning", "Rutin"]), ("bromma", ["Kampanj", "Utbildning", "Gammal"]),
                        ("akerby", ["Rutin"])):
        for title in titles:
            c[org, title] = Commitment(activity_id=activities[title].id, organisation_id=orgs[org].id)
            session.add(c[org, title])
    session.flush()
    c["bromma", "Utbildning"].active, c["bromma", "Utbildning"].deactivated_at = False, at("2023-05-20T09:00")
    c["akerby", "Rutin"].active, c["akerby", "Rutin"].deactivated_at = False, at("2022-08-01T09:00")
    activities["Gammal"].active = False
    session.add(AuditEvent(actor_label="test", action="activity.deactivated", entity_type="activity",
                           entity_id=str(activities["Gammal"].id), occurred_at=at("2023-02-10T09:00")))
    p = {code: add_period(session, code, state) for code, state in (
        ("2020-T3", PeriodState.closed), ("2022-T3", PeriodState.closed), ("2023-T1", PeriodState.closed),
        ("2023-T2", PeriodState.closed), ("2023-T3", PeriodState.open), ("2024-T1", PeriodState.upcoming))}
    s = ReportStatus
    # 2022-T3, deadline 31 January 2023 (Stockholm is UTC+1 in winter).
    add_report(session, c["farsta", "Kampanj"], p["2022-T3"], s.in_progress, submitted("2023-01-20T10:00"))
    add_report(session, c["farsta", "Utbildning"], p["2022-T3"], s.in_progress,
               submitted("2023-01-31T23:30"))  # 00:30 on 1 February in Stockholm: late
    add_report(session, c["bromma", "Kampanj"], p["2022-T3"], s.in_progress, draft("2023-01-10T10:00"),
               support_needed=True, support_text="Stöd som bara står i ett utkast")
    add_report(session, c["bromma", "Utbildning"], p["2022-T3"], s.in_progress, submitted("2023-01-10T10:00"),
               support_needed=True, support_text="Behöver stöd med våldsförebyggande metoder för äldre")
    add_report(session, c["bromma", "Gammal"], p["2022-T3"], s.in_progress,
               submitted("2023-01-31T22:30"))  # 23:30 on the deadline day in Stockholm: on time
    # 2023-T1, deadline 15 May 2023.
    add_report(session, c["farsta", "Kampanj"], p["2023-T1"], s.deviation, submitted("2023-05-10T10:00"),
               submitted("2023-06-01T10:00"), comment="Försenad på grund av vakanser")  # corrected later
    add_report(session, c["farsta", "Utbildning"], p["2023-T1"], s.in_progress, submitted("2023-05-02T10:00"),
               support_needed=True, support_text="Handledning för personalen i Skärholmen")
    add_report(session, c["farsta", "Rutin"], p["2023-T1"], s.in_progress, draft("2023-05-01T10:00"),
               submitted("2023-05-20T10:00"))  # the draft before the deadline does not make it on time
    add_report(session, c["bromma", "Utbildning"], p["2023-T1"], s.done, submitted("2023-05-02T10:00"))
    add_report(session, c["akerby", "Rutin"], p["2023-T1"], s.in_progress, submitted("2023-05-03T10:00"),
               support_needed=True, support_text="Stöd i implementeringen av rutinen")
    # 2023-T2, deadline 15 September 2023: the last tertial of the mid-term report.
    add_report(session, c["farsta", "Kampanj"], p["2023-T2"], s.deviation, submitted("2023-09-01T10:00"),
               comment=SCRIPT, next_steps="Rekrytera två handläggare")
    add_report(session, c["farsta", "Utbildning"], p["2023-T2"], s.done, submitted("2023-09-20T10:00"))
    add_report(session, c["farsta", "Rutin"], p["2023-T2"], s.done, draft("2023-09-01T10:00"))
    add_report(session, c["bromma", "Kampanj"], p["2023-T2"], s.done, submitted("2023-09-02T10:00"))
    # 2023-T3 (open): after the mid-term range.
    add_report(session, c["farsta", "Utbildning"], p["2023-T3"], s.in_progress, submitted("2023-12-01T10:00"),
               support_needed=True, support_text="Stöd efter perioden")
    session.commit()
    return Scenario(program, orgs, activities, c, p)
