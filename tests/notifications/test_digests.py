"""The weekly coordinator digest: what became new in the last seven days, and how reporting goes."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from tracker.accounts.models import Role
from tracker.notifications import digests, jobs
from tracker.notifications.models import EmailState, NotificationKind
from tracker.periods.models import PeriodState
from tracker.reporting.models import ReportStatus

from .factories import recorded, run, save, utc

WEEKLY = NotificationKind.weekly_digest
NOW = utc(2026, 11, 30, 7, 0)  # Monday 08:00 in Stockholm; the window starts 23 November 07:00 UTC
DEVIATION = ReportStatus.deviation


@pytest.fixture
def week(session, make_activity, make_program, make_org, make_commitment, make_period, make_user):
    """Tertial 3 2026 is open (deadline 15 January); Tertial 2 is still open after its deadline."""
    def running(n: int, title: str):  # an activity of a programme that runs in 2026 (2021–2026)
        return make_activity(program=make_program(f"running-{n}", end_year=2026), title=title)

    parenting, elderly = running(1, "Föräldraskapsstöd"), running(2, "Stöd & skydd <äldre>")
    farsta, bromma, kista, spanga = (make_org(slug, name=name) for slug, name in (
        ("farsta", "Farsta"), ("bromma", "Bromma"), ("kista", "Kista"), ("spanga", "Spånga")))
    previous, period = make_period("2026-T2"), make_period("2026-T3")
    previous.deadline, period.deadline = date(2026, 9, 15), date(2027, 1, 15)
    c = {(a, o.slug): make_commitment(organisation=o, activity=activity)
         for a, activity, orgs in (("parenting", parenting, (farsta, bromma, kista, spanga)),
                                   ("elderly", elderly, (farsta, spanga)))
         for o in orgs}
    session.commit()
    coordinators = SimpleNamespace(
        alice=make_user(Role.coordinator, email="alice@example.se"),
        bo=make_user(Role.coordinator, email="bo@example.se"),
        former=make_user(Role.coordinator, email="slutat@example.se", active=False),
        contact=make_user(Role.contact, orgs=[farsta], email="farsta@example.se"),
    )
    coordinators.bo.digest_opt_out = True
    session.commit()
    return SimpleNamespace(period=period, previous=previous, c=c, **vars(coordinators))


@pytest.fixture
def changes(session, week):
    """Saves before and in the window; the comments say which are new this week."""
    c, period = week.c, week.period
    save(session, c["parenting", "farsta"], period, at=utc(2026, 11, 25, 9, 0), support_needed=True,
         support_text="Handledning i samtalsmetodik")  # new support need
    save(session, c["parenting", "bromma"], period, at=utc(2026, 11, 10, 9, 0), support_needed=True)
    save(session, c["parenting", "bromma"], period, at=utc(2026, 11, 26, 9, 0), support_needed=True,
         submit=True)  # already needed support before the window
    save(session, c["parenting", "kista"], period, at=utc(2026, 11, 10, 9, 0))
    save(session, c["parenting", "kista"], period, at=utc(2026, 11, 27, 9, 0), status=DEVIATION)  # new deviation
    save(session, c["parenting", "spanga"], period, at=utc(2026, 11, 15, 9, 0), status=DEVIATION,
         support_needed=True)  # before the window
    save(session, c["elderly", "farsta"], period, at=utc(2026, 11, 10, 9, 0), status=DEVIATION)
    save(session, c["elderly", "farsta"], period, at=utc(2026, 11, 28, 9, 0), status=DEVIATION)  # still
    save(session, c["elderly", "spanga"], period, at=utc(2026, 11, 24, 9, 0), support_needed=True)  # new support
    save(session, c["elderly", "spanga"], period, at=utc(2026, 11, 25, 9, 0), support_needed=True, submit=True)
    return week


def test_new_support_needs_and_deviations_are_those_that_became_true_in_the_window(session, changes):
    digest = digests.build_weekly_digest(session, now=NOW, today=date(2026, 11, 30))

    assert [(n.organisation, n.title) for n in digest.support_needs] == [
        ("Farsta", "Föräldraskapsstöd"), ("Spånga", "Stöd & skydd <äldre>")]
    assert [(d.organisation, d.title) for d in digest.deviations] == [("Kista", "Föräldraskapsstöd")]
    assert digest.support_needs[0].support_text == "Handledning i samtalsmetodik"
    assert digest.key == "2026-W49"


@pytest.mark.parametrize(("saved_at", "found"), [
    (utc(2026, 11, 23, 6, 59), False),
    (utc(2026, 11, 23, 7, 0), True),
    (utc(2026, 11, 30, 6, 59), True),
])
def test_the_window_is_the_seven_days_before_now(session, week, saved_at, found):
    save(session, week.c["parenting", "kista"], week.period, at=saved_at, support_needed=True)
    support_needs, _deviations = digests.weekly_changes(session, since=utc(2026, 11, 23, 7, 0), until=NOW)
    assert [n.organisation for n in support_needs] == (["Kista"] if found else [])


def test_the_digest_links_each_change_to_its_commitment(app, session, changes):
    run(app, session, jobs.send_weekly_digest, NOW)

    digest = recorded(session, WEEKLY)["alice@example.se"]
    farsta, kista = changes.c["parenting", "farsta"], changes.c["parenting", "kista"]
    support, rest = digest.text_body.split("NYA AVVIKELSER")
    assert (f"- Farsta: Föräldraskapsstöd (Tertial 3 2026)\n  Behöver stöd med: Handledning i samtalsmetodik\n"
            f"  http://127.0.0.1:5000/uppfoljning/atagande/{farsta.id}") in support
    assert "Spånga: Stöd & skydd <äldre>" in support and "Bromma" not in support
    deviations = rest.split("RAPPORTERING")[0]
    assert (f"- Kista: Föräldraskapsstöd (Tertial 3 2026)\n  http://127.0.0.1:5000/uppfoljning/atagande/{kista.id}"
            in deviations)
    assert "Farsta" not in deviations and "Spånga" not in deviations
    assert f'<a href="http://127.0.0.1:5000/uppfoljning/atagande/{kista.id}">Kista: Föräldraskapsstöd</a>' in (
        digest.html_body)
    assert "Spånga: Stöd &amp; skydd &lt;äldre&gt;" in digest.html_body


def test_the_digest_shows_reporting_progress_of_each_open_tertial(app, session, changes):
    summary = run(app, session, jobs.send_weekly_digest, NOW)

    text = recorded(session, WEEKLY)["alice@example.se"].text_body
    assert ("- Tertial 2 2026: 0 av 6 åtaganden inlämnade; 0 av 4 organisationer har lämnat in allt. "
            "Sista dag har passerat (15 september).") in text
    # Bromma submitted its one commitment; Spånga one of two.
    assert ("- Tertial 3 2026: 2 av 6 åtaganden inlämnade; 1 av 4 organisationer har lämnat in allt. "
            "46 dagar kvar till sista dag (15 januari).\n"
            "  http://127.0.0.1:5000/uppfoljning/rapportering?period=2026-T3") in text
    assert summary == "Veckosammanställning 2026-W49 registrerad för 2 samordnare (2 nya stödbehov, 1 ny avvikelse)."


def test_a_quiet_week_still_gets_a_digest_that_says_so(app, session, week):
    for period in (week.period, week.previous):
        period.state = PeriodState.closed
        session.add(period)
    session.commit()

    run(app, session, jobs.send_weekly_digest, NOW)

    text = recorded(session, WEEKLY)["alice@example.se"].text_body
    assert "NYA STÖDBEHOV\nInga nya stödbehov den senaste veckan." in text
    assert "NYA AVVIKELSER\nInga nya avvikelser den senaste veckan." in text
    assert "RAPPORTERING\nIngen tertial är öppen för rapportering just nu." in text


def test_the_digest_is_recorded_once_per_iso_week_for_active_coordinators(app, session, week):
    first = run(app, session, jobs.send_weekly_digest, utc(2026, 11, 29, 23, 30))  # Monday 00:30 in Stockholm
    again = run(app, session, jobs.send_weekly_digest, utc(2026, 12, 2, 7, 0))
    next_week = run(app, session, jobs.send_weekly_digest, utc(2026, 12, 7, 7, 0))

    assert first.startswith("Veckosammanställning 2026-W49 registrerad för 2 samordnare")
    assert again == "Veckosammanställning 2026-W49 var redan registrerad."
    assert next_week.startswith("Veckosammanställning 2026-W50 registrerad")
    assert set(recorded(session, WEEKLY, "2026-W49")) == {"alice@example.se", "bo@example.se"}
    assert set(recorded(session, WEEKLY, "2026-W50")) == {"alice@example.se", "bo@example.se"}


def test_an_opted_out_coordinator_gets_the_digest_recorded_but_not_emailed(app, session, changes, smtp_server):
    handler, controller = smtp_server
    run(app, session, jobs.send_weekly_digest, NOW)

    summary = run(app, session, jobs.deliver_notifications, utc(2026, 11, 30, 7, 5), SMTP_HOST=controller.hostname,
                  SMTP_PORT=controller.port, SMTP_SECURITY="none")

    assert summary == "1 skickade, 0 misslyckade, 0 försöks igen."
    assert [r.recipients for r in handler.received] == [["alice@example.se"]]
    message = handler.received[0]
    assert message.message["Subject"] == "Veckosammanställning vecka 49: stödbehov, avvikelser och rapportering"
    assert "Hej Coordinator 1!" in message.text and "- Kista: Föräldraskapsstöd (Tertial 3 2026)" in message.text
    assert "Stöd &amp; skydd &lt;äldre&gt;" in message.html
    kept = recorded(session, WEEKLY)
    assert (kept["alice@example.se"].email_state, kept["bo@example.se"].email_state) == (EmailState.sent,
                                                                                         EmailState.skipped)
