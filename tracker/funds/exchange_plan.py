"""What importing a grant-year file would write, checked as a whole before anything is written.

The rows are checked one by one (`exchange_rows`), then each nämnd's report is put together from its
Återrapport row and its Områden rows and checked with the rules the report form has. Rows that change nothing
are counted, not written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from tracker.funds import reporting, versions
from tracker.funds.exchange_rows import (
    AllocationRow,
    Known,
    ReportLine,
    check_allocation,
    check_area_line,
    check_report_line,
)
from tracker.funds.exchange_sheets import (
    ALLOCATIONS,
    AMOUNT,
    AREAS,
    EVALUATED,
    EVALUATION_TEXT,
    ORG,
    OUTCOME,
    REASONS,
    REASONS_TEXT,
    REPORTS,
    SHEETS,
    STATUS,
    UNSPENT,
    USED,
    WORK,
    Line,
    Problems,
)
from tracker.funds.models import Evaluation, Outcome, ReasonCategory, ReportingState, ReportState
from tracker.funds.reporting import AreaInput, ReportInput
from tracker.funds.service import ReportData
from tracker.organisations.models import Organisation

# Where `reporting` names a field, the column it came from.
REPORT_COLUMNS = {"used": USED, "unspent": UNSPENT, "reasons": REASONS, "reasons_text": REASONS_TEXT,
                  "evaluated": EVALUATED, "evaluation_text": EVALUATION_TEXT, "state": STATUS}
AREA_COLUMNS = {"work": WORK, "amount": AMOUNT, "outcome": OUTCOME}


@dataclass
class ReportRow:
    line: Line  # where the report is named: its Återrapport row, or else its first Områden row
    organisation: Organisation
    content: ReportInput
    submit: bool
    version: int | None
    area_lines: dict[int, Line]  # purpose id → its Områden row


@dataclass
class Plan:
    """What the import would write, and every problem that stops it."""

    problems: Problems = field(default_factory=Problems)
    allocations: list[AllocationRow] = field(default_factory=list)
    reports: list[ReportRow] = field(default_factory=list)
    allocations_unchanged: int = 0
    reports_unchanged: int = 0


def plan_import(known: Known, sheets: dict[str, list[Line]]) -> Plan:
    """Check every row of the file; the plan holds the changed rows, or the problems."""
    plan = Plan()
    seen: dict[tuple, int] = {}  # the first row of each key on each sheet
    _plan_allocations(known, plan, sheets, seen)
    allocated = set(known.allocations) | {key[1] for key in seen if key[0] == ALLOCATIONS}
    report_lines: dict[int, ReportLine] = {}
    for line in _lines(sheets, REPORTS):
        if found := check_report_line(known, line, plan.problems, seen):
            report_lines[found.organisation.id] = found
    area_lines: dict[int, dict[int, tuple[Line, AreaInput]]] = {}
    organisations: dict[int, Organisation] = {r.organisation.id: r.organisation for r in report_lines.values()}
    for line in _lines(sheets, AREAS):
        if found := check_area_line(known, line, plan.problems, seen):
            organisation, purpose, area = found
            organisations.setdefault(organisation.id, organisation)
            area_lines.setdefault(organisation.id, {})[purpose.id] = (line, area)
    for organisation in organisations.values():
        _plan_report(known, plan, organisation, report_lines.get(organisation.id),
                     area_lines.get(organisation.id, {}), allocated)
    return plan


def add_report_problem(problems: Problems, row: ReportRow, name: str, message: str) -> None:
    """A problem of the report's field `name` (as `reporting` names fields), at the row and column it came from."""
    if name.startswith("area-"):
        _prefix, purpose_id, part = name.split("-", 2)
        line = row.area_lines.get(int(purpose_id))
        if line is not None:
            problems.add(line, AREA_COLUMNS.get(part), message)
            return
    problems.add(row.line, REPORT_COLUMNS.get(name) if row.line.sheet == REPORTS else None, message)


def _plan_allocations(known: Known, plan: Plan, sheets: dict[str, list[Line]], seen: dict) -> None:
    for line in _lines(sheets, ALLOCATIONS):
        row = check_allocation(known, line, plan.problems, seen)
        if row is None:
            continue
        current = known.allocations.get(row.organisation.id)
        if current is not None and (current.amount, current.citywide, current.note) == (
                row.amount, row.citywide, row.note):
            plan.allocations_unchanged += 1
        else:
            plan.allocations.append(row)


def _lines(sheets: dict[str, list[Line]], sheet: str) -> list[Line]:
    """The sheet's rows that have anything written in them (a blank line is no row)."""
    return [line for line in sheets.get(sheet, []) if any(line.values.values())]


