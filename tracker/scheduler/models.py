"""A record of every run of a scheduled job: when, why, by whom, and how it ended.

The schedule itself (next run times) is APScheduler's own table, `apscheduler_jobs`,
which is not part of our migrations.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime
from tracker.i18n import N_


class RunOutcome(StrEnum):
    running = "running"
    ok = "ok"
    error = "error"
    interrupted = "interrupted"  # the process running it stopped before it ended


class RunTrigger(StrEnum):
    scheduled = "scheduled"  # by the scheduler, on time or made up at start
    manual = "manual"  # "Kör nu" by an administrator or coordinator


OUTCOME_LABELS = {
    RunOutcome.running: N_("Körs"),
    RunOutcome.ok: N_("OK"),
    RunOutcome.error: N_("Fel"),
    RunOutcome.interrupted: N_("Avbröts"),
}
OUTCOME_SYMBOLS = {RunOutcome.running: "◐", RunOutcome.ok: "✓", RunOutcome.error: "✕", RunOutcome.interrupted: "!"}
TRIGGER_LABELS = {RunTrigger.scheduled: N_("Schemalagd"), RunTrigger.manual: N_("Manuell")}
# A manual run still "running" after this long belongs to a web process that stopped.
MANUAL_RUN_LEASE = timedelta(hours=2)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class JobRun(SQLModel, table=True):
    """One run of one scheduled job."""

    __table_args__ = (
        sa.CheckConstraint(_in("outcome", RunOutcome), name="outcome"),
        sa.CheckConstraint(_in("trigger", RunTrigger), name="trigger"),
        sa.Index("ix_jobrun_job_started", "job_id", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=60)
    trigger: RunTrigger = Field(sa_type=sa.String(20))
    triggered_by_id: int | None = Field(default=None, foreign_key="user.id")
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: RunOutcome = Field(default=RunOutcome.running, sa_type=sa.String(20))
    message: str | None = Field(default=None, sa_type=sa.Text)  # the job's summary, or the error
    process: str | None = Field(default=None, max_length=100)  # host:pid that ran it

    def shown_outcome(self, now: datetime) -> RunOutcome:
        """A manual run left running past its lease is shown as interrupted."""
        if (self.outcome == RunOutcome.running and self.trigger == RunTrigger.manual
                and now - self.started_at > MANUAL_RUN_LEASE):
            return RunOutcome.interrupted
        return RunOutcome(self.outcome)
