"""Who to remind to report a year's effect goal figures, and of what; the scheduled job sends them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from tracker.accounts.models import Role, User, UserOrganisation
from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation, Measurement
from tracker.organisations.models import Organisation
from tracker.programs.models import Program


@dataclass(frozen=True)
class Reminder:
    """A contact, the organisations of theirs that lack figures, and which: (organisation, goal) pairs."""

    user: User
    organisations: list[Organisation]
    missing: list[tuple[Organisation, EffectGoal]]


def collection_reminders(session: Session, *, year: int) -> list[Reminder]:
    """One reminder per active contact whose organisations lack figures for `year` for an active goal.

    Only goals whose programme covers the year count: a finished programme collects no more figures.
    Figures without a numerator (only a comment so far) are still missing.
    """
    reported = set(session.exec(
        select(Measurement.effect_goal_id, Measurement.organisation_id)
        .where(Measurement.year == year, col(Measurement.numerator).is_not(None))).all())
    missing_by_org: dict[int, list[tuple[Organisation, EffectGoal]]] = {}
    for goal, organisation in session.exec(
        select(EffectGoal, Organisation)
        .join(Program, col(Program.id) == EffectGoal.program_id)
        .join(EffectGoalOrganisation, col(EffectGoalOrganisation.effect_goal_id) == EffectGoal.id)
        .join(Organisation, col(Organisation.id) == EffectGoalOrganisation.organisation_id)
        .where(col(EffectGoal.active), col(Organisation.active), Program.start_year <= year, Program.end_year >= year)
        .order_by(Organisation.name, Program.id, EffectGoal.position, EffectGoal.code)
    ):
        if (goal.id, organisation.id) not in reported:
            missing_by_org.setdefault(organisation.id, []).append((organisation, goal))
    if not missing_by_org:
        return []
    reminders: dict[int, Reminder] = {}
    for user, organisation_id in session.exec(
        select(User, UserOrganisation.organisation_id).join(UserOrganisation)
        .where(User.role == Role.contact, col(User.active),
               col(UserOrganisation.organisation_id).in_(missing_by_org))
        .order_by(User.name, User.id)
    ):
        reminder = reminders.setdefault(user.id, Reminder(user, [], []))
        reminder.missing.extend(missing_by_org[organisation_id])
        reminder.organisations.append(missing_by_org[organisation_id][0][0])
    for reminder in reminders.values():  # in the order of the organisations' names, as the missing goals
        reminder.organisations.sort(key=lambda organisation: organisation.name)
        reminder.missing.sort(key=lambda pair: pair[0].name)  # stable: each organisation's goals keep their order
    return list(reminders.values())
