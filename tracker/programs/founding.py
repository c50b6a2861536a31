"""Founding a programme: a new one, empty or as a copy of chosen parts of an earlier one, audited.

A copy keeps links to what it was copied from (`origin_id` on the programme,
its goals and activities), so that the new programme's pages and styrkort can
say which programme it continues. Copies start without reports: status
reports belong to the commitments they were written for.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from pydantic import model_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.audit import service as audit
from tracker.organisations.models import Organisation
from tracker.programs.editing import ProgramError, link_partner, link_target_group
from tracker.programs.models import (
    Activity,
    ActivityPartner,
    ActivityTargetGroup,
    Commitment,
    Goal,
    Partner,
    Program,
    ProgramBase,
    TargetGroup,
)
from tracker.programs.responsibility import assign_many
from tracker.programs.service import program_period, time_frame_for
from tracker.programs.timeframe import TimeFrame

# Paths under /program/ that are pages, not programmes: a programme with such a slug could not be reached.
RESERVED_SLUGS = frozenset({"ny"})
SLUG_MAX = 80


class ProgramCreate(ProgramBase):
    """Validated input for a new programme (the slug given, or derived from the name by the form)."""

    @model_validator(mode="after")
    def _years_in_order(self) -> ProgramCreate:
        if self.end_year < self.start_year:
            raise ValueError("end_year before start_year")
        return self


@dataclass
class Founded:
    """The new programme and what came along from its origin."""

    program: Program
    origin: Program | None = None
    goals: int = 0
    activities: int = 0
    commitments: int = 0
    outside_period: list[Activity] = field(default_factory=list)  # time frames that fell outside the new years


@dataclass(frozen=True)
class CopiedTimeFrame:
    frame: TimeFrame
    outside: bool  # the text read as dates outside the new programme's years


def derive_slug(name: str) -> str:
    """"Program mot våld 2026–2030" as "program-mot-vald-2026-2030" (empty if nothing is left)."""
    letters = unicodedata.normalize("NFKD", name.lower())
    # Accents go ("å" is "a" and a ring); every other character that is not a–z or 0–9 separates words.
    plain = "".join("" if unicodedata.combining(c) else c if c.isascii() and c.isalnum() else "-" for c in letters)
    slug = re.sub(r"-+", "-", plain).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def copied_time_frame(program: Program, text: str) -> CopiedTimeFrame:
    """Read a copied activity's time frame (kept as written) against the new programme's years.

    - Text that reads as dates inside the new years ("Löpande", "2027" in 2026–2030) gets those dates.
    - Text that does not read as dates gets the whole period, marked as not parsed, as any activity does.
    - Text that reads as dates not wholly inside the new years ("Höst 2021" copied into 2026–2030, or
      "2025–2027") gets the whole new period, marked as not parsed so that the programme page flags it
      ("Tolkas som hela programperioden"), and `outside` is true: the copy then says so in the
      activity's note. A partial overlap is not clipped: the text would say one thing and the dates another.
    """
    frame = time_frame_for(program, text)
    start, end = program_period(program)
    if not frame.parsed or (start <= frame.starts_on and frame.ends_on <= end):
        return CopiedTimeFrame(frame, outside=False)
    return CopiedTimeFrame(TimeFrame(start, end, parsed=False), outside=True)


def outside_period_note(origin: Program, program: Program, time_frame: str) -> str:
    """The sentence added to a copied activity's note when its time frame falls outside the new years.

    Stored with the activity, so written in Swedish like the rest of the programme's texts.
    """
    return (f"Kopierad från {origin.short_name}: tidsperioden ”{time_frame}” ligger utanför programmets år "
            f"{program.start_year}–{program.end_year} och tolkas som hela programperioden tills den ändras.")


def copy_choices(session: Session, origin: Program) -> list[tuple[Goal, list[Activity]]]:
    """What can come along from a programme: its goals in order, each with its active activities."""
    goals = session.exec(select(Goal).where(Goal.program_id == origin.id).order_by(Goal.position, Goal.number)).all()
    activities = session.exec(
        select(Activity).join(Goal).where(Goal.program_id == origin.id, Activity.active)
        .order_by(Activity.position, Activity.id)
    ).all()
    by_goal: dict[int, list[Activity]] = {g.id: [] for g in goals}
    for activity in activities:
        by_goal[activity.goal_id].append(activity)
    return [(g, by_goal[g.id]) for g in goals]


def found_program(
    session: Session,
    *,
    data: ProgramCreate,
    actor: Any,
    origin: Program | None = None,
    goal_ids: Iterable[int] = (),
    activity_ids: Iterable[int] = (),
    with_responsible: bool = False,
) -> Founded:
    """Create a programme; with an origin, copy the chosen goals and activities into it.

    An activity comes along only with its goal. With `with_responsible`, each copied activity's
    active commitments of active organisations come along (as new commitments, without reports).
    Audited: "program.created" (listing what was copied), and one event per copied goal,
    activity and commitment.
    """
    if data.slug in RESERVED_SLUGS:
        raise ProgramError(_("Adressen ”%(slug)s” kan inte användas. Välj en annan.", slug=data.slug), field="slug")
    if session.exec(select(Program.id).where(Program.slug == data.slug)).first() is not None:
        raise _slug_taken(data.slug)
    chosen = _chosen(session, origin, set(goal_ids), set(activity_ids)) if origin is not None else []
    program = Program(**data.model_dump(), origin_id=origin.id if origin else None)
    session.add(program)
    try:
        session.flush()
    except IntegrityError:
        raise _slug_taken(data.slug) from None
    founded = Founded(program=program, origin=origin)
    for position, (goal, activities) in enumerate(chosen):
        _copy_goal(session, founded, goal, activities, position=position, with_responsible=with_responsible,
                   actor=actor)
    audit.record(session, actor=actor, action="program.created", entity=program, after={
        **data.model_dump(), "origin": origin.slug if origin else None,
        **({"copied": {"goals": founded.goals, "activities": founded.activities,
                       "commitments": founded.commitments, "with_responsible": with_responsible}}
           if origin else {}),
    })
    return founded


def _slug_taken(slug: str) -> ProgramError:
    return ProgramError(_("Adressen ”%(slug)s” används redan av ett annat program. Välj en annan.", slug=slug),
                        field="slug")


def _chosen(session: Session, origin: Program, goal_ids: set[int], activity_ids: set[int]
            ) -> list[tuple[Goal, list[Activity]]]:
    """The chosen goals with their chosen activities; refuses ids that are not the origin's to offer."""
    choices = copy_choices(session, origin)
    offered_goals = {g.id for g, _activities in choices}
    offered_activities = {a.id: g for g, activities in choices for a in activities}
    if goal_ids - offered_goals or activity_ids - set(offered_activities):
        raise ProgramError(_("Valet innehåller mål eller aktiviteter som inte finns i %(program)s.",
                             program=origin.short_name), field="goals")
    orphaned = [g for g in {offered_activities[a].id: offered_activities[a] for a in activity_ids}.values()
                if g.id not in goal_ids]
    if orphaned:
        names = ", ".join(_goal_name(g) for g in sorted(orphaned, key=lambda g: g.position))
        raise ProgramError(_("Aktiviteter är valda under %(goals)s men inte målet. Välj målet också, eller "
                             "avmarkera dess aktiviteter.", goals=names), field="goals")
    return [(g, [a for a in activities if a.id in activity_ids]) for g, activities in choices if g.id in goal_ids]


