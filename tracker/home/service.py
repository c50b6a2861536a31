"""What needs attention now, for the start page: open tertials, who has not reported, what is new since the
viewer's last visit, overdue commitments and reopenings.

Each part reuses the rule of the page or job it summarises (the digest's progress and changes, the
overview's overdue rule) and reads in one or two queries however much data there is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from tracker.accounts import sessions
from tracker.accounts.models import UserSession
from tracker.followup import counting
from tracker.followup.filters import Filters
from tracker.notifications.digests import Change, weekly_changes
from tracker.notifications.reminders import OrganisationProgress, progress_by_period
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodReopening, PeriodState, ReportingPeriod
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.programs.service import runs_in
from tracker.reporting.models import ReportState, ReportStatus, StatusReport

# Without an earlier visit, "new" means this recent.
FALLBACK_WINDOW = timedelta(days=14)


@dataclass
class ProgramOverdue:
    """A programme's commitments that are overdue in a tertial, as the overview filtered on overdue counts them."""

    program: Program
    count: int

    def overview_args(self, period: ReportingPeriod) -> dict[str, str]:
        return {"program": self.program.slug, "period": period.code, **Filters(overdue=True).as_args()}


@dataclass
class TertialProgress:
    """An open tertial: its deadline, how much is submitted and who has not submitted everything."""

    period: ReportingPeriod
    days_left: int  # negative once the deadline has passed
    organisations: list[OrganisationProgress]
    slugs: dict[int, str]
    overdue: list[ProgramOverdue] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(row.submitted for row in self.organisations)

    @property
    def total(self) -> int:
        return sum(row.total for row in self.organisations)

    @property
    def missing(self) -> list[OrganisationProgress]:
        """Organisations that have not submitted every commitment asked for, fewest submitted first."""
        return sorted((row for row in self.organisations if not row.complete),
                      key=lambda row: (row.submitted / row.total, row.name))

    @property
    def overdue_total(self) -> int:
        return sum(item.count for item in self.overdue)


@dataclass(frozen=True)
class Since:
    """Where "new" starts: the end of the viewer's previous visit, or FALLBACK_WINDOW ago."""

    at: datetime
    previous_visit: bool


@dataclass
class Changes:
    since: Since
    support_needs: list[Change]
    deviations: list[Change]


@dataclass(frozen=True)
class WaitingReopening:
    reopening: PeriodReopening
    period: ReportingPeriod
    organisation: Organisation


def open_tertials(session: Session, *, today: date) -> list[TertialProgress]:
    """Each open tertial with the digest's progress counts and the overview's overdue counts (four queries)."""
    periods = list(session.exec(select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.open)
                                .order_by(ReportingPeriod.year, ReportingPeriod.number)))
    if not periods:
        return []
    progress = progress_by_period(session, periods)  # only commitments of programmes that run in the year
    ids = {row.organisation_id for rows in progress.values() for row in rows}
    slugs = dict(session.exec(select(Organisation.id, Organisation.slug).where(
        col(Organisation.id).in_(ids))).all()) if ids else {}
    overdue = overdue_counts(session, periods)
    return [TertialProgress(period, (period.deadline - today).days, progress.get(period.id, []), slugs,
                            overdue.get(period.id, []))
            for period in periods]


def overdue_counts(session: Session, periods: list[ReportingPeriod]) -> dict[int, list[ProgramOverdue]]:
    """Per tertial, per programme that runs in its year: the overdue commitments (one query).

    The overview's rule (tracker.followup.counting): the activity's time frame ended before the
    tertial did, and no submitted report says Genomförd or Utgår.
    """
    report = aliased(StatusReport)
    rows = session.exec(
        select(ReportingPeriod.id, Program, func.count(Commitment.id))
        .select_from(Commitment)
        .join(Activity, col(Activity.id) == Commitment.activity_id)
        .join(Goal, col(Goal.id) == Activity.goal_id)
        .join(Program, col(Program.id) == Goal.program_id)
        .join(ReportingPeriod, sa.and_(col(ReportingPeriod.id).in_([p.id for p in periods]),
                                       runs_in(ReportingPeriod.year)))
        .outerjoin(report, sa.and_(report.commitment_id == Commitment.id, report.period_id == ReportingPeriod.id))
        .where(col(Commitment.active), col(Activity.active), counting.overdue(report, ReportingPeriod.ends_on))
        .group_by(ReportingPeriod.id, Program.id)
        .order_by(Program.start_year, Program.name)
    ).all()
    out: dict[int, list[ProgramOverdue]] = {}
    for period_id, program, count in rows:
        out.setdefault(period_id, []).append(ProgramOverdue(program, count))
    return out


def since_last_visit(session: Session, *, user_id: int, current_token: str | None, now: datetime) -> Since:
    """The last activity of the viewer's previous session (any other than this one), else FALLBACK_WINDOW ago."""
    query = select(UserSession.last_seen_at).where(UserSession.user_id == user_id)
    if current_token:
        query = query.where(UserSession.token_hash != sessions.digest(current_token))
    last_seen = session.exec(query.order_by(col(UserSession.created_at).desc(), col(UserSession.id).desc())
                             .limit(1)).first()
    if last_seen is None or last_seen >= now:
        return Since(now - FALLBACK_WINDOW, previous_visit=False)
    return Since(last_seen, previous_visit=True)


def new_changes(session: Session, *, since: Since, now: datetime, with_drafts: bool) -> Changes:
    """New support needs and deviations since `since`, by the weekly digest's rule (one or two queries).

    Without drafts (readers), only changes whose report is now submitted and still says so are kept.
    """
    support_needs, deviations = weekly_changes(session, since=since.at, until=now)
    if not with_drafts and (support_needs or deviations):
        pairs = {(c.commitment_id, c.period.id) for c in support_needs + deviations}
        submitted = {
            (commitment_id, period_id): (support, status)
            for commitment_id, period_id, support, status in session.exec(
                select(StatusReport.commitment_id, StatusReport.period_id, StatusReport.support_needed,
                       StatusReport.status)
                .where(StatusReport.state == ReportState.submitted,
                       col(StatusReport.commitment_id).in_({c for c, _p in pairs})))
        }
        support_needs = [c for c in support_needs if submitted.get((c.commitment_id, c.period.id), (False,))[0]]
        deviations = [c for c in deviations
                      if submitted.get((c.commitment_id, c.period.id), (False, None))[1] == ReportStatus.deviation]
    return Changes(since, support_needs, deviations)


def waiting_reopenings(session: Session) -> list[WaitingReopening]:
    """Reopenings for single organisations that are still open, oldest tertial first (one query)."""
    rows = session.exec(
        select(PeriodReopening, ReportingPeriod, Organisation)
        .join(ReportingPeriod, col(ReportingPeriod.id) == PeriodReopening.period_id)
        .join(Organisation, col(Organisation.id) == PeriodReopening.organisation_id)
        .where(col(PeriodReopening.closed_at).is_(None))
        .order_by(ReportingPeriod.year, ReportingPeriod.number, Organisation.name)
    ).all()
    return [WaitingReopening(reopening, period, organisation) for reopening, period, organisation in rows]
