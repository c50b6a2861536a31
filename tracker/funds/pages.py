"""What the funds pages show to whom: the year's ledger cut to the viewer, and the report form's state.

Coordinators, admins and readers see every nämnd; a contact sees the allocation
(a public decision) and the city's figures, but only their own nämnder's
reports and flags.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select

from tracker.accounts.access import organisation_ids_of
from tracker.accounts.models import Role
from tracker.funds import ledger as ledgers
from tracker.funds import reporting, service
from tracker.funds.ledger import Check, Ledger, NamndRow
from tracker.funds.models import FundPurpose, FundYear, UsageArea, UsageReport
from tracker.organisations.models import Organisation


@dataclass
class YearView:
    ledger: Ledger
    coordinator: bool
    own: frozenset[int]  # a contact's nämnder; everyone else sees all
    sees_all: bool

    @property
    def fund_year(self) -> FundYear:
        return self.ledger.fund_year

    @property
    def rows(self) -> list[NamndRow]:
        return [row for row in self.ledger.rows if self.sees_all or row.organisation.id in self.own]

    @property
    def checks(self) -> list[Check]:
        return [c for c in self.ledger.checks
                if self.sees_all or c.organisation is None or c.organisation.id in self.own]

    @property
    def flags(self) -> list[Check]:
        """Checks that show a difference or something missing, first; then those that cannot be made."""
        flagged = [c for c in self.checks if c.state in (ledgers.CheckState.differs, ledgers.CheckState.missing)]
        return flagged + [c for c in self.checks if c.state == ledgers.CheckState.unknown]

    @property
    def allocation(self) -> list[NamndRow]:
        return [row for row in self.ledger.rows if row.has_allocation]


def viewer_scope(session: Session, user: Any) -> tuple[bool, frozenset[int]]:
    """(sees every nämnd, the user's own nämnder)."""
    if user.role == Role.contact:
        return False, organisation_ids_of(session, user)
    return True, frozenset()


def year_view(session: Session, fund_year: FundYear, user: Any, *, today: date) -> YearView:
    sees_all, own = viewer_scope(session, user)
    data = service.load_year(session, fund_year, organisation_ids=None if sees_all else set(own))
    return YearView(ledgers.build_ledger(data, today=today), user.role == Role.coordinator, own, sees_all)


def addable_organisations(session: Session, view: YearView) -> list[Organisation]:
    """Nämnder that existed in the year and are not yet in its allocation."""
    taken = {row.organisation.id for row in view.allocation}
    return [o for o in session.exec(select(Organisation).order_by(Organisation.kind, Organisation.name))
            if o.id not in taken and o.existed_in(view.fund_year.year)]


@dataclass
class ReportEditor:
    """The usage report form: what it shows (saved values or what was sent) and its messages."""

    fund_year: FundYear
    organisation: Organisation
    purposes: list[FundPurpose]
    allocated: int | None
    has_allocation: bool
    report: UsageReport | None
    values: dict[str, Any]
    version: int | None
    open: bool
    errors: dict[str, str] = field(default_factory=dict)
    notice: tuple[str, str] | None = None  # (kind, text): saved, error, conflict
    conflict: UsageReport | None = None
    conflict_areas: dict[int, UsageArea] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    dom_id = "usage-report"

    def area(self, purpose: FundPurpose, name: str) -> str:
        return reporting.area_field(purpose, name)

    @property
    def first_error(self) -> str | None:
        return next(iter(self.errors), None)


def report_values(report: UsageReport | None, areas: dict[int, UsageArea], purposes: list[FundPurpose]) -> dict:
    """A saved report as the form's values (amounts as typed, without spaces)."""
    values: dict[str, Any] = {"used": "", "unspent": "", "reasons": [], "reasons_text": "", "evaluated": "",
                              "evaluation_text": ""}
    if report is not None:
        values.update(used=_amount(report.used), unspent=_amount(report.unspent), reasons=list(report.reasons),
                      reasons_text=report.reasons_text or "", evaluated=report.evaluated or "",
                      evaluation_text=report.evaluation_text or "")
    for purpose in purposes:
        area = areas.get(purpose.id)
        values[reporting.area_field(purpose, "work")] = (area.work or "") if area else ""
        values[reporting.area_field(purpose, "amount")] = _amount(area.amount) if area else ""
        values[reporting.area_field(purpose, "outcome")] = (area.outcome or "") if area else ""
    return values


def sent_values(form: Any, purposes: list[FundPurpose]) -> dict:
    values = {name: form.get(name, "") for name in ("used", "unspent", "reasons_text", "evaluated",
                                                    "evaluation_text")}
    values["reasons"] = form.getlist("reasons")
    for purpose in purposes:
        for name in ("work", "amount", "outcome"):
            key = reporting.area_field(purpose, name)
            values[key] = form.get(key, "")
    return values


def report_editor(session: Session, fund_year: FundYear, organisation: Organisation, *, today: date,
                  values: dict | None = None) -> ReportEditor:
    data = service.load_year(session, fund_year, organisation_ids={organisation.id})
    report_data = data.reports.get(organisation.id)
    report = report_data.report if report_data else None
    areas = report_data.areas if report_data else {}
    allocation = data.allocation_of(organisation.id)
    ledger = ledgers.build_ledger(data, today=today)
    return ReportEditor(
        fund_year=fund_year, organisation=organisation, purposes=data.purposes,
        allocated=allocation.amount if allocation else None, has_allocation=allocation is not None, report=report,
        values=values if values is not None else report_values(report, areas, data.purposes),
        version=report.version if report else None, open=reporting.open_for(session, fund_year, organisation.id),
        checks=[c for c in ledger.checks if c.organisation is not None and c.organisation.id == organisation.id])


def _amount(value: int | None) -> str:
    return "" if value is None else str(value)
