"""Deadline reminders and overdue notices reach exactly those with unsubmitted commitments, once."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import event
from sqlmodel import Session, func, select

from tracker.accounts.models import Role
from tracker.db import ENGINE_KEY
from tracker.notifications import jobs, reminders
from tracker.notifications.models import EmailState, Notification, NotificationKind
from tracker.periods.models import PeriodReopening, PeriodState
from tracker.programs.models import Activity

from .factories import recorded, run, save, utc

REMINDER = NotificationKind.deadline_reminder
OVERDUE = NotificationKind.overdue_notice
DIGEST = NotificationKind.coordinator_overdue_digest


@pytest.fixture
def world(session, make_activity, make_program, make_org, make_commitment, make_period, make_user):
    """Tertial 1 2026 is open, deadline 15 May. Farsta: parenting submitted, campaign a draft.
    Bromma: parenting untouched. Kista: both submitted (its inactive commitment does not count).
    """
    def running(n: int, title: str):  # an activity of a programme that runs in 2026 (2021–2026)
        return make_activity(program=make_program(f"running-{n}", end_year=2026), title=title)

    parenting, campaign = running(1, "Föräldraskapsstöd"), running(2, "Kampanj mot sexköp")
    farsta, bromma, kista = (make_org(slug, name=name) for slug, name in
                             (("farsta", "Farsta"), ("bromma", "Bromma"), ("kista", "Kista")))
    period = make_period("2026-T1", state=PeriodState.open)
    c = {(a, o.slug): make_commitment(organisation=o, activity=activity)
         for a, activity, orgs in (("parenting", parenting, (farsta, bromma, kista)), ("campaign", campaign,
                                                                                       (farsta, kista)))
         for o in orgs}
    c["dropped", "kista"] = make_commitment(organisation=kista, activity=running(3, "Nedlagd"))
    c["dropped", "kista"].active = False
    early = utc(2026, 4, 20, 9, 0)
    save(session, c["parenting", "farsta"], period, at=early, submit=True)
    save(session, c["campaign", "farsta"], period, at=early)
    save(session, c["parenting", "kista"], period, at=early, submit=True)
    save(session, c["campaign", "kista"], period, at=early, submit=True)
    people = SimpleNamespace(
        farsta_contact=make_user(Role.contact, orgs=[farsta], email="farsta@example.se"),
        both=make_user(Role.contact, orgs=[farsta, bromma], email="bada@example.se"),
        kista_contact=make_user(Role.contact, orgs=[kista], email="kista@example.se"),
        gone=make_user(Role.contact, orgs=[bromma], email="slutat@example.se", active=False),
        coordinator=make_user(Role.coordinator, email="samordnare@example.se"),
        opted_out=make_user(Role.coordinator, email="avregistrerad@example.se"),
        former=make_user(Role.coordinator, email="f.d.samordnare@example.se", active=False),
    )
    people.opted_out.digest_opt_out = True
    session.commit()
    return SimpleNamespace(period=period, c=c, farsta=farsta, bromma=bromma, kista=kista, **vars(people))


def _count(session) -> int:
    return session.exec(select(func.count()).select_from(Notification)).one()


# Deadline reminders

def test_reminders_reach_exactly_the_contacts_with_unsubmitted_commitments(app, session, world):
    summary = run(app, session, jobs.send_deadline_reminders, utc(2026, 5, 1, 6, 0))

    reminded = recorded(session, REMINDER)
    assert set(reminded) == {"farsta@example.se", "bada@example.se"}
    assert summary == "2 påminnelser registrerade för Tertial 1 2026 (14 dagar kvar)."
    assert {n.key for n in reminded.values()} == {"2026-T1:14d"}
    assert reminded["farsta@example.se"].subject == "Påminnelse: rapportera Tertial 1 2026 senast 15 maj"
    farsta_text = reminded["farsta@example.se"].text_body
    assert "- Kampanj mot sexköp (Farsta) – utkast sparat, inte inlämnat" in farsta_text
    assert "Föräldraskapsstöd" not in farsta_text and "Bromma" not in farsta_text
    both = reminded["bada@example.se"]
    assert "Du har 2 åtaganden" in both.text_body
    assert "- Föräldraskapsstöd (Bromma)\n- Kampanj mot sexköp (Farsta)" in both.text_body
    assert '<a href="http://127.0.0.1:5000/mina-ataganden">' in both.html_body


@pytest.mark.parametrize(("at", "key"), [
    (utc(2026, 4, 30, 8, 0), None),  # 15 days before: too early
    (utc(2026, 5, 1, 8, 0), "2026-T1:14d"),
    (utc(2026, 5, 6, 8, 0), "2026-T1:14d"),  # the 14-day run made up late
    (utc(2026, 5, 11, 21, 59), "2026-T1:14d"),  # 23:59 on 11 May in Stockholm
    (utc(2026, 5, 11, 22, 30), "2026-T1:3d"),  # 00:30 on 12 May in Stockholm
    (utc(2026, 5, 15, 8, 0), "2026-T1:3d"),  # the deadline itself
    (utc(2026, 5, 16, 8, 0), None),  # too late: that is for the overdue notice
])
def test_the_smallest_offset_reached_decides_the_reminder(app, session, world, at, key):
    summary = run(app, session, jobs.send_deadline_reminders, at)

    keys = {n.key for n in recorded(session, REMINDER).values()}
    assert keys == ({key} if key else set())
    if key is None:
        assert summary == "Inget att påminna om."


def test_the_14_and_3_day_reminders_are_each_recorded_once_over_the_weeks(app, session, world):
    for day in (1, 2, 6, 12, 13, 15):
        run(app, session, jobs.send_deadline_reminders, utc(2026, 5, day, 6, 0))

    keys = sorted(session.exec(select(Notification.key).where(Notification.user_id == world.both.id)).all())
    assert keys == ["2026-T1:14d", "2026-T1:3d"]
    assert _count(session) == 4


def test_offsets_come_from_the_configuration(app, session, world):
    run(app, session, jobs.send_deadline_reminders, utc(2026, 5, 8, 6, 0), REMINDER_DAYS=(7, 1))
    assert {n.key for n in recorded(session, REMINDER).values()} == {"2026-T1:7d"}


def test_running_again_or_after_a_restart_records_nothing_new(app, session, world):
    at = utc(2026, 5, 1, 6, 0)
    run(app, session, jobs.send_deadline_reminders, at)
    again = run(app, session, jobs.send_deadline_reminders, at)
    with Session(app.extensions[ENGINE_KEY]) as fresh:  # a restarted scheduler
        after_restart = run(app, fresh, jobs.send_deadline_reminders, at)

    assert again == after_restart == "Påminnelserna för Tertial 1 2026 (14 dagar kvar) var redan registrerade."
    assert _count(session) == 2


def test_a_run_that_fails_midway_and_runs_again_records_each_reminder_once(app, session, world, monkeypatch):
    calls = []
    real_notify = reminders.notify

    def notify_then_crash(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("anslutningen bröts")
        return real_notify(*args, **kwargs)

    monkeypatch.setattr(reminders, "notify", notify_then_crash)
    at = utc(2026, 5, 1, 6, 0)
    with pytest.raises(ConnectionError):
        run(app, session, jobs.send_deadline_reminders, at)
    session.rollback()
    monkeypatch.setattr(reminders, "notify", real_notify)
    with Session(app.extensions[ENGINE_KEY]) as fresh:  # the scheduler restarted
        run(app, fresh, jobs.send_deadline_reminders, at)

    # Whether the first run's one reminder was kept or not, each contact has exactly one (`recorded` checks).
    assert set(recorded(session, REMINDER)) == {"farsta@example.se", "bada@example.se"}
    assert _count(session) == 2


def test_nobody_is_reminded_once_everything_is_submitted(app, session, world):
    save(session, world.c["campaign", "farsta"], world.period, at=utc(2026, 4, 28, 9, 0), submit=True)
    save(session, world.c["parenting", "bromma"], world.period, at=utc(2026, 4, 28, 9, 0), submit=True)

    summary = run(app, session, jobs.send_deadline_reminders, utc(2026, 5, 1, 6, 0))

    assert summary == "Alla har lämnat in Tertial 1 2026: ingen att påminna."
    assert _count(session) == 0


def _selects(app, session, at) -> int:
    """How many SELECT statements a deadline reminder run takes."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.lstrip().upper().startswith("SELECT"))

    engine = app.extensions[ENGINE_KEY]
    event.listen(engine, "before_cursor_execute", count)
    try:
        run(app, session, jobs.send_deadline_reminders, at)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return sum(statements)


