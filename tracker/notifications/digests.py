"""The weekly digest for coordinators: new support needs and deviations, and how reporting goes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import aliased
from sqlmodel import Session, and_, col, or_, select

from tracker.notifications.models import NotificationKind
from tracker.notifications.reminders import (
    active_coordinators,
    commitment_states,
    day_text,
    organisation_progress,
)
from tracker.notifications.service import notify, render_email
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.programs.models import Activity, Commitment
from tracker.reporting.models import ReportStatus, StatusReport, StatusReportVersion

WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Change:
    """A report that newly needs support, or newly deviates, in a version saved in the window."""

    commitment_id: int
    organisation: str
    title: str  # the activity's
    period: ReportingPeriod
    support_text: str | None = None


@dataclass(frozen=True)
class PeriodProgress:
    period: ReportingPeriod
    submitted: int
    total: int
    organisations_complete: int
    organisations: int
    days_left: int  # negative once the deadline has passed
    deadline: str  # "15 maj"


@dataclass(frozen=True)
class WeeklyDigest:
    key: str  # the ISO week, "2026-W48"
    support_needs: list[Change]
    deviations: list[Change]
    progress: list[PeriodProgress]


@dataclass(frozen=True)
class DigestRun:
    digest: WeeklyDigest
    due: int
    recorded: int


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_changes(session: Session, *, since: datetime, until: datetime) -> tuple[list[Change], list[Change]]:
    """Support needs and deviations that became true in a version saved in [since, until) (one query).

    New means the version before it (of the same report) did not have it, or there was none.
    """
    previous = aliased(StatusReportVersion)
    rows = session.exec(
        select(StatusReportVersion.report_id, StatusReportVersion.support_needed, StatusReportVersion.status,
               StatusReportVersion.support_text, previous.support_needed, previous.status, Commitment.id,
               Organisation.name, Activity.title, ReportingPeriod)
        .join(StatusReport, col(StatusReport.id) == StatusReportVersion.report_id)
        .join(Commitment, col(Commitment.id) == StatusReport.commitment_id)
        .join(Activity, col(Activity.id) == Commitment.activity_id)
        .join(Organisation, col(Organisation.id) == Commitment.organisation_id)
        .join(ReportingPeriod, col(ReportingPeriod.id) == StatusReport.period_id)
        .outerjoin(previous, and_(previous.report_id == StatusReportVersion.report_id,
                                  previous.version == StatusReportVersion.version - 1))
        .where(StatusReportVersion.saved_at >= since, StatusReportVersion.saved_at < until,
               or_(col(StatusReportVersion.support_needed), StatusReportVersion.status == ReportStatus.deviation),
               col(Commitment.active), col(Activity.active), col(Organisation.active))
        .order_by(Organisation.name, Activity.title, ReportingPeriod.year, ReportingPeriod.number,
                  StatusReportVersion.version)
    ).all()
    support_needs: dict[int, Change] = {}
    deviations: dict[int, Change] = {}
    for (report_id, support, status, support_text, previous_support, previous_status, commitment_id, organisation,
         title, period) in rows:
        if support and not previous_support:
            support_needs.setdefault(report_id, Change(commitment_id, organisation, title, period, support_text))
        if status == ReportStatus.deviation and previous_status != ReportStatus.deviation:
            deviations.setdefault(report_id, Change(commitment_id, organisation, title, period))
    return list(support_needs.values()), list(deviations.values())


def reporting_progress(session: Session, *, today: date) -> list[PeriodProgress]:
    """For each open tertial: submitted of all commitments, and organisations that submitted everything."""
    periods = list(session.exec(select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.open)
                                .order_by(ReportingPeriod.year, ReportingPeriod.number)).all())
    states = commitment_states(session, periods)
    result = []
    for period in periods:
        of_period = [state for state in states if state.period_id == period.id]
        organisations = organisation_progress(of_period)
        result.append(PeriodProgress(
            period, submitted=sum(state.submitted for state in of_period), total=len(of_period),
            organisations_complete=sum(row.complete for row in organisations), organisations=len(organisations),
            days_left=(period.deadline - today).days, deadline=day_text(period.deadline),
        ))
    return result


def build_weekly_digest(session: Session, *, now: datetime, today: date) -> WeeklyDigest:
    support_needs, deviations = weekly_changes(session, since=now - WINDOW, until=now)
    return WeeklyDigest(iso_week(today), support_needs, deviations, reporting_progress(session, today=today))


def record_weekly_digest(session: Session, *, now: datetime, today: date) -> DigestRun:
    """Record this week's digest for every active coordinator (once per ISO week)."""
    digest = build_weekly_digest(session, now=now, today=today)
    _year, week, _weekday = today.isocalendar()
    subject = f"Veckosammanställning vecka {week}: stödbehov, avvikelser och rapportering"
    coordinators = active_coordinators(session)
    recorded = 0
    for user in coordinators:
        text, html = render_email("weekly_digest", user=user, digest=digest, week=week, subject=subject)
        recorded += notify(session, user=user, kind=NotificationKind.weekly_digest, key=digest.key,
                           subject=subject, text=text, html=html) is not None
    return DigestRun(digest, len(coordinators), recorded)
