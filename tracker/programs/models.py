"""Programmes, their goals and activities, and commitments (åtaganden)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime
from tracker.i18n import N_, LabelledEnum
from tracker.organisations.models import SLUG_PATTERN

# A target group's or partner's name as typed.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class ProgramKind(LabelledEnum):
    programme = "programme", N_("Program")
    budget_assignment = "budget_assignment", N_("Budgetuppdrag")


PROGRAM_KIND_LABELS = ProgramKind.labels()


class ProgramBase(SQLModel):
    slug: str = Field(min_length=1, max_length=80, schema_extra={"pattern": SLUG_PATTERN})
    name: str = Field(min_length=1, max_length=500)
    short_name: str = Field(min_length=1, max_length=120)
    kind: ProgramKind = Field(sa_type=sa.String(30))
    start_year: int = Field(ge=2000, le=2100)
    end_year: int = Field(ge=2000, le=2100)
    reference: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)


class Program(ProgramBase, table=True):
    __table_args__ = (
        sa.CheckConstraint("kind IN ('programme', 'budget_assignment')", name="kind"),
        sa.CheckConstraint("end_year >= start_year", name="years"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    origin_id: int | None = Field(default=None, foreign_key="program.id")  # the programme it was copied from


class GoalBase(SQLModel):
    number: int | None = Field(default=None, ge=1, le=99)
    title: str = Field(min_length=1, max_length=500)


class Goal(GoalBase, table=True):
    """A programme goal (Mål n); a goal without number groups other activities."""

    __table_args__ = (sa.UniqueConstraint("program_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    position: int = 0
    origin_id: int | None = Field(default=None, foreign_key="goal.id")  # the goal it was copied from


class GoalCreate(GoalBase):
    """Validated input for a new goal (no number: a group such as the implementation plan)."""


class GoalUpdate(SQLModel):
    """Validated changes to a goal; only the fields given are changed."""

    number: int | None = Field(default=None, ge=1, le=99)
    title: str | None = Field(default=None, min_length=1, max_length=500)


class ActivityBase(SQLModel):
    title: str = Field(min_length=1, max_length=1000)
    description: str | None = Field(default=None, max_length=5000, sa_type=sa.Text)
    time_frame: str = Field(min_length=1, max_length=200)
    recipients_as_written: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=5000, sa_type=sa.Text)


class Activity(ActivityBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    position: int = 0
    starts_on: date
    ends_on: date
    time_frame_parsed: bool
    active: bool = True
    origin_id: int | None = Field(default=None, foreign_key="activity.id")  # the activity it was copied from


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


class TargetGroup(SQLModel, table=True):
    """Who an activity is for (mottagare), e.g. Allmänheten."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, unique=True)


class Partner(SQLModel, table=True):
    """An external actor (samverkanspart), e.g. Polisen; never a reporting organisation."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, unique=True)


class ActivityTargetGroup(SQLModel, table=True):
    activity_id: int = Field(foreign_key="activity.id", primary_key=True)
    target_group_id: int = Field(foreign_key="targetgroup.id", primary_key=True)


class ActivityPartner(SQLModel, table=True):
    activity_id: int = Field(foreign_key="activity.id", primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", primary_key=True)


class Commitment(SQLModel, table=True):
    """One activity as the responsibility of one organisation (åtagande)."""

    __table_args__ = (sa.UniqueConstraint("activity_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