def _goal_name(goal: Goal) -> str:
    return _("Mål %(number)s", number=goal.number) if goal.number else f"”{goal.title}”"


def _copy_goal(session: Session, founded: Founded, origin_goal: Goal, activities: list[Activity], *,
               position: int, with_responsible: bool, actor: Any) -> None:
    program = founded.program
    goal = Goal(program_id=program.id, number=origin_goal.number, title=origin_goal.title, position=position,
                origin_id=origin_goal.id)
    session.add(goal)
    session.flush()
    audit.record(session, actor=actor, action="goal.copied", entity=goal, after={
        "program": program.slug, "number": goal.number, "title": goal.title, "origin_id": origin_goal.id})
    founded.goals += 1
    for activity_position, origin_activity in enumerate(activities):
        activity = _copy_activity(session, founded, goal, origin_activity, position=activity_position, actor=actor)
        if with_responsible:
            organisations = session.exec(
                select(Organisation).join(Commitment, Commitment.organisation_id == Organisation.id)
                .where(Commitment.activity_id == origin_activity.id, Commitment.active, Organisation.active)
                .order_by(Organisation.name)
            ).all()
            founded.commitments += len(assign_many(session, activity=activity, organisations=list(organisations),
                                                   actor=actor))


def _copy_activity(session: Session, founded: Founded, goal: Goal, origin: Activity, *, position: int,
                   actor: Any) -> Activity:
    program = founded.program
    reading = copied_time_frame(program, origin.time_frame)
    note = origin.note
    if reading.outside:
        addition = outside_period_note(founded.origin, program, origin.time_frame)
        note = f"{note}\n\n{addition}" if note else addition
    activity = Activity(
        goal_id=goal.id, position=position, title=origin.title, description=origin.description,
        time_frame=origin.time_frame, recipients_as_written=origin.recipients_as_written, note=note,
        starts_on=reading.frame.starts_on, ends_on=reading.frame.ends_on, time_frame_parsed=reading.frame.parsed,
        origin_id=origin.id,
    )
    session.add(activity)
    session.flush()
    groups = session.exec(select(TargetGroup).join(ActivityTargetGroup)
                          .where(ActivityTargetGroup.activity_id == origin.id).order_by(TargetGroup.name)).all()
    partners = session.exec(select(Partner).join(ActivityPartner)
                            .where(ActivityPartner.activity_id == origin.id).order_by(Partner.name)).all()
    for group in groups:
        link_target_group(session, activity, group)
    for partner in partners:
        link_partner(session, activity, partner)
    session.flush()
    audit.record(session, actor=actor, action="activity.copied", entity=activity, after={
        "program": program.slug, "title": activity.title, "time_frame": activity.time_frame,
        "starts_on": activity.starts_on, "ends_on": activity.ends_on,
        "time_frame_parsed": activity.time_frame_parsed, "outside_period": reading.outside,
        "target_groups": [g.name for g in groups], "partners": [p.name for p in partners],
        "origin_id": origin.id,
    })
    founded.activities += 1
    if reading.outside:
        founded.outside_period.append(activity)
    return activity
