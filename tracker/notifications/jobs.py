"""Scheduled notification jobs: `job(session, *, now, config) -> str`, run by tracker.scheduler.

`now` is aware UTC; "today" is the date in Stockholm. Each job commits its own
work and returns a one-line Swedish summary. Notifications are recorded once
per user, kind and occasion, so a job run twice records nothing twice; the
delivery job emails them.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from tracker.clock import local_day
from tracker.notifications import digests, reminders
from tracker.notifications.mail import mailer_from_config
from tracker.notifications.service import deliver_pending

DEFAULT_REMINDER_DAYS = (14, 3)


def counted(n: int, one: str, many: str) -> str:
    """"1 påminnelse", "3 påminnelser"."""
    return f"{n} {one if n == 1 else many}"


def deliver_notifications(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """Email the pending notifications that are due (retries included)."""
    result = deliver_pending(session, mailer_from_config(config), now=now)
    return f"{result.sent} skickade, {result.failed} misslyckade, {result.retried} försöks igen."


def send_deadline_reminders(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """Remind contacts of unsubmitted commitments 14 and 3 days (REMINDER_DAYS) before a deadline."""
    runs = reminders.remind_of_deadlines(session, today=local_day(now),
                                         offsets=config.get("REMINDER_DAYS", DEFAULT_REMINDER_DAYS))
    session.commit()
    if not runs:
        return "Inget att påminna om."
    return " ".join(_reminder_summary(run) for run in runs)


def _reminder_summary(run: reminders.ReminderRun) -> str:
    left = "sista dag i dag" if run.days_left == 0 else f"{counted(run.days_left, 'dag', 'dagar')} kvar"
    if run.recorded:
        return (f"{counted(run.recorded, 'påminnelse registrerad', 'påminnelser registrerade')} "
                f"för {run.period.label} ({left}).")
    if run.due:
        return f"Påminnelserna för {run.period.label} ({left}) var redan registrerade."
    return f"Alla har lämnat in {run.period.label}: ingen att påminna."


def send_overdue_notices(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """The day after a deadline: notices to contacts with unsubmitted commitments, a digest to coordinators."""
    runs = reminders.notify_overdue(session, today=local_day(now))
    session.commit()
    if not runs:
        return "Ingen tertial har passerat sista dag de senaste två veckorna."
    return " ".join(
        f"{run.period.label}: {counted(run.notices, 'nytt förseningsbesked', 'nya förseningsbesked')} "
        f"(av {run.notices_due}) och {counted(run.digests, 'ny sammanställning', 'nya sammanställningar')} "
        f"till samordnare (av {run.digests_due})."
        for run in runs
    )


def send_weekly_digest(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """This week's digest for every coordinator: new support needs, new deviations, reporting progress."""
    run = digests.record_weekly_digest(session, now=now, today=local_day(now))
    session.commit()
    contents = (f"{counted(len(run.digest.support_needs), 'nytt stödbehov', 'nya stödbehov')}, "
                f"{counted(len(run.digest.deviations), 'ny avvikelse', 'nya avvikelser')}")
    if run.recorded:
        return (f"Veckosammanställning {run.digest.key} registrerad för "
                f"{counted(run.recorded, 'samordnare', 'samordnare')} ({contents}).")
    if run.due:
        return f"Veckosammanställning {run.digest.key} var redan registrerad."
    return f"Ingen aktiv samordnare att skicka veckosammanställning {run.digest.key} till."
