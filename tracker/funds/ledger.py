"""The ledger of a grant year: its figures side by side and the checks between them.

Pure: it reads a loaded `YearData` and the day, and writes nothing. A figure
that is not known stays None; a sum with an unknown part is unknown (and says how
many parts are missing) rather than a smaller number. Checks never correct
anything: each shows the two figures and their difference.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from tracker.funds.models import FundYear, ReportingState, ReportState, UsageReopening
from tracker.funds.service import ReportData, YearData
from tracker.i18n import N_, LabelledEnum
from tracker.organisations.models import Organisation


class Stage(LabelledEnum):
    """Where the year's cycle stands, in order."""

    planned = "planned", N_("Planerat")
    requisitioned = "requisitioned", N_("Rekvirerat")
    allocated = "allocated", N_("Fördelat")
    reporting = "reporting", N_("Återrapportering")
    compiled = "compiled", N_("Sammanställt")
    repaid = "repaid", N_("Återbetalt")


STAGES = list(Stage)


class CheckState(LabelledEnum):
    ok = "ok", N_("Stämmer")
    differs = "differs", N_("Skiljer sig")
    unknown = "unknown", N_("Kan inte kontrolleras")
    missing = "missing", N_("Saknas")


# Status is never shown by colour alone: each state has its symbol.
CHECK_SYMBOLS = {CheckState.ok: "✓", CheckState.differs: "△", CheckState.unknown: "?", CheckState.missing: "✕"}


@dataclass(frozen=True)
class Total:
    """A sum of amounts: None when any part is unknown (or there are none); `unknown` counts the unknown parts."""

    value: int | None
    unknown: int
    parts: int

    @property
    def unknown_msgid(self) -> str:
        """How the unknown parts read: singular or plural, in Swedish (marked for translation)."""
        return N_("%(unknown)s av %(parts)s belopp är okänt.") if self.unknown == 1 else N_(
            "%(unknown)s av %(parts)s belopp är okända.")

    @classmethod
    def of(cls, amounts: Iterable[int | None]) -> Total:
        amounts = list(amounts)
        unknown = sum(1 for a in amounts if a is None)
        value = sum(a for a in amounts if a is not None) if amounts and not unknown else None
        return cls(value, unknown, len(amounts))


@dataclass(frozen=True)
class Check:
    kind: str
    title: str  # Swedish, marked with N_; translated where shown
    left_label: str
    left: int | None
    right_label: str
    right: int | None
    organisation: Organisation | None = None
    detail: str | None = None  # a Swedish msgid whose %(name)s fields come from `detail_args`
    detail_args: dict = field(default_factory=dict)
    missing: bool = False  # something that should be there is not (a report, a payment)

    @property
    def difference(self) -> int | None:
        return None if self.left is None or self.right is None else self.left - self.right

    @property
    def state(self) -> CheckState:
        if self.missing:
            return CheckState.missing
        if self.difference is None:
            return CheckState.unknown
        return CheckState.ok if self.difference == 0 else CheckState.differs

    @property
    def flagged(self) -> bool:
        return self.state is not CheckState.ok

    @property
    def symbol(self) -> str:
        return CHECK_SYMBOLS[self.state]


@dataclass
class NamndRow:
    """One nämnd of the year: what it was allocated and what it reported."""

    organisation: Organisation
    allocated: int | None
    has_allocation: bool
    citywide: bool
    report: ReportData | None
    reopening: UsageReopening | None
    successor: Organisation | None
    late: bool

    @property
    def submitted(self) -> ReportData | None:
        return self.report if self.report is not None and self.report.submitted else None

    @property
    def used(self) -> int | None:
        return self.submitted.report.used if self.submitted else None

    @property
    def unspent(self) -> int | None:
        return self.submitted.report.unspent if self.submitted else None

    @property
    def report_state(self) -> str:
        """not_started, draft or submitted."""
        if self.report is None:
            return "not_started"
        return ReportState(self.report.report.state).value  # a plain str when read from the database


REPORT_STATE_TEXTS = {"not_started": N_("Inte påbörjad"), "draft": N_("Utkast"), "submitted": N_("Inlämnad")}
REPORT_STATE_SYMBOLS = {"not_started": "○", "draft": "◐", "submitted": "●"}