def _plan_report(known: Known, plan: Plan, organisation: Organisation, report_line: ReportLine | None,
                 areas: dict[int, tuple[Line, AreaInput]], allocated: set[int]) -> None:
    """Add the nämnd's report to the plan if the file changes it, after checking it as the form would."""
    existing = known.data.reports.get(organisation.id)
    if (report_line and report_line.line.bad) or any(line.bad for line, _area in areas.values()):
        return  # its rows have problems of their own already
    base = _report_base(known, plan.problems, organisation, existing, report_line, areas)
    if base is None:
        return
    state, content, where = base
    content.areas = _stored(existing).areas if existing else {}
    for purpose_id, (_line, area) in areas.items():
        if area.empty:
            content.areas.pop(purpose_id, None)  # emptied, as in the form
        else:
            content.areas[purpose_id] = area
    if existing and versions.snapshot(existing.report, list(existing.areas.values())) == _snapshot(state, content):
        plan.reports_unchanged += 1
        return
    row = ReportRow(where, organisation, content, state == ReportState.submitted,
                    existing.report.version if existing else None, {pid: line for pid, (line, _a) in areas.items()})
    if _report_allowed(known, plan.problems, row, existing, state, allocated):
        plan.reports.append(row)


def _report_base(known: Known, problems: Problems, organisation: Organisation, existing: ReportData | None,
                 report_line: ReportLine | None, areas: dict[int, tuple[Line, AreaInput]]
                 ) -> tuple[ReportState, ReportInput, Line] | None:
    """The report's state and fields (from its Återrapport row, else as saved) and the row that names it.

    None when the file has nothing to save for the nämnd, or cannot say what (a problem is added then).
    """
    filled = [line for line, area in areas.values() if not area.empty]
    if report_line is None:
        if existing is None:
            for line in filled:
                problems.add(line, ORG, _("%(org)s har ingen återrapport för %(year)s: lägg till nämnden på "
                                          "bladet Återrapport.", org=organisation.name, year=known.year))
            return None
        return ReportState(existing.report.state), _stored(existing), next(iter(areas.values()))[0]
    if report_line.state is not None:
        return report_line.state, report_line.content, report_line.line
    if existing is not None:
        problems.add(report_line.line, STATUS, _("%(org)s har redan en återrapport: skriv Utkast eller Inlämnad.",
                                                 org=organisation.name))
    elif filled or report_line.line.filled(*SHEETS[REPORTS][4:]):
        problems.add(report_line.line, STATUS, _("Skriv Utkast eller Inlämnad: nämnden har uppgifter i filen men "
                                                 "ingen status."))
    return None


def _report_allowed(known: Known, problems: Problems, row: ReportRow, existing: ReportData | None,
                    state: ReportState, allocated: set[int]) -> bool:
    """The rules the form has for a changed report: allocation, open round, no going back, complete to submit."""
    found = len(problems.found)
    organisation, year = row.organisation, known.year
    if organisation.id not in allocated:
        problems.add(row.line, ORG, _("%(org)s har ingen rad i fördelningen för %(year)s: lägg till nämnden på "
                                      "bladet Fördelning först.", org=organisation.name, year=year))
    if not reporting.open_for(known.session, known.fund_year, organisation.id):
        problems.add(row.line, None, _("Återrapporteringen för %(year)s är stängd för %(org)s: återöppna den för "
                                       "nämnden för att ändra återrapporten.", year=year, org=organisation.name)
                     if known.fund_year.reporting == ReportingState.closed else
                     _("Återrapporteringen för %(year)s har inte öppnat, så återrapporter kan inte ändras än.",
                       year=year))
    if len(problems.found) > found:
        return False  # as the form: a report that cannot be saved at all is not checked further
    submitted = existing is not None and existing.submitted
    if submitted and state == ReportState.draft:
        add_report_problem(problems, row, "state", _("Återrapporten är redan inlämnad och kan inte bli ett "
                                                     "utkast igen."))
    for name, message in reporting.validate_report(row.content, known.data.purposes,
                                                   submit=submitted or row.submit).items():
        add_report_problem(problems, row, name, message)
    return len(problems.found) == found


def _stored(found: ReportData) -> ReportInput:
    """The report's fields as saved, as the form would read them."""
    report = found.report
    return ReportInput(
        used=report.used, unspent=report.unspent, reasons=[ReasonCategory(r) for r in report.reasons],
        reasons_text=report.reasons_text, evaluated=Evaluation(report.evaluated) if report.evaluated else None,
        evaluation_text=report.evaluation_text,
        areas={purpose_id: AreaInput(area.work, area.amount, Outcome(area.outcome) if area.outcome else None)
               for purpose_id, area in found.areas.items()})


def _snapshot(state: ReportState, content: ReportInput) -> dict[str, Any]:
    """What `versions.snapshot` would keep for the report saved with this content."""
    def value(member):
        return member.value if member is not None else None

    return {"state": state.value, "used": content.used, "unspent": content.unspent,
            "reasons": [r.value for r in content.reasons], "reasons_text": content.reasons_text,
            "evaluated": value(content.evaluated), "evaluation_text": content.evaluation_text,
            "areas": {str(purpose_id): {"work": area.work, "amount": area.amount, "outcome": value(area.outcome)}
                      for purpose_id, area in sorted(content.areas.items())}}
