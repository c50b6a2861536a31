"""Record notifications once per person and occasion, deliver their email, and show them."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.accounts.models import User
from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.notifications.mail import Mailer
from tracker.notifications.models import (
    DIGEST_KINDS,
    PUBLICATION_KINDS,
    EmailState,
    Notification,
    NotificationKind,
)

log = logging.getLogger(__name__)
# Wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure is final.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
CLAIM_LEASE = timedelta(minutes=15)  # longer than a send can take (SMTP timeout)


@dataclass(frozen=True)
class DeliveryResult:
    sent: int = 0
    failed: int = 0  # given up on after the last attempt
    retried: int = 0  # failed this time, tried again later


def notify(session: Session, *, user: User, kind: NotificationKind, key: str, subject: str, text: str,
           html: str) -> Notification | None:
    """Record a notification; None if this user already has one of this kind and key.

    The unique constraint decides, inside a savepoint, so two runs at once still
    record one. A digest (or news of published documents) for a user who opted
    out of them is recorded, and shown in Aviseringar, but not emailed.
    """
    kind = NotificationKind(kind)
    skipped = (kind in DIGEST_KINDS and user.digest_opt_out) or (kind in PUBLICATION_KINDS
                                                                and user.publication_opt_out)
    notification = Notification(
        user_id=user.id, kind=kind, key=key, subject=subject, text_body=text, html_body=html,
        email_state=EmailState.skipped if skipped else EmailState.pending,
        next_attempt_at=None if skipped else utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(notification)
    except IntegrityError:
        return None
    return notification


def deliver_pending(session: Session, mailer: Mailer, *, now: datetime | None = None,
                    limit: int = 200) -> DeliveryResult:
    """Email the pending notifications that are due, committing after each one.

    A committed `sent` is never sent again, even if the process stops mid-run. A
    failure is recorded with a later retry; it never stops the others.
    """
    now = now or utcnow()
    due = session.exec(
        select(Notification.id)
        .where(Notification.email_state == EmailState.pending, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id).limit(limit)
    ).all()
    sent = failed = retried = 0
    for notification_id in due:
        if not _claim(session, notification_id, now):
            continue  # another run has it, or it is no longer due
        notification = session.get(Notification, notification_id)
        user = session.get(User, notification.user_id)
        try:
            mailer.send(to=user.email, subject=notification.subject, text=notification.text_body,
                        html=notification.html_body)
        except Exception as error:  # noqa: BLE001  (one message's failure must not stop the rest)
            gave_up = _record_failure(notification, error, now)
            failed, retried = failed + gave_up, retried + (not gave_up)
            log.warning("E-post %s till %s misslyckades (försök %s): %s", notification.id, user.email,
                        notification.attempts, error)
        else:
            notification.email_state, notification.sent_at = EmailState.sent, utcnow()
            notification.attempts += 1
            notification.next_attempt_at, notification.last_error = None, None
            sent += 1
        session.add(notification)
        session.commit()
    return DeliveryResult(sent=sent, failed=failed, retried=retried)


def _claim(session: Session, notification_id: int, now: datetime) -> bool:
    """Take one notification for this run by moving its next attempt past the lease, atomically.

    Two runs at once cannot both claim it; if this process dies while sending,
    the lease runs out and a later run tries again.
    """
    claimed = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.email_state == EmailState.pending,
               Notification.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM_LEASE)
    ).rowcount == 1
    session.commit()
    return claimed


def _record_failure(notification: Notification, error: Exception, now: datetime) -> bool:
    """Count a failed attempt; True when it was the last one."""
    notification.attempts += 1
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= MAX_ATTEMPTS:
        notification.email_state, notification.next_attempt_at = EmailState.failed, None
        return True
    notification.next_attempt_at = now + BACKOFF[notification.attempts - 1]
    return False


def render_email(template_name: str, *, folder: str = "notifications/email", **context) -> tuple[str, str]:
    """Render `<folder>/<name>.txt` and `.html` (an area's emails); `base_url` is added for links."""
    context.setdefault("base_url", current_app.config["BASE_URL"])
    # Straight from the environment: jobs have no request, so the page context processors do not apply.
    env = current_app.jinja_env
    return (env.get_template(f"{folder}/{template_name}.txt").render(**context),
            env.get_template(f"{folder}/{template_name}.html").render(**context))


# Reading and the user's choices

def list_for(session: Session, user: User) -> list[Notification]:
    """The user's notifications, newest first."""
    return list(session.exec(select(Notification).where(Notification.user_id == user.id)
                             .order_by(Notification.created_at.desc(), Notification.id.desc())).all())


def get_for(session: Session, *, user: User, notification_id: int) -> Notification | None:
    """One of the user's own notifications (another user's is not found)."""
    notification = session.get(Notification, notification_id)
    return notification if notification is not None and notification.user_id == user.id else None


def mark_read(notification: Notification, *, now: datetime | None = None) -> None:
    if notification.read_at is None:
        notification.read_at = now or utcnow()


def set_digest_opt_out(session: Session, *, user: User, opt_out: bool, actor: User) -> bool:
    """Save the user's choice about digest emails; True if it changed (and was audited)."""
    if user.digest_opt_out == opt_out:
        return False
    audit.record(session, actor=actor, action="user.digest_opt_out", entity=user,
                 before={"digest_opt_out": user.digest_opt_out}, after={"digest_opt_out": opt_out})
    user.digest_opt_out = opt_out
    session.add(user)
    return True


def set_publication_opt_out(session: Session, *, user: User, opt_out: bool, actor: User) -> bool:
    """Save the user's choice about emails on new styrkort and reports; True if it changed (and was audited)."""
    if user.publication_opt_out == opt_out:
        return False
    audit.record(session, actor=actor, action="user.publication_opt_out", entity=user,
                 before={"publication_opt_out": user.publication_opt_out}, after={"publication_opt_out": opt_out})
    user.publication_opt_out = opt_out
    session.add(user)
    return True
