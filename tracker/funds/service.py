"""Reading the development funds: grant years and everything a year's pages and documents show."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from tracker.funds.models import (
    Allocation,
    FundPurpose,
    FundYear,
    ReportState,
    RequisitionRound,
    UsageArea,
    UsageReopening,
    UsageReport,
)
from tracker.organisations.models import Organisation


@dataclass
class ReportData:
    report: UsageReport
    organisation: Organisation
    areas: dict[int, UsageArea]  # purpose id → area

    @property
    def submitted(self) -> bool:
        return self.report.state == ReportState.submitted


@dataclass
class YearData:
    """A grant year with its purposes, rounds, allocation rows, reports and open reopenings, read in a few queries."""

    fund_year: FundYear
    purposes: list[FundPurpose]
    rounds: list[RequisitionRound]
    allocations: list[tuple[Allocation, Organisation]]
    reports: dict[int, ReportData]  # organisation id → report
    reopenings: dict[int, UsageReopening] = field(default_factory=dict)  # organisation id → open reopening
    successors: dict[int, Organisation] = field(default_factory=dict)  # organisation id → its successor

    @property
    def year(self) -> int:
        return self.fund_year.year

    def organisations(self) -> list[Organisation]:
        """The nämnder of the year: the allocation's, then any other that reported, in table order."""
        seen = [organisation for _allocation, organisation in self.allocations]
        ids = {o.id for o in seen}
        others = sorted((r.organisation for r in self.reports.values() if r.organisation.id not in ids),
                        key=lambda o: o.name)
        return seen + others

    def allocation_of(self, organisation_id: int) -> Allocation | None:
        return next((a for a, o in self.allocations if o.id == organisation_id), None)


def list_years(session: Session) -> list[FundYear]:
    return list(session.exec(select(FundYear).order_by(col(FundYear.year).desc())))


def get_year(session: Session, year: int) -> FundYear | None:
    return session.exec(select(FundYear).where(FundYear.year == year)).first()


def load_year(session: Session, fund_year: FundYear, *, organisation_ids: set[int] | None = None) -> YearData:
    """Everything about the year; with `organisation_ids`, only those nämnder's reports are read."""
    purposes = list(session.exec(select(FundPurpose).where(FundPurpose.fund_year_id == fund_year.id)
                                 .order_by(FundPurpose.position, FundPurpose.id)))
    rounds = list(session.exec(select(RequisitionRound).where(RequisitionRound.fund_year_id == fund_year.id)
                               .order_by(RequisitionRound.position, RequisitionRound.id)))
    allocations = [(a, o) for a, o in session.exec(
        select(Allocation, Organisation).join(Organisation, Allocation.organisation_id == Organisation.id)
        .where(Allocation.fund_year_id == fund_year.id).order_by(Allocation.position, Allocation.id))]
    query = (select(UsageReport, Organisation).join(Organisation, UsageReport.organisation_id == Organisation.id)
             .where(UsageReport.fund_year_id == fund_year.id))
    if organisation_ids is not None:
        query = query.where(col(UsageReport.organisation_id).in_(organisation_ids or {-1}))
    reports = {o.id: ReportData(r, o, {}) for r, o in session.exec(query)}
    by_report = {data.report.id: data for data in reports.values()}
    if by_report:
        for area in session.exec(select(UsageArea).where(col(UsageArea.report_id).in_(by_report))):
            by_report[area.report_id].areas[area.purpose_id] = area
    reopenings = {r.organisation_id: r for r in session.exec(
        select(UsageReopening).where(UsageReopening.fund_year_id == fund_year.id,
                                     col(UsageReopening.closed_at).is_(None)))}
    data = YearData(fund_year, purposes, rounds, allocations, reports, reopenings)
    successor_ids = {o.successor_id for o in data.organisations() if o.successor_id}
    if successor_ids:
        found = {o.id: o for o in session.exec(select(Organisation).where(col(Organisation.id).in_(successor_ids)))}
        data.successors = {o.id: found[o.successor_id] for o in data.organisations() if o.successor_id in found}
    return data
