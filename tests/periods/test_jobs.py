"""The scheduler's tertial jobs: open on the first day, close after deadline + grace, styrkort for every organisation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader
from sqlmodel import func, select

from tracker.accounts.models import Role
from tracker.archive import generation
from tracker.archive import jobs as archive_jobs
from tracker.archive.models import ArchivedDocument, DocumentKind, GenerationJob, JobState
from tracker.audit.models import AuditEvent
from tracker.audit.service import SYSTEM_ACTOR
from tracker.clock import utcnow
from tracker.organisations.models import Organisation
from tracker.periods import jobs
from tracker.periods import service as periods
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.programs.models import Commitment
from tracker.reporting import editing
from tracker.reporting.service import PeriodClosedError

STOCKHOLM = ZoneInfo("Europe/Stockholm")
REPORT = {"status": "in_progress", "comment": "Två utbildningar är genomförda."}


def at(*args) -> time_machine.travel:
    """Travel to a moment in Stockholm time (the clock stands still there)."""
    return time_machine.travel(datetime(*args, tzinfo=STOCKHOLM), tick=False)


@dataclass
class Calendar:
    t1: ReportingPeriod  # 2026-01-01 – 2026-04-30, last day for reporting 2026-05-15
    t2: ReportingPeriod  # 2026-05-01 – 2026-08-31, last day 2026-09-15
    farsta: Organisation
    bromma: Organisation
    commitment: Commitment  # Farsta's


@pytest.fixture
def calendar(session, make_org, make_program, make_activity, make_commitment) -> Calendar:
    """T1 and T2 2026 upcoming; Farsta and Bromma each have a commitment in a programme running in 2026."""
    tertials = {}
    for number, deadline in ((1, date(2026, 5, 15)), (2, date(2026, 9, 15))):
        starts_on, ends_on = periods.tertial_dates(2026, number)
        tertials[number] = ReportingPeriod(year=2026, number=number, starts_on=starts_on, ends_on=ends_on,
                                           deadline=deadline, state=PeriodState.upcoming)
        session.add(tertials[number])
    farsta, bromma = make_org("farsta", name="Farsta stadsdelsnämnd"), make_org("bromma", name="Bromma stadsdelsnämnd")
    make_org("utan-ansvar", name="Nämnd utan åtaganden")
    activity = make_activity(program=make_program("program-mot-vald", start_year=2025, end_year=2027),
                             title="Utbilda personal om våld")
    commitment = make_commitment(organisation=farsta, activity=activity)
    make_commitment(organisation=bromma, activity=activity)
    session.commit()
    return Calendar(tertials[1], tertials[2], farsta, bromma, commitment)


def run(app, session, job) -> str:
    with app.app_context():
        return job(session, now=utcnow(), config=app.config)


def state_of(session, period: ReportingPeriod) -> PeriodState:
    session.expire_all()
    return session.get(ReportingPeriod, period.id).state


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def system_events(session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.actor_id.is_(None))))


def open_t1(app, session, calendar) -> None:
    with at(2026, 1, 1, 0, 30):
        run(app, session, jobs.open_due_periods)
    assert state_of(session, calendar.t1) == PeriodState.open


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(path.read_bytes())).pages)


# Opening

def test_a_tertial_opens_on_its_first_day_in_stockholm_and_not_the_day_before(app, session, calendar):
    with at(2025, 12, 31, 23, 30):
        assert run(app, session, jobs.open_due_periods) == "Inget att öppna."
    assert state_of(session, calendar.t1) == PeriodState.upcoming

    with at(2026, 1, 1, 0, 30):  # 23:30 UTC on 31 December, but 1 January in Stockholm
        assert run(app, session, jobs.open_due_periods) == "Öppnade T1 2026."
    assert state_of(session, calendar.t1) == PeriodState.open
    assert state_of(session, calendar.t2) == PeriodState.upcoming
    [event] = system_events(session, "period.opened")
    assert event.actor_label == SYSTEM_ACTOR
    assert event.changes == {"before": {"period": "2026-T1", "state": "upcoming"},
                             "after": {"period": "2026-T1", "state": "open"}}

    with at(2026, 1, 1, 6, 0):  # again the same day: nothing twice
        assert run(app, session, jobs.open_due_periods) == "Inget att öppna."
    assert len(system_events(session, "period.opened")) == 1


def test_a_missed_opening_is_made_up_but_a_tertial_past_its_deadline_is_left_alone(app, session, calendar):
    with at(2026, 9, 10, 3, 0):  # the scheduler was down all year: T1's deadline has passed, T2's has not
        summary = run(app, session, jobs.open_due_periods)
    assert summary == ("Öppnade T2 2026. T1 2026 öppnades inte: sista dagen för rapportering har redan passerat.")
    assert (state_of(session, calendar.t1), state_of(session, calendar.t2)) == (PeriodState.upcoming, PeriodState.open)


def test_a_tertial_a_coordinator_closed_early_is_never_opened_again(app, session, calendar, make_user):
    coordinator = make_user(Role.coordinator)
    open_t1(app, session, calendar)
    with app.app_context():
        periods.close_period(session, period=calendar.t1, actor=coordinator, confirmed=True)
        session.commit()
    for day in (2, 3, 20):
        with at(2026, 1, day, 0, 30):
            assert run(app, session, jobs.open_due_periods) == "Inget att öppna."
    assert state_of(session, calendar.t1) == PeriodState.closed


# Closing

def test_closing_waits_for_the_grace_days_after_the_deadline(app, session, calendar):
    open_t1(app, session, calendar)
    with at(2026, 5, 22, 23, 59):  # deadline 15 May + 7 days grace: still open on the 22nd
        assert run(app, session, jobs.close_due_periods) == "Inget att stänga."
    assert state_of(session, calendar.t1) == PeriodState.open

    with at(2026, 5, 23, 0, 5):
        assert run(app, session, jobs.close_due_periods) == "Stängde T1 2026 och skapade 2 styrkort."
    assert state_of(session, calendar.t1) == PeriodState.closed
    [event] = system_events(session, "period.closed")
    assert event.actor_label == SYSTEM_ACTOR and event.changes["after"] == {"period": "2026-T1", "state": "closed"}
    [requested] = system_events(session, "archive.generation_requested")
    assert requested.changes["after"]["period"] == "2026-T1"


def test_the_grace_days_come_from_the_config(app, session, calendar):
    open_t1(app, session, calendar)
    app.config["CLOSE_GRACE_DAYS"] = 0
    with at(2026, 5, 16, 8, 0):
        assert run(app, session, jobs.close_due_periods).startswith("Stängde T1 2026")


def test_with_auto_close_off_nothing_is_closed(app, session, calendar):
    open_t1(app, session, calendar)
    app.config["AUTO_CLOSE"] = False
    with at(2026, 6, 30, 3, 0):
        assert run(app, session, jobs.close_due_periods) == "Automatisk stängning är avstängd (TRACKER_AUTO_CLOSE)."
    assert state_of(session, calendar.t1) == PeriodState.open
    assert count(session, GenerationJob) == 0


def test_closing_locks_reporting_and_archives_every_organisations_styrkort(app, session, calendar, make_user):
    contact = make_user(Role.contact, orgs=[calendar.farsta])
    open_t1(app, session, calendar)
    with at(2026, 3, 10, 9, 0), app.app_context():
        editing.report_on(session, commitment=calendar.commitment, period=calendar.t1, values=REPORT, actor=contact,
                          expected_version=None, submit=True)
        session.commit()

    with at(2026, 5, 23, 2, 0):
        run(app, session, jobs.close_due_periods)
    with at(2026, 5, 23, 9, 0), app.app_context(), pytest.raises(PeriodClosedError, match="stängd"):
        editing.report_on(session, commitment=calendar.commitment, period=session.get(ReportingPeriod, calendar.t1.id),
                          values=REPORT, actor=contact, expected_version=1)

    documents = session.exec(select(ArchivedDocument).where(ArchivedDocument.period_id == calendar.t1.id)).all()
    assert {d.organisation_id for d in documents} == {calendar.farsta.id, calendar.bromma.id}
    assert {d.kind for d in documents} == {DocumentKind.scorecard}
    for document in documents:
        text = pdf_text(app.config["SCORECARD_DIR"] / document.path)
        organisation = session.get(Organisation, document.organisation_id)
        assert organisation.name in text and "Tertial 1 2026" in text
        assert document.generated_by_id is None and document.generated_by_label == "tracker"
    assert "Två utbildningar är genomförda." in pdf_text(
        app.config["SCORECARD_DIR"] / next(d.path for d in documents if d.organisation_id == calendar.farsta.id))


def test_a_second_run_closes_and_generates_nothing_more(app, session, calendar):
    open_t1(app, session, calendar)
    with at(2026, 5, 23, 2, 0):
        run(app, session, jobs.close_due_periods)
    for moment in ((2026, 5, 23, 2, 5), (2026, 5, 24, 2, 0)):
        with at(*moment):
            assert run(app, session, jobs.close_due_periods) == "Inget att stänga."
    assert count(session, ArchivedDocument) == 2 and count(session, GenerationJob) == 1
    assert len(system_events(session, "period.closed")) == 1


class Crash(BaseException):
    """The process dying: nothing in the job catches it."""


def die(*_args, **_kwargs):
    raise Crash


def test_a_run_that_died_after_closing_has_its_styrkort_made_by_the_next_run(app, session, calendar, monkeypatch):
    open_t1(app, session, calendar)

    monkeypatch.setattr(archive_jobs, "run_job", die)
    with at(2026, 5, 23, 2, 0), pytest.raises(Crash):
        run(app, session, jobs.close_due_periods)
    session.rollback()
    assert state_of(session, calendar.t1) == PeriodState.closed  # committed with the request for its styrkort
    [job] = session.exec(select(GenerationJob)).all()
    assert (job.state, job.requested_by_id) == (JobState.queued, None)
    monkeypatch.undo()

    with at(2026, 5, 24, 2, 0):
        summary = run(app, session, jobs.close_due_periods)
    assert summary == "Skapade 2 styrkort för T1 2026 (ett avbrutet eller misslyckat jobb gjordes om)."
    session.expire_all()
    assert session.get(GenerationJob, job.id).state == JobState.done
    assert count(session, ArchivedDocument) == 2 and count(session, GenerationJob) == 1


def test_a_generation_that_died_while_running_is_taken_over_once_stale(app, session, calendar, monkeypatch):
    open_t1(app, session, calendar)

    monkeypatch.setattr(generation, "generate", die)
    with at(2026, 5, 23, 2, 0), pytest.raises(Crash):
        run(app, session, jobs.close_due_periods)
    session.rollback()
    [dead] = session.exec(select(GenerationJob)).all()
    assert dead.state == JobState.running
    monkeypatch.undo()

    with at(2026, 5, 23, 2, 5):  # not stale yet: perhaps still running somewhere
        assert run(app, session, jobs.close_due_periods) == f"Styrkorten för T1 2026 skapas redan (jobb {dead.id})."
    assert count(session, GenerationJob) == 1

    with at(2026, 5, 23, 2, 11):
        summary = run(app, session, jobs.close_due_periods)
    assert summary == "Skapade 2 styrkort för T1 2026 (ett avbrutet eller misslyckat jobb gjordes om)."
    session.expire_all()
    dead, retry = session.exec(select(GenerationJob).order_by(GenerationJob.id)).all()
    assert (dead.state, dead.error) == (JobState.failed, jobs.INTERRUPTED)
    assert (retry.state, retry.requested_by_id) == (JobState.done, None)
    assert count(session, ArchivedDocument) == 2


def broken(*_args, **_kwargs):
    raise RuntimeError("disken är full")


def test_failed_styrkort_are_retried_then_left_to_the_coordinators(app, session, calendar, monkeypatch, make_user):
    open_t1(app, session, calendar)
    monkeypatch.setattr(generation, "render", broken)
    for day in (23, 24, 25):
        with at(2026, 5, day, 2, 0), pytest.raises(jobs.ScorecardsNotGenerated, match="disken är full") as failed:
            run(app, session, jobs.close_due_periods)
        if day == 23:
            assert str(failed.value).startswith("Stängde T1 2026 och skapade 0 styrkort. Styrkorten för T1 2026")
    assert state_of(session, calendar.t1) == PeriodState.closed
    with at(2026, 5, 26, 2, 0):
        summary = run(app, session, jobs.close_due_periods)
    assert summary == "Styrkorten för T1 2026 kunde inte skapas efter 3 försök: skapa dem under Arkiv."
    assert count(session, GenerationJob) == 3
    monkeypatch.undo()

    coordinator = make_user(Role.coordinator)
    job, _ = archive_jobs.request_job(session, kind=DocumentKind.scorecard, period=calendar.t1, user=coordinator)
    archive_jobs.run_job(session, app.config["SCORECARD_DIR"], job.id)
    with at(2026, 5, 27, 2, 0):
        assert run(app, session, jobs.close_due_periods) == "Inget att stänga."


def test_a_failure_once_is_made_good_by_the_next_run(app, session, calendar, monkeypatch):
    open_t1(app, session, calendar)
    monkeypatch.setattr(generation, "render", broken)
    with at(2026, 5, 23, 2, 0), pytest.raises(jobs.ScorecardsNotGenerated):
        run(app, session, jobs.close_due_periods)
    monkeypatch.undo()
    with at(2026, 5, 24, 2, 0):
        assert run(app, session, jobs.close_due_periods).startswith("Skapade 2 styrkort för T1 2026")
    session.expire_all()
    assert [j.state for j in session.exec(select(GenerationJob).order_by(GenerationJob.id))] == [JobState.failed,
                                                                                                JobState.done]


def test_a_tertial_a_coordinator_opened_again_after_the_close_stays_open(app, session, calendar, make_user):
    coordinator = make_user(Role.coordinator)
    open_t1(app, session, calendar)
    with at(2026, 5, 23, 2, 0):
        run(app, session, jobs.close_due_periods)
    with at(2026, 5, 25, 10, 0), app.app_context():
        periods.open_period(session, period=session.get(ReportingPeriod, calendar.t1.id), actor=coordinator)
        session.commit()
    with at(2026, 5, 26, 2, 0):
        summary = run(app, session, jobs.close_due_periods)
    assert summary.startswith("T1 2026 lämnades öppen: en samordnare öppnade den igen efter sista dagen")
    assert state_of(session, calendar.t1) == PeriodState.open
    assert count(session, GenerationJob) == 1

    with at(2026, 5, 26, 10, 0), app.app_context():  # a new deadline: the scheduler closes it after that
        periods.change_deadline(session, period=session.get(ReportingPeriod, calendar.t1.id),
                                deadline=date(2026, 6, 1), actor=coordinator)
        session.commit()
    with at(2026, 6, 9, 2, 0):
        assert run(app, session, jobs.close_due_periods) == "Stängde T1 2026 och skapade 2 styrkort."
    assert count(session, GenerationJob) == 2
