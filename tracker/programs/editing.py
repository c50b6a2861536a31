"""Changing a programme's goals and activities, each change recorded in the audit log.

The coordinator's pages and the seed both write through these functions; the
reads are in `service`, who is responsible in `responsibility`.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from tracker.audit import service as audit
from tracker.programs.models import (
    Activity,
    ActivityBase,
    ActivityCreate,
    ActivityPartner,
    ActivityTargetGroup,
    ActivityUpdate,
    Goal,
    GoalCreate,
    GoalUpdate,
    Partner,
    Program,
    TargetGroup,
)
from tracker.programs.service import activity_names, time_frame_for


class ProgramError(Exception):
    """A change to the programme that the rules do not allow; `field` names the input it concerns."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


# Goals

def _check_goal_number(session: Session, program: Program, number: int | None, *, goal_id: int | None) -> None:
    if number is None:
        return
    taken = session.exec(
        select(Goal.id).where(Goal.program_id == program.id, Goal.number == number, Goal.id != goal_id)
    ).first()
    if taken is not None:
        raise _number_taken(number)


def _flush_goal(session: Session, number: int | None) -> None:
    """Flush; a number taken at the same moment by somebody else is refused like any taken number."""
    try:
        session.flush()
    except IntegrityError:
        raise _number_taken(number) from None


def _number_taken(number: int | None) -> ProgramError:
    return ProgramError(_("Mål %(number)s finns redan i programmet. Välj ett annat nummer.", number=number),
                        field="number")


def add_goal(session: Session, *, program: Program, data: GoalCreate, actor: Any) -> Goal:
    """Add a goal last in the programme."""
    _check_goal_number(session, program, data.number, goal_id=None)
    last = session.exec(select(func.max(Goal.position)).where(Goal.program_id == program.id)).one()
    goal = Goal(**data.model_dump(), program_id=program.id, position=0 if last is None else last + 1)
    session.add(goal)
    _flush_goal(session, data.number)
    audit.record(session, actor=actor, action="goal.created", entity=goal,
                 after={"program": program.slug, **data.model_dump()})
    return goal


def update_goal(session: Session, *, goal: Goal, program: Program, data: GoalUpdate, actor: Any) -> Goal:
    """Change a goal's number or title."""
    changes = data.model_dump(exclude_unset=True)
    if "title" in changes and changes["title"] is None:
        raise ProgramError(_("Målet måste ha en rubrik."), field="title")
    if "number" in changes:
        _check_goal_number(session, program, changes["number"], goal_id=goal.id)
    before = {"number": goal.number, "title": goal.title}
    for name, value in changes.items():
        setattr(goal, name, value)
    session.add(goal)
    _flush_goal(session, goal.number)
    old, new = audit.diff(before, {"number": goal.number, "title": goal.title})
    if new:
        audit.record(session, actor=actor, action="goal.updated", entity=goal, before=old, after=new)
    return goal


# Activities

def create_activity(
    session: Session,
    *,
    goal: Goal,
    program: Program,
    data: ActivityBase,
    actor: Any,
    position: int | None = None,
) -> Activity:
    """Add an activity under a goal, with dates read from its time frame."""
    frame = time_frame_for(program, data.time_frame)
    if position is None:
        position = len(session.exec(select(Activity.id).where(Activity.goal_id == goal.id)).all())
    activity = Activity(
        **data.model_dump(include=set(ActivityBase.model_fields)),
        goal_id=goal.id,
        position=position,
        starts_on=frame.starts_on,
        ends_on=frame.ends_on,
        time_frame_parsed=frame.parsed,
    )
    session.add(activity)
    session.flush()
    audit.record(session, actor=actor, action="activity.created", entity=activity,
                 after=data.model_dump())
    return activity


def add_activity(session: Session, *, goal: Goal, program: Program, data: ActivityCreate, actor: Any) -> Activity:
    """Add an activity last under a goal, with its target groups and partners."""
    last = session.exec(select(func.max(Activity.position)).where(Activity.goal_id == goal.id)).one()
    activity = create_activity(session, goal=goal, program=program, data=data, actor=actor,
                               position=0 if last is None else last + 1)
    _link_names(session, activity, TargetGroup, data.target_groups)
    _link_names(session, activity, Partner, data.partners)
    session.flush()
    return activity


