"""A notification to one user about one occasion, and the state of its email."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime
from tracker.i18n import N_, LabelledEnum


class NotificationKind(StrEnum):
    deadline_reminder = "deadline_reminder"
    overdue_notice = "overdue_notice"
    coordinator_overdue_digest = "coordinator_overdue_digest"
    weekly_digest = "weekly_digest"
    effect_goal_collection = "effect_goal_collection"
    funds_report_reminder = "funds_report_reminder"  # a nämnd's usage report, before its deadline
    funds_report_overdue = "funds_report_overdue"  # … and after it
    funds_deadline_reminder = "funds_deadline_reminder"  # coordinators, before Socialstyrelsen's deadlines
    documents_published = "documents_published"  # readers and contacts: new styrkort or reports in the archive
    final_report_due = "final_report_due"  # coordinators: a programme's last tertial has closed


# The kinds a user may opt out of (by email; they are still shown in the app).
DIGEST_KINDS = frozenset({NotificationKind.coordinator_overdue_digest, NotificationKind.weekly_digest})
PUBLICATION_KINDS = frozenset({NotificationKind.documents_published})  # User.publication_opt_out


class EmailState(LabelledEnum):
    pending = "pending", N_("Väntar")
    sent = "sent", N_("Skickad")
    failed = "failed", N_("Misslyckades")
    skipped = "skipped", N_("Ej skickad (avregistrerad)")


EMAIL_STATE_LABELS = EmailState.labels()


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Notification(SQLModel, table=True):
    """One notice to one user; (user, kind, key) is unique, so an occasion is never notified twice.

    `key` names the occasion within the kind, e.g. "2025-T3:14d" or "2025".
    """

    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "key"),
        sa.CheckConstraint(_in("kind", NotificationKind), name="kind"),
        sa.CheckConstraint(_in("email_state", EmailState), name="email_state"),
        sa.Index("ix_notification_delivery", "email_state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")  # indexed by the unique constraint
    kind: NotificationKind = Field(sa_type=sa.String(40))
    key: str = Field(max_length=100)
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_type=sa.Text)
    html_body: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    email_state: EmailState = Field(default=EmailState.pending, sa_type=sa.String(20))
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def state_label(self) -> str:
        return EMAIL_STATE_LABELS[EmailState(self.email_state)]
