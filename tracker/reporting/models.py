"""Tertials and the status reports made for each commitment in each tertial."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.db import UTCDateTime, utcnow
from tracker.i18n import N_


class PeriodState(StrEnum):
    upcoming = "upcoming"
    open = "open"
    closed = "closed"


PERIOD_STATE_LABELS = {
    PeriodState.upcoming: N_("Kommande"),
    PeriodState.open: N_("Öppen"),
    PeriodState.closed: N_("Stängd"),
}


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


class ReportStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    deviation = "deviation"
    done = "done"
    cancelled = "cancelled"


# Labels and symbols: status is never shown by colour alone.
STATUS_LABELS = {
    ReportStatus.not_started: N_("Ej påbörjad"),
    ReportStatus.in_progress: N_("Pågår"),
    ReportStatus.deviation: N_("Pågår med avvikelse"),
    ReportStatus.done: N_("Genomförd"),
    ReportStatus.cancelled: N_("Utgår"),
}
STATUS_SYMBOLS = {
    ReportStatus.not_started: "○",
    ReportStatus.in_progress: "◐",
    ReportStatus.deviation: "△",
    ReportStatus.done: "●",
    ReportStatus.cancelled: "✕",
}
# A commitment with one of these statuses is never overdue, whatever its time frame.
FINISHED_STATUSES = frozenset({ReportStatus.done, ReportStatus.cancelled})
STATUS_VALUES_SQL = ", ".join(f"'{s.value}'" for s in ReportStatus)


class ReportState(StrEnum):
    draft = "draft"
    submitted = "submitted"


REPORT_STATE_LABELS = {ReportState.draft: N_("Utkast"), ReportState.submitted: N_("Inlämnad")}


class StatusReportContent(SQLModel):
    """The reported fields, validated; shared by the report and its versions."""

    status: ReportStatus | None = Field(default=None, sa_type=sa.String(20))
    comment: str | None = Field(default=None, max_length=5000, sa_type=sa.Text)
    next_steps: str | None = Field(default=None, max_length=5000, sa_type=sa.Text)
    support_needed: bool = False
    support_text: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)


class StatusReport(StatusReportContent, table=True):
    """The current report for a commitment in a tertial; `version` guards edits."""

    __table_args__ = (
        sa.UniqueConstraint("commitment_id", "period_id"),
        sa.CheckConstraint(f"status IN ({STATUS_VALUES_SQL})", name="status"),
        sa.CheckConstraint("state IN ('draft', 'submitted')", name="state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    period_id: int = Field(foreign_key="reportingperiod.id", index=True)
    state: ReportState = Field(default=ReportState.draft, sa_type=sa.String(20))
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")


class StatusReportVersion(StatusReportContent, table=True):
    """Every saved version of a report, append-only."""

    __append_only__ = True

    __table_args__ = (
        sa.UniqueConstraint("report_id", "version"),
        sa.CheckConstraint(f"status IN ({STATUS_VALUES_SQL})", name="status"),
        sa.CheckConstraint("state IN ('draft', 'submitted')", name="state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="statusreport.id", index=True)
    version: int
    state: ReportState = Field(sa_type=sa.String(20))
    saved_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    saved_by_id: int | None = Field(default=None, foreign_key="user.id")


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
