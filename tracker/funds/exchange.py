"""A grant year as an Excel file: the allocation and the usage reports, exported and imported all or nothing.

The export has exactly the columns the import reads back, always in Swedish (labels, never codes), so a
coordinator can edit the file and import it again. Every row is checked with the forms' rules before anything
is written; one problem anywhere rejects the whole file, and every problem names its sheet, row and column.
Writes go through `editing.save_allocation` and `reporting.save_report`, so versions, audit and the reporting
rules are the forms' own; rows that change nothing write nothing.
"""
from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from sqlmodel import Session, select

from tracker import clock
from tracker.audit import service as audit
from tracker.effect_goals.exchange import MAX_ROWS, ImportRejected

# Private in effect_goals: they belong in a shared spreadsheet module (see the report of this change).
from tracker.effect_goals.exchange import _cell_text as cell_text
from tracker.effect_goals.exchange import _csv_rows as csv_rows
from tracker.formvalues import clean_text
from tracker.funds import editing, reporting, service, versions
from tracker.funds.editing import FundsConflict, FundsError, NotAllowed
from tracker.funds.models import (
    Evaluation,
    FundPurpose,
    FundYear,
    Outcome,
    ReasonCategory,
    ReportingState,
    ReportState,
)
from tracker.funds.reporting import AreaInput, NotOpen, ReportInput
from tracker.funds.service import ReportData, YearData
from tracker.organisations.models import Organisation

__all__ = ["ImportRejected", "ImportResult", "SHEETS", "export_year", "import_year", "year_tables"]

YEAR, ORG, ORG_NAME, AMOUNT = "År", "Nämnd-id", "Nämnd", "Belopp (kr)"
CITYWIDE, NOTE = "Stadsövergripande", "Anteckning"
STATUS, USED, UNSPENT, REASONS, REASONS_TEXT = "Status", "Använt (kr)", "Ej använt (kr)", "Orsaker", "Orsaker, fritext"
EVALUATED, EVALUATION_TEXT = "Utvärderat", "Utvärdering, fritext"
PURPOSE, PURPOSE_NAME, WORK, OUTCOME = "Syfte-id", "Syfte", "Vad som gjorts", "Bedömning"
ALLOCATIONS, REPORTS, AREAS, METHOD = "Fördelning", "Återrapport", "Områden", "Metod"
SHEETS = {
    ALLOCATIONS: (YEAR, ORG, ORG_NAME, AMOUNT, CITYWIDE, NOTE),
    REPORTS: (YEAR, ORG, ORG_NAME, STATUS, USED, UNSPENT, REASONS, REASONS_TEXT, EVALUATED, EVALUATION_TEXT),
    AREAS: (YEAR, ORG, ORG_NAME, PURPOSE, PURPOSE_NAME, WORK, AMOUNT, OUTCOME),
}
SHOWN_ONLY = {ORG_NAME, PURPOSE_NAME}  # for people to read; the ids decide
AMOUNT_COLUMNS = {AMOUNT, USED, UNSPENT}
WIDTHS = {YEAR: 7, ORG: 24, ORG_NAME: 34, AMOUNT: 14, CITYWIDE: 18, NOTE: 50, STATUS: 11, USED: 14, UNSPENT: 14,
          REASONS: 40, REASONS_TEXT: 50, EVALUATED: 12, EVALUATION_TEXT: 50, PURPOSE: 18, PURPOSE_NAME: 34,
          WORK: 80, OUTCOME: 20}
YES, NO = "Ja", "Nej"
REASON_SEPARATOR = "; "  # labels have commas in them
NOTE_LIMIT = 2000  # as editing.save_allocation
MAX_COLUMNS = 40  # far more than any sheet has; a row is never read wider
MAX_UNPACKED = 50 * 1024 * 1024  # a small .xlsx can unpack to gigabytes of XML


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
    return _workbook(year_tables(service.load_year(session, fund_year)), method_lines(fund_year.year))


