"""Reading programmes, goals, activities and commitments; the changes are in `editing`."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_
from sqlmodel import Session, func, select

from tracker.organisations.models import Organisation
from tracker.programs.models import (
    Activity,
    ActivityPartner,
    ActivityTargetGroup,
    Commitment,
    Goal,
    Partner,
    Program,
    TargetGroup,
)
from tracker.programs.timeframe import TimeFrame, parse_time_frame
from tracker.reporting.models import StatusReport


def program_period(program: Program) -> tuple[date, date]:
    return date(program.start_year, 1, 1), date(program.end_year, 12, 31)


def runs_in(year):
    """SQL condition: the programme (Program, joined) runs in the year (an int or a column).

    The one rule for which commitments are asked for in a tertial: only those of
    programmes whose years include the tertial's year.
    """
    return and_(Program.start_year <= year, Program.end_year >= year)


def runs_in_year(program: Program, year: int) -> bool:
    """The same rule as `runs_in`, for a programme already read."""
    return program.start_year <= year <= program.end_year


def has_ended(program: Program, today: date) -> bool:
    """The programme's last year is behind us (shown as avslutat; its history stays readable)."""
    return program.end_year < today.year


def time_frame_for(program: Program, text: str) -> TimeFrame:
    start, end = program_period(program)
    return parse_time_frame(text, period_start=start, period_end=end)


def list_programs(session: Session) -> list[Program]:
    return list(session.exec(select(Program).order_by(Program.start_year, Program.name)))


def get_program(session: Session, slug: str) -> Program | None:
    return session.exec(select(Program).where(Program.slug == slug)).first()


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


# What the coordinator's editing pages read

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


def report_count(session: Session, commitment: Commitment) -> int:
    """How many status reports (drafts included) the commitment has."""
    return session.exec(select(func.count(StatusReport.id)).where(StatusReport.commitment_id == commitment.id)).one()
