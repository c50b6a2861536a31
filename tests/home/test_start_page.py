"""The start page says what needs attention now, each item linking to where it is handled."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import event
from sqlmodel import select

from tests.conftest import html_part, log_in
from tests.notifications.factories import save, utc
from tracker.accounts.models import Role, UserSession
from tracker.db import ENGINE_KEY
from tracker.followup.compliance import compliance
from tracker.followup.filters import Filters
from tracker.followup.overview import build_overview
from tracker.funds.models import Allocation, FundYear, UsageReport
from tracker.organisations.models import Organisation, OrgKind
from tracker.periods.models import PeriodReopening, PeriodState, ReportingPeriod
from tracker.periods.service import Deadline, build_period, get_period
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import ReportStatus

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _org(session, slug: str) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.slug == slug)).one()


def _commitments(session, program_slug: str, org_slug: str) -> list[Commitment]:
    return list(session.exec(
        select(Commitment).join(Activity, Commitment.activity_id == Activity.id).join(Goal)
        .join(Program, Goal.program_id == Program.id).join(Organisation, Commitment.organisation_id == Organisation.id)
        .where(Program.slug == program_slug, Organisation.slug == org_slug, Commitment.active, Activity.active)
        .order_by(Commitment.id)))


def open_tertial(session, code: str = "2026-T3") -> ReportingPeriod:
    """The tertial, open (the seed makes 2026's tertials; made here if it did not)."""
    period = get_period(session, code)
    if period is None:
        year, number = int(code[:4]), int(code[-1])
        period = build_period(year, number, Deadline(1, 31, next_year=True), date(2026, 11, 23))
    period.state = PeriodState.open
    session.add(period)
    session.commit()
    return period


@pytest.fixture
def world(seeded, make_user, time_machine):
    """2026-T3 open; Farsta submits one of its Bryt upp commitments with a support need, Bromma has a draft
    deviation; 2025-T3 is reopened for Farsta; the 2026 grant year has two nämnder, one reported."""
    time_machine.move_to(NOW, tick=False)
    session = seeded
    period = open_tertial(session)
    farsta, bromma = _org(session, "farsta"), _org(session, "bromma")
    farsta_bryt_upp = _commitments(session, "bryt-upp", "farsta")
    save(session, farsta_bryt_upp[0], period, at=utc(2026, 11, 29, 9, 0), submit=True, support_needed=True,
         support_text="Handledning")
    save(session, _commitments(session, "bryt-upp", "bromma")[0], period, at=utc(2026, 11, 30, 9, 0),
         status=ReportStatus.deviation)
    save(session, _commitments(session, "bryt-upp", "skarholmen")[0], period, at=utc(2026, 11, 20, 9, 0),
         submit=True, status=ReportStatus.deviation)
    closed = get_period(session, "2025-T3")
    session.add(PeriodReopening(period_id=closed.id, organisation_id=farsta.id, reason="Sent inlämnat",
                                reopened_at=utc(2026, 11, 3, 9, 0)))
    fund_year = FundYear(year=2026, title="Utvecklingsmedel 2026", requisition_deadline=date(2026, 4, 30),
                         internal_deadline=date(2027, 2, 15), report_deadline=date(2027, 3, 31),
                         repayment_deadline=date(2027, 6, 30))
    session.add(fund_year)
    session.flush()
    session.add_all([Allocation(fund_year_id=fund_year.id, organisation_id=farsta.id, amount=100_000),
                     Allocation(fund_year_id=fund_year.id, organisation_id=bromma.id, amount=90_000, position=1),
                     UsageReport(fund_year_id=fund_year.id, organisation_id=bromma.id, state="submitted",
                                 used=90_000, unspent=0)])
    session.commit()
    users = {role: make_user(role, orgs=[farsta] if role == Role.contact else []) for role in Role}
    return SimpleNamespace(session=session, period=period, farsta=farsta, users=users)


def _page(app, user) -> str:
    client = app.test_client()
    log_in(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page: str, section_id: str) -> str:
    return html_part(page, rf'<section[^>]*id="{section_id}".*?</section>', section_id)


def test_open_tertial_shows_deadline_and_progress_counted_as_compliance_counts(app, world):
    page = _page(app, world.users[Role.coordinator])
    tertials = _section(page, "tertials")
    assert 'href="/tertialer/2026-T3"' in tertials and "Tertial 3 2026" in tertials
    assert "Sista dag: 31 januari 2027" in tertials and "(60 dagar kvar)" in tertials
    _rows, total = compliance(world.session, period=world.period)
    bryt_upp_only = len(world.session.exec(
        select(Commitment.id).join(Activity).join(Goal).join(Program, Goal.program_id == Program.id)
        .where(Program.slug == "bryt-upp", Commitment.active, Activity.active)).all())
    assert total.commitments == bryt_upp_only  # the 2021–2025 programme is not asked for in 2026
    assert f"2 av {bryt_upp_only} åtaganden inlämnade" in tertials
    assert 'href="/uppfoljning/rapportering?period=2026-T3"' in tertials


def test_organisations_that_have_not_reported_link_to_where_they_are_handled(app, world):
    coordinator = _section(_page(app, world.users[Role.coordinator]), "tertials")
    assert re.search(r'<a href="/rapportera/farsta\?period=2026-T3">Farsta stadsdelsnämnd</a>: 1 av 2', coordinator)
    assert "organisationer har inte lämnat in allt" in coordinator
    reader = _section(_page(app, world.users[Role.reader]), "tertials")
    assert '<a href="/organisation/farsta">Farsta stadsdelsnämnd</a>: 1 av 2' in reader  # readers cannot report
    admin = _section(_page(app, world.users[Role.admin]), "tertials")
    assert "/rapportera/" not in admin


def _overdue_on_page(page: str) -> int:
    link = re.escape("/uppfoljning/?program=bryt-upp&amp;period=2026-T3&amp;overdue=1")
    found = re.search(rf'<a href="{link}">(\d+) försenade? åtaganden?</a> i Bryt upp', page)
    return int(found.group(1)) if found else 0


def test_overdue_count_is_the_filtered_overviews_and_links_there(app, world):
    session, period = world.session, world.period
    program = session.exec(select(Program).where(Program.slug == "bryt-upp")).one()
    activity = session.exec(select(Activity).join(Goal).where(Goal.program_id == program.id, Activity.active)
                            .order_by(Activity.id)).first()
    activity.ends_on = date(2026, 6, 30)  # ended before the tertial did: overdue unless done or dropped
    session.add(activity)
    session.commit()

    def overview_overdue() -> int:
        return build_overview(session, program=program, period=period, filters=Filters(overdue=True),
                              rows=False).total.overdue

    before = overview_overdue()
    assert before >= 1
    assert _overdue_on_page(_section(_page(app, world.users[Role.coordinator]), "tertials")) == before
    commitment = session.exec(select(Commitment).where(Commitment.activity_id == activity.id,
                                                       Commitment.active)).first()
    save(session, commitment, period, at=utc(2026, 12, 1, 9, 0), submit=True, status=ReportStatus.done)
    assert overview_overdue() == before - 1
    assert _overdue_on_page(_section(_page(app, world.users[Role.reader]), "tertials")) == before - 1


def test_without_an_earlier_visit_new_means_the_last_14_days(app, world):
    changes = _section(_page(app, world.users[Role.coordinator]), "changes")
    assert "Nytt de senaste 14 dagarna" in changes
    assert "1 nytt stödbehov" in changes and "Behöver stöd med: Handledning" in changes
    history = _commitments(world.session, "bryt-upp", "farsta")[0].id
    assert f'href="/uppfoljning/atagande/{history}"' in changes
    assert "2 nya avvikelser" in changes  # Bromma's draft and Skärholmen's of 20 November


def _visit(session, user, *, started: datetime, last_seen: datetime) -> None:
    session.add(UserSession(token_hash=f"{started.timestamp():064.0f}"[-64:], user_id=user.id, created_at=started,
                            last_seen_at=last_seen, ended_at=last_seen))
    session.commit()


def test_since_the_previous_visit_starts_at_its_last_request(app, world):
    user = world.users[Role.coordinator]
    _visit(world.session, user, started=utc(2026, 11, 10, 8, 0), last_seen=utc(2026, 11, 10, 9, 0))
    _visit(world.session, user, started=utc(2026, 11, 25, 8, 0), last_seen=utc(2026, 11, 25, 10, 0))
    changes = _section(_page(app, user), "changes")  # this visit's own session is not the previous one
    assert "Nytt sedan ditt förra besök 25 nov." in changes
    assert "1 nytt stödbehov" in changes  # Farsta's of 29 November
    assert "1 ny avvikelse" in changes and "Bromma" in changes and "Skärholmen" not in changes  # 20 Nov was seen


def test_readers_see_no_drafts_and_no_support_texts(app, world):
    changes = _section(_page(app, world.users[Role.reader]), "changes")
    assert "1 ny avvikelse" in changes and "Skärholmen" in changes and "Bromma" not in changes
    assert "1 nytt stödbehov" in changes and "Behöver stöd med" not in changes


def test_waiting_reopenings_link_to_their_tertial(app, world):
    reopenings = _section(_page(app, world.users[Role.reader]), "reopenings")
    assert "1 återöppning väntar" in reopenings
    assert '<a href="/tertialer/2025-T3">Tertial 3 2025 för Farsta</a>' in reopenings


def test_funds_deadlines_of_the_year_and_nämnder_that_have_not_reported(app, world):
    funds = _section(_page(app, world.users[Role.reader]), "funds")
    assert '<a href="/medel/2026">Utvecklingsmedel 2026</a>' in funds
    order = [funds.index(label) for label in ("Rekvisition till Socialstyrelsen", "Nämndernas återrapport",
                                              "Återrapport till Socialstyrelsen", "Återbetalning")]
    assert order == sorted(order)
    assert "30 april 2026" in funds and "har passerat" in funds and "15 februari 2027" in funds
    assert "1 av 2 nämnder har inte lämnat in sin återrapport." in funds
    assert "/medel/2022" not in funds  # its deadlines are behind us


def test_coordinators_see_the_next_jobs_and_readers_no_job_links(app, world):
    coordinator = _page(app, world.users[Role.coordinator])
    jobs = _section(coordinator, "jobs")
    assert "Schemaläggaren har inte startats" in jobs  # no scheduler in tests: the schedule's times
    assert len(re.findall(r'href="/schemalagda-jobb/[a-z_]+"', jobs)) == 4
    assert 'href="/schemalagda-jobb/"' in jobs
    assert 'id="jobs"' in _page(app, world.users[Role.admin])
    reader = _page(app, world.users[Role.reader])
    assert "/schemalagda-jobb" not in reader and 'id="jobs"' not in reader


def test_programmes_stay_listed_with_ended_ones_marked(app, world):
    programs = _section(_page(app, world.users[Role.reader]), "programs")
    ended = html_part(programs, r'<li class="card">\s*<h3><a href="/program/program-mot-vald-2021-2025">.*?</li>', "mot våld")
    assert "avslutat" in ended
    running = html_part(programs, r'<li class="card">\s*<h3><a href="/program/bryt-upp">.*?</li>', "Bryt upp")
    assert "avslutat" not in running
    assert 'href="/organisationer"' in programs


def test_contacts_land_on_their_commitments(app, world):
    client = app.test_client()
    log_in(client, world.users[Role.contact])
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/mina-ataganden"


def test_the_page_says_so_when_nothing_is_open(app, seeded, make_user):
    for period in seeded.exec(select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.open)):
        period.state = PeriodState.closed
        seeded.add(period)
    seeded.commit()
    page = _page(app, make_user(Role.coordinator))
    assert "Ingen tertial är öppen för rapportering just nu." in page
    assert "0 återöppningar väntar" in page and "0 nya avvikelser" in page


