"""Scheduled development-funds jobs: `job(session, *, now, config) -> str`, run by tracker.scheduler.

`now` is aware UTC; "today" is the date in Stockholm. Each job records its
notifications once per user, kind and occasion (`notifications.service.notify`),
commits, and returns a one-line Swedish summary; the delivery job emails them.

Links in the emails are the app's address (BASE_URL) and the page's path, as in
the other areas' emails: a job has no request to build URLs from.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from sqlmodel import Session

from tracker.clock import local_day
from tracker.funds import reminders
from tracker.funds.display import kronor
from tracker.funds.reminders import Deadline
from tracker.notifications.jobs import counted
from tracker.notifications.models import NotificationKind
from tracker.notifications.reminders import active_coordinators
from tracker.notifications.service import notify, render_email

DEFAULT_REMINDER_DAYS = (14, 3)
# What each of Socialstyrelsen's deadlines is about, as the emails and summaries name it.
DEADLINE_TITLES = {Deadline.requisition: "Rekvisitionen", Deadline.report: "Återrapporten till Socialstyrelsen",
                   Deadline.repayment: "Återbetalningen"}
SKIP_REASONS = {"requisitioned": "rekvisitionen är registrerad", "compiled": "året är sammanställt",
                "paid": "betalningen är registrerad", "nothing_due": "inget att återbetala"}


def year_path(year: int) -> str:
    """The year's page (endpoint funds.year_page)."""
    return f"/medel/{year}"


def report_path(year: int, organisation_slug: str) -> str:
    """A nämnd's usage report form (endpoint funds.report_form)."""
    return f"/medel/{year}/aterrapportering/{organisation_slug}"


def day_text(day: date) -> str:
    """"15 februari 2025": the Swedish date, with the year (the funds' deadlines fall in the next year)."""
    return format_date(day, "d MMMM y", locale="sv")


def left_text(days_left: int) -> str:
    return "sista dag i dag" if days_left == 0 else f"{counted(days_left, 'dag', 'dagar')} kvar"


def in_days(days_left: int) -> str:
    """"i dag", "i morgon", "om 3 dagar"."""
    return "i dag" if days_left == 0 else "i morgon" if days_left == 1 else f"om {days_left} dagar"


def render(name: str, config: Mapping[str, Any], **context) -> tuple[str, str]:
    """Render `funds/email/<name>.txt` and `.html`, with `base_url` for the links."""
    return render_email(name, folder="funds/email", base_url=config["BASE_URL"], kronor=kronor, day_text=day_text,
                        in_days=in_days, year_path=year_path, report_path=report_path, **context)


