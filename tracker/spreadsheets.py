"""The rules every spreadsheet import and export shares: limits, formula text, reading .xlsx and CSV files safely.

An import is all or nothing, so reading a file either gives its rows as trimmed text or raises ImportRejected
with a message that names the file. Text that Excel would run as a formula is written and read as text.

An .xlsx file is a zip of XML that openpyxl turns into objects of several hundred bytes each: a 4 MB upload can
unpack to millions of them. So before openpyxl sees a file, every XML part is counted with expat (the parser
openpyxl's own uses), building nothing, and a file past a limit is refused; reading then counts what it makes.
"""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any
from xml.parsers import expat

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

MAX_ROWS = 5000  # far more than any import needs; a small .xlsx can unpack to millions of rows
MAX_UNPACKED = 50 * 1024 * 1024  # a small .xlsx can unpack to gigabytes of XML
# Together these keep reading any upload well below 200 MB (tests/test_spreadsheets.py measures the worst files).
MAX_CELLS = 200_000  # in the whole workbook (and its rows, shared texts, declared range); imports need 150 000
MAX_ROW_CELLS = 16_384  # as many columns as Excel has: openpyxl holds a whole row at once
MAX_PARTS = 100_000  # everything besides cells and their values: styles, merged ranges, links, rich text …
MAX_TEXT = 10_000_000  # characters in the cells read
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
    (None: every column). A file that unpacks to more than MAX_UNPACKED bytes is not opened, nor one past the
    limits on cells, parts and text (see _Limits).
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
    limits = _Limits(filename)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for item in archive.infolist():
                limits.scan(archive, item)
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions (data validation…) it skips: only values matter here.
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)  # defusedxml when installed
            try:
                tables = {}
                for title, worksheet in _chosen(workbook.worksheets, titles).items():
                    limits.check_declared(worksheet)
                    rows = zip(range(max_rows + 2), worksheet.iter_rows(values_only=True, max_col=max_columns),
                               strict=False)  # stop reading past the limit
                    tables[title] = [limits.texts(row, count_width=max_columns is None) for _n, row in rows]
            finally:
                workbook.close()
    except ImportRejected:
        raise
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


def _spaced(number: int) -> str:
    """200000 → "200 000", as numbers are written in Swedish."""
    return f"{number:,}".replace(",", " ")


# Elements a cell or a shared text holds its value in: (parent, child) → how many of them are free of MAX_PARTS.
_VALUES = {("c", "v"): 3, ("c", "f"): 3, ("c", "is"): 3, ("is", "t"): 1, ("si", "t"): 1}


class _Limits:
    """What a workbook would become in memory, counted as its XML streams past and as its cells are read.

    Rows, cells and shared texts are what openpyxl reads one at a time; every other element (a style, a
    merged range, a run of rich text, a value too many) is a part, and openpyxl may hold all of them at once.
    """

    def __init__(self, filename: str):
        self.filename = filename
        self.cells = self.rows = self.strings = self.parts = self.row_cells = self.read = self.text = 0
        # The elements being parsed and how many children each has had; the handlers run once per element and
        # allocate nothing.
        self.names: list[str] = []
        self.children: list[int] = []

    def scan(self, archive: zipfile.ZipFile, item: zipfile.ZipInfo) -> None:
        """Count one part of the archive, as far as it is XML (an image stops at its first byte)."""
        parser = expat.ParserCreate()
        parser.StartElementHandler, parser.EndElementHandler = self._start, self._end
        parser.StartDoctypeDeclHandler = self._doctype  # none in a workbook; openpyxl would refuse entities
        self.names, self.children = [""], [0]
        with archive.open(item) as part:
            try:
                while chunk := part.read(1 << 20):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
            except expat.ExpatError:
                return  # openpyxl's parser (expat too) fails at the same place, if it reads the part at all

    def _start(self, name: str, _attributes) -> None:
        local = name[name.find(":") + 1:]  # without a prefix, the name itself
        parent = self.names[-1]
        self.children[-1] += 1
        if local == "c" and parent == "row":
            self.cells += 1
            self.row_cells += 1
            if self.row_cells > MAX_ROW_CELLS:
                raise ImportRejected([_("Filen %(filename)s har en rad med fler än %(limit)s celler, fler än Excel "
                                        "tillåter.", filename=self.filename, limit=_spaced(MAX_ROW_CELLS))])
            if self.cells > MAX_CELLS:
                raise self._too_many_cells()
        elif local == "row" and parent == "sheetData":
            self.rows += 1
            self.row_cells = 0
            if self.rows > MAX_CELLS:
                raise self._too_many_cells()
        elif local == "si" and parent == "sst":
            self.strings += 1
            if self.strings > MAX_CELLS:
                raise self._too_many_cells()
        elif self.children[-1] > _VALUES.get((parent, local), 0):
            self.parts += 1
            if self.parts > MAX_PARTS:
                raise ImportRejected([_(
                    "Filen %(filename)s har för mycket utöver cellernas värden (formatering, sammanfogade celler, "
                    "länkar …): mer än %(limit)s delar. Kopiera värdena till ett nytt kalkylark och försök igen.",
                    filename=self.filename, limit=_spaced(MAX_PARTS))])
        self.names.append(local)
        self.children.append(0)

    def _end(self, _name: str) -> None:
        self.names.pop()
        self.children.pop()

    def _doctype(self, *_declaration) -> None:
        raise ValueError("a document type declaration")  # read_sheets answers: the file cannot be read

    def check_declared(self, worksheet) -> None:
        """Refuse a sheet whose declared range (openpyxl pads every row to its width) is too large."""
        corners = (worksheet.min_row, worksheet.max_row, worksheet.min_column, worksheet.max_column)
        if None not in corners and (corners[1] - corners[0] + 1) * (corners[3] - corners[2] + 1) > MAX_CELLS:
            raise self._too_many_cells()

    def texts(self, row: Sequence, *, count_width: bool) -> list[str]:
        """The row's cells as text. `count_width`: the row is as wide as its last cell or the declared range,
        not as the caller asked, so its empty cells count too (one cell in column XFD makes 16 384)."""
        if count_width:
            self.read += len(row)
            if self.read > MAX_CELLS:
                raise self._too_many_cells()
        texts = []
        for cell in row:
            if isinstance(cell, str):  # one long shared text in many cells would be copied for each
                self.text += len(cell)
                if self.text > MAX_TEXT:
                    raise ImportRejected([_("Filen %(filename)s har mer än %(limit)s tecken text. Dela upp den i "
                                            "flera filer.", filename=self.filename, limit=_spaced(MAX_TEXT))])
            texts.append(cell_text(cell))
        return texts

    def _too_many_cells(self) -> ImportRejected:
        return ImportRejected([_("Filen %(filename)s har fler än %(limit)s celler. Dela upp den i flera filer.",
                                 filename=self.filename, limit=_spaced(MAX_CELLS))])
