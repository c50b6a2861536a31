"""Scheduled effect goal jobs: `job(session, *, now, config) -> str`, run by tracker.scheduler."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from tracker.clock import local_day
from tracker.effect_goals.models import EffectGoal
from tracker.effect_goals.reminders import Reminder, collection_reminders
from tracker.notifications.jobs import counted
from tracker.notifications.models import NotificationKind
from tracker.notifications.service import notify, render_email
from tracker.organisations.models import Organisation


@dataclass(frozen=True)
class OrganisationGoals:
    """An organisation, the goals it lacks figures for, and where to enter them."""

    organisation: Organisation
    goals: list[EffectGoal]
    path: str  # the input page, from the site root


def _by_organisation(reminder: Reminder, year: int) -> list[OrganisationGoals]:
    return [OrganisationGoals(organisation, [goal for org, goal in reminder.missing if org.id == organisation.id],
                              f"/effektmal/inmatning/{organisation.slug}/{year}")
            for organisation in reminder.organisations]


def send_collection_reminders(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """Remind contacts to enter last year's effect goal figures (once a year, EFFECT_GOAL_REMINDER)."""
    year = local_day(now).year - 1
    found = collection_reminders(session, year=year)
    subject = f"Dags att rapportera effektmålen för {year}"
    recorded = 0
    for reminder in found:
        text, html = render_email("effect_goal_collection", user=reminder.user, year=year,
                                  organisations=_by_organisation(reminder, year), subject=subject)
        recorded += notify(session, user=reminder.user, kind=NotificationKind.effect_goal_collection,
                           key=str(year), subject=subject, text=text, html=html) is not None
    session.commit()
    if recorded:
        return f"{counted(recorded, 'påminnelse registrerad', 'påminnelser registrerade')} om effektmålen för {year}."
    if found:
        return f"Påminnelserna om effektmålen för {year} var redan registrerade."
    return f"Inga effektmål saknar siffror för {year}."
