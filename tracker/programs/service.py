"""Reading and changing programmes, goals, activities and commitments."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from flask_babel import gettext as _
from flask_babel import ngettext
from pydantic import StringConstraints
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, func, select

from tracker.audit import service as audit
from tracker.db import utcnow
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
from tracker.programs.timeframe import TimeFrame, parse_time_frame
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


def program_period(program: Program) -> tuple[date, date]:
    return date(program.start_year, 1, 1), date(program.end_year, 12, 31)


def time_frame_for(program: Program, text: str) -> TimeFrame:
    start, end = program_period(program)
    return parse_time_frame(text, period_start=start, period_end=end)


def list_programs(session: Session) -> list[Program]:
    return list(session.exec(select(Program).order_by(Program.start_year, Program.name)))


def get_program(session: Session, slug: str) -> Program | None:
    return session.exec(select(Program).where(Program.slug == slug)).first()


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


def assign(session: Session, *, activity: Activity, organisation: Organisation, actor: Any) -> Commitment:
    """Make an organisation responsible for an activity (reactivates an old commitment)."""
    return assign_many(session, activity=activity, organisations=[organisation], actor=actor)[0]


def assign_many(
    session: Session, *, activity: Activity, organisations: list[Organisation], actor: Any
) -> list[Commitment]:
    """Make each organisation responsible for the activity; one query, one flush."""
    existing = {
        c.organisation_id: c
        for c in session.exec(select(Commitment).where(Commitment.activity_id == activity.id))
    }
    changed, result = [], []
    for organisation in organisations:
        commitment = existing.get(organisation.id)
        if commitment is None:
            commitment = Commitment(activity_id=activity.id, organisation_id=organisation.id)
            existing[organisation.id] = commitment
        elif commitment.active:
            result.append(commitment)
            continue
        else:
            commitment.active, commitment.deactivated_at = True, None
        session.add(commitment)
        changed.append((commitment, organisation))
        result.append(commitment)
    session.flush()
    for commitment, organisation in changed:
        audit.record(session, actor=actor, action="commitment.assigned", entity=commitment,
                     after={"activity_id": activity.id, "organisation": organisation.slug})
    return result


def get_or_create_named(session: Session, model: type[TargetGroup] | type[Partner], name: str):
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


@dataclass
class ActivityView:
    activity: Activity
    target_groups: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)

    @property
    def overdue_on(self) -> date:
        return self.activity.ends_on


@dataclass
class GoalView:
    goal: Goal
    activities: list[ActivityView] = field(default_factory=list)


def program_tree(session: Session, program: Program) -> list[GoalView]:
    """Goals → activities → target groups, partners and responsible organisations.

    A fixed number of queries (five) however large the programme is.
    """
    goals = session.exec(
        select(Goal).where(Goal.program_id == program.id)
        .order_by(Goal.position, Goal.number)
    ).all()
    goal_views = {g.id: GoalView(goal=g) for g in goals}
    activities = session.exec(
        select(Activity).join(Goal).where(Goal.program_id == program.id, Activity.active)
        .order_by(Activity.position, Activity.id)
    ).all()
    views = {a.id: ActivityView(activity=a) for a in activities}
    for a in activities:
        goal_views[a.goal_id].activities.append(views[a.id])
    ids = list(views)
    if ids:
        for activity_id, name in session.exec(
            select(ActivityTargetGroup.activity_id, TargetGroup.name)
            .join(TargetGroup).where(ActivityTargetGroup.activity_id.in_(ids))
            .order_by(TargetGroup.name)
        ):
            views[activity_id].target_groups.append(name)
        for activity_id, name in session.exec(
            select(ActivityPartner.activity_id, Partner.name)
            .join(Partner).where(ActivityPartner.activity_id.in_(ids))
            .order_by(Partner.name)
        ):
            views[activity_id].partners.append(name)
        for activity_id, org in session.exec(
            select(Commitment.activity_id, Organisation)
            .join(Organisation).where(Commitment.activity_id.in_(ids), Commitment.active)
            .order_by(Organisation.name)
        ):
            views[activity_id].organisations.append(org)
    return list(goal_views.values())


@dataclass
class CommitmentRow:
    commitment: Commitment
    activity: Activity
    goal: Goal
    program: Program


def organisation_commitments(
    session: Session, organisation: Organisation
) -> list[tuple[Program, list[CommitmentRow]]]:
    """An organisation's active commitments grouped by programme, in goal order (one query)."""
    rows = session.exec(
        select(Commitment, Activity, Goal, Program)
        .join(Activity, Commitment.activity_id == Activity.id)
        .join(Goal, Activity.goal_id == Goal.id)
        .join(Program, Goal.program_id == Program.id)
        .where(Commitment.organisation_id == organisation.id, Commitment.active, Activity.active)
        .order_by(Program.start_year, Program.id, Goal.position, Activity.position, Activity.id)
    ).all()
    programs: dict[int, Program] = {}
    grouped: dict[int, list[CommitmentRow]] = defaultdict(list)
    for commitment, activity, goal, program in rows:
        programs[program.id] = program
        grouped[program.id].append(CommitmentRow(commitment, activity, goal, program))
    return [(programs[pid], grouped[pid]) for pid in programs]


