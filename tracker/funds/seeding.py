"""The grant years in the seed (`seeds/funds.yaml`): read, validate, create once.

Follows the seed rule of `tracker.seeding`: every year, purpose, round, allocation
row and usage report is created under its seed key only once, ever; what a
coordinator changed or removed stays as they left it. Amounts not given stay
None (unknown), never 0.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field
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
from tracker.seeding.parsing import LINE_KEY, SeedError, check_unique, read_yaml, rows, validate

FILE_NAME = "funds.yaml"
# Whole kronor as written: strict, so that 2500.5, 2500.0, "2 500" and true are refused, not converted.
Kronor = Annotated[int | None, Field(ge=0, strict=True)]


class PurposeSeed(StrictSeed):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")
    short_title: str = Field(min_length=1, max_length=120)
    title: str = Field(min_length=1, max_length=2000)
    summary: str | None = Field(default=None, max_length=8000)


class RoundSeed(StrictSeed):
    label: str = Field(min_length=1, max_length=120)
    amount: Kronor = None
    requested_on: date | None = None
    note: str | None = Field(default=None, max_length=2000)


class AllocationSeed(StrictSeed):
    organisation: str = Field(min_length=1)
    amount: Kronor = None
    citywide: bool = False
    note: str | None = Field(default=None, max_length=2000)


class AreaSeed(StrictSeed):
    work: str | None = Field(default=None, max_length=8000)
    amount: Kronor = None
    outcome: Outcome | None = None


class ReportSeed(StrictSeed):
    organisation: str = Field(min_length=1)
    state: ReportState = ReportState.submitted
    used: Kronor = None
    unspent: Kronor = None
    reasons: list[ReasonCategory] = Field(default_factory=list)
    reasons_text: str | None = Field(default=None, max_length=3000)
    evaluated: Evaluation | None = None
    evaluation_text: str | None = Field(default=None, max_length=3000)
    areas: dict[str, AreaSeed] = Field(default_factory=dict)


# The lists of a year, validated entry by entry first so that a problem names the entry's own line.
ENTRIES = {"purposes": (PurposeSeed, "code", "syfte"), "rounds": (RoundSeed, "label", "omgång"),
           "allocations": (AllocationSeed, "organisation", "organisation"),
           "reports": (ReportSeed, "organisation", "rapport")}


class DecisionSeed(StrictSeed):
    reference: str | None = Field(default=None, max_length=100)
    decided_on: date | None = None
    stated_total: Kronor = None
    key: str | None = Field(default=None, max_length=2000)


class RepaymentSeed(StrictSeed):
    amount: Kronor = None
    due_on: date | None = None
    invoice: str | None = Field(default=None, max_length=100)
    paid_on: date | None = None


class FundYearSeed(StrictSeed):
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=300)
    source: str | None = Field(default=None, max_length=1000)
    note: str | None = Field(default=None, max_length=5000)
    national_total: Kronor = None
    national_municipal: Kronor = None
    entitlement: Kronor = None
    requisitioned_total: Kronor = None
    usage_from: date | None = None
    usage_to: date | None = None
    retroactive: bool = False
    requisition_deadline: date | None = None
    report_deadline: date | None = None
    repayment_deadline: date | None = None
    internal_deadline: date | None = None
    reporting: ReportingState = ReportingState.not_open
    compiled_on: date | None = None
    stated_used: Kronor = None
    stated_unspent: Kronor = None
    repayment: RepaymentSeed = Field(default_factory=RepaymentSeed)
    allocation: DecisionSeed = Field(default_factory=DecisionSeed)
    purposes: list[PurposeSeed] = Field(default_factory=list)
    rounds: list[RoundSeed] = Field(default_factory=list)
    allocations: list[AllocationSeed] = Field(default_factory=list)
    reports: list[ReportSeed] = Field(default_factory=list)

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
        lines = _entry_lines(raw, path, index)
        seed, line = validate(FundYearSeed, raw, path, index)
        check_unique(seen, str(seed.year), path, index, line, "år")
        if seed.usage_from and seed.usage_to and seed.usage_to < seed.usage_from:
            raise SeedError(path, line, "usage_to ligger före usage_from", index)
        for problem, entry_line in _problems(seed, lines, organisations):
            raise SeedError(path, entry_line, problem, index)
        bundle.fund_years.append(Located(seed, path, index, line))


def _problems(seed: FundYearSeed, lines: dict[str, list[int | None]], organisations: dict[str, Any]):
    """Each entry of the year that repeats another or names what does not exist (then), with its line."""
    for name, (_model, key, what) in ENTRIES.items():
        first: dict[str, int] = {}
        for position, entry in enumerate(getattr(seed, name)):
            value = getattr(entry, key)
            if value in first:
                yield (f"dubblett: {what} {value!r} finns redan i {name} (rad {lines[name][first[value]]})",
                       lines[name][position])
            first.setdefault(value, position)
    codes = {p.code for p in seed.purposes}
    for position, report in enumerate(seed.reports):
        for code in report.areas:
            if code not in codes:
                yield (f"okänt syfte {code!r} i rapporten för {report.organisation} "
                       f"(finns: {', '.join(sorted(codes)) or 'inga'})", lines["reports"][position])
    for name in ("allocations", "reports"):
        for position, entry in enumerate(getattr(seed, name)):
            organisation = organisations.get(entry.organisation)
            if organisation is None:
                yield f"okänd organisation {entry.organisation!r}", lines[name][position]
            elif not organisation.existed_in(seed.year):
                yield f"organisationen {entry.organisation!r} fanns inte år {seed.year}", lines[name][position]


def _entry_lines(raw: Any, path: Path, index: int) -> dict[str, list[int | None]]:
    """Validate each entry of the year's lists on its own (a problem names its line); the lines of each."""
    lines: dict[str, list[int | None]] = {name: [] for name in ENTRIES}
    if not isinstance(raw, dict):
        return lines
    for name, (model, _key, _what) in ENTRIES.items():
        entries = raw.get(name)
        if isinstance(entries, list):
            for entry in entries:
                lines[name].append(validate(model, entry, path, index, raw.get(LINE_KEY))[1])
    return lines


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
