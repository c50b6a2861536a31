"""The archive of generated PDFs (styrkort and programme reports) and the jobs that generate them."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime
from tracker.i18n import N_, LabelledEnum


class DocumentKind(LabelledEnum):
    scorecard = "scorecard", N_("Styrkort")
    midterm = "midterm", N_("Halvtidsrapport")
    annual = "annual", N_("Årlig sammanställning")
    final = "final", N_("Slutrapport")
    funds_compilation = "funds_compilation", N_("Sammanställning av utvecklingsmedel (PDF)")
    funds_compilation_docx = "funds_compilation_docx", N_("Sammanställning av utvecklingsmedel (Word)")


DOCUMENT_KIND_LABELS = DocumentKind.labels()


class ArchivedDocument(SQLModel, table=True):
    """One generated version of a document; the row and its file are never changed.

    `key` names the document across its versions ("<programme>/<tertial>/<name>");
    regenerating adds a version, so what leadership read on a date can be shown again.
    """

    __append_only__ = True
    __table_args__ = (
        sa.UniqueConstraint("key", "version"),
        sa.CheckConstraint("kind IN ('scorecard', 'midterm', 'annual', 'final', 'funds_compilation', "
                           "'funds_compilation_docx')", name="kind"),
        # A programme document belongs to a programme and tertial, a funds document to a grant year.
        sa.CheckConstraint("(program_id IS NOT NULL AND period_id IS NOT NULL) OR fund_year_id IS NOT NULL",
                           name="subject"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300)  # indexed by the unique constraint
    version: int
    kind: DocumentKind = Field(sa_type=sa.String(30))
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True)
    period_id: int | None = Field(default=None, foreign_key="reportingperiod.id", index=True)  # a report's last tertial
    fund_year_id: int | None = Field(default=None, foreign_key="fundyear.id", index=True)
    first_period_id: int | None = Field(default=None, foreign_key="reportingperiod.id")  # a report's first
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    path: str = Field(max_length=400)  # relative to the archive root
    checksum: str = Field(max_length=64)  # SHA-256 of the file
    size_bytes: int
    page_count: int
    data_version: str = Field(max_length=64)  # SHA-256 of the data the document was built from
    data_as_of: datetime = Field(sa_type=UTCDateTime)
    generated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    generated_by_id: int | None = Field(default=None, foreign_key="user.id")
    generated_by_label: str = Field(max_length=320)
    job_id: int | None = Field(default=None, foreign_key="generationjob.id", index=True)


class JobState(LabelledEnum):
    queued = "queued", N_("Väntar")
    running = "running", N_("Pågår")
    done = "done", N_("Klar")
    failed = "failed", N_("Misslyckades")


JOB_STATE_LABELS = JobState.labels()
# A running job whose worker has not reported for this long has died with its process.
STALE_AFTER = timedelta(minutes=10)


class GenerationJob(SQLModel, table=True):
    """A request to generate documents, run in the background; progress is polled."""

    __table_args__ = (
        sa.CheckConstraint("kind IN ('scorecard', 'midterm', 'annual', 'final')", name="kind"),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: DocumentKind = Field(sa_type=sa.String(20))
    period_id: int = Field(foreign_key="reportingperiod.id")  # styrkort: the tertial; reports: the last
    program_id: int | None = Field(default=None, foreign_key="program.id")  # reports only
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")  # one styrkort only
    state: JobState = Field(default=JobState.queued, sa_type=sa.String(20))
    total: int = 0
    completed: int = 0
    error: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)
    requested_by_id: int | None = Field(default=None, foreign_key="user.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def is_stale(self, now: datetime) -> bool:
        if self.state not in (JobState.queued, JobState.running):
            return False
        return now - (self.heartbeat_at or self.requested_at) > STALE_AFTER