def _statements(app, user) -> int:
    engine = app.extensions[ENGINE_KEY]
    client = app.test_client()
    log_in(client, user)
    client.get("/")  # the first request of a session writes its last_seen_at; count a later one
    statements = []
    listener = lambda *_args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_what_needs_attention(app, world):
    before = _statements(app, world.users[Role.coordinator])
    session, period = world.session, world.period
    for slug in ("bromma", "skarholmen", "sodermalm", "norrmalm"):
        for commitment in _commitments(session, "bryt-upp", slug):
            save(session, commitment, period, at=utc(2026, 12, 1, 9, 0), submit=True, support_needed=True,
                 status=ReportStatus.deviation)
        session.add(PeriodReopening(period_id=get_period(session, "2025-T2").id, organisation_id=_org(session, slug).id,
                                    reason="Mer att rapportera"))
    session.commit()
    assert _statements(app, world.users[Role.coordinator]) == before
    assert before <= 20, before


def test_organisations_page_lists_real_and_demo_organisations_apart(app, seeded, make_user):
    seeded.add(Organisation(slug="demo-org-001", name="Demo-organisation 001", short_name="Demo 001",
                            kind=OrgKind.district))
    seeded.commit()
    client = app.test_client()
    log_in(client, make_user(Role.reader))
    page = client.get("/organisationer").get_data(as_text=True)
    real, demo = page.split('id="demo-heading"')
    assert '<a href="/organisation/farsta">Farsta stadsdelsnämnd</a>' in real and "demo-org-001" not in real
    assert '<a href="/organisation/demo-org-001">Demo-organisation 001</a>' in demo and "farsta" not in demo
    assert 'href="/organisationer" aria-current="page"' in page  # in the main menu