def year_tables(data: YearData) -> dict[str, list[list]]:
    """Each sheet's header and rows; an unknown amount is None (an empty cell), never 0."""
    year, nämnder = data.year, data.organisations()
    allocations = [[year, o.slug, o.name, a.amount, YES if a.citywide else NO, a.note] for a, o in data.allocations]
    reports, areas = [], []
    for organisation in nämnder:
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


def method_lines(year: int) -> list[list[str]]:
    """What the file holds and how it is read back, in Swedish: the Metod sheet."""
    choices = {name: REASON_SEPARATOR.join(member.label for member in enum)
               for name, enum in (("status", ReportState), ("reasons", ReasonCategory), ("evaluated", Evaluation),
                                  ("outcome", Outcome))}
    general = [
        [f"Utvecklingsmedel {year}: fördelning och återrapporter, exporterad {clock.today().isoformat()}."],
        ["Ett tomt belopp betyder att beloppet inte är känt. Det är aldrig 0: 0 skrivs ut som 0."],
        ["Belopp är hela kronor, utan decimaler och aldrig negativa."],
        ["Filen kan ändras och läsas in igen på årets sida, med samma blad och kolumner. År måste vara "
         f"{year}; Nämnd-id och Syfte-id avgör vilken nämnd och vilket syfte raden gäller. Nämnd och Syfte "
         "visas bara för att läsas och läses inte in."],
        ["Inläsningen är allt eller inget: finns ett enda fel sparas ingenting, och varje fel anges med blad, "
         "rad och kolumn."],
        ["Oförändrade rader sparar ingenting. Rader som tas bort ur filen lämnas som de är: inläsningen tar "
         "aldrig bort en rad i fördelningen eller en återrapport. En tömd rad på bladet Områden tar bort det "
         "nämnden skrivit om syftet, som när fälten töms i formuläret."],
        ["En återrapport läses bara in för en nämnd som har en rad i fördelningen, i året eller på bladet "
         "Fördelning i samma fil: medel som inte har fördelats kan inte återrapporteras, och en återrapport "
         "utan fördelning är oftast ett felskrivet Nämnd-id."],
        ["Återrapporter ändras med samma regler som i formuläret: bara medan återrapporteringen är öppen eller "
         "återöppnad för nämnden, och en inlämnad återrapport ska vara fullständig och kan inte bli ett utkast "
         "igen. Oförändrade återrapporter läses in även när återrapporteringen är stängd."],
        ["Text som börjar med = + - @ är text, aldrig en formel."],
        [f"Högst {MAX_ROWS} rader per blad."],
        [],
        ["Blad", "Kolumn", "Betydelse"],
    ]
    columns = [
        [ALLOCATIONS, YEAR, "Bidragsåret."],
        [ALLOCATIONS, ORG, "Nämndens id i tracker."],
        [ALLOCATIONS, ORG_NAME, "Nämndens namn det året (läses inte in)."],
        [ALLOCATIONS, AMOUNT, "Det fördelade beloppet enligt beslutet. Tomt: inte känt. Ingen summarad: "
                              "summan och beslutets tryckta total visas på årets sida."],
        [ALLOCATIONS, CITYWIDE, "Ja när medlen används på stadsövergripande nivå, annars Nej (tomt läses som Nej)."],
        [ALLOCATIONS, NOTE, "Anteckning om raden."],
        [REPORTS, STATUS, f"{choices['status']}; tomt när nämnden inte har börjat återrapportera."],
        [REPORTS, USED, "Använt belopp. Tomt: inte känt."],
        [REPORTS, UNSPENT, "Belopp som inte har använts. Tomt: inte känt."],
        [REPORTS, REASONS, f"Orsaker till att inte allt använts, åtskilda med semikolon: {choices['reasons']}."],
        [REPORTS, REASONS_TEXT, "Orsakerna med nämndens egna ord."],
        [REPORTS, EVALUATED, f"Om användningen har utvärderats: {choices['evaluated']}."],
        [REPORTS, EVALUATION_TEXT, "Hur användningen har utvärderats."],
        [AREAS, PURPOSE, "Syftets id för året."],
        [AREAS, PURPOSE_NAME, "Syftets rubrik (läses inte in)."],
        [AREAS, WORK, "Vad nämnden har gjort inom syftet."],
        [AREAS, AMOUNT, "Belopp som använts inom syftet. Tomt: inte känt."],
        [AREAS, OUTCOME, f"Nämndens egen bedömning: {choices['outcome']}. De fyra första är Socialstyrelsens "
                         "skala; Inte alls och Vet ej finns så att ingen nämnd behöver överdriva eller gissa."],
    ]
    return general + columns


