"""Reminders to report a year's figures reach exactly the contacts whose organisations lack them."""
from __future__ import annotations

from tests.effect_goals.factories import make_effect_goal
from tracker.accounts.models import Role
from tracker.effect_goals.models import Measurement, TargetType
from tracker.effect_goals.reminders import collection_reminders


def _summary(reminders):
    return {r.user.email: ([o.slug for o in r.organisations], [(o.slug, g.code) for o, g in r.missing])
            for r in reminders}


def test_reminders_reach_exactly_the_contacts_with_missing_figures(session, make_program, make_org, make_user):
    program, finished = make_program(), make_program("forra", start_year=2017, end_year=2020)
    kista, norrmalm, spanga, closed = make_org("kista"), make_org("norrmalm"), make_org("spanga"), make_org("nedlagd")
    closed.active = False
    first = make_effect_goal(session, program, code="forsta", organisations=[kista, norrmalm], position=1)
    make_effect_goal(session, program, code="andra", target_type=TargetType.change_at_least,
                     organisations=[norrmalm, closed], position=2)
    make_effect_goal(session, program, code="vilande", organisations=[kista], active=False)
    make_effect_goal(session, finished, code="forra", organisations=[kista])
    session.add(Measurement(effect_goal_id=first.id, organisation_id=kista.id, year=2024, numerator=4, denominator=9))
    # A comment without figures is still missing figures.
    session.add(Measurement(effect_goal_id=first.id, organisation_id=norrmalm.id, year=2024, note="Kommer i mars"))
    # Figures for another year do not count for this one.
    session.add(Measurement(effect_goal_id=first.id, organisation_id=norrmalm.id, year=2023, numerator=1,
                            denominator=2))
    session.commit()
    make_user(Role.contact, orgs=[kista], email="kista@example.se")
    make_user(Role.contact, orgs=[norrmalm], email="norrmalm@example.se")
    make_user(Role.contact, orgs=[kista, norrmalm, spanga], email="flera@example.se")
    make_user(Role.contact, orgs=[spanga], email="spanga@example.se")
    make_user(Role.contact, orgs=[closed], email="nedlagd@example.se")
    make_user(Role.contact, orgs=[norrmalm], email="slutat@example.se", active=False)
    make_user(Role.coordinator, email="samordnare@example.se")

    reminders = collection_reminders(session, year=2024)

    missing = (["norrmalm"], [("norrmalm", "forsta"), ("norrmalm", "andra")])
    assert _summary(reminders) == {"flera@example.se": missing, "norrmalm@example.se": missing}


def test_nobody_is_reminded_when_every_figure_is_in(session, make_program, make_org, make_user):
    kista = make_org("kista")
    goal = make_effect_goal(session, make_program(), code="forsta", organisations=[kista])
    session.add(Measurement(effect_goal_id=goal.id, organisation_id=kista.id, year=2024, numerator=0, denominator=0))
    session.commit()
    make_user(Role.contact, orgs=[kista])
    assert collection_reminders(session, year=2024) == []
    assert len(collection_reminders(session, year=2023)) == 1
