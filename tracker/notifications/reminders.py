"""Who is reminded of a tertial's deadline, and who is told when it has passed; `jobs` runs them.

Each function records notifications with `service.notify` (once per user, kind
and key) in a fixed number of queries, and leaves the commit to its caller.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from sqlalchemy import case, func
from sqlmodel import Session, and_, col, select

from tracker.accounts.models import Role, User, UserOrganisation
from tracker.notifications.models import NotificationKind
from tracker.notifications.service import notify, render_email
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodReopening, PeriodState, ReportingPeriod
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.programs.service import runs_in
from tracker.reporting.models import ReportState, StatusReport

# Overdue notices stop this long after the deadline: a fresh install does not notify about old tertials.
OVERDUE_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class CommitmentState:
    """An active commitment in a tertial and how far its report has come (`state` None: nothing saved)."""

    period_id: int
    commitment_id: int
    organisation_id: int
    organisation: str
    title: str  # the activity's
    state: ReportState | None

    @property
    def submitted(self) -> bool:
        return self.state == ReportState.submitted

    @property
    def draft(self) -> bool:
        return self.state == ReportState.draft


@dataclass
class OrganisationProgress:
    organisation_id: int
    name: str
    submitted: int = 0
    total: int = 0

    @property
    def complete(self) -> bool:
        return self.submitted == self.total


@dataclass(frozen=True)
class ReminderRun:
    """What a deadline reminder run did for one tertial: `recorded` new of `due` reminders."""

    period: ReportingPeriod
    offset: int
    days_left: int
    due: int
    recorded: int


@dataclass(frozen=True)
class OverdueRun:
    """What an overdue run did for one tertial: notices to contacts, digests to coordinators."""

    period: ReportingPeriod
    notices_due: int
    notices: int
    digests_due: int
    digests: int


def day_text(day: date) -> str:
    """"15 maj": the Swedish day and month."""
    return format_date(day, "d MMMM", locale="sv")


def _asked_for(query, periods: Sequence[ReportingPeriod]):
    """The query over every active commitment of an active organisation asked for in each tertial, with its report."""
    return (query.select_from(Commitment)
            .join(Activity, col(Activity.id) == Commitment.activity_id)
            .join(Goal, col(Goal.id) == Activity.goal_id)
            .join(Program, col(Program.id) == Goal.program_id)
            .join(Organisation, col(Organisation.id) == Commitment.organisation_id)
            .join(ReportingPeriod, and_(col(ReportingPeriod.id).in_([period.id for period in periods]),
                                        runs_in(ReportingPeriod.year)))
            .outerjoin(StatusReport, and_(col(StatusReport.commitment_id) == Commitment.id,
                                          col(StatusReport.period_id) == ReportingPeriod.id))
            .where(col(Commitment.active), col(Activity.active), col(Organisation.active)))


def commitment_states(session: Session, periods: Sequence[ReportingPeriod]) -> list[CommitmentState]:
    """Every active commitment of an active organisation in each tertial, with its report's state (one query)."""
    if not periods:
        return []
    rows = session.exec(_asked_for(
        select(ReportingPeriod.id, Commitment.id, Organisation.id, Organisation.name, Activity.title,
               StatusReport.state), periods)
        .order_by(Organisation.name, Activity.title, Commitment.id)
    ).all()
    return [CommitmentState(period_id, commitment_id, organisation_id, organisation, title,
                            ReportState(state) if state else None)
            for period_id, commitment_id, organisation_id, organisation, title, state in rows]