def test_reminders_take_the_same_number_of_queries_for_more_organisations(app, session, world, make_org,
                                                                          make_commitment, make_user):
    small = _selects(app, session, utc(2026, 5, 1, 6, 0))
    parenting = session.get(Activity, world.c["parenting", "farsta"].activity_id)
    for n in range(5):
        organisation = make_org(f"extra-{n}")
        make_commitment(organisation=organisation, activity=parenting)
        make_user(Role.contact, orgs=[organisation])
        make_user(Role.contact, orgs=[organisation])
    large = _selects(app, session, utc(2026, 5, 12, 6, 0))

    assert len(recorded(session, REMINDER, "2026-T1:3d")) == 2 + 10
    assert large == small


# Overdue notices and the coordinators' digest

@pytest.mark.parametrize(("at", "notified"), [
    (utc(2026, 5, 15, 20, 0), False),  # 22:00 on the deadline day in Stockholm
    (utc(2026, 5, 15, 22, 30), True),  # 00:30 the day after
    (utc(2026, 5, 29, 8, 0), True),  # 14 days after
    (utc(2026, 5, 30, 8, 0), False),  # too old to notify about
])
def test_overdue_notices_are_sent_from_the_day_after_the_deadline_for_two_weeks(app, session, world, at, notified):
    summary = run(app, session, jobs.send_overdue_notices, at)

    notices = recorded(session, OVERDUE)
    assert set(notices) == ({"farsta@example.se", "bada@example.se"} if notified else set())
    assert set(recorded(session, DIGEST)) == ({"samordnare@example.se", "avregistrerad@example.se"}
                                              if notified else set())
    if notified:
        assert {n.key for n in notices.values()} == {"2026-T1"}
        assert summary == ("Tertial 1 2026: 2 nya förseningsbesked (av 2) och 2 nya sammanställningar till "
                           "samordnare (av 2).")
    else:
        assert summary == "Ingen tertial har passerat sista dag de senaste två veckorna."