def get_or_create_named(session: Session, model: type[TargetGroup] | type[Partner], name: str
                        ) -> TargetGroup | Partner:
    """Return the target group or partner with this name, creating it if new."""
    found = session.exec(select(model).where(model.name == name)).first()
    if found is None:
        found = model(name=name)
        session.add(found)
        session.flush()
    return found


def link_target_group(session: Session, activity: Activity, group: TargetGroup) -> None:
    if session.get(ActivityTargetGroup, (activity.id, group.id)) is None:
        session.add(ActivityTargetGroup(activity_id=activity.id, target_group_id=group.id))


def link_partner(session: Session, activity: Activity, partner: Partner) -> None:
    if session.get(ActivityPartner, (activity.id, partner.id)) is None:
        session.add(ActivityPartner(activity_id=activity.id, partner_id=partner.id))


def link_name(session: Session, activity: Activity, model: type[TargetGroup] | type[Partner],
              name: str) -> TargetGroup | Partner:
    """Link the activity to the target group or partner with this name, creating the name if new."""
    named = get_or_create_named(session, model, name)
    (link_target_group if model is TargetGroup else link_partner)(session, activity, named)
    return named


def _link_names(session: Session, activity: Activity, model: type[TargetGroup] | type[Partner],
                names: list[str]) -> None:
    for name in dict.fromkeys(names):
        link_name(session, activity, model, name)


def _set_names(session: Session, activity: Activity, model: type[TargetGroup] | type[Partner],
               names: list[str]) -> None:
    """Link exactly these names; links to others are removed (the names themselves stay)."""
    link_model = ActivityTargetGroup if model is TargetGroup else ActivityPartner
    wanted = set(names)
    for link, name in session.exec(
        select(link_model, model.name).join(model).where(link_model.activity_id == activity.id)
    ).all():
        if name not in wanted:
            session.delete(link)
    session.flush()
    _link_names(session, activity, model, names)


def _activity_snapshot(session: Session, activity: Activity) -> dict[str, Any]:
    groups, partners = activity_names(session, activity)
    return {
        "title": activity.title, "description": activity.description, "time_frame": activity.time_frame,
        "note": activity.note, "starts_on": activity.starts_on, "ends_on": activity.ends_on,
        "time_frame_parsed": activity.time_frame_parsed, "target_groups": groups, "partners": partners,
    }


def update_activity(
    session: Session, *, activity: Activity, program: Program, data: ActivityUpdate, actor: Any
) -> Activity:
    """Change an activity; a new time frame is read into dates again."""
    changes = data.model_dump(exclude_unset=True)
    for required in ("title", "time_frame"):
        if required in changes and not changes[required]:
            raise ProgramError(_("Fältet måste fyllas i."), field=required)
    before = _activity_snapshot(session, activity)
    for name in ("title", "description", "time_frame", "note"):
        if name in changes:
            setattr(activity, name, changes[name])
    if "time_frame" in changes:
        frame = time_frame_for(program, activity.time_frame)
        activity.starts_on, activity.ends_on, activity.time_frame_parsed = (
            frame.starts_on, frame.ends_on, frame.parsed)
    session.add(activity)
    if changes.get("target_groups") is not None:
        _set_names(session, activity, TargetGroup, changes["target_groups"])
    if changes.get("partners") is not None:
        _set_names(session, activity, Partner, changes["partners"])
    session.flush()
    old, new = audit.diff(before, _activity_snapshot(session, activity))
    if new:
        audit.record(session, actor=actor, action="activity.updated", entity=activity, before=old, after=new)
    return activity


def deactivate_activity(session: Session, *, activity: Activity, actor: Any) -> None:
    """Take an activity out of the programme; its commitments and reports are kept."""
    _set_active(session, activity, False, actor=actor, action="activity.deactivated")


def reactivate_activity(session: Session, *, activity: Activity, actor: Any) -> None:
    """Bring a deactivated activity back into the programme."""
    _set_active(session, activity, True, actor=actor, action="activity.reactivated")


def _set_active(session: Session, activity: Activity, active: bool, *, actor: Any, action: str) -> None:
    if activity.active == active:
        return
    activity.active = active
    session.add(activity)
    audit.record(session, actor=actor, action=action, entity=activity,
                 before={"active": not active}, after={"active": active})
