"""The funds jobs remind exactly those who still have something to do, once per person and occasion."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from flask import url_for
from sqlalchemy import event
from sqlmodel import Session, func, select

from tests.funds.factories import COORDINATOR, make_fund_year, purposes_of
from tests.notifications.factories import recorded, run, utc
from tracker.accounts.models import Role
from tracker.config import load_config
from tracker.db import ENGINE_KEY
from tracker.funds import editing, jobs, reporting, reporting_round
from tracker.funds.models import Evaluation, Outcome
from tracker.notifications import jobs as notification_jobs
from tracker.notifications.models import EmailState, Notification, NotificationKind
from tracker.scheduler import registry

REMINDER = NotificationKind.funds_report_reminder
OVERDUE = NotificationKind.funds_report_overdue
DIGEST = NotificationKind.coordinator_overdue_digest
DEADLINE = NotificationKind.funds_deadline_reminder
NBSP = "\u00a0"
BASE = "http://127.0.0.1:5000"


def _save(app, session, fund_year, organisation, *, submit: bool) -> None:
    """Save (or submit) the nämnd's usage report through the real service, as the coordinator."""
    purpose = purposes_of(session, fund_year)[0]
    content = reporting.ReportInput(
        used=200_000, unspent=50_000, reasons_text="Rekryteringen drog ut på tiden.", evaluated=Evaluation.planned,
        areas={purpose.id: reporting.AreaInput(work="Utbildning för personalen.", outcome=Outcome.partly)})
    with app.app_context():
        current = reporting.get_report(session, fund_year, organisation.id)
        reporting.save_report(session, fund_year=fund_year, organisation=organisation, content=content,
                              expected_version=current.version if current else None, submit=submit,
                              actor=COORDINATOR)
        session.commit()


def _allocate(app, session, fund_year, allocations) -> None:
    """Allocation rows [(organisation, amount)], in order (organisations do not hash, so not a dict)."""
    with app.app_context():
        for organisation, amount in allocations:
            editing.save_allocation(session, fund_year=fund_year, organisation=organisation, amount=amount,
                                    citywide=False, note=None, expected_version=None, actor=COORDINATOR)
        session.commit()


def _update_year(app, session, fund_year, **values) -> None:
    with app.app_context():
        editing.update_year(session, fund_year=fund_year, values=values, expected_version=None, actor=COORDINATOR)
        session.commit()


@pytest.fixture
def world(app, session, make_org, make_user):
    """Grant year 2024, round open, the nämnder's last day 15 February 2025.

    Kista has submitted, Farsta has a draft, Bromma and Spånga have nothing;
    Spånga has no contact, Bromma's second contact has left. Norrmalm is not in
    the allocation.
    """
    farsta, bromma, kista, spanga, norrmalm = (
        make_org(slug, name=name) for slug, name in (("farsta", "Farsta stadsdelsnämnd"),
                                                     ("bromma", "Bromma stadsdelsnämnd"),
                                                     ("kista", "Rinkeby-Kista stadsdelsnämnd"),
                                                     ("spanga", "Spånga-Tensta stadsdelsnämnd"),
                                                     ("norrmalm", "Norrmalms stadsdelsnämnd")))
    session.commit()
    fund_year = make_fund_year(session, year=2024)
    _allocate(app, session, fund_year, [(farsta, 300_000), (bromma, 250_000), (kista, 250_000), (spanga, 200_000)])
    with app.app_context():
        reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 15), actor=COORDINATOR)
        session.commit()
    _save(app, session, fund_year, kista, submit=True)
    _save(app, session, fund_year, farsta, submit=False)
    people = SimpleNamespace(
        farsta_contact=make_user(Role.contact, orgs=[farsta], email="farsta@example.se"),
        both=make_user(Role.contact, orgs=[farsta, bromma], email="bada@example.se"),
        kista_contact=make_user(Role.contact, orgs=[kista], email="kista@example.se"),
        gone=make_user(Role.contact, orgs=[bromma], email="slutat@example.se", active=False),
        norrmalm_contact=make_user(Role.contact, orgs=[norrmalm], email="norrmalm@example.se"),
        coordinator=make_user(Role.coordinator, email="samordnare@example.se"),
        opted_out=make_user(Role.coordinator, email="avregistrerad@example.se"),
        former=make_user(Role.coordinator, email="f.d.samordnare@example.se", active=False),
    )
    people.opted_out.digest_opt_out = True
    session.commit()
    return SimpleNamespace(fund_year=fund_year, farsta=farsta, bromma=bromma, kista=kista, spanga=spanga,
                           **vars(people))