def test_an_open_tertial_asks_to_report_at_once(app, session, world):
    run(app, session, jobs.send_overdue_notices, utc(2026, 5, 16, 6, 0))

    notice = recorded(session, OVERDUE)["bada@example.se"]
    assert notice.subject == "Sista dag för Tertial 1 2026 har passerat – rapportera snarast"
    assert "Sista dag för rapportering av Tertial 1 2026 var 15 maj." in notice.text_body
    assert "Tertialen är fortfarande öppen: rapportera snarast i Mina åtaganden." in notice.text_body
    assert "- Föräldraskapsstöd (Bromma)\n- Kampanj mot sexköp (Farsta) – utkast sparat" in notice.text_body
    assert "stängd" not in notice.text_body


def test_a_closed_tertial_says_so_and_points_to_the_coordinator(app, session, world):
    world.period.state = PeriodState.closed
    session.add(world.period)
    session.commit()

    run(app, session, jobs.send_overdue_notices, utc(2026, 5, 23, 6, 0))

    notice = recorded(session, OVERDUE)["bada@example.se"]
    assert notice.subject == "Sista dag för Tertial 1 2026 har passerat"
    assert ("Tertialen är stängd; kontakta samordnaren om ni behöver lämna in i efterhand.\n"
            "- Föräldraskapsstöd (Bromma)\n- Kampanj mot sexköp (Farsta)") in notice.text_body
    assert "snarast" not in notice.text_body and "/mina-ataganden" not in notice.text_body


