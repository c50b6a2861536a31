"""Saving reports at a given time, running a job at a given time, and reading what it recorded."""
from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from sqlmodel import select

from tracker.accounts.models import User
from tracker.notifications.models import Notification, NotificationKind
from tracker.reporting import service as reporting
from tracker.reporting.models import ReportStatus, StatusReportContent


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def save(session, commitment, period, *, at: datetime, submit: bool = False,
         status: ReportStatus = ReportStatus.in_progress, support_needed: bool = False,
         support_text: str | None = None) -> None:
    """Save (or submit) a new version of the commitment's report, as of `at`, through the real service."""
    with time_machine.travel(at, tick=False):
        current = reporting.get_report(session, commitment.id, period.id)
        content = StatusReportContent(status=status, comment="Arbetet pågår.", support_needed=support_needed,
                                      support_text=support_text)
        reporting.save_report(session, commitment=commitment, period=period, content=content, actor=None,
                              expected_version=current.version if current else None, submit=submit)
        session.commit()


def run(app, session, job, at: datetime, **config) -> str:
    """Run a scheduled job as the scheduler does: in an app context, at `at` (UTC)."""
    with time_machine.travel(at, tick=False), app.app_context():
        return job(session, now=at, config={**app.config, **config})


def recorded(session, kind: NotificationKind, key: str | None = None) -> dict[str, Notification]:
    """The notifications of a kind (and key), by the recipient's email (one each, or the test fails)."""
    query = select(User.email, Notification).join(User, User.id == Notification.user_id).where(Notification.kind == kind)
    rows = session.exec(query if key is None else query.where(Notification.key == key)).all()
    by_email = dict(rows)
    assert len(by_email) == len(rows), "a user was notified twice"
    return by_email
