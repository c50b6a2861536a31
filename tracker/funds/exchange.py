"""A grant year as an Excel file: the allocation and the usage reports, exported and imported all or nothing.

The export has exactly the columns the import reads back, always in Swedish (labels, never codes), so a
coordinator can edit the file and import it again. Every row is checked with the forms' rules before anything
is written; one problem anywhere rejects the whole file, and every problem names its sheet, row and column.
Writes go through `editing.save_allocation` and `reporting.save_report`, so versions, audit and the reporting
rules are the forms' own; rows that change nothing write nothing.

The file's sheets and columns are in `exchange_sheets`, the Metod sheet's text in `exchange_method`, the checks
of each row in `exchange_rows` and of each report in `exchange_plan`.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlmodel import Session

from tracker.audit import service as audit
from tracker.funds import editing, reporting, service
from tracker.funds.editing import FundsConflict, FundsError, NotAllowed
from tracker.funds.exchange_method import method_lines
from tracker.funds.exchange_plan import Plan, ReportRow, add_report_problem, plan_import
from tracker.funds.exchange_rows import AllocationRow, Known
from tracker.funds.exchange_sheets import (
    ALLOCATIONS,
    AMOUNT,
    AREAS,
    CITYWIDE,
    EVALUATED,
    EVALUATION_TEXT,
    METHOD,
    NO,
    NOTE,
    ORG,
    ORG_NAME,
    OUTCOME,
    PURPOSE,
    PURPOSE_NAME,
    REASON_SEPARATOR,
    REASONS,
    REASONS_TEXT,
    REPORTS,
    SHEETS,
    STATUS,
    UNSPENT,
    USED,
    WORK,
    YEAR,
    YES,
    Problems,
    read_file,
)
from tracker.funds.models import Evaluation, FundYear, Outcome, ReasonCategory, ReportState
from tracker.funds.reporting import NotOpen
from tracker.funds.service import ReportData, YearData
from tracker.spreadsheets import MAX_ROWS, MAX_UNPACKED, ImportRejected, append_rows

__all__ = ["MAX_ROWS", "MAX_UNPACKED", "SHEETS", "ImportRejected", "ImportResult", "export_year", "import_year",
           "year_tables"]

AMOUNT_COLUMNS = {AMOUNT, USED, UNSPENT}
WIDTHS = {YEAR: 7, ORG: 24, ORG_NAME: 34, AMOUNT: 14, CITYWIDE: 18, NOTE: 50, STATUS: 11, USED: 14, UNSPENT: 14,
          REASONS: 40, REASONS_TEXT: 50, EVALUATED: 12, EVALUATION_TEXT: 50, PURPOSE: 18, PURPOSE_NAME: 34,
          WORK: 80, OUTCOME: 20}


@dataclass
class ImportResult:
    allocations_changed: int = 0  # new rows count as changed
    allocations_unchanged: int = 0
    reports_changed: int = 0
    reports_unchanged: int = 0

    @property
    def message(self) -> str:
        return _("Importen är klar: %(allocations)s ändrade och %(same_allocations)s oförändrade rader i "
                 "fördelningen, %(reports)s ändrade och %(same_reports)s oförändrade återrapporter.",
                 allocations=self.allocations_changed, same_allocations=self.allocations_unchanged,
                 reports=self.reports_changed, same_reports=self.reports_unchanged)


# Export

def export_year(session: Session, fund_year: FundYear) -> bytes:
    """The year as an .xlsx file for coordinators: every allocation row, every report, the method."""
    return _workbook(year_tables(service.load_year(session, fund_year)),
                     method_lines(fund_year.year, max_rows=MAX_ROWS))


def year_tables(data: YearData) -> dict[str, list[list]]:
    """Each sheet's header and rows; an unknown amount is None (an empty cell), never 0."""
    year = data.year
    allocations = [[year, o.slug, o.name, a.amount, YES if a.citywide else NO, a.note] for a, o in data.allocations]
    reports, areas = [], []
    for organisation in data.organisations():
        found = data.reports.get(organisation.id)
        reports.append([year, organisation.slug, organisation.name, *_report_cells(found)])
        for purpose in data.purposes:
            area = found.areas.get(purpose.id) if found else None
            areas.append([year, organisation.slug, organisation.name, purpose.code, purpose.short_title,
                          area and area.work, area and area.amount, area and _label_of(Outcome, area.outcome)])
    return {ALLOCATIONS: [list(SHEETS[ALLOCATIONS]), *allocations], REPORTS: [list(SHEETS[REPORTS]), *reports],
            AREAS: [list(SHEETS[AREAS]), *areas]}