def progress_by_period(session: Session, periods: Sequence[ReportingPeriod]) -> dict[int, list[OrganisationProgress]]:
    """Per tertial, submitted of total commitments per organisation, by name: `organisation_progress` counted
    in the database (one grouped query, however many commitments there are)."""
    if not periods:
        return {}
    submitted = func.sum(case((StatusReport.state == ReportState.submitted.value, 1), else_=0))
    rows = session.exec(_asked_for(
        select(ReportingPeriod.id, Organisation.id, Organisation.name, submitted, func.count(Commitment.id)),
        periods).group_by(ReportingPeriod.id, Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    out: dict[int, list[OrganisationProgress]] = {}
    for period_id, organisation_id, name, done, total in rows:
        out.setdefault(period_id, []).append(OrganisationProgress(organisation_id, name, int(done or 0), total))
    return out


def organisation_progress(states: Iterable[CommitmentState]) -> list[OrganisationProgress]:
    """Submitted of total commitments per organisation, by name (`states` of one tertial)."""
    progress: dict[int, OrganisationProgress] = {}
    for state in states:
        row = progress.setdefault(state.organisation_id, OrganisationProgress(state.organisation_id,
                                                                               state.organisation))
        row.total += 1
        row.submitted += state.submitted
    return sorted(progress.values(), key=lambda row: row.name)


def active_coordinators(session: Session) -> list[User]:
    return list(session.exec(select(User).where(User.role == Role.coordinator, col(User.active))
                             .order_by(User.name, User.id)).all())


def contacts_of(session: Session, organisation_ids: Iterable[int]) -> list[tuple[User, set[int]]]:
    """Active contacts of these organisations, each with which of them they report for (one query)."""
    ids = set(organisation_ids)
    if not ids:
        return []
    contacts: dict[int, tuple[User, set[int]]] = {}
    for user, organisation_id in session.exec(
        select(User, UserOrganisation.organisation_id).join(UserOrganisation)
        .where(User.role == Role.contact, col(User.active), col(UserOrganisation.organisation_id).in_(ids))
        .order_by(User.name, User.id)
    ):
        contacts.setdefault(user.id, (user, set()))[1].add(organisation_id)
    return list(contacts.values())


def _unsubmitted(states: Iterable[CommitmentState], period: ReportingPeriod) -> list[CommitmentState]:
    return [state for state in states if state.period_id == period.id and not state.submitted]


def reminder_offset(deadline: date, today: date, offsets: Iterable[int]) -> int | None:
    """The smallest of the offsets (days before the deadline) that has been reached, or None.

    A run made up late still sends the larger offset's reminder; once a smaller
    one is reached, only that one is sent.
    """
    if today > deadline:
        return None
    reached = [days for days in offsets if today >= deadline - timedelta(days=days)]
    return min(reached) if reached else None


def remind_of_deadlines(session: Session, *, today: date, offsets: Iterable[int]) -> list[ReminderRun]:
    """Remind each active contact whose organisations have unsubmitted commitments in an open tertial."""
    offsets = tuple(offsets)
    open_periods = session.exec(
        select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.open, ReportingPeriod.deadline >= today)
        .order_by(ReportingPeriod.year, ReportingPeriod.number)).all()
    with_offsets = [(period, reminder_offset(period.deadline, today, offsets)) for period in open_periods]
    due_now = [(period, offset) for period, offset in with_offsets if offset is not None]
    states = commitment_states(session, [period for period, _offset in due_now])
    contacts = contacts_of(session, {state.organisation_id for state in states if not state.submitted})
    runs = []
    for period, offset in due_now:
        unsubmitted = _unsubmitted(states, period)
        days_left = (period.deadline - today).days
        subject = f"Påminnelse: rapportera {period.label} senast {day_text(period.deadline)}"
        due = recorded = 0
        for user, organisation_ids in contacts:
            commitments = [state for state in unsubmitted if state.organisation_id in organisation_ids]
            if not commitments:
                continue
            text, html = render_email("deadline_reminder", user=user, period=period, commitments=commitments,
                                      days_left=days_left, subject=subject)
            due += 1
            recorded += notify(session, user=user, kind=NotificationKind.deadline_reminder,
                               key=f"{period.code}:{offset}d", subject=subject, text=text, html=html) is not None
        runs.append(ReminderRun(period, offset, days_left, due, recorded))
    return runs


def notify_overdue(session: Session, *, today: date) -> list[OverdueRun]:
    """The day after a deadline: tell contacts what is missing, and coordinators who has not submitted.

    Only within OVERDUE_WINDOW of the deadline. A contact whose organisation has
    the closed tertial reopened for it is told to report, not to ask for that.
    """
    periods = list(session.exec(
        select(ReportingPeriod)
        .where(ReportingPeriod.state != PeriodState.upcoming, ReportingPeriod.deadline < today,
               ReportingPeriod.deadline >= today - OVERDUE_WINDOW)
        .order_by(ReportingPeriod.year, ReportingPeriod.number)).all())
    if not periods:
        return []
    states = commitment_states(session, periods)
    contacts = contacts_of(session, {state.organisation_id for state in states if not state.submitted})
    reopened = set(session.exec(
        select(PeriodReopening.period_id, PeriodReopening.organisation_id)
        .where(col(PeriodReopening.period_id).in_([period.id for period in periods]),
               col(PeriodReopening.closed_at).is_(None))).all())
    coordinators = active_coordinators(session)
    runs = []
    for period in periods:
        notices_due, notices = _overdue_notices(session, period, _unsubmitted(states, period), contacts, reopened)
        digests = _overdue_digests(session, period, [state for state in states if state.period_id == period.id],
                                   coordinators)
        runs.append(OverdueRun(period, notices_due, notices, len(coordinators), digests))
    return runs


def _overdue_notices(session: Session, period: ReportingPeriod, unsubmitted: list[CommitmentState],
                     contacts: list[tuple[User, set[int]]], reopened: set[tuple[int, int]]) -> tuple[int, int]:
    """Tell each contact what of theirs is unsubmitted; (how many are due, how many newly recorded)."""
    def reportable(state: CommitmentState) -> bool:
        return period.state == PeriodState.open or (period.id, state.organisation_id) in reopened

    due = recorded = 0
    for user, organisation_ids in contacts:
        commitments = [state for state in unsubmitted if state.organisation_id in organisation_ids]
        if not commitments:
            continue
        can_report = [state for state in commitments if reportable(state)]
        closed = [state for state in commitments if not reportable(state)]
        subject = f"Sista dag för {period.label} har passerat" + (" – rapportera snarast" if can_report else "")
        text, html = render_email("overdue_notice", user=user, period=period, reportable=can_report, closed=closed,
                                  deadline=day_text(period.deadline), subject=subject)
        due += 1
        recorded += notify(session, user=user, kind=NotificationKind.overdue_notice, key=period.code,
                           subject=subject, text=text, html=html) is not None
    return due, recorded


def _overdue_digests(session: Session, period: ReportingPeriod, states: list[CommitmentState],
                     coordinators: list[User]) -> int:
    """Tell each coordinator which organisations have not submitted everything; how many newly recorded."""
    progress = organisation_progress(states)
    missing = [row for row in progress if not row.complete]
    subject = f"Rapportering {period.label}: " + (
        f"{len(missing)} av {len(progress)} organisationer har inte lämnat in allt" if missing
        else "alla organisationer har lämnat in" if progress else "inga åtaganden att rapportera")
    recorded = 0
    for user in coordinators:
        text, html = render_email("coordinator_overdue_digest", user=user, period=period, missing=missing,
                                  organisations=len(progress), deadline=day_text(period.deadline), subject=subject)
        recorded += notify(session, user=user, kind=NotificationKind.coordinator_overdue_digest, key=period.code,
                           subject=subject, text=text, html=html) is not None
    return recorded