def _count(session, kind: NotificationKind | None = None) -> int:
    query = select(func.count()).select_from(Notification)
    return session.exec(query if kind is None else query.where(Notification.kind == kind)).one()


def _keys(session, kind: NotificationKind) -> set[str]:
    return {n.key for n in recorded(session, kind).values()}


# Reminders before the nämnder's deadline

def test_report_reminders_reach_exactly_the_contacts_of_namnder_that_have_not_submitted(app, session, world):
    summary = run(app, session, jobs.send_report_reminders, utc(2025, 2, 1, 6, 0))

    reminded = recorded(session, REMINDER)
    # Not Kista's contact (submitted), not the one who left, not Norrmalm's (not in the allocation).
    assert set(reminded) == {"farsta@example.se", "bada@example.se"}
    assert summary == "2 påminnelser registrerade för återrapporten 2024 (14 dagar kvar)."
    assert _keys(session, REMINDER) == {"2024:14d"}
    farsta = reminded["farsta@example.se"]
    assert farsta.subject == "Påminnelse: återrapportera utvecklingsmedlen för 2024 senast 15 februari 2025"
    assert ("Återrapporten för Farsta stadsdelsnämnd är inte inlämnad än (ett sparat utkast räknas inte som "
            "inlämnat):\n- Farsta stadsdelsnämnd: utkast sparat, inte inlämnat\n"
            f"  {BASE}/medel/2024/aterrapportering/farsta") in farsta.text_body
    assert "Bromma" not in farsta.text_body and "Kista" not in farsta.text_body
    both = reminded["bada@example.se"]  # one email naming both of their nämnder
    assert "är 15 februari 2025 (om 14 dagar)." in both.text_body
    assert ("2 nämnder som du rapporterar för har inte lämnat in sin återrapport än (ett sparat utkast räknas "
            "inte som inlämnat):\n- Farsta stadsdelsnämnd: utkast sparat, inte inlämnat\n"
            f"  {BASE}/medel/2024/aterrapportering/farsta\n- Bromma stadsdelsnämnd: inte påbörjad\n"
            f"  {BASE}/medel/2024/aterrapportering/bromma") in both.text_body
    assert (f'<a href="{BASE}/medel/2024/aterrapportering/bromma">Återrapporten för Bromma stadsdelsnämnd 2024</a>: '
            "inte påbörjad") in both.html_body
    assert recorded(session, DIGEST) == {} and recorded(session, DEADLINE) == {}


@pytest.mark.parametrize(("at", "key"), [
    (utc(2025, 1, 31, 8, 0), None),  # 15 days before: too early
    (utc(2025, 2, 1, 8, 0), "2024:14d"),
    (utc(2025, 2, 6, 8, 0), "2024:14d"),  # the 14-day run made up late
    (utc(2025, 2, 11, 22, 59), "2024:14d"),  # 23:59 on 11 February in Stockholm
    (utc(2025, 2, 11, 23, 30), "2024:3d"),  # 00:30 on 12 February in Stockholm
    (utc(2025, 2, 15, 8, 0), "2024:3d"),  # the deadline itself
    (utc(2025, 2, 16, 8, 0), None),  # after it: that is for the overdue notice
])
def test_the_smallest_offset_reached_decides_the_reminder(app, session, world, at, key):
    summary = run(app, session, jobs.send_report_reminders, at)

    assert _keys(session, REMINDER) == ({key} if key else set())
    if key is None:
        assert summary == "Ingen återrapportering av utvecklingsmedel att påminna om."


def test_the_14_and_3_day_reminders_are_each_recorded_once_over_the_weeks(app, session, world):
    for day in (1, 2, 6, 12, 13, 15):
        run(app, session, jobs.send_report_reminders, utc(2025, 2, day, 6, 0))

    keys = sorted(session.exec(select(Notification.key).where(Notification.user_id == world.both.id)).all())
    assert keys == ["2024:14d", "2024:3d"]
    assert _count(session) == 4