def _report_cells(found: ReportData | None) -> list:
    if found is None:
        return [None] * 7
    report = found.report
    return [ReportState(report.state).label, report.used, report.unspent,
            REASON_SEPARATOR.join(ReasonCategory(r).label for r in report.reasons) or None, report.reasons_text,
            _label_of(Evaluation, report.evaluated), report.evaluation_text]


def _label_of(enum, value: str | None) -> str | None:
    return enum(value).label if value else None


def _workbook(tables: dict[str, list[list]], method: list[list[str]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in tables.items():
        sheet = workbook.create_sheet(title)
        append_rows(sheet, rows)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            sheet.column_dimensions[cell.column_letter].width = WIDTHS.get(cell.value, 20)
            if cell.value in AMOUNT_COLUMNS:
                for (amount,) in sheet.iter_rows(min_row=2, min_col=cell.column, max_col=cell.column):
                    amount.number_format = "#,##0"  # "1 234 567" in Swedish Excel; the cell stays a number
        sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(METHOD)
    append_rows(notes, method)
    for letter, width in zip("ABC", (100, 22, 80), strict=True):
        notes.column_dimensions[letter].width = width
    for cell in (cell for row in notes.iter_rows() for cell in row):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Import

def import_year(session: Session, fund_year: FundYear, *, filename: str, data: bytes, actor: Any) -> ImportResult:
    """Check every row of the file, then save every change, or raise ImportRejected and save nothing."""
    editing.require_coordinator(actor)
    plan = plan_import(Known(session, fund_year), read_file(filename, data, max_rows=MAX_ROWS))
    if plan.problems.found:
        raise ImportRejected(plan.problems.texts())
    _write(session, fund_year, plan, actor)
    result = ImportResult(len(plan.allocations), plan.allocations_unchanged, len(plan.reports),
                          plan.reports_unchanged)
    audit.record(session, actor=actor, action="funds.year_imported", entity=fund_year,
                 after={"year": fund_year.year, "filename": filename, "allocations_changed": result.allocations_changed,
                        "allocations_unchanged": result.allocations_unchanged,
                        "reports_changed": result.reports_changed, "reports_unchanged": result.reports_unchanged})
    return result


def _write(session: Session, fund_year: FundYear, plan: Plan, actor: Any) -> None:
    """Save the plan through the forms' own writes; any refusal takes back everything the import saved."""
    row: AllocationRow | ReportRow | None = None
    try:
        with session.begin_nested():
            for row in plan.allocations:
                editing.save_allocation(session, fund_year=fund_year, organisation=row.organisation,
                                        amount=row.amount, citywide=row.citywide, note=row.note,
                                        expected_version=row.version, actor=actor, via="import")
            for row in plan.reports:
                reporting.save_report(session, fund_year=fund_year, organisation=row.organisation,
                                      content=row.content, expected_version=row.version, submit=row.submit,
                                      actor=actor, via="import")
    except (FundsError, FundsConflict, NotOpen, NotAllowed) as refusal:
        problems = Problems()
        _name_refusal(problems, row, refusal)
        raise ImportRejected(problems.texts()) from None


def _name_refusal(problems: Problems, row: AllocationRow | ReportRow, refusal: Exception) -> None:
    if isinstance(refusal, FundsError):
        for name, message in refusal.errors.items():
            if isinstance(row, ReportRow):
                add_report_problem(problems, row, name, message)
            else:
                problems.add(row.line, {"organisation": ORG, "amount": AMOUNT, "note": NOTE}.get(name), message)
    elif isinstance(refusal, FundsConflict):
        problems.add(row.line, None, _("Raden ändrades av någon annan medan filen lästes in. Läs in filen igen."))
    elif isinstance(refusal, NotOpen):
        problems.add(row.line, None, str(refusal))
    else:
        problems.add(row.line, None, _("Du får inte spara raden."))
