"""An organisation's development funds in short, for its page and its styrkort."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from tracker.funds.ledger import REPORT_STATE_TEXTS, report_deadline_passed
from tracker.funds.models import Allocation, FundYear, UsageReport


@dataclass(frozen=True)
class OrganisationFunds:
    """One grant year of one organisation: what it was allocated and what it reported."""

    year: int
    title: str
    allocated: int | None
    has_allocation: bool
    report_state: str  # not_started, draft or submitted
    used: int | None  # from a submitted report only
    unspent: int | None
    late: bool

    @property
    def report_state_text(self) -> str:
        return REPORT_STATE_TEXTS[self.report_state]


def organisation_funds(session: Session, organisation_id: int, *, today: date,
                       year: int | None = None) -> list[OrganisationFunds]:
    """The organisation's grant years, newest first (with `year`, only that year); one query."""
    query = (
        select(FundYear, Allocation, UsageReport)
        .outerjoin(Allocation, and_(Allocation.fund_year_id == FundYear.id,
                                    Allocation.organisation_id == organisation_id))
        .outerjoin(UsageReport, and_(UsageReport.fund_year_id == FundYear.id,
                                     UsageReport.organisation_id == organisation_id))
        .where(or_(col(Allocation.id).is_not(None), col(UsageReport.id).is_not(None)))
        .order_by(col(FundYear.year).desc()))
    if year is not None:
        query = query.where(FundYear.year == year)
    out = []
    for fund_year, allocation, report in session.exec(query):
        submitted = report is not None and report.state == "submitted"
        out.append(OrganisationFunds(
            year=fund_year.year, title=fund_year.title, allocated=allocation.amount if allocation else None,
            has_allocation=allocation is not None, report_state=report.state if report else "not_started",
            used=report.used if submitted else None, unspent=report.unspent if submitted else None,
            late=allocation is not None and not submitted and report_deadline_passed(fund_year, today)))
    return out