def test_running_again_or_after_a_restart_records_nothing_new(app, session, world):
    at = utc(2025, 2, 12, 6, 0)
    run(app, session, jobs.send_report_reminders, at)
    again = run(app, session, jobs.send_report_reminders, at)
    with Session(app.extensions[ENGINE_KEY]) as fresh:  # a restarted scheduler
        after_restart = run(app, fresh, jobs.send_report_reminders, at)

    assert again == after_restart == "Påminnelserna för återrapporten 2024 (3 dagar kvar) var redan registrerade."
    assert _count(session) == 2


def test_offsets_come_from_the_funds_setting_not_the_tertials(app, session, world):
    at = utc(2025, 2, 8, 6, 0)  # 7 days before
    run(app, session, jobs.send_report_reminders, at, REMINDER_DAYS=(7,))
    assert _keys(session, REMINDER) == {"2024:14d"}  # the default 14 and 3 days

    run(app, session, jobs.send_report_reminders, at, FUNDS_REMINDER_DAYS=(7, 1))
    assert sorted(session.exec(select(Notification.key).where(Notification.user_id == world.both.id)).all()) == [
        "2024:14d", "2024:7d"]


def test_the_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_FUNDS_REMINDER_DAYS", "3, 21,7")
    assert load_config(tmp_path, {"ENV_NAME": "test"})["FUNDS_REMINDER_DAYS"] == (21, 7, 3)
    monkeypatch.delenv("TRACKER_FUNDS_REMINDER_DAYS")
    assert load_config(tmp_path, {"ENV_NAME": "test"})["FUNDS_REMINDER_DAYS"] == (14, 3)


def test_nobody_is_reminded_once_every_namnd_with_a_contact_has_submitted(app, session, world):
    _save(app, session, world.fund_year, world.farsta, submit=True)
    _save(app, session, world.fund_year, world.bromma, submit=True)

    summary = run(app, session, jobs.send_report_reminders, utc(2025, 2, 1, 6, 0))

    assert summary == ("1 nämnd har inte lämnat in återrapporten 2024 (14 dagar kvar) men har ingen aktiv "
                       "kontaktperson att påminna.")
    assert _count(session) == 0
    _save(app, session, world.fund_year, world.spanga, submit=True)
    assert run(app, session, jobs.send_report_reminders, utc(2025, 2, 12, 6, 0)) == (
        "Alla nämnder har lämnat in återrapporten 2024 (3 dagar kvar): ingen att påminna.")


def test_a_closed_round_sends_no_reminders(app, session, world):
    with app.app_context():
        reporting_round.close_reporting(session, fund_year=world.fund_year, actor=COORDINATOR)
        session.commit()

    summary = run(app, session, jobs.send_report_reminders, utc(2025, 2, 12, 6, 0))

    assert summary == "Ingen återrapportering av utvecklingsmedel att påminna om."
    assert _count(session) == 0


def _selects(app, session, job, at) -> int:
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.lstrip().upper().startswith("SELECT"))

    engine = app.extensions[ENGINE_KEY]
    event.listen(engine, "before_cursor_execute", count)
    try:
        run(app, session, job, at)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return sum(statements)


def test_reminders_take_the_same_number_of_queries_for_more_namnder(app, session, world, make_org, make_user):
    small = _selects(app, session, jobs.send_report_reminders, utc(2025, 2, 1, 6, 0))
    for n in range(4):
        organisation = make_org(f"extra-{n}")
        _allocate(app, session, world.fund_year, [(organisation, 1000)])
        make_user(Role.contact, orgs=[organisation])
        make_user(Role.contact, orgs=[organisation])
    large = _selects(app, session, jobs.send_report_reminders, utc(2025, 2, 12, 6, 0))

    assert _count(session, REMINDER) == 2 + 2 + 8
    assert large == small


# After the nämnder's deadline

