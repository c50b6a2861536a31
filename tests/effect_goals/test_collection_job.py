"""The yearly job reminding contacts to enter last year's effect goal figures, once."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import Session

from tests.effect_goals.factories import make_effect_goal
from tests.notifications.factories import recorded, run, utc
from tracker.accounts.models import Role
from tracker.db import ENGINE_KEY
from tracker.effect_goals.jobs import send_collection_reminders
from tracker.effect_goals.models import Measurement, TargetType
from tracker.notifications.models import NotificationKind

COLLECTION = NotificationKind.effect_goal_collection
NEW_YEAR = utc(2025, 12, 31, 23, 30)  # 00:30 on 1 January 2026 in Stockholm: collect 2025


@pytest.fixture
def goals(session, make_program, make_org, make_user):
    """Two goals for 2021–2025; Kista has entered its 2025 figures for the first, Norrmalm nothing."""
    program = make_program()
    kista, norrmalm = make_org("kista", name="Kista"), make_org("norrmalm", name="Norrmalm")
    first = make_effect_goal(session, program, code="forsta", organisations=[kista, norrmalm], position=1)
    second = make_effect_goal(session, program, code="andra", target_type=TargetType.change_at_least,
                              organisations=[norrmalm], position=2)
    session.add(Measurement(effect_goal_id=first.id, organisation_id=kista.id, year=2025, numerator=4, denominator=9))
    session.commit()
    make_user(Role.contact, orgs=[kista], email="kista@example.se")
    make_user(Role.contact, orgs=[kista, norrmalm], email="bada@example.se")
    make_user(Role.contact, orgs=[norrmalm], email="slutat@example.se", active=False)
    return SimpleNamespace(first=first, second=second, norrmalm=norrmalm)


def test_contacts_lacking_last_years_figures_get_one_reminder_listing_each_organisations_goals(app, session, goals):
    summary = run(app, session, send_collection_reminders, NEW_YEAR)

    reminders = recorded(session, COLLECTION)
    assert set(reminders) == {"bada@example.se"}
    assert summary == "1 påminnelse registrerad om effektmålen för 2025."
    reminder = reminders["bada@example.se"]
    assert (reminder.key, reminder.subject) == ("2025", "Dags att rapportera effektmålen för 2025")
    assert ("Norrmalm:\n- Effektmål forsta\n- Effektmål andra\nFyll i siffrorna här:\n"
            "http://127.0.0.1:5000/effektmal/inmatning/norrmalm/2025\n") in reminder.text_body
    assert "Kista" not in reminder.text_body
    assert '<a href="http://127.0.0.1:5000/effektmal/inmatning/norrmalm/2025">' in reminder.html_body


def test_running_again_or_after_a_restart_records_nothing_new(app, session, goals):
    run(app, session, send_collection_reminders, NEW_YEAR)
    again = run(app, session, send_collection_reminders, utc(2026, 1, 15, 8, 0))
    with Session(app.extensions[ENGINE_KEY]) as fresh:
        after_restart = run(app, fresh, send_collection_reminders, utc(2026, 1, 15, 8, 0))

    assert again == after_restart == "Påminnelserna om effektmålen för 2025 var redan registrerade."
    assert len(recorded(session, COLLECTION)) == 1


def test_the_reminder_is_for_the_year_before_the_stockholm_date(app, session, goals):
    # 23:30 UTC on 31 December 2024 is already 2025 in Stockholm: the figures of 2024 are collected.
    run(app, session, send_collection_reminders, utc(2024, 12, 31, 23, 30))
    assert {n.key for n in recorded(session, COLLECTION).values()} == {"2024"}
    assert set(recorded(session, COLLECTION)) == {"kista@example.se", "bada@example.se"}


def test_nothing_is_recorded_when_every_figure_is_in(app, session, goals):
    for goal, numerator in ((goals.first, 1), (goals.second, 7)):
        session.add(Measurement(effect_goal_id=goal.id, organisation_id=goals.norrmalm.id, year=2025,
                                numerator=numerator, denominator=2 if goal is goals.first else None))
    session.commit()

    summary = run(app, session, send_collection_reminders, NEW_YEAR)

    assert summary == "Inga effektmål saknar siffror för 2025."
    assert recorded(session, COLLECTION) == {}
