"""The grant years in the seed (`seeds/funds.yaml`): read, validate, create once.

Follows the seed rule of `tracker.seeding`: every year, purpose, round, allocation
row and usage report is created under its seed key only once, ever; what a
coordinator changed or removed stays as they left it. Amounts not given stay
None (unknown), never 0.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from sqlmodel import Session, select

from tracker.funds import versions
from tracker.funds.models import (
    Allocation,
    Evaluation,
    FundPurpose,
    FundYear,
    FundYearContent,
    Outcome,
    ReasonCategory,
    ReportingState,
    ReportState,
    RequisitionRound,
    UsageArea,
    UsageReport,
)
from tracker.organisations.models import Organisation
from tracker.seeding.models import Located, SeedBundle, SeedLedger, StrictSeed
from tracker.seeding.parsing import SeedError, check_unique, read_yaml, rows, validate

FILE_NAME = "funds.yaml"
Amount = Field(default=None, ge=0)


class PurposeSeed(StrictSeed):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")
    short_title: str = Field(min_length=1, max_length=120)
    title: str = Field(min_length=1, max_length=2000)
    summary: str | None = Field(default=None, max_length=8000)


class RoundSeed(StrictSeed):
    label: str = Field(min_length=1, max_length=120)
    amount: int | None = Amount
    requested_on: date | None = None
    note: str | None = Field(default=None, max_length=2000)


class AllocationSeed(StrictSeed):
    organisation: str = Field(min_length=1)
    amount: int | None = Amount
    citywide: bool = False
    note: str | None = Field(default=None, max_length=2000)


class AreaSeed(StrictSeed):
    work: str | None = Field(default=None, max_length=8000)
    amount: int | None = Amount
    outcome: Outcome | None = None


class ReportSeed(StrictSeed):
    organisation: str = Field(min_length=1)
    state: ReportState = ReportState.submitted
    used: int | None = Amount
    unspent: int | None = Amount
    reasons: list[ReasonCategory] = Field(default_factory=list)
    reasons_text: str | None = Field(default=None, max_length=3000)
    evaluated: Evaluation | None = None
    evaluation_text: str | None = Field(default=None, max_length=3000)
    areas: dict[str, AreaSeed] = Field(default_factory=dict)


class DecisionSeed(StrictSeed):
    reference: str | None = Field(default=None, max_length=100)
    decided_on: date | None = None
    stated_total: int | None = Amount
    key: str | None = Field(default=None, max_length=2000)


class RepaymentSeed(StrictSeed):
    amount: int | None = Amount
    due_on: date | None = None
    invoice: str | None = Field(default=None, max_length=100)
    paid_on: date | None = None


class FundYearSeed(StrictSeed):
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=300)
    source: str | None = Field(default=None, max_length=1000)
    note: str | None = Field(default=None, max_length=5000)
    national_total: int | None = Amount
    national_municipal: int | None = Amount
    entitlement: int | None = Amount
    requisitioned_total: int | None = Amount
    usage_from: date | None = None
    usage_to: date | None = None
    retroactive: bool = False
    requisition_deadline: date | None = None
    report_deadline: date | None = None
    repayment_deadline: date | None = None
    internal_deadline: date | None = None
    reporting: ReportingState = ReportingState.not_open
    compiled_on: date | None = None
    stated_used: int | None = Amount
    stated_unspent: int | None = Amount
    repayment: RepaymentSeed = Field(default_factory=RepaymentSeed)
    allocation: DecisionSeed = Field(default_factory=DecisionSeed)
    purposes: list[PurposeSeed] = Field(default_factory=list)
    rounds: list[RoundSeed] = Field(default_factory=list)
    allocations: list[AllocationSeed] = Field(default_factory=list)
    reports: list[ReportSeed] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self):
        if self.usage_from and self.usage_to and self.usage_to < self.usage_from:
            raise ValueError("usage_to ligger före usage_from")
        for what, entries in (("purposes", [p.code for p in self.purposes]),
                              ("rounds", [r.label for r in self.rounds]),
                              ("allocations", [a.organisation for a in self.allocations]),
                              ("reports", [r.organisation for r in self.reports])):
            if len(set(entries)) != len(entries):
                raise ValueError(f"dubblett i {what}")
        codes = {p.code for p in self.purposes}
        for report in self.reports:
            for code in report.areas:
                if code not in codes:
                    raise ValueError(f"okänt syfte {code!r} i rapporten för {report.organisation}")
        return self

    def content(self) -> dict[str, Any]:
        """The year's own fields, as FundYear takes them."""
        names = set(FundYearContent.model_fields) - {"allocation_reference", "allocation_decided_on",
                                                     "allocation_stated_total", "allocation_key",
                                                     "repayment_amount", "repayment_due_on",
                                                     "repayment_invoice", "repayment_paid_on"}
        fields = {name: getattr(self, name) for name in names}
        return fields | {
            "allocation_reference": self.allocation.reference, "allocation_decided_on": self.allocation.decided_on,
            "allocation_stated_total": self.allocation.stated_total, "allocation_key": self.allocation.key,
            "repayment_amount": self.repayment.amount, "repayment_due_on": self.repayment.due_on,
            "repayment_invoice": self.repayment.invoice, "repayment_paid_on": self.repayment.paid_on,
        }


