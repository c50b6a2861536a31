"""The status reports made for each commitment in each tertial (the tertials are in `tracker.periods`)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime
from tracker.i18n import N_


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


# The longest text each field takes: the model, the rules' messages and the editor's hints all read it here.
TEXT_LIMITS = {"comment": 5000, "next_steps": 5000, "support_text": 2000}


class StatusReportContent(SQLModel):
    """The reported fields, validated; shared by the report and its versions."""

    status: ReportStatus | None = Field(default=None, sa_type=sa.String(20))
    comment: str | None = Field(default=None, max_length=TEXT_LIMITS["comment"], sa_type=sa.Text)
    next_steps: str | None = Field(default=None, max_length=TEXT_LIMITS["next_steps"], sa_type=sa.Text)
    support_needed: bool = False
    support_text: str | None = Field(default=None, max_length=TEXT_LIMITS["support_text"], sa_type=sa.Text)


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
