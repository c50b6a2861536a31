"""The calendar follows the programmes' years: the seed and the daily job create the missing tertials."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from sqlmodel import select

from tracker.audit.models import AuditEvent
from tracker.periods import jobs, yearly
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.periods.service import Deadline, build_period
from tracker.programs.models import Program, ProgramKind

DEADLINES = {1: Deadline(5, 15), 2: Deadline(9, 15), 3: Deadline(1, 31, next_year=True)}
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _codes(session) -> list[str]:
    return [p.code for p in session.exec(select(ReportingPeriod).order_by(ReportingPeriod.year,
                                                                          ReportingPeriod.number))]


def _program(session, slug: str, start: int, end: int) -> Program:
    program = Program(slug=slug, name=slug, short_name=slug, kind=ProgramKind.programme,
                      start_year=start, end_year=end)
    session.add(program)
    session.flush()
    return program


def test_only_years_a_programme_runs_up_to_next_year(session):
    session.add(build_period(2024, 3, DEADLINES[3], date(2024, 10, 1)))
    _program(session, "bryt-upp", 2024, 2026)
    _program(session, "nasta", 2028, 2031)  # a gap in 2027; 2028 is too far ahead in 2026
    session.flush()
    assert yearly.missing_tertials(session, today=date(2026, 12, 2)) == [
        (2025, 1), (2025, 2), (2025, 3), (2026, 1), (2026, 2), (2026, 3)]
    # In 2027 the calendar reaches 2028, and still has no 2027 (no programme runs then).
    assert (2027, 1) not in yearly.missing_tertials(session, today=date(2027, 6, 1))
    assert (2028, 1) in yearly.missing_tertials(session, today=date(2027, 6, 1))


def test_never_before_the_calendars_first_tertial(session):
    _program(session, "program-mot-vald", 2021, 2022)
    assert yearly.missing_tertials(session, today=date(2026, 1, 1), first=(2021, 3))[:2] == [(2021, 3), (2022, 1)]
    assert yearly.missing_tertials(session, today=date(2026, 1, 1)) == []  # an empty calendar: nothing to follow


def test_the_job_creates_audited_tertials_with_default_deadlines_once(app, session):
    session.add(build_period(2025, 3, DEADLINES[3], date(2025, 10, 1)))
    _program(session, "nasta", 2026, 2028)  # 2028 is more than a year ahead
    session.commit()
    now = datetime(2026, 12, 2, 0, 1, tzinfo=STOCKHOLM)
    summary = jobs.extend_calendar(session, now=now, config=app.config)
    assert summary == "Skapade T1 2026, T2 2026, T3 2026, T1 2027, T2 2027 och T3 2027."
    assert _codes(session) == ["2025-T3", "2026-T1", "2026-T2", "2026-T3", "2027-T1", "2027-T2", "2027-T3"]
    by_code = {p.code: p for p in session.exec(select(ReportingPeriod))}
    assert by_code["2026-T1"].deadline == date(2026, 5, 15)
    assert by_code["2026-T3"].deadline == date(2027, 1, 31)
    assert (by_code["2026-T2"].state, by_code["2026-T3"].state, by_code["2027-T1"].state) == (
        PeriodState.closed, PeriodState.open, PeriodState.upcoming)
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "period.created")).all()
    assert sorted(e.changes["after"]["code"] for e in events) == ["2026-T1", "2026-T2", "2026-T3", "2027-T1", "2027-T2",
                                                      "2027-T3"]
    assert all(e.actor_id is None for e in events)
    assert jobs.extend_calendar(session, now=now, config=app.config) == "Kalendern har redan alla tertialer."


def test_a_moved_deadline_is_kept(app, session):
    session.add(build_period(2025, 3, DEADLINES[3], date(2025, 10, 1)))
    _program(session, "nasta", 2026, 2027)
    session.commit()
    jobs.extend_calendar(session, now=datetime(2026, 12, 2, tzinfo=STOCKHOLM), config=app.config)
    t1 = session.exec(select(ReportingPeriod).where(ReportingPeriod.year == 2027, ReportingPeriod.number == 1)).one()
    t1.deadline = date(2027, 5, 31)
    session.commit()
    jobs.extend_calendar(session, now=datetime(2027, 1, 2, tzinfo=STOCKHOLM), config=app.config)
    assert session.get(ReportingPeriod, t1.id).deadline == date(2027, 5, 31)


def test_without_the_calendar_seed_the_job_says_so(app, session, tmp_path):
    config = dict(app.config, SEED_DIR=tmp_path)
    assert "periods.yaml finns inte" in jobs.extend_calendar(session, now=datetime(2026, 12, 2, tzinfo=STOCKHOLM),
                                                              config=config)


def test_a_new_programme_gets_its_coming_tertials_at_once(app, session, make_user, login):
    from tracker.accounts.models import Role

    session.add(build_period(2026, 3, DEADLINES[3], date(2026, 10, 1)))
    session.commit()
    form = {"name": "Nästa program 2027–2030", "short_name": "Nästa program", "kind": "programme",
            "start_year": "2027", "end_year": "2030", "slug": "", "reference": "", "note": ""}
    with time_machine.travel(datetime(2026, 12, 2, 12, tzinfo=STOCKHOLM), tick=False):
        coordinator = login(make_user(Role.coordinator))
        response = coordinator.post("/program/ny", data=form)
        assert response.status_code == 303
        page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tertialkalendern har fått programmets kommande tertialer (Tertial 1 2027, Tertial 2 2027, " \
           "Tertial 3 2027)." in page
    session.expire_all()
    assert _codes(session) == ["2026-T3", "2027-T1", "2027-T2", "2027-T3"]  # 2028 comes in 2027