def test_a_closed_tertial_reopened_for_one_organisation_asks_it_to_report(app, session, world):
    world.period.state = PeriodState.closed
    session.add(PeriodReopening(period_id=world.period.id, organisation_id=world.bromma.id, reason="Sjukdom"))
    session.commit()

    run(app, session, jobs.send_overdue_notices, utc(2026, 5, 23, 6, 0))

    text = recorded(session, OVERDUE)["bada@example.se"].text_body
    reopened, closed = text.split("Tertialen är stängd")
    assert "Tertialen är öppnad igen för er: rapportera snarast" in reopened and "(Bromma)" in reopened
    assert "(Farsta)" in closed and "(Bromma)" not in closed


def test_the_coordinator_digest_lists_exactly_the_organisations_that_have_not_submitted(app, session, world):
    run(app, session, jobs.send_overdue_notices, utc(2026, 5, 16, 6, 0))

    digests = recorded(session, DIGEST)
    digest = digests["samordnare@example.se"]
    assert digest.subject == "Rapportering Tertial 1 2026: 2 av 3 organisationer har inte lämnat in allt"
    assert ("2 av 3 organisationer har inte lämnat in alla sina åtaganden:\n"
            "- Bromma: 0 av 1 inlämnade\n- Farsta: 1 av 2 inlämnade\n") in digest.text_body
    assert "Kista" not in digest.text_body
    assert "http://127.0.0.1:5000/uppfoljning/rapportering?period=2026-T1" in digest.text_body
    assert digest.email_state == EmailState.pending
    assert digests["avregistrerad@example.se"].email_state == EmailState.skipped  # recorded, not emailed
    assert not (set(recorded(session, OVERDUE)) & set(digests))


def test_when_everyone_has_submitted_the_digest_says_so_and_no_contact_is_notified(app, session, world):
    save(session, world.c["campaign", "farsta"], world.period, at=utc(2026, 5, 14, 9, 0), submit=True)
    save(session, world.c["parenting", "bromma"], world.period, at=utc(2026, 5, 14, 9, 0), submit=True)

    run(app, session, jobs.send_overdue_notices, utc(2026, 5, 16, 6, 0))

    assert recorded(session, OVERDUE) == {}
    digest = recorded(session, DIGEST)["samordnare@example.se"]
    assert digest.subject == "Rapportering Tertial 1 2026: alla organisationer har lämnat in"
    assert "Alla 3 organisationer har lämnat in samtliga åtaganden." in digest.text_body


def test_overdue_notices_are_recorded_once(app, session, world):
    for day in (16, 17, 20):
        last = run(app, session, jobs.send_overdue_notices, utc(2026, 5, day, 6, 0))
    assert last == ("Tertial 1 2026: 0 nya förseningsbesked (av 2) och 0 nya sammanställningar till "
                    "samordnare (av 2).")
    assert _count(session) == 4


# Delivery

def test_reminders_are_delivered_over_smtp_to_their_recipients(app, session, world, smtp_server):
    handler, controller = smtp_server
    run(app, session, jobs.send_deadline_reminders, utc(2026, 5, 12, 6, 0))

    summary = run(app, session, jobs.deliver_notifications, utc(2026, 5, 12, 6, 5), SMTP_HOST=controller.hostname,
                  SMTP_PORT=controller.port, SMTP_SECURITY="none")

    assert summary == "2 skickade, 0 misslyckade, 0 försöks igen."
    by_recipient = {tuple(r.recipients): r for r in handler.received}
    assert set(by_recipient) == {("farsta@example.se",), ("bada@example.se",)}
    message = by_recipient["bada@example.se",]
    assert message.message["Subject"] == "Påminnelse: rapportera Tertial 1 2026 senast 15 maj"
    assert "Sista dag för rapportering av Tertial 1 2026 är 2026-05-15 (om 3 dagar)." in message.text
    assert "- Föräldraskapsstöd (Bromma)" in message.text
    assert '<a href="http://127.0.0.1:5000/mina-ataganden">' in message.html
    assert run(app, session, jobs.deliver_notifications, utc(2026, 5, 12, 6, 10), SMTP_HOST=controller.hostname,
               SMTP_PORT=controller.port, SMTP_SECURITY="none") == "0 skickade, 0 misslyckade, 0 försöks igen."
    assert len(handler.received) == 2