@pytest.mark.parametrize(("at", "notified"), [
    (utc(2025, 2, 15, 21, 0), False),  # 22:00 on the deadline day in Stockholm
    (utc(2025, 2, 15, 23, 30), True),  # 00:30 the day after
    (utc(2025, 3, 1, 8, 0), True),  # 14 days after: a stopped scheduler catches up
    (utc(2025, 3, 2, 8, 0), False),  # too old to notify about
])
def test_overdue_notices_go_out_from_the_day_after_the_deadline(app, session, world, at, notified):
    summary = run(app, session, jobs.send_report_overdue_notices, at)

    assert set(recorded(session, OVERDUE)) == ({"farsta@example.se", "bada@example.se"} if notified else set())
    assert set(recorded(session, DIGEST)) == ({"samordnare@example.se", "avregistrerad@example.se"}
                                              if notified else set())
    if notified:
        assert _keys(session, OVERDUE) == {"2024"} and _keys(session, DIGEST) == {"funds:2024"}
        assert summary == ("Återrapporten 2024: 2 nya förseningsbesked (av 2) och 2 nya sammanställningar till "
                           "samordnare (av 2).")
    else:
        assert summary == ("Ingen återrapportering av utvecklingsmedel har passerat sista dag de senaste två "
                           "veckorna.")


def test_a_late_run_catches_up_once_and_later_runs_record_nothing(app, session, world):
    first = run(app, session, jobs.send_report_overdue_notices, utc(2025, 2, 20, 6, 0))
    for day in (21, 25):
        last = run(app, session, jobs.send_report_overdue_notices, utc(2025, 2, day, 6, 0))

    assert first.startswith("Återrapporten 2024: 2 nya förseningsbesked")
    assert last == ("Återrapporten 2024: 0 nya förseningsbesked (av 2) och 0 nya sammanställningar till "
                    "samordnare (av 2).")
    assert _count(session) == 4


def test_an_open_round_asks_the_contacts_to_report_at_once(app, session, world):
    run(app, session, jobs.send_report_overdue_notices, utc(2025, 2, 16, 6, 0))

    notice = recorded(session, OVERDUE)["bada@example.se"]
    assert notice.subject == "Sista dag för återrapporten av utvecklingsmedlen 2024 har passerat – rapportera snarast"
    assert ("Sista dag för återrapporten av utvecklingsmedlen för 2024 var 15 februari 2025. Några nämnder som du "
            "rapporterar för har inte lämnat in") in notice.text_body
    assert ("Återrapporteringen är fortfarande öppen: rapportera snarast.\n"
            "- Farsta stadsdelsnämnd: utkast sparat, inte inlämnat\n"
            f"  {BASE}/medel/2024/aterrapportering/farsta\n- Bromma stadsdelsnämnd: inte påbörjad\n"
            f"  {BASE}/medel/2024/aterrapportering/bromma") in notice.text_body
    assert "stängd" not in notice.text_body
    assert f'<a href="{BASE}/medel/2024/aterrapportering/bromma">' in notice.html_body


def test_a_closed_round_reopened_for_one_namnd_asks_only_it_to_report(app, session, world):
    with app.app_context():
        reporting_round.close_reporting(session, fund_year=world.fund_year, actor=COORDINATOR)
        reporting_round.reopen_for(session, fund_year=world.fund_year, organisation=world.bromma, reason="Sjukskrivning",
                           actor=COORDINATOR)
        session.commit()

    run(app, session, jobs.send_report_overdue_notices, utc(2025, 2, 18, 6, 0))

    notices = recorded(session, OVERDUE)
    only_farsta = notices["farsta@example.se"]
    assert only_farsta.subject == "Sista dag för återrapporten av utvecklingsmedlen 2024 har passerat"
    assert ("Återrapporteringen är stängd; kontakta samordnaren om ni behöver lämna in i efterhand.\n"
            "- Farsta stadsdelsnämnd: utkast sparat, inte inlämnat") in only_farsta.text_body
    assert "snarast" not in only_farsta.text_body and "/aterrapportering/" not in only_farsta.text_body
    reopened, closed = notices["bada@example.se"].text_body.split("Återrapporteringen är stängd")
    assert "Återrapporteringen är öppnad igen för er: rapportera snarast.\n- Bromma stadsdelsnämnd" in reopened
    assert "/aterrapportering/bromma" in reopened and "Farsta" not in reopened
    assert "Farsta stadsdelsnämnd" in closed and "Bromma" not in closed


