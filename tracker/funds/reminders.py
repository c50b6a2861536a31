"""Who is reminded of the funds deadlines, and of what; `jobs` renders the emails and records them.

The nämnder that must report for a year are the rows of its allocation (as the
ledger's "report missing" check counts them). Contacts are the active contact
users of those nämnder. Nothing here writes; each function reads in a fixed
number of queries per run (the repayment check reads the year it is due for).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlmodel import Session, and_, col, select

from tracker.accounts.models import User
from tracker.funds import service
from tracker.funds.ledger import build_ledger
from tracker.funds.models import (
    Allocation,
    FundYear,
    ReportingState,
    ReportState,
    RequisitionRound,
    UsageReopening,
    UsageReport,
)
from tracker.notifications.reminders import active_coordinators, contacts_of, reminder_offset
from tracker.organisations.models import Organisation

# Overdue notices stop this long after the nämnder's deadline, as for the tertials: a new
# installation (or a seeded old year) does not notify about deadlines long gone.
OVERDUE_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class NamndReport:
    """A nämnd of a year's allocation and how far its usage report has come (`state` None: not started)."""

    fund_year_id: int
    organisation: Organisation
    state: ReportState | None
    reportable: bool = True  # the round is open, or reopened for this nämnd

    @property
    def submitted(self) -> bool:
        return self.state == ReportState.submitted

    @property
    def draft(self) -> bool:
        return self.state == ReportState.draft


@dataclass(frozen=True)
class ContactNotice:
    """One contact and the unsubmitted reports of theirs that one email is about."""

    user: User
    reports: list[NamndReport]


@dataclass(frozen=True)
class ReportReminders:
    """The reminders due for one year today: `offset` days before its internal deadline."""

    fund_year: FundYear
    offset: int
    days_left: int
    reminders: list[ContactNotice]
    unsubmitted: int  # nämnder of the allocation that have not submitted (with or without a contact)

    @property
    def key(self) -> str:
        return f"{self.fund_year.year}:{self.offset}d"


@dataclass(frozen=True)
class OverdueNotices:
    """After a year's internal deadline: the contacts to tell, and the allocation's nämnder for the digest."""

    fund_year: FundYear
    reports: list[NamndReport]  # every nämnd of the allocation
    notices: list[ContactNotice]
    without_contact: set[int]  # organisation ids with no active contact to tell
    coordinators: list[User]

    @property
    def missing(self) -> list[NamndReport]:
        return [report for report in self.reports if not report.submitted]


class Deadline(StrEnum):
    """Socialstyrelsen's deadlines of a grant year, in the order they come."""

    requisition = "requisition"
    report = "report"
    repayment = "repayment"


@dataclass(frozen=True)
class DeadlineReminder:
    """A reminder to the coordinators, `offset` days before one of Socialstyrelsen's deadlines."""

    fund_year: FundYear
    deadline: Deadline
    day: date
    offset: int
    days_left: int
    to_repay: int | None = None  # the repayment's amount (None: not known yet)

    @property
    def key(self) -> str:
        return f"{self.fund_year.year}:{self.deadline}:{self.offset}d"


@dataclass(frozen=True)
class SkippedDeadline:
    """A deadline reminder that was due but is not needed: `reason` is "requisitioned", "compiled", "paid" or
    "nothing_due"."""

    fund_year: FundYear
    deadline: Deadline
    reason: str


def report_states(session: Session, fund_years: Sequence[FundYear]) -> list[NamndReport]:
    """Every allocation row of the years with its nämnd and its report's state, in table order (one query)."""
    if not fund_years:
        return []
    rows = session.exec(
        select(Allocation.fund_year_id, Organisation, UsageReport.state)
        .join(Organisation, col(Organisation.id) == Allocation.organisation_id)
        .outerjoin(UsageReport, and_(col(UsageReport.fund_year_id) == Allocation.fund_year_id,
                                     col(UsageReport.organisation_id) == Allocation.organisation_id))
        .where(col(Allocation.fund_year_id).in_([fund_year.id for fund_year in fund_years]))
        .order_by(Allocation.fund_year_id, Allocation.position, Allocation.id)
    ).all()
    return [NamndReport(fund_year_id, organisation, ReportState(state) if state else None)
            for fund_year_id, organisation, state in rows]


def _per_contact(contacts: list[tuple[User, set[int]]], reports: list[NamndReport]) -> list[ContactNotice]:
    """One notice per contact who reports for any of `reports`, naming each of their nämnder once."""
    notices = []
    for user, organisation_ids in contacts:
        theirs = [report for report in reports if report.organisation.id in organisation_ids]
        if theirs:
            notices.append(ContactNotice(user, theirs))
    return notices