def _workbook(tables: dict[str, list[list]], method: list[list[str]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in tables.items():
        sheet = workbook.create_sheet(title)
        _append(sheet, rows)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            sheet.column_dimensions[cell.column_letter].width = WIDTHS.get(cell.value, 20)
            if cell.value in AMOUNT_COLUMNS:
                for (amount,) in sheet.iter_rows(min_row=2, min_col=cell.column, max_col=cell.column):
                    amount.number_format = "#,##0"  # "1 234 567" in Swedish Excel; the cell stays a number
        sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(METHOD)
    _append(notes, method)
    for letter, width in zip("ABC", (100, 22, 80), strict=True):
        notes.column_dimensions[letter].width = width
    for cell in (cell for row in notes.iter_rows() for cell in row):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _append(sheet, rows: list[list]) -> None:
    for values in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in (cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"):
        cell.data_type = "s"  # text like "=5" is somebody's words, never a formula to run


# Import

@dataclass(eq=False)
class _Line:
    """One row of a sheet, by column name, each cell as trimmed text."""

    sheet: str
    number: int
    values: dict[str, str]
    bad: bool = False  # a problem was found in it

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def filled(self, *columns: str) -> bool:
        return any(self.values[column] for column in columns)


class _Problems:
    """Every problem found, in sheet, row and column order however they were found."""

    def __init__(self):
        self.found: list[tuple[tuple[int, int, int], str]] = []

    def add(self, line: _Line, column: str | None, problem: str) -> None:
        line.bad = True
        columns = SHEETS[line.sheet]
        key = (list(SHEETS).index(line.sheet), line.number, columns.index(column) if column in columns else -1)
        text = (_("Blad %(sheet)s, rad %(row)s, %(column)s: %(problem)s", sheet=line.sheet, row=line.number,
                  column=column, problem=problem) if column
                else _("Blad %(sheet)s, rad %(row)s: %(problem)s", sheet=line.sheet, row=line.number, problem=problem))
        self.found.append((key, text))

    def texts(self) -> list[str]:
        return [text for _key, text in sorted(self.found, key=lambda found: found[0])]


@dataclass
class _AllocationRow:
    line: _Line
    organisation: Organisation
    amount: int | None
    citywide: bool
    note: str | None
    version: int | None  # the row's version when the file was checked; None: a new row


@dataclass
class _ReportLine:
    line: _Line
    organisation: Organisation
    state: ReportState | None
    content: ReportInput


@dataclass
class _ReportRow:
    line: _Line  # where the report is named: its Återrapport row, or else its first Områden row
    organisation: Organisation
    content: ReportInput
    submit: bool
    version: int | None
    area_lines: dict[int, _Line]  # purpose id → its Områden row


@dataclass
class _Plan:
    """What the import would write, and every problem that stops it."""

    problems: _Problems = field(default_factory=_Problems)
    allocations: list[_AllocationRow] = field(default_factory=list)
    reports: list[_ReportRow] = field(default_factory=list)
    allocations_unchanged: int = 0
    reports_unchanged: int = 0


class _Known:
    """What the rows are checked against, read once for the whole file."""

    def __init__(self, session: Session, fund_year: FundYear):
        self.session, self.fund_year, self.year = session, fund_year, fund_year.year
        self.data = service.load_year(session, fund_year)  # every report: the import is for coordinators
        self.organisations = {o.slug: o for o in session.exec(select(Organisation))}
        self.purposes: dict[str, FundPurpose] = {p.code: p for p in self.data.purposes}
        self.allocations = {o.id: a for a, o in self.data.allocations}


def import_year(session: Session, fund_year: FundYear, *, filename: str, data: bytes, actor: Any) -> ImportResult:
    """Check every row of the file, then save every change, or raise ImportRejected and save nothing."""
    editing.require_coordinator(actor)
    plan = _check(_Known(session, fund_year), _read_file(filename, data))
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


def _write(session: Session, fund_year: FundYear, plan: _Plan, actor: Any) -> None:
    """Save the plan through the forms' own writes; any refusal takes back everything the import saved."""
    row: _AllocationRow | _ReportRow | None = None
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
        problems = _Problems()
        _name_refusal(problems, row, refusal)
        raise ImportRejected(problems.texts()) from None


def _name_refusal(problems: _Problems, row: _AllocationRow | _ReportRow, refusal: Exception) -> None:
    if isinstance(refusal, FundsError):
        for name, message in refusal.errors.items():
            if isinstance(row, _ReportRow):
                _add_report_problem(problems, row, name, message)
            else:
                problems.add(row.line, {"organisation": ORG, "amount": AMOUNT, "note": NOTE}.get(name), message)
    elif isinstance(refusal, FundsConflict):
        problems.add(row.line, None, _("Raden ändrades av någon annan medan filen lästes in. Läs in filen igen."))
    elif isinstance(refusal, NotOpen):
        problems.add(row.line, None, str(refusal))
    else:
        problems.add(row.line, None, _("Du får inte spara raden."))


REPORT_COLUMNS = {"used": USED, "unspent": UNSPENT, "reasons": REASONS, "reasons_text": REASONS_TEXT,
                  "evaluated": EVALUATED, "evaluation_text": EVALUATION_TEXT, "state": STATUS}
AREA_COLUMNS = {"work": WORK, "amount": AMOUNT, "outcome": OUTCOME}


def _add_report_problem(problems: _Problems, row: _ReportRow, name: str, message: str) -> None:
    """A problem of the report's field `name` (as `reporting` names fields), at the row and column it came from."""
    if name.startswith("area-"):
        _prefix, purpose_id, part = name.split("-", 2)
        line = row.area_lines.get(int(purpose_id))
        if line is not None:
            problems.add(line, AREA_COLUMNS.get(part), message)
            return
    problems.add(row.line, REPORT_COLUMNS.get(name) if row.line.sheet == REPORTS else None, message)


# Checking the rows

def _check(known: _Known, sheets: dict[str, list[_Line]]) -> _Plan:
    plan = _Plan()
    seen: dict[tuple, int] = {}  # the first row of each key on each sheet
    for line in _lines(sheets, ALLOCATIONS):
        row = _check_allocation(known, line, plan.problems, seen)
        if row is None:
            continue
        current = known.allocations.get(row.organisation.id)
        if current is not None and (current.amount, current.citywide, current.note) == (
                row.amount, row.citywide, row.note):
            plan.allocations_unchanged += 1
        else:
            plan.allocations.append(row)
    allocated = set(known.allocations) | {key[1] for key in seen if key[0] == ALLOCATIONS}
    report_lines: dict[int, _ReportLine] = {}
    for line in _lines(sheets, REPORTS):
        if found := _check_report_line(known, line, plan.problems, seen):
            report_lines[found.organisation.id] = found
    area_lines: dict[int, dict[int, tuple[_Line, AreaInput]]] = {}
    organisations: dict[int, Organisation] = {r.organisation.id: r.organisation for r in report_lines.values()}
    for line in _lines(sheets, AREAS):
        if found := _check_area_line(known, line, plan.problems, seen):
            organisation, purpose, area = found
            organisations.setdefault(organisation.id, organisation)
            area_lines.setdefault(organisation.id, {})[purpose.id] = (line, area)
    for organisation in organisations.values():
        _plan_report(known, plan, organisation, report_lines.get(organisation.id),
                     area_lines.get(organisation.id, {}), allocated)
    return plan


def _lines(sheets: dict[str, list[_Line]], sheet: str) -> list[_Line]:
    """The sheet's rows that have anything written in them (a blank line is no row)."""
    return [line for line in sheets.get(sheet, []) if any(line.values.values())]


def _nämnd(known: _Known, line: _Line, problems: _Problems) -> Organisation | None:
    """The row's organisation, if the row is for the year imported into and the nämnd existed that year."""
    for column in (YEAR, ORG):
        if not line[column]:
            problems.add(line, None, _("%(column)s saknas.", column=column))
    if line[YEAR] and line[YEAR] != str(known.year):
        problems.add(line, YEAR, _("Raden gäller %(found)s, men filen läses in i bidragsåret %(year)s.",
                                   found=line[YEAR], year=known.year))
    organisation = known.organisations.get(line[ORG])
    if line[ORG] and organisation is None:
        problems.add(line, ORG, _("Okänd nämnd: %(slug)s.", slug=line[ORG]))
    elif organisation is not None and not organisation.existed_in(known.year):
        problems.add(line, ORG, _("%(org)s fanns inte år %(year)s.", org=organisation.name, year=known.year))
        return None
    return organisation


def _earlier(line: _Line, key: tuple, seen: dict[tuple, int]) -> int | None:
    """The number of an earlier row with the same key on the sheet, if there is one."""
    if key in seen:
        return seen[key]
    seen[key] = line.number
    return None


def _check_allocation(known: _Known, line: _Line, problems: _Problems, seen: dict) -> _AllocationRow | None:
    organisation = _nämnd(known, line, problems)
    amount = _amount(line, AMOUNT, problems)
    citywide = line[CITYWIDE].casefold() == YES.casefold()
    if line[CITYWIDE].casefold() not in {"", YES.casefold(), NO.casefold()}:
        problems.add(line, CITYWIDE, _("Skriv Ja eller Nej."))
    note = clean_text(line[NOTE])
    if note and len(note) > NOTE_LIMIT:
        problems.add(line, NOTE, _("Texten får vara högst 2 000 tecken."))
    if organisation is None:
        return None
    if first := _earlier(line, (ALLOCATIONS, organisation.id), seen):
        problems.add(line, None, _("Samma nämnd som rad %(row)s.", row=first))
    current = known.allocations.get(organisation.id)
    return None if line.bad else _AllocationRow(line, organisation, amount, citywide, note,
                                                current.version if current else None)


def _check_report_line(known: _Known, line: _Line, problems: _Problems, seen: dict) -> _ReportLine | None:
    organisation = _nämnd(known, line, problems)
    state = _choice(line, STATUS, ReportState, problems)
    content = ReportInput(used=_amount(line, USED, problems), unspent=_amount(line, UNSPENT, problems),
                          reasons=_reasons(line, problems), reasons_text=clean_text(line[REASONS_TEXT]),
                          evaluated=_choice(line, EVALUATED, Evaluation, problems),
                          evaluation_text=clean_text(line[EVALUATION_TEXT]))
    if organisation is None:
        return None
    if first := _earlier(line, (REPORTS, organisation.id), seen):
        problems.add(line, None, _("Samma nämnd som rad %(row)s.", row=first))
    return _ReportLine(line, organisation, state, content)  # checked further with the nämnd's areas


def _check_area_line(known: _Known, line: _Line, problems: _Problems, seen: dict
                     ) -> tuple[Organisation, FundPurpose, AreaInput] | None:
    organisation = _nämnd(known, line, problems)
    purpose = known.purposes.get(line[PURPOSE])
    if not line[PURPOSE]:
        problems.add(line, None, _("%(column)s saknas.", column=PURPOSE))
    elif purpose is None:
        problems.add(line, PURPOSE, _("Okänt syfte för %(year)s: %(code)s.", year=known.year, code=line[PURPOSE]))
    area = AreaInput(work=clean_text(line[WORK]), amount=_amount(line, AMOUNT, problems),
                     outcome=_choice(line, OUTCOME, Outcome, problems))
    if organisation is None or purpose is None:
        return None
    if first := _earlier(line, (AREAS, organisation.id, purpose.id), seen):
        problems.add(line, None, _("Samma nämnd och syfte som rad %(row)s.", row=first))
    return organisation, purpose, area


def _plan_report(known: _Known, plan: _Plan, organisation: Organisation, report_line: _ReportLine | None,
                 areas: dict[int, tuple[_Line, AreaInput]], allocated: set[int]) -> None:
    """Add the nämnd's report to the plan if the file changes it, after checking it as the form would."""
    problems, existing = plan.problems, known.data.reports.get(organisation.id)
    lines = [report_line.line] if report_line else []
    if any(line.bad for line in lines + [line for line, _area in areas.values()]):
        return  # its rows have problems of their own already
    filled = [line for line, area in areas.values() if not area.empty]
    if report_line is None:
        if existing is None:
            for line in filled:
                problems.add(line, ORG, _("%(org)s har ingen återrapport för %(year)s: lägg till nämnden på "
                                          "bladet Återrapport.", org=organisation.name, year=known.year))
            return
        state, content = ReportState(existing.report.state), _stored(existing)
        where = next(iter(areas.values()))[0]
    elif report_line.state is None:
        if existing is not None:
            problems.add(report_line.line, STATUS, _("%(org)s har redan en återrapport: skriv Utkast eller "
                                                     "Inlämnad.", org=organisation.name))
        elif filled or report_line.line.filled(*SHEETS[REPORTS][4:]):
            problems.add(report_line.line, STATUS, _("Skriv Utkast eller Inlämnad: nämnden har uppgifter i filen "
                                                     "men ingen status."))
        return
    else:
        state, content, where = report_line.state, report_line.content, report_line.line
    content.areas = _stored(existing).areas if existing else {}
    for purpose_id, (_line, area) in areas.items():
        if area.empty:
            content.areas.pop(purpose_id, None)  # emptied, as in the form
        else:
            content.areas[purpose_id] = area
    if existing and versions.snapshot(existing.report, list(existing.areas.values())) == _snapshot(state, content):
        plan.reports_unchanged += 1
        return
    row = _ReportRow(where, organisation, content, state == ReportState.submitted,
                     existing.report.version if existing else None, {pid: line for pid, (line, _a) in areas.items()})
    if _report_allowed(known, problems, row, existing, state, allocated):
        plan.reports.append(row)


def _report_allowed(known: _Known, problems: _Problems, row: _ReportRow, existing: ReportData | None,
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
        _add_report_problem(problems, row, "state", _("Återrapporten är redan inlämnad och kan inte bli ett "
                                                      "utkast igen."))
    for name, message in reporting.validate_report(row.content, known.data.purposes,
                                                   submit=submitted or row.submit).items():
        _add_report_problem(problems, row, name, message)
    return len(problems.found) == found


def _stored(found: ReportData) -> ReportInput:
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


def _amount(line: _Line, column: str, problems: _Problems) -> int | None:
    value, problem = editing.read_amount(line[column])
    if problem:
        problems.add(line, column, problem)
    return value


def _choice(line: _Line, column: str, enum, problems: _Problems):
    """The member whose Swedish label the cell holds (in any case); empty is None."""
    text = line[column]
    if not text:
        return None
    found = {member.label.casefold(): member for member in enum}.get(text.casefold())
    if found is None:
        problems.add(line, column, _("Okänt värde ”%(value)s”. Skriv något av: %(choices)s.", value=text,
                                     choices=", ".join(member.label for member in enum)))
    return found


def _reasons(line: _Line, problems: _Problems) -> list[ReasonCategory]:
    by_label = {member.label.casefold(): member for member in ReasonCategory}
    reasons: list[ReasonCategory] = []
    for text in filter(None, (part.strip() for part in line[REASONS].split(";"))):
        reason = by_label.get(text.casefold())
        if reason is None:
            problems.add(line, REASONS, _("Okänt värde ”%(value)s”. Skriv något av: %(choices)s.", value=text,
                                          choices=REASON_SEPARATOR.join(member.label for member in ReasonCategory)))
        elif reason not in reasons:
            reasons.append(reason)
    return reasons


# Reading the file

def _read_file(filename: str, data: bytes) -> dict[str, list[_Line]]:
    """Each known sheet's rows after its header, by column name; a file-wide problem rejects the file at once."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise ImportRejected([_("Filen %(filename)s är varken en Excelfil (.xlsx) eller en CSV-fil (.csv).",
                                filename=filename)])
    tables = _csv_table(filename, data) if suffix in (".csv", ".txt") else _xlsx_tables(filename, data)
    tables = {sheet: rows for sheet, rows in tables.items() if any(any(row) for row in rows)}
    if not tables:
        raise ImportRejected([_("Filen %(filename)s är tom.", filename=filename)])
    problems, sheets = [], {}
    for sheet, rows in tables.items():
        header = [cell.casefold() for cell in rows[0]]
        wanted = [column for column in SHEETS[sheet] if column not in SHOWN_ONLY]
        if missing := [column for column in wanted if column.casefold() not in header]:
            problems.append(_("Blad %(sheet)s saknar kolumnerna %(columns)s.", sheet=sheet,
                              columns=", ".join(f"”{column}”" for column in missing)))
        elif len(rows) > MAX_ROWS + 1:
            problems.append(_("Blad %(sheet)s har fler än %(limit)s rader.", sheet=sheet, limit=MAX_ROWS))
        else:
            where = {column: header.index(column.casefold()) for column in wanted}
            sheets[sheet] = [_Line(sheet, number, {column: row[i] if i < len(row) else "" for column, i in where.items()})
                             for number, row in enumerate(rows[1:], start=2)]
    if problems:
        raise ImportRejected(problems)
    return sheets


def _xlsx_tables(filename: str, data: bytes) -> dict[str, list[list[str]]]:
    """The known sheets' rows (by sheet name, in any case), each cell as text; other sheets are not read."""
    unreadable = ImportRejected([_("Filen %(filename)s gick inte att läsa som Excelfil.", filename=filename)])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise unreadable from None
    if unpacked > MAX_UNPACKED:
        raise ImportRejected([_("Filen %(filename)s är för stor uppackad, mer än %(size)s MB. Dela upp den.",
                                filename=filename, size=MAX_UNPACKED // (1024 * 1024))])
    names = {sheet.casefold(): sheet for sheet in SHEETS}
    tables: dict[str, list[list[str]]] = {}
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips: only values matter here.
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)  # defusedxml when installed
            try:
                for worksheet in workbook.worksheets:
                    sheet = names.get(worksheet.title.strip().casefold())
                    if sheet and sheet not in tables:
                        rows = zip(range(MAX_ROWS + 2), worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS),
                                   strict=False)  # stop reading past the limit
                        tables[sheet] = [[cell_text(cell) for cell in row] for _n, row in rows]
            finally:
                workbook.close()
    except Exception:  # a damaged or foreign file fails in many different ways inside openpyxl
        raise unreadable from None
    if not tables:
        raise ImportRejected([_("Filen %(filename)s har inget av bladen %(sheets)s.", filename=filename,
                                sheets=", ".join(SHEETS))])
    return tables


def _csv_table(filename: str, data: bytes) -> dict[str, list[list[str]]]:
    """A CSV file is one sheet, known by its columns (a sheet saved alone from Excel as "CSV UTF-8")."""
    rows = csv_rows(filename, data)
    if not any(any(row) for row in rows):
        return {}
    header = {cell.casefold() for cell in rows[0]}
    for sheet, columns in SHEETS.items():
        if all(column.casefold() in header for column in columns if column not in SHOWN_ONLY):
            return {sheet: rows}
    raise ImportRejected([_("Filen %(filename)s har inte kolumnerna för något av bladen %(sheets)s.",
                            filename=filename, sheets=", ".join(SHEETS))])