def test_the_coordinators_digest_lists_exactly_the_namnder_that_have_not_submitted(app, session, world):
    run(app, session, jobs.send_report_overdue_notices, utc(2025, 2, 16, 6, 0))

    digests = recorded(session, DIGEST)
    digest = digests["samordnare@example.se"]
    assert digest.subject == "Återrapportering av utvecklingsmedlen 2024: 3 av 4 nämnder har inte lämnat in"
    assert ("3 av 4 nämnder har inte lämnat in:\n"
            "- Farsta stadsdelsnämnd: utkast sparat, inte inlämnat\n"
            "- Bromma stadsdelsnämnd: inte påbörjad\n"
            "- Spånga-Tensta stadsdelsnämnd: inte påbörjad (ingen aktiv kontaktperson)\n") in digest.text_body
    assert "Kista" not in digest.text_body
    assert f"{BASE}/medel/2024" in digest.text_body
    assert f'<a href="{BASE}/medel/2024">' in digest.html_body
    # The digest opt-out applies as for the tertials' digest: recorded, shown in the app, not emailed.
    assert digest.email_state == EmailState.pending
    assert digests["avregistrerad@example.se"].email_state == EmailState.skipped
    assert {n.email_state for n in recorded(session, OVERDUE).values()} == {EmailState.pending}


def test_when_every_namnd_has_submitted_the_digest_says_so_and_no_contact_is_told(app, session, world):
    for organisation in (world.farsta, world.bromma, world.spanga):
        _save(app, session, world.fund_year, organisation, submit=True)

    run(app, session, jobs.send_report_overdue_notices, utc(2025, 2, 16, 6, 0))

    assert recorded(session, OVERDUE) == {}
    digest = recorded(session, DIGEST)["samordnare@example.se"]
    assert digest.subject == "Återrapportering av utvecklingsmedlen 2024: alla 4 nämnder har lämnat in"
    assert "Alla 4 nämnder har lämnat in." in digest.text_body


def test_a_round_never_opened_sends_no_overdue_notice(app, session, make_org):
    fund_year = make_fund_year(session, year=2023)
    _allocate(app, session, fund_year, [(make_org("farsta"), 1000)])
    assert run(app, session, jobs.send_report_overdue_notices, utc(2024, 2, 20, 6, 0)).startswith("Ingen")
    assert _count(session) == 0


# Socialstyrelsen's deadlines, for the coordinators

def test_coordinators_are_reminded_of_the_requisition_deadline(app, session, world):
    summary = run(app, session, jobs.send_coordinator_deadline_reminders, utc(2024, 5, 18, 6, 0))

    reminded = recorded(session, DEADLINE)
    assert set(reminded) == {"samordnare@example.se", "avregistrerad@example.se"}  # active coordinators only
    assert summary == "Rekvisitionen 2024 (14 dagar kvar): 2 påminnelser registrerade."
    reminder = reminded["samordnare@example.se"]
    assert reminder.key == "2024:requisition:14d"
    assert reminder.subject == "Påminnelse: rekvirera utvecklingsmedlen för 2024 senast 1 juni 2024"
    assert ("Sista dag att rekvirera utvecklingsmedlen för 2024 hos Socialstyrelsen är 1 juni 2024 (om 14 dagar)."
            in reminder.text_body)
    assert f"{BASE}/medel/2024" in reminder.text_body
    assert f'<a href="{BASE}/medel/2024">Se utvecklingsmedlen 2024</a>' in reminder.html_body
    # A reminder, not a digest: the opt-out does not apply.
    assert reminded["avregistrerad@example.se"].email_state == EmailState.pending
    assert _count(session) == 2


@pytest.mark.parametrize(("at", "key"), [
    (utc(2024, 5, 17, 8, 0), None),
    (utc(2024, 5, 18, 8, 0), "2024:requisition:14d"),
    (utc(2024, 5, 29, 8, 0), "2024:requisition:3d"),
    (utc(2024, 6, 2, 8, 0), None),
    (utc(2025, 3, 17, 8, 0), "2024:report:14d"),
    (utc(2025, 3, 31, 8, 0), "2024:report:3d"),
    (utc(2025, 6, 16, 8, 0), "2024:repayment:14d"),
    (utc(2025, 6, 27, 8, 0), "2024:repayment:3d"),
    (utc(2025, 7, 1, 8, 0), None),
])
def test_each_of_socialstyrelsens_deadlines_has_its_14_and_3_day_reminders(app, session, world, at, key):
    summary = run(app, session, jobs.send_coordinator_deadline_reminders, at)

    assert _keys(session, DEADLINE) == ({key} if key else set())
    if key is None:
        assert summary == "Ingen av Socialstyrelsens sista dagar för utvecklingsmedlen är nära."


