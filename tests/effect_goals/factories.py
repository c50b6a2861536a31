"""Effect goals for the editing, exchange and reminder tests, made directly in the database."""
from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation, TargetType
from tracker.organisations.models import Organisation
from tracker.programs.models import Program


def make_goal(session: Session, program: Program, *, code: str = "vaga-beratta", share: bool = True,
              organisations: Iterable[Organisation] = (), active: bool = True, position: int = 0) -> EffectGoal:
    """A share goal (numerator of denominator) or, with `share=False`, a count goal with a change target."""
    goal = EffectGoal(
        program_id=program.id, code=code, position=position, active=active,
        wording=f"Effektmål {code}", numerator_label="Antal som fått stöd",
        denominator_label="Antal som sökt stöd" if share else None,
        target_type=TargetType.share_at_least if share else TargetType.change_at_least, target_value=80,
    )
    session.add(goal)
    session.flush()
    for organisation in organisations:
        session.add(EffectGoalOrganisation(effect_goal_id=goal.id, organisation_id=organisation.id))
    session.flush()
    return goal