def read_funds(bundle: SeedBundle, seed_dir: Path) -> None:
    """Read the funds file if there is one, checking the organisations it names exist in each year."""
    path = seed_dir / FILE_NAME
    if not path.exists():
        return
    organisations = {o.value.slug: o.value for o in bundle.organisations}
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows(read_yaml(path), "fund_years", path), start=1):
        seed, line = validate(FundYearSeed, raw, path, index)
        check_unique(seen, str(seed.year), path, index, line, "år")
        for slug in [a.organisation for a in seed.allocations] + [r.organisation for r in seed.reports]:
            organisation = organisations.get(slug)
            if organisation is None:
                raise SeedError(path, line, f"okänd organisation {slug!r}", index)
            if not organisation.existed_in(seed.year):
                raise SeedError(path, line, f"organisationen {slug!r} fanns inte år {seed.year}", index)
        bundle.fund_years.append(Located(seed, path, index, line))


def apply_funds(session: Session, ledger: SeedLedger, rows_: list[Located], orgs: dict[str, Organisation],
                actor: Any) -> None:
    """Create the grant years and their parts never created before (`ledger` is the seed's record)."""
    for located in rows_:
        seed: FundYearSeed = located.value
        year = _year(session, ledger, seed, actor)
        if year is None:
            continue  # removed in the application: respect that
        purposes = _purposes(session, ledger, year, seed)
        for position, round_ in enumerate(seed.rounds):
            key = f"{seed.year}:{round_.label}"
            if ledger.known("fund_round", key) is None:
                record = RequisitionRound(fund_year_id=year.id, position=position, **round_.model_dump())
                session.add(record)
                session.flush()
                ledger.remember("fund_round", key, record.id, created=True)
        for position, row in enumerate(seed.allocations):
            key = f"{seed.year}:{row.organisation}"
            if ledger.known("fund_allocation", key) is None:
                allocation = _adopt(session, Allocation, year.id, orgs[row.organisation].id) or Allocation(
                    fund_year_id=year.id, organisation_id=orgs[row.organisation].id, position=position,
                    amount=row.amount, citywide=row.citywide, note=row.note)
                created = allocation.id is None
                session.add(allocation)
                if created:
                    versions.keep_version(session, allocation, versions.snapshot(allocation), actor=actor, via="seed")
                ledger.remember("fund_allocation", key, allocation.id, created=created)
        for report_seed in seed.reports:
            key = f"{seed.year}:{report_seed.organisation}"
            if ledger.known("fund_report", key) is None:
                _report(session, ledger, key, year, orgs[report_seed.organisation], report_seed, purposes, actor)


def _year(session: Session, ledger: SeedLedger, seed: FundYearSeed, actor: Any) -> FundYear | None:
    key = str(seed.year)
    entity_id = ledger.known("fund_year", key)
    if entity_id is not None:
        return session.get(FundYear, entity_id)
    year = session.exec(select(FundYear).where(FundYear.year == seed.year)).first()
    created = year is None
    if created:
        year = FundYear(year=seed.year, reporting=seed.reporting, **seed.content())
        session.add(year)
        versions.keep_version(session, year, versions.snapshot(year), actor=actor, via="seed")
    ledger.remember("fund_year", key, year.id, created=created)
    return year


def _purposes(session: Session, ledger: SeedLedger, year: FundYear, seed: FundYearSeed) -> dict[str, FundPurpose]:
    existing = {p.code: p for p in session.exec(select(FundPurpose).where(FundPurpose.fund_year_id == year.id))}
    for position, purpose_seed in enumerate(seed.purposes):
        key = f"{seed.year}:{purpose_seed.code}"
        if ledger.known("fund_purpose", key) is not None:
            continue
        purpose = existing.get(purpose_seed.code)
        created = purpose is None
        if created:
            purpose = FundPurpose(fund_year_id=year.id, position=position, **purpose_seed.model_dump())
            session.add(purpose)
            session.flush()
            existing[purpose.code] = purpose
        ledger.remember("fund_purpose", key, purpose.id, created=created)
    return existing


def _report(session: Session, ledger: SeedLedger, key: str, year: FundYear, organisation: Organisation,
            seed: ReportSeed, purposes: dict[str, FundPurpose], actor: Any) -> None:
    report = _adopt(session, UsageReport, year.id, organisation.id)
    if report is not None:
        ledger.remember("fund_report", key, report.id, created=False)
        return
    report = UsageReport(fund_year_id=year.id, organisation_id=organisation.id, state=seed.state, used=seed.used,
                         unspent=seed.unspent, reasons=[r.value for r in seed.reasons], reasons_text=seed.reasons_text,
                         evaluated=seed.evaluated, evaluation_text=seed.evaluation_text)
    session.add(report)
    session.flush()
    areas = []
    for code, area in seed.areas.items():
        if code in purposes:  # a purpose a coordinator removed takes its text with it
            areas.append(UsageArea(report_id=report.id, purpose_id=purposes[code].id, **area.model_dump()))
    session.add_all(areas)
    versions.keep_version(session, report, versions.snapshot(report, areas), actor=actor, via="seed")
    ledger.remember("fund_report", key, report.id, created=True)


def _adopt(session: Session, model, year_id: int, organisation_id: int):
    return session.exec(select(model).where(model.fund_year_id == year_id,
                                            model.organisation_id == organisation_id)).first()
