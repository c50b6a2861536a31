"""Coordinators change the programme: goals, activities and who is responsible."""
from __future__ import annotations

from typing import Annotated, Any

from flask_babel import gettext as _
from flask_babel import ngettext
from pydantic import StringConstraints
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, func, select

from tracker.audit import service as audit
from tracker.organisations.models import Organisation
from tracker.programs.models import (
    Activity,
    ActivityBase,
    ActivityPartner,
    ActivityTargetGroup,
    Commitment,
    Goal,
    GoalBase,
    Partner,
    Program,
    TargetGroup,
)
from tracker.programs.service import (
    activity_names,
    assign_many,
    create_activity,
    deactivate_commitment,
    get_or_create_named,
    link_partner,
    link_target_group,
    responsible_organisations,
    time_frame_for,
)
from tracker.reporting.models import StatusReport

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class ProgramError(Exception):
    """A change to the programme that the rules do not allow; `field` names the input it concerns."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class ConfirmationNeeded(ProgramError):
    """Unassigning would leave reports behind: the coordinator must confirm first."""

    def __init__(self, message: str, *, reports: int):
        super().__init__(message)
        self.reports = reports


class GoalCreate(GoalBase):
    """Validated input for a new goal (no number: a group such as the implementation plan)."""


class GoalUpdate(SQLModel):
    """Validated changes to a goal; only the fields given are changed."""

    number: int | None = Field(default=None, ge=1, le=99)
    title: str | None = Field(default=None, min_length=1, max_length=500)


class ActivityCreate(ActivityBase):
    """Validated input for a new activity, with who it is for and whom it is done with."""

    target_groups: list[Name] = Field(default_factory=list)
    partners: list[Name] = Field(default_factory=list)


class ActivityUpdate(SQLModel):
    """Validated changes to an activity; only the fields given are changed."""

    title: str | None = Field(default=None, min_length=1, max_length=1000)
    description: str | None = Field(default=None, max_length=5000)
    time_frame: str | None = Field(default=None, min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=5000)
    target_groups: list[Name] | None = None
    partners: list[Name] | None = None


def _check_goal_number(session: Session, program: Program, number: int | None, *, goal_id: int | None) -> None:
    if number is None:
        return
    taken = session.exec(
        select(Goal.id).where(Goal.program_id == program.id, Goal.number == number, Goal.id != goal_id)
    ).first()
    if taken is not None:
        raise ProgramError(_("Mål %(number)s finns redan i programmet. Välj ett annat nummer.", number=number),
                           field="number")


def _flush_goal(session: Session, number: int | None) -> None:
    """Flush; a number taken at the same moment by somebody else is refused like any taken number."""
    try:
        session.flush()
    except IntegrityError:
        raise ProgramError(_("Mål %(number)s finns redan i programmet. Välj ett annat nummer.", number=number),
                           field="number") from None


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


def add_activity(session: Session, *, goal: Goal, program: Program, data: ActivityCreate, actor: Any) -> Activity:
    """Add an activity last under a goal, with its target groups and partners."""
    last = session.exec(select(func.max(Activity.position)).where(Activity.goal_id == goal.id)).one()
    activity = create_activity(session, goal=goal, program=program, data=data, actor=actor,
                               position=0 if last is None else last + 1)
    _link_names(session, activity, TargetGroup, data.target_groups)
    _link_names(session, activity, Partner, data.partners)
    session.flush()
    return activity


def _link_names(session: Session, activity: Activity, model: type[TargetGroup] | type[Partner],
                names: list[str]) -> None:
    link = link_target_group if model is TargetGroup else link_partner
    for name in dict.fromkeys(names):
        link(session, activity, get_or_create_named(session, model, name))


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
    if not activity.active:
        return
    activity.active = False
    session.add(activity)
    audit.record(session, actor=actor, action="activity.deactivated", entity=activity,
                 before={"active": True}, after={"active": False})


def reactivate_activity(session: Session, *, activity: Activity, actor: Any) -> None:
    """Bring a deactivated activity back into the programme."""
    if activity.active:
        return
    activity.active = True
    session.add(activity)
    audit.record(session, actor=actor, action="activity.reactivated", entity=activity,
                 before={"active": False}, after={"active": True})


def assign_by_slugs(session: Session, *, activity: Activity, slugs: list[str], actor: Any) -> list[Organisation]:
    """Make the organisations with these slugs responsible; returns those that were not already."""
    if not activity.active:
        raise ProgramError(_("Aktiviteten är avslutad. Återaktivera den innan du lägger till ansvariga."),
                           field="organisation")
    wanted = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    if not wanted:
        raise ProgramError(_("Välj minst en organisation."), field="organisation")
    found = {o.slug: o for o in session.exec(select(Organisation).where(Organisation.slug.in_(wanted)))}
    unknown = [s for s in wanted if s not in found]
    if unknown:
        raise ProgramError(_("Okänd organisation: %(organisations)s.", organisations=", ".join(unknown)),
                           field="organisation")
    inactive = [found[s].short_name for s in wanted if not found[s].active]
    if inactive:
        raise ProgramError(_("Inaktiva organisationer kan inte bli ansvariga: %(organisations)s.",
                             organisations=", ".join(inactive)), field="organisation")
    already = {o.id for o in responsible_organisations(session, activity)}
    organisations = [found[s] for s in wanted]
    try:
        assign_many(session, activity=activity, organisations=organisations, actor=actor)
    except IntegrityError:
        raise ProgramError(_("Någon annan ändrade de ansvariga samtidigt. Ladda om sidan och försök igen."),
                           field="organisation") from None
    return [o for o in organisations if o.id not in already]


def report_count(session: Session, commitment: Commitment) -> int:
    """How many status reports (drafts included) the commitment has."""
    return session.exec(select(func.count(StatusReport.id)).where(StatusReport.commitment_id == commitment.id)).one()


def unassign(
    session: Session, *, activity: Activity, organisation: Organisation, actor: Any, confirmed: bool = False
) -> int:
    """End an organisation's responsibility for an activity; returns how many reports it keeps.

    The commitment is deactivated, never deleted. When it has reports the
    coordinator must confirm (ConfirmationNeeded says how many there are).
    """
    commitment = session.exec(
        select(Commitment).where(Commitment.activity_id == activity.id,
                                 Commitment.organisation_id == organisation.id, Commitment.active)
    ).first()
    if commitment is None:
        raise ProgramError(_("%(org)s är inte ansvarig för aktiviteten.", org=organisation.short_name),
                           field="organisation")
    count = report_count(session, commitment)
    if count and not confirmed:
        raise ConfirmationNeeded(
            ngettext("%(num)d rapport finns; de sparas och åtagandet avaktiveras. %(org)s kan göras ansvarig igen "
                     "senare och får då tillbaka sina rapporter.",
                     "%(num)d rapporter finns; de sparas och åtagandet avaktiveras. %(org)s kan göras ansvarig igen "
                     "senare och får då tillbaka sina rapporter.", count, org=organisation.short_name),
            reports=count,
        )
    deactivate_commitment(session, commitment=commitment, actor=actor)
    session.flush()
    return count