def _offsets(config: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(config.get("FUNDS_REMINDER_DAYS", DEFAULT_REMINDER_DAYS))


# The nämnder's usage reports

def send_report_reminders(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """Remind the contacts of nämnder that have not submitted, 14 and 3 days (FUNDS_REMINDER_DAYS) before."""
    runs = reminders.report_reminders(session, today=local_day(now), offsets=_offsets(config))
    summaries = [_record_report_reminders(session, run, config) for run in runs]
    session.commit()
    return " ".join(summaries) if summaries else "Ingen återrapportering av utvecklingsmedel att påminna om."


def _record_report_reminders(session: Session, run: reminders.ReportReminders, config: Mapping[str, Any]) -> str:
    year, deadline = run.fund_year.year, run.fund_year.internal_deadline
    subject = f"Påminnelse: återrapportera utvecklingsmedlen för {year} senast {day_text(deadline)}"
    recorded = 0
    for reminder in run.reminders:
        text, html = render("report_reminder", config, user=reminder.user, fund_year=run.fund_year,
                            reports=reminder.reports, days_left=run.days_left, subject=subject)
        recorded += notify(session, user=reminder.user, kind=NotificationKind.funds_report_reminder, key=run.key,
                           subject=subject, text=text, html=html) is not None
    what = f"återrapporten {year} ({left_text(run.days_left)})"
    if recorded:
        return f"{counted(recorded, 'påminnelse registrerad', 'påminnelser registrerade')} för {what}."
    if run.reminders:
        return f"Påminnelserna för {what} var redan registrerade."
    if run.unsubmitted:
        return (f"{counted(run.unsubmitted, 'nämnd', 'nämnder')} har inte lämnat in {what} "
                "men har ingen aktiv kontaktperson att påminna.")
    return f"Alla nämnder har lämnat in {what}: ingen att påminna."


def send_report_overdue_notices(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """After the nämnder's deadline: a notice to the contacts of those that have not submitted, a digest to coordinators.

    The digest is the tertials' coordinator digest kind (`coordinator_overdue_digest`,
    key "funds:<year>"), so a coordinator who opted out of digest emails still has it
    in the app but gets no email, as with the tertials.
    """
    runs = reminders.overdue_notices(session, today=local_day(now))
    summaries = [_record_overdue(session, run, config) for run in runs]
    session.commit()
    if not summaries:
        return "Ingen återrapportering av utvecklingsmedel har passerat sista dag de senaste två veckorna."
    return " ".join(summaries)


def _record_overdue(session: Session, run: reminders.OverdueNotices, config: Mapping[str, Any]) -> str:
    fund_year = run.fund_year
    year, deadline = fund_year.year, day_text(fund_year.internal_deadline)
    notices = 0
    for notice in run.notices:
        reportable = [report for report in notice.reports if report.reportable]
        closed = [report for report in notice.reports if not report.reportable]
        subject = (f"Sista dag för återrapporten av utvecklingsmedlen {year} har passerat"
                   + (" – rapportera snarast" if reportable else ""))
        text, html = render("report_overdue", config, user=notice.user, fund_year=fund_year, reportable=reportable,
                            closed=closed, deadline=deadline, subject=subject)
        notices += notify(session, user=notice.user, kind=NotificationKind.funds_report_overdue, key=str(year),
                          subject=subject, text=text, html=html) is not None
    missing, total = run.missing, len(run.reports)
    subject = f"Återrapportering av utvecklingsmedlen {year}: " + (
        f"{len(missing)} av {total} nämnder har inte lämnat in" if missing
        else f"alla {total} nämnder har lämnat in" if total else "inga nämnder i fördelningen")
    digests = 0
    for user in run.coordinators:
        text, html = render("report_overdue_digest", config, user=user, fund_year=fund_year, missing=missing,
                            total=total, without_contact=run.without_contact, deadline=deadline, subject=subject)
        digests += notify(session, user=user, kind=NotificationKind.coordinator_overdue_digest, key=f"funds:{year}",
                          subject=subject, text=text, html=html) is not None
    return (f"Återrapporten {year}: {counted(notices, 'nytt förseningsbesked', 'nya förseningsbesked')} "
            f"(av {len(run.notices)}) och {counted(digests, 'ny sammanställning', 'nya sammanställningar')} "
            f"till samordnare (av {len(run.coordinators)}).")


# Socialstyrelsen's deadlines, for the coordinators

def send_coordinator_deadline_reminders(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """Remind the coordinators of Socialstyrelsen's deadlines: requisition, usage report and repayment."""
    due, skipped = reminders.deadline_reminders(session, today=local_day(now), offsets=_offsets(config))
    coordinators = active_coordinators(session) if due else []
    summaries = [_record_deadline_reminder(session, reminder, coordinators, config) for reminder in due]
    session.commit()
    summaries += [f"{DEADLINE_TITLES[s.deadline]} {s.fund_year.year}: ingen påminnelse, {SKIP_REASONS[s.reason]}."
                  for s in skipped]
    return " ".join(summaries) if summaries else "Ingen av Socialstyrelsens sista dagar för utvecklingsmedlen är nära."


def _deadline_subject(reminder: reminders.DeadlineReminder) -> str:
    year, day = reminder.fund_year.year, day_text(reminder.day)
    if reminder.deadline is Deadline.requisition:
        return f"Påminnelse: rekvirera utvecklingsmedlen för {year} senast {day}"
    if reminder.deadline is Deadline.report:
        return f"Påminnelse: återrapportera utvecklingsmedlen för {year} till Socialstyrelsen senast {day}"
    return f"Påminnelse: återbetala outnyttjade utvecklingsmedel för {year} senast {day}"


def _deadline_sentence(reminder: reminders.DeadlineReminder) -> str:
    year = reminder.fund_year.year
    what = {Deadline.requisition: f"Sista dag att rekvirera utvecklingsmedlen för {year} hos Socialstyrelsen",
            Deadline.report: f"Sista dag för stadens återrapport till Socialstyrelsen om utvecklingsmedlen för {year}",
            Deadline.repayment: f"Sista dag att återbetala outnyttjade utvecklingsmedel för {year} till "
                                "Socialstyrelsen"}[reminder.deadline]
    return f"{what} är {day_text(reminder.day)} ({in_days(reminder.days_left)})."


def _record_deadline_reminder(session: Session, reminder: reminders.DeadlineReminder, coordinators: list,
                              config: Mapping[str, Any]) -> str:
    subject, sentence = _deadline_subject(reminder), _deadline_sentence(reminder)
    recorded = 0
    for user in coordinators:
        text, html = render("deadline_reminder", config, user=user, reminder=reminder, fund_year=reminder.fund_year,
                            sentence=sentence, subject=subject)
        recorded += notify(session, user=user, kind=NotificationKind.funds_deadline_reminder, key=reminder.key,
                           subject=subject, text=text, html=html) is not None
    what = f"{DEADLINE_TITLES[reminder.deadline]} {reminder.fund_year.year} ({left_text(reminder.days_left)})"
    if recorded:
        return f"{what}: {counted(recorded, 'påminnelse registrerad', 'påminnelser registrerade')}."
    if coordinators:
        return f"{what}: påminnelserna var redan registrerade."
    return f"{what}: ingen aktiv samordnare att påminna."
