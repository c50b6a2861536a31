"""The one effect-goal factory of the tests: unsaved for the pure functions, saved with its organisations otherwise."""
from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation, TargetType
from tracker.organisations.models import Organisation
from tracker.programs.models import Program


def effect_goal(*, code: str = "vaga-beratta", target_type: TargetType = TargetType.share_at_least,
                **fields) -> EffectGoal:
    """An unsaved goal at 80 %: a share of "sökt stöd", or a count without denominator for a change target."""
    defaults = {
        "wording": f"Effektmål {code}", "numerator_label": "Antal som fått stöd", "target_value": 80,
        "denominator_label": None if target_type == TargetType.change_at_least else "Antal som sökt stöd",
    }
    return EffectGoal(code=code, target_type=target_type, **(defaults | fields))


def make_effect_goal(session: Session, program: Program, *, organisations: Iterable[Organisation] = (),
                     **fields) -> EffectGoal:
    """A goal of the programme, saved, with the organisations responsible for it."""
    goal = effect_goal(program_id=program.id, **fields)
    session.add(goal)
    session.flush()
    session.add_all(EffectGoalOrganisation(effect_goal_id=goal.id, organisation_id=org.id) for org in organisations)
    session.flush()
    return goal