@dataclass
class Ledger:
    data: YearData
    today: date
    rounds: Total
    requisitioned: int | None
    allocated: Total
    reported_used: Total  # the nämnder's submitted reports
    reported_unspent: Total
    rows: list[NamndRow]
    checks: list[Check]
    stage: Stage

    @property
    def fund_year(self) -> FundYear:
        return self.data.fund_year

    @property
    def used(self) -> int | None:
        """Used city-wide: as the city's report states it, else the sum of the nämnder's reports."""
        return self.fund_year.stated_used if self.fund_year.stated_used is not None else self.reported_used.value

    @property
    def unspent(self) -> int | None:
        if self.fund_year.stated_unspent is not None:
            return self.fund_year.stated_unspent
        return self.reported_unspent.value

    @property
    def to_repay(self) -> int | None:
        """What is to be repaid: the repayment as recorded, else the unspent amount."""
        return self.fund_year.repayment_amount if self.fund_year.repayment_amount is not None else self.unspent

    @property
    def flags(self) -> list[Check]:
        return [c for c in self.checks if c.flagged]

    @property
    def submitted_count(self) -> int:
        return sum(1 for row in self.rows if row.submitted)

    @property
    def repayment_overdue(self) -> bool:
        return any(c.kind == "repayment_overdue" for c in self.checks)

    def stage_done(self, stage: Stage) -> bool:
        return STAGES.index(stage) <= STAGES.index(self.stage)


def build_ledger(data: YearData, *, today: date) -> Ledger:
    """The year's figures and checks as of `today`."""
    fund_year = data.fund_year
    rounds = Total.of(r.amount for r in data.rounds)
    requisitioned = fund_year.requisitioned_total if fund_year.requisitioned_total is not None else rounds.value
    allocated = Total.of(a.amount for a, _o in data.allocations)
    rows = _rows(data, today)
    reporters = [row for row in rows if row.has_allocation or row.report is not None]
    reported_used = Total.of(row.used for row in reporters)
    reported_unspent = Total.of(row.unspent for row in reporters)
    ledger = Ledger(data, today, rounds, requisitioned, allocated, reported_used, reported_unspent, rows, [],
                    _stage(data, requisitioned, rounds))
    ledger.checks = _checks(ledger)
    return ledger


def report_deadline_passed(fund_year: FundYear, today: date) -> bool:
    return (fund_year.reporting != ReportingState.not_open and fund_year.internal_deadline is not None
            and today > fund_year.internal_deadline)


def _rows(data: YearData, today: date) -> list[NamndRow]:
    passed = report_deadline_passed(data.fund_year, today)
    rows = []
    for organisation in data.organisations():
        allocation = data.allocation_of(organisation.id)
        report = data.reports.get(organisation.id)
        rows.append(NamndRow(
            organisation=organisation, allocated=allocation.amount if allocation else None,
            has_allocation=allocation is not None, citywide=bool(allocation and allocation.citywide),
            report=report, reopening=data.reopenings.get(organisation.id),
            successor=data.successors.get(organisation.id),
            late=passed and allocation is not None and not (report and report.submitted)))
    return rows


def _stage(data: YearData, requisitioned: int | None, rounds: Total) -> Stage:
    fund_year = data.fund_year
    if fund_year.repayment_paid_on is not None or (fund_year.compiled_on is not None
                                                   and fund_year.repayment_amount == 0):
        return Stage.repaid
    if fund_year.compiled_on is not None:
        return Stage.compiled
    if fund_year.reporting != ReportingState.not_open:
        return Stage.reporting
    if data.allocations:
        return Stage.allocated
    if requisitioned is not None or rounds.parts:
        return Stage.requisitioned
    return Stage.planned


