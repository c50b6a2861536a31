"""Effect goals (effektmål): measurable targets followed up yearly per organisation.

These figures concern people subjected to violence and their children: only
aggregated counts are stored (numerator and denominator, or a count), never
anything about a person, and small figures are masked when they leave the
coordinators' hands (see `masking`).
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime
from tracker.i18n import N_
from tracker.organisations.models import SLUG_PATTERN


class TargetType(StrEnum):
    share_at_least = "share_at_least"  # a floor: at least X % of the denominator
    share_at_most = "share_at_most"  # a ceiling: at most X %
    change_at_least = "change_at_least"  # a count up by at least X % against the baseline year
    all_units = "all_units"  # every unit (100 %)


TARGET_TYPE_LABELS = {
    TargetType.share_at_least: N_("Andel minst"),
    TargetType.share_at_most: N_("Andel högst"),
    TargetType.change_at_least: N_("Ökning mot basåret, minst"),
    TargetType.all_units: N_("Alla enheter"),
}
TARGET_TYPE_VALUES_SQL = ", ".join(f"'{t.value}'" for t in TargetType)


class EffectGoalBase(SQLModel):
    code: str = Field(min_length=1, max_length=80, schema_extra={"pattern": SLUG_PATTERN})
    wording: str = Field(min_length=1, max_length=1000)  # exactly as the programme document puts it
    definition: str | None = Field(default=None, max_length=3000, sa_type=sa.Text)  # the document's footnotes
    data_source: str | None = Field(default=None, max_length=500)
    target_type: TargetType = Field(sa_type=sa.String(30))
    target_value: int = Field(ge=0, le=1000)  # per cent
    numerator_label: str = Field(min_length=1, max_length=300)  # what is counted (the count, for a change target)
    denominator_label: str | None = Field(default=None, max_length=300)  # None: a count, no share


class EffectGoal(EffectGoalBase, table=True):
    __table_args__ = (
        sa.UniqueConstraint("program_id", "code"),
        sa.CheckConstraint(f"target_type IN ({TARGET_TYPE_VALUES_SQL})", name="target_type"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    position: int = 0
    baseline_year: int | None = None  # set by a coordinator; change targets need it
    active: bool = True


class EffectGoalOrganisation(SQLModel, table=True):
    """An organisation that reports figures for the goal."""

    effect_goal_id: int = Field(foreign_key="effectgoal.id", primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)


class MeasurementContent(SQLModel):
    """An organisation's figures for a year, validated (whole, non-negative, numerator ≤ denominator)."""

    numerator: int | None = Field(default=None, ge=0)
    denominator: int | None = Field(default=None, ge=0)
    source: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)


class Measurement(MeasurementContent, table=True):
    """The current figures of an organisation for a goal and year; `version` guards edits."""

    __table_args__ = (
        sa.UniqueConstraint("effect_goal_id", "organisation_id", "year"),
        sa.CheckConstraint("numerator >= 0 AND denominator >= 0", name="non_negative"),
        sa.CheckConstraint("denominator IS NULL OR numerator IS NULL OR numerator <= denominator",
                           name="numerator_within_denominator"),
    )

    id: int | None = Field(default=None, primary_key=True)
    effect_goal_id: int = Field(foreign_key="effectgoal.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class MeasurementVersion(MeasurementContent, table=True):
    """Every saved version of a measurement, append-only."""

    __append_only__ = True
    __table_args__ = (sa.UniqueConstraint("measurement_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    measurement_id: int = Field(foreign_key="measurement.id", index=True)
    version: int
    saved_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    saved_by_id: int | None = Field(default=None, foreign_key="user.id")
    via: str = Field(default="form", max_length=20)  # form or import
