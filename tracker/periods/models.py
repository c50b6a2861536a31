"""The tertial calendar: tertials and their reopenings for single organisations."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime
from tracker.i18n import N_, LabelledEnum


class PeriodState(LabelledEnum):
    upcoming = "upcoming", N_("Kommande")
    open = "open", N_("Öppen")
    closed = "closed", N_("Stängd")


PERIOD_STATE_LABELS = PeriodState.labels()


class ReportingPeriod(SQLModel, table=True):
    """A tertial: T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec (reported in the VB)."""

    __table_args__ = (
        sa.UniqueConstraint("year", "number"),
        sa.CheckConstraint("number BETWEEN 1 AND 3", name="number"),
        sa.CheckConstraint("state IN ('upcoming', 'open', 'closed')", name="state"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int
    number: int
    starts_on: date
    ends_on: date
    deadline: date
    state: PeriodState = Field(default=PeriodState.upcoming, sa_type=sa.String(20))

    @property
    def code(self) -> str:
        return f"{self.year}-T{self.number}"

    @property
    def label(self) -> str:
        return f"Tertial {self.number} {self.year}"

    @property
    def previous_code(self) -> tuple[int, int]:
        """The year and number of the tertial before this one."""
        return (self.year - 1, 3) if self.number == 1 else (self.year, self.number - 1)

    def is_just_before(self, later: ReportingPeriod) -> bool:
        return (self.year, self.number) == later.previous_code


class PeriodReopening(SQLModel, table=True):
    """A closed tertial opened again for one organisation, with the reason why."""

    # At most one open reopening per tertial and organisation, even under concurrent requests.
    __table_args__ = (
        sa.Index(
            "uq_periodreopening_open", "period_id", "organisation_id", unique=True,
            sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="reportingperiod.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    reason: str = Field(max_length=2000, sa_type=sa.Text)
    reopened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reopened_by_id: int | None = Field(default=None, foreign_key="user.id")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="user.id")