def test_deadline_reminders_are_recorded_once_per_coordinator_and_occasion(app, session, world):
    for day in (18, 19, 25, 29, 30):
        last = run(app, session, jobs.send_coordinator_deadline_reminders, utc(2024, 5, day, 6, 0))

    assert last == "Rekvisitionen 2024 (2 dagar kvar): påminnelserna var redan registrerade."
    keys = sorted(session.exec(select(Notification.key).where(Notification.user_id == world.coordinator.id)).all())
    assert keys == ["2024:requisition:14d", "2024:requisition:3d"]
    assert _count(session) == 4


def test_the_report_reminder_is_skipped_once_the_year_is_compiled(app, session, world):
    _update_year(app, session, world.fund_year, compiled_on=date(2025, 3, 10))

    summary = run(app, session, jobs.send_coordinator_deadline_reminders, utc(2025, 3, 17, 6, 0))

    assert summary == "Återrapporten till Socialstyrelsen 2024: ingen påminnelse, året är sammanställt."
    assert _count(session) == 0


@pytest.mark.parametrize("recorded_as", ["total", "round"])
def test_the_requisition_reminder_is_skipped_once_a_requisition_is_recorded(app, session, world, recorded_as):
    if recorded_as == "total":
        _update_year(app, session, world.fund_year, requisitioned_total=500_000)
    else:
        with app.app_context():
            editing.save_round(session, fund_year=session.merge(world.fund_year), round_=None,
                               form={"label": "Våren 2024", "amount": "500000"}, actor=COORDINATOR)
            session.commit()

    summary = run(app, session, jobs.send_coordinator_deadline_reminders, utc(2024, 5, 18, 6, 0))

    assert summary == "Rekvisitionen 2024: ingen påminnelse, rekvisitionen är registrerad."
    assert _count(session) == 0


def test_a_round_of_unknown_amount_still_gets_the_requisition_reminder(app, session, world):
    with app.app_context():
        editing.save_round(session, fund_year=session.merge(world.fund_year), round_=None,
                           form={"label": "Omgång 1", "amount": ""}, actor=COORDINATOR)
        session.commit()

    run(app, session, jobs.send_coordinator_deadline_reminders, utc(2024, 5, 18, 6, 0))

    assert _keys(session, DEADLINE) == {"2024:requisition:14d"}


def test_the_repayment_reminder_names_the_amount(app, session, world):
    _update_year(app, session, world.fund_year, repayment_amount=123_456)

    run(app, session, jobs.send_coordinator_deadline_reminders, utc(2025, 6, 16, 6, 0))

    reminder = recorded(session, DEADLINE)["samordnare@example.se"]
    assert reminder.subject == "Påminnelse: återbetala outnyttjade utvecklingsmedel för 2024 senast 30 juni 2025"
    assert f"Att återbetala: 123{NBSP}456{NBSP}kr." in reminder.text_body


def test_a_repayment_of_unknown_amount_is_still_reminded_of(app, session, world):
    run(app, session, jobs.send_coordinator_deadline_reminders, utc(2025, 6, 16, 6, 0))

    text = recorded(session, DEADLINE)["samordnare@example.se"].text_body
    assert "Att återbetala: okänt (beloppet är inte registrerat än)." in text


@pytest.mark.parametrize(("values", "reason"), [
    ({"repayment_amount": 123_456, "repayment_paid_on": date(2025, 6, 10)}, "betalningen är registrerad"),
    ({"repayment_amount": 0}, "inget att återbetala"),
    ({"stated_unspent": 0}, "inget att återbetala"),  # nothing recorded to repay, and nothing unspent
])
def test_the_repayment_reminder_is_skipped_when_paid_or_nothing_is_due(app, session, world, values, reason):
    _update_year(app, session, world.fund_year, **values)

    summary = run(app, session, jobs.send_coordinator_deadline_reminders, utc(2025, 6, 16, 6, 0))

    assert summary == f"Återbetalningen 2024: ingen påminnelse, {reason}."
    assert _count(session) == 0


