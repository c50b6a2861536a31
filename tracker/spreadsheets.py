"""The rules every spreadsheet import and export shares: limits, formula text, reading .xlsx and CSV files safely.

An import is all or nothing, so reading a file either gives its rows as trimmed text or raises ImportRejected
with a message that names the file. Text that Excel would run as a formula is written and read as text.
"""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

MAX_ROWS = 5000  # far more than any import needs; a small .xlsx can unpack to millions of rows
MAX_UNPACKED = 50 * 1024 * 1024  # a small .xlsx can unpack to gigabytes of XML
# Excel runs a CSV cell that starts with one of these as a formula: such text is written after a "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_SUFFIXES, XLSX_SUFFIXES = (".csv", ".txt"), (".xlsx", ".xlsm")


class ImportRejected(Exception):
    """Nothing in the file was imported; `problems` says why, row by row ("rad 3: …")."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def append_rows(sheet, rows: Iterable[Sequence]) -> None:
    """Write the rows as values: characters an .xlsx cannot hold are dropped, and no cell runs as a formula."""
    for values in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in (cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"):
        cell.data_type = "s"  # text like "=5" is somebody's words, never a formula to run


def file_kind(filename: str) -> str:
    """"csv" or "xlsx", by the file's suffix in any case; any other file is rejected."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    raise ImportRejected([_("Filen %(filename)s är varken en Excelfil (.xlsx) eller en CSV-fil (.csv).",
                            filename=filename)])


def cell_text(value: Any) -> str:
    """A cell's value as trimmed text; an empty cell is ""."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps every number as a float: 12 may come back as 12.0
    return "" if value is None else str(value).strip()


def csv_rows(filename: str, data: bytes) -> list[list[str]]:
    """Every row of a UTF-8 CSV file (";" or "," between cells), each cell as trimmed text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([_("Filen %(filename)s är inte sparad som UTF-8. Spara den i Excel som ”CSV UTF-8” "
                                "och försök igen.", filename=filename)]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        # Strict: an unclosed quote would otherwise swallow every following row without a word.
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        raise ImportRejected([_("Filen %(filename)s gick inte att läsa som CSV-fil.", filename=filename)]) from None
    # Undo the "'" an export put before text Excel would take for a formula.
    return [[cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell
             for cell in map(str.strip, row)] for row in rows]


def read_sheets(filename: str, data: bytes, titles: Sequence[str] | None, *, max_rows: int,
                max_columns: int | None) -> dict[str, list[list[str]]]:
    """The rows of the sheets named `titles` (matched in any case), each cell as text; other sheets are not read.

    `titles` None: the first sheet only, under its own title. A sheet is read no further than `max_rows` + 2
    rows (the header, the limit and one more, so the caller can tell it is too long) and `max_columns` wide
    (None: every column). A file that unpacks to more than MAX_UNPACKED bytes is not opened.
    """
    unreadable = ImportRejected([_("Filen %(filename)s gick inte att läsa som Excelfil.", filename=filename)])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise unreadable from None
    if unpacked > MAX_UNPACKED:
        raise ImportRejected([_("Filen %(filename)s är för stor uppackad, mer än %(size)s MB. Dela upp den.",
                                filename=filename, size=MAX_UNPACKED // (1024 * 1024))])
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions (data validation…) it skips: only values matter here.
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)  # defusedxml when installed
            try:
                tables = {}
                for title, worksheet in _chosen(workbook.worksheets, titles).items():
                    rows = zip(range(max_rows + 2), worksheet.iter_rows(values_only=True, max_col=max_columns),
                               strict=False)  # stop reading past the limit
                    tables[title] = [[cell_text(cell) for cell in row] for _n, row in rows]
            finally:
                workbook.close()
    except Exception:  # a damaged or foreign file fails in many different ways inside openpyxl
        raise unreadable from None
    if not tables:
        raise ImportRejected([_("Filen %(filename)s har inget av bladen %(sheets)s.", filename=filename,
                                sheets=", ".join(titles))])
    return tables


def _chosen(worksheets: list, titles: Sequence[str] | None) -> dict[str, Any]:
    """The worksheet to read for each title, in the workbook's order; the first one of a title counts."""
    if titles is None:
        return {worksheets[0].title: worksheets[0]}  # a workbook without sheets is a damaged file
    names = {title.casefold(): title for title in titles}
    chosen: dict[str, Any] = {}
    for worksheet in worksheets:
        if title := names.get(worksheet.title.strip().casefold()):
            chosen.setdefault(title, worksheet)
    return chosen