@pytest.mark.parametrize(("role", "allowed"), [(Role.admin, True), (Role.coordinator, True), (Role.reader, True),
                                               (Role.contact, False)])
def test_organisations_page_and_its_menu_link_are_for_those_who_may_see_every_organisation(
        app, seeded, make_user, role, allowed):
    client = app.test_client()
    log_in(client, make_user(role, orgs=[_org(seeded, "farsta")] if role == Role.contact else []))
    assert client.get("/organisationer").status_code == (200 if allowed else 403)
    page = client.get("/aviseringar/").get_data(as_text=True)
    assert ('href="/organisationer"' in page) is allowed


def test_long_lists_of_changes_stop_at_ten_and_link_to_the_overview(app, world):
    session, period = world.session, world.period
    saved = 0
    for org in session.exec(select(Organisation).where(Organisation.kind == OrgKind.district)):
        for commitment in _commitments(session, "bryt-upp", org.slug):
            save(session, commitment, period, at=utc(2026, 12, 1, 9, 0), submit=True, support_needed=True,
                 support_text="Stöd", status=ReportStatus.deviation)
            saved += 1
    session.commit()
    assert saved > 12
    changes = _section(_page(app, world.users[Role.coordinator]), "changes")
    deviations = html_part(changes, r"nya avvikelser</h3>.*", "the deviations")
    assert deviations.count('href="/uppfoljning/atagande/') == 10
    more = re.search(r"och (\d+) till\. <a href=\"/uppfoljning/\?status=deviation\">Alla avvikelser", deviations)
    shown = int(re.search(r"(\d+) nya avvikelser", changes)[1])
    assert more and int(more[1]) == shown - 10
    assert 'href="/uppfoljning/?support=1">Alla behov av stöd i programöversikten' in changes
