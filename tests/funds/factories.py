"""Grant years for tests, written through the same services the application uses."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from tracker.accounts.models import Role, User
from tracker.funds import editing, ledger, reporting, reporting_round, service
from tracker.funds.models import (
    Evaluation,
    FundPurpose,
    FundYear,
    ReasonCategory,
    ReportingState,
    UsageReport,
)
from tracker.funds.reporting import AreaInput, ReportInput


class _Coordinator:
    id = None
    email = "test-coordinator"
    role = Role.coordinator


COORDINATOR = _Coordinator()


def make_fund_year(session: Session, *, year: int = 2024, allocations: dict | list | None = None,
                   purposes: tuple[str, ...] = ("Långsiktigt arbete", "Våldsutövare"),
                   reporting: ReportingState = ReportingState.not_open, deadline: date | None = None,
                   requisitioned: int | None = None) -> FundYear:
    """A grant year with purposes and allocation rows ([(organisation, amount)]); committed."""
    fund_year = editing.create_year(session, year=year, title=None, actor=COORDINATOR)
    if requisitioned is not None:
        editing.update_year(session, fund_year=fund_year, values={"requisitioned_total": requisitioned},
                            expected_version=None, actor=COORDINATOR)
    for title in purposes:
        editing.save_purpose(session, fund_year=fund_year, purpose=None,
                             values={"short_title": title, "title": title}, actor=COORDINATOR)
    pairs = allocations.items() if isinstance(allocations, dict) else allocations or []
    for organisation, amount in pairs:
        editing.save_allocation(session, fund_year=fund_year, organisation=organisation, amount=amount,
                                citywide=False, note=None, expected_version=None, actor=COORDINATOR)
    if reporting != ReportingState.not_open:
        reporting_round.open_reporting(session, fund_year=fund_year, deadline=deadline or date(year + 1, 2, 15),
                               actor=COORDINATOR)
    if reporting == ReportingState.closed:
        reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    session.commit()
    return fund_year


def purposes_of(session: Session, fund_year: FundYear) -> list[FundPurpose]:
    return service.load_year(session, fund_year).purposes


def ledger_of(session: Session, year: int, today: date) -> ledger.Ledger:
    session.expire_all()
    return ledger.build_ledger(service.load_year(session, service.get_year(session, year)), today=today)


@pytest.fixture
def fund_year_factory(session):
    def make(**options) -> FundYear:
        return make_fund_year(session, **options)

    return make


def coordinator_actor(user: User | None = None):
    return user or COORDINATOR


def usage(session: Session, fund_year: FundYear, organisation, *, used: int | None = None,
          unspent: int | None = None, areas: dict | None = None, evaluated: Evaluation | None = Evaluation.no,
          reasons: tuple[ReasonCategory, ...] = (), reasons_text: str | None = None, submit: bool = True,
          actor=COORDINATOR, expected_version: int | None = None) -> UsageReport:
    """Save a usage report through the service; `areas` maps a purpose's position (0, 1, …) to
    (work, amount, outcome). Not committed."""
    purposes = purposes_of(session, fund_year)
    content = ReportInput(used=used, unspent=unspent, reasons=list(reasons), reasons_text=reasons_text,
                          evaluated=evaluated)
    for position, (work, amount, outcome) in (areas or {}).items():
        content.areas[purposes[position].id] = AreaInput(work=work, amount=amount, outcome=outcome)
    if expected_version is None:
        existing = reporting.get_report(session, fund_year, organisation.id)
        expected_version = existing.version if existing else None
    return reporting.save_report(session, fund_year=fund_year, organisation=organisation, content=content,
                                 expected_version=expected_version, submit=submit, actor=actor)