def report_reminders(session: Session, *, today: date, offsets: Iterable[int]) -> list[ReportReminders]:
    """For each year whose round is open, the contacts to remind of its internal deadline today (if any)."""
    offsets = tuple(offsets)
    years = session.exec(
        select(FundYear).where(FundYear.reporting == ReportingState.open, col(FundYear.internal_deadline).is_not(None),
                               FundYear.internal_deadline >= today)
        .order_by(FundYear.year)).all()
    due_now = [(fund_year, offset) for fund_year in years
               if (offset := reminder_offset(fund_year.internal_deadline, today, offsets)) is not None]
    states = report_states(session, [fund_year for fund_year, _offset in due_now])
    unsubmitted = [state for state in states if not state.submitted]
    contacts = contacts_of(session, {state.organisation.id for state in unsubmitted})
    runs = []
    for fund_year, offset in due_now:
        of_year = [state for state in unsubmitted if state.fund_year_id == fund_year.id]
        runs.append(ReportReminders(fund_year, offset, (fund_year.internal_deadline - today).days,
                                    _per_contact(contacts, of_year), len(of_year)))
    return runs


def overdue_notices(session: Session, *, today: date) -> list[OverdueNotices]:
    """The day after a year's internal deadline, and for OVERDUE_WINDOW after: who has not submitted.

    A nämnd can still report when the round is open or reopened for it
    (`reporting.open_for`); otherwise its contacts are told to ask the coordinator.
    """
    years = list(session.exec(
        select(FundYear).where(FundYear.reporting != ReportingState.not_open,
                               col(FundYear.internal_deadline).is_not(None), FundYear.internal_deadline < today,
                               FundYear.internal_deadline >= today - OVERDUE_WINDOW)
        .order_by(FundYear.year)).all())
    if not years:
        return []
    reopened = set(session.exec(
        select(UsageReopening.fund_year_id, UsageReopening.organisation_id)
        .where(col(UsageReopening.fund_year_id).in_([fund_year.id for fund_year in years]),
               col(UsageReopening.closed_at).is_(None))).all())
    open_years = {fund_year.id for fund_year in years if fund_year.reporting == ReportingState.open}
    states = [NamndReport(s.fund_year_id, s.organisation, s.state,
                          reportable=s.fund_year_id in open_years or (s.fund_year_id, s.organisation.id) in reopened)
              for s in report_states(session, years)]
    contacts = contacts_of(session, {state.organisation.id for state in states if not state.submitted})
    with_contact = set().union(*(ids for _user, ids in contacts))
    coordinators = active_coordinators(session)
    runs = []
    for fund_year in years:
        of_year = [state for state in states if state.fund_year_id == fund_year.id]
        missing = [state for state in of_year if not state.submitted]
        runs.append(OverdueNotices(fund_year, of_year, _per_contact(contacts, missing),
                                   {s.organisation.id for s in missing if s.organisation.id not in with_contact},
                                   coordinators))
    return runs


def _deadline_day(fund_year: FundYear, deadline: Deadline) -> date | None:
    if deadline is Deadline.requisition:
        return fund_year.requisition_deadline
    if deadline is Deadline.report:
        return fund_year.report_deadline
    # The invoice's due date, when recorded, is the day that counts (as for the ledger's overdue check).
    return fund_year.repayment_due_on or fund_year.repayment_deadline


def _requisitioned(session: Session, fund_year: FundYear) -> bool:
    return fund_year.requisitioned_total is not None or session.exec(select(RequisitionRound.id).where(
        RequisitionRound.fund_year_id == fund_year.id, col(RequisitionRound.amount).is_not(None))).first() is not None


def deadline_reminders(session: Session, *, today: date,
                       offsets: Iterable[int]) -> tuple[list[DeadlineReminder], list[SkippedDeadline]]:
    """Socialstyrelsen's deadlines that a reminder is due for today, and those that are due but not needed.

    The requisition reminder is not needed once a requisitioned amount is recorded (a total, or a round
    with its amount); the report reminder not once the year is compiled; the repayment
    reminder not once the payment is recorded, or when nothing is to be repaid
    (an amount not known yet is not "nothing": the reminder goes out).
    """
    offsets = tuple(offsets)
    due: list[DeadlineReminder] = []
    skipped: list[SkippedDeadline] = []
    for fund_year in session.exec(select(FundYear).order_by(FundYear.year)):
        for deadline in Deadline:
            day = _deadline_day(fund_year, deadline)
            offset = reminder_offset(day, today, offsets) if day else None
            if offset is None:
                continue
            to_repay = None
            if deadline is Deadline.requisition and _requisitioned(session, fund_year):
                reason = "requisitioned"
            elif deadline is Deadline.report and fund_year.compiled_on is not None:
                reason = "compiled"
            elif deadline is Deadline.repayment and fund_year.repayment_paid_on is not None:
                reason = "paid"
            elif deadline is Deadline.repayment:
                to_repay = build_ledger(service.load_year(session, fund_year), today=today).to_repay
                reason = "nothing_due" if to_repay == 0 else None
            else:
                reason = None
            if reason:
                skipped.append(SkippedDeadline(fund_year, deadline, reason))
            else:
                due.append(DeadlineReminder(fund_year, deadline, day, offset, (day - today).days, to_repay))
    return due, skipped