def deactivate_commitment(session: Session, *, commitment: Commitment, actor: Any) -> None:
    """End an organisation's responsibility; its reports are kept."""
    if not commitment.active:
        return
    commitment.active, commitment.deactivated_at = False, utcnow()
    session.add(commitment)
    audit.record(session, actor=actor, action="commitment.deactivated", entity=commitment,
                 before={"active": True}, after={"active": False})


# Coordinators change the programme: goals, activities and who is responsible.

def get_goal(session: Session, program: Program, goal_id: int) -> Goal | None:
    """The goal if it belongs to the programme."""
    goal = session.get(Goal, goal_id)
    return goal if goal is not None and goal.program_id == program.id else None


def get_activity(session: Session, program: Program, activity_id: int) -> tuple[Activity, Goal] | None:
    """The activity and its goal if they belong to the programme (active or not)."""
    found = session.exec(
        select(Activity, Goal).join(Goal, Activity.goal_id == Goal.id)
        .where(Activity.id == activity_id, Goal.program_id == program.id)
    ).first()
    return (found[0], found[1]) if found else None


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


def activity_names(session: Session, activity: Activity) -> tuple[list[str], list[str]]:
    """The activity's target groups and partners, by name."""
    groups = session.exec(
        select(TargetGroup.name).join(ActivityTargetGroup)
        .where(ActivityTargetGroup.activity_id == activity.id).order_by(TargetGroup.name)
    ).all()
    partners = session.exec(
        select(Partner.name).join(ActivityPartner)
        .where(ActivityPartner.activity_id == activity.id).order_by(Partner.name)
    ).all()
    return list(groups), list(partners)


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


def deactivated_activities(session: Session, program: Program) -> list[tuple[Activity, Goal]]:
    """The programme's deactivated activities, in goal order."""
    return [(a, g) for a, g in session.exec(
        select(Activity, Goal).join(Goal, Activity.goal_id == Goal.id)
        .where(Goal.program_id == program.id, Activity.active.is_(False))
        .order_by(Goal.position, Goal.number, Activity.position, Activity.id)
    ).all()]


def active_organisations(session: Session) -> list[Organisation]:
    """Organisations that can be made responsible, by kind and name."""
    return list(session.exec(
        select(Organisation).where(Organisation.active).order_by(Organisation.kind, Organisation.name)
    ))


def responsible_organisations(session: Session, activity: Activity) -> list[Organisation]:
    """The organisations with an active commitment for the activity, by name."""
    return list(session.exec(
        select(Organisation).join(Commitment, Commitment.organisation_id == Organisation.id)
        .where(Commitment.activity_id == activity.id, Commitment.active).order_by(Organisation.name)
    ))


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
