"""The grant-year file's sheets and columns, the same both ways, and reading them back as rows by column name.

A row and every problem found in it are named by sheet, row number and column, as a coordinator sees them in
Excel. A file-wide problem (not a spreadsheet, no known sheet, a missing column, too many rows) rejects the
file before any row is checked.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from tracker.spreadsheets import ImportRejected, csv_rows, file_kind, read_sheets

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
YES, NO = "Ja", "Nej"
REASON_SEPARATOR = "; "  # labels have commas in them
MAX_COLUMNS = 40  # far more than any sheet has; a row is never read wider


@dataclass(eq=False)
class Line:
    """One row of a sheet, by column name, each cell as trimmed text."""

    sheet: str
    number: int
    values: dict[str, str]
    bad: bool = False  # a problem was found in it

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def filled(self, *columns: str) -> bool:
        return any(self.values[column] for column in columns)


class Problems:
    """Every problem found, in sheet, row and column order however they were found."""

    def __init__(self):
        self.found: list[tuple[tuple[int, int, int], str]] = []

    def add(self, line: Line, column: str | None, problem: str) -> None:
        line.bad = True
        columns = SHEETS[line.sheet]
        key = (list(SHEETS).index(line.sheet), line.number, columns.index(column) if column in columns else -1)
        text = (_("Blad %(sheet)s, rad %(row)s, %(column)s: %(problem)s", sheet=line.sheet, row=line.number,
                  column=column, problem=problem) if column
                else _("Blad %(sheet)s, rad %(row)s: %(problem)s", sheet=line.sheet, row=line.number, problem=problem))
        self.found.append((key, text))

    def texts(self) -> list[str]:
        return [text for _key, text in sorted(self.found, key=lambda found: found[0])]


def read_file(filename: str, data: bytes, *, max_rows: int) -> dict[str, list[Line]]:
    """Each known sheet's rows after its header, by column name; a file-wide problem rejects the file at once."""
    if file_kind(filename) == "csv":
        tables = _csv_table(filename, data)
    else:  # the known sheets by name, in any case; the Metod sheet and any other are not read
        tables = read_sheets(filename, data, list(SHEETS), max_rows=max_rows, max_columns=MAX_COLUMNS)
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
        elif len(rows) > max_rows + 1:
            problems.append(_("Blad %(sheet)s har fler än %(limit)s rader.", sheet=sheet, limit=max_rows))
        else:
            where = {column: header.index(column.casefold()) for column in wanted}
            sheets[sheet] = [Line(sheet, number, {column: row[i] if i < len(row) else "" for column, i in where.items()})
                             for number, row in enumerate(rows[1:], start=2)]
    if problems:
        raise ImportRejected(problems)
    return sheets


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