def test_the_invoices_due_date_decides_the_repayment_reminder(app, session, world):
    _update_year(app, session, world.fund_year, repayment_amount=1000, repayment_due_on=date(2025, 5, 31))

    run(app, session, jobs.send_coordinator_deadline_reminders, utc(2025, 5, 17, 6, 0))

    reminder = recorded(session, DEADLINE)["samordnare@example.se"]
    assert reminder.key == "2024:repayment:14d"
    assert "är 31 maj 2025 (om 14 dagar)." in reminder.text_body


# Delivery

def _deliver(app, session, controller, at):
    return run(app, session, notification_jobs.deliver_notifications, at, SMTP_HOST=controller.hostname,
               SMTP_PORT=controller.port, SMTP_SECURITY="none")


def test_the_notices_are_delivered_over_smtp_to_their_recipients(app, session, world, smtp_server):
    handler, controller = smtp_server
    run(app, session, jobs.send_report_reminders, utc(2025, 2, 12, 6, 0))
    assert _deliver(app, session, controller, utc(2025, 2, 12, 6, 5)) == "2 skickade, 0 misslyckade, 0 försöks igen."
    run(app, session, jobs.send_report_overdue_notices, utc(2025, 2, 16, 6, 0))
    # Two notices and one digest: the coordinator who opted out gets no email.
    assert _deliver(app, session, controller, utc(2025, 2, 16, 6, 5)) == "3 skickade, 0 misslyckade, 0 försöks igen."

    by_recipient: dict[str, list] = {}
    for message in handler.received:
        [recipient] = message.recipients
        by_recipient.setdefault(recipient, []).append(message)
    assert {k: len(v) for k, v in by_recipient.items()} == {"farsta@example.se": 2, "bada@example.se": 2,
                                                             "samordnare@example.se": 1}
    reminder = by_recipient["bada@example.se"][0]
    assert reminder.message["Subject"] == ("Påminnelse: återrapportera utvecklingsmedlen för 2024 senast "
                                           "15 februari 2025")
    assert "är 15 februari 2025 (om 3 dagar)." in reminder.text
    assert "- Bromma stadsdelsnämnd: inte påbörjad" in reminder.text
    assert f'<a href="{BASE}/medel/2024/aterrapportering/bromma">' in reminder.html
    assert '<html lang="sv">' in reminder.html
    assert f"<title>{reminder.message['Subject']}</title>" in reminder.html
    digest = by_recipient["samordnare@example.se"][0]
    assert "Spånga-Tensta stadsdelsnämnd: inte påbörjad (ingen aktiv kontaktperson)" in digest.text
    assert f'<a href="{BASE}/medel/2024">' in digest.html


def test_a_long_subject_reaches_the_recipient_with_its_spaces(app, session, world, smtp_server):
    handler, controller = smtp_server
    run(app, session, jobs.send_report_overdue_notices, utc(2025, 2, 16, 6, 0))
    _deliver(app, session, controller, utc(2025, 2, 16, 6, 5))

    [digest] = [m for m in handler.received if m.recipients == ["samordnare@example.se"]]
    assert digest.message["Subject"] == "Återrapportering av utvecklingsmedlen 2024: 3 av 4 nämnder har inte lämnat in"


# The jobs page

def test_the_three_jobs_are_registered_daily_and_listed_on_the_jobs_page(app, client, login, make_user):
    expected = {"funds_report_reminders": (jobs.send_report_reminders, "Varje dag kl. 07.05"),
                "funds_report_overdue": (jobs.send_report_overdue_notices, "Varje dag kl. 07.15"),
                "funds_deadline_reminders": (jobs.send_coordinator_deadline_reminders, "Varje dag kl. 07.20")}
    login(make_user(Role.admin))
    page = client.get("/schemalagda-jobb/")
    assert page.status_code == 200
    for job_id, (function, schedule) in expected.items():
        spec = registry.get(job_id)
        assert spec.function() is function
        with app.test_request_context():
            assert spec.schedule(app.config) == schedule
        assert spec.name in page.text
        assert f'id="job-{job_id}"' in page.text


def test_the_email_links_are_the_pages_routes(app):
    # Jobs have no request, so the paths are written out; they must stay the blueprint's.
    with app.test_request_context():
        assert jobs.year_path(2024) == url_for("funds.year_page", year=2024)
        assert jobs.report_path(2024, "farsta") == url_for("funds.report_form", year=2024, org="farsta")