def _checks(ledger: Ledger) -> list[Check]:
    fund_year, checks = ledger.fund_year, []
    if fund_year.requisitioned_total is not None and ledger.rounds.parts:
        checks.append(_total_check("rounds_total", N_("Rekvisitionsomgångarna mot rekvirerat totalt"),
                                   N_("Summa av omgångarna"), ledger.rounds, N_("Rekvirerat totalt, enligt källan"),
                                   fund_year.requisitioned_total))
    elif fund_year.entitlement is not None and ledger.rounds.parts:
        checks.append(_total_check("rounds_entitlement", N_("Rekvisitionsomgångarna mot vad staden kan rekvirera"),
                                   N_("Summa av omgångarna"), ledger.rounds, N_("Kan rekvireras"),
                                   fund_year.entitlement))
    if fund_year.allocation_stated_total is not None or ledger.allocated.parts:
        checks.append(_total_check("allocation_total", N_("Fördelningens rader mot beslutets total"),
                                   N_("Summa av raderna"), ledger.allocated, N_("Total enligt beslutet"),
                                   fund_year.allocation_stated_total))
    if ledger.allocated.parts:
        if ledger.requisitioned is not None or fund_year.entitlement is None:
            checks.append(_total_check("allocated_requisitioned", N_("Fördelat mot rekvirerat"), N_("Fördelat"),
                                       ledger.allocated, N_("Rekvirerat"), ledger.requisitioned))
        else:
            checks.append(_total_check("allocated_entitlement", N_("Fördelat mot vad staden kan rekvirera"),
                                       N_("Fördelat"), ledger.allocated, N_("Kan rekvireras"), fund_year.entitlement))
    for row in ledger.rows:
        checks.extend(_row_checks(row, fund_year))
    if ledger.used is not None or ledger.to_repay is not None or fund_year.compiled_on is not None:
        both = Total.of([ledger.used, ledger.to_repay])
        checks.append(_total_check("city_balance", N_("Använt och återbetalt mot rekvirerat, hela staden"),
                                   N_("Använt + återbetalas"), both, N_("Rekvirerat"), ledger.requisitioned))
    # What is to be repaid: the recorded amount, else the unspent sum (the nämnder's, or as the city stated it).
    due = fund_year.repayment_due_on or fund_year.repayment_deadline
    if ledger.to_repay and fund_year.repayment_paid_on is None and due is not None and ledger.today > due:
        checks.append(Check("repayment_overdue", N_("Återbetalningen är försenad"), N_("Att återbetala"),
                            ledger.to_repay, N_("Betalt"), None, missing=True,
                            detail=N_("Sista dag var %(day)s; ingen betalning är registrerad."),
                            detail_args={"day": due.isoformat()}))
    return checks


def _row_checks(row: NamndRow, fund_year: FundYear) -> list[Check]:
    checks = []
    if row.late:
        checks.append(Check("report_missing", N_("Återrapporten saknas efter sista dagen"), N_("Sista dag"), None,
                            N_("Inlämnad"), None, organisation=row.organisation, missing=True,
                            detail=N_("Sista dag var %(day)s."),
                            detail_args={"day": fund_year.internal_deadline.isoformat()}))
    submitted = row.submitted
    if submitted is None:
        return checks
    if row.has_allocation:
        checks.append(_total_check("namnd_balance", N_("Använt och ej använt mot fördelat"),
                                   N_("Använt + ej använt"), Total.of([row.used, row.unspent]), N_("Fördelat"),
                                   row.allocated, organisation=row.organisation))
    area_amounts = [a.amount for a in submitted.areas.values() if a.amount is not None]
    if area_amounts and row.used is not None and sum(area_amounts) > row.used:
        checks.append(Check("areas_exceed_used", N_("Beloppen per område är större än använt"),
                            N_("Summa per område"), sum(area_amounts), N_("Använt"), row.used,
                            organisation=row.organisation))
    return checks


def _total_check(kind: str, title: str, left_label: str, left: Total, right_label: str, right: int | None,
                 organisation: Organisation | None = None) -> Check:
    detail, args = None, {}
    if not left.parts:
        detail = N_("Inga belopp är registrerade.")
    elif left.unknown:
        detail, args = left.unknown_msgid, {"unknown": left.unknown, "parts": left.parts}
    elif right is None:
        detail = N_("Jämförelsebeloppet är okänt.")
    return Check(kind, title, left_label, left.value, right_label, right, organisation=organisation,
                 detail=detail, detail_args=args)
