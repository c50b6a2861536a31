"""The rules every spreadsheet import and export shares: formula text stays text, files are read within limits."""
from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tracker import spreadsheets
from tracker.spreadsheets import ImportRejected, append_rows, cell_text, csv_rows, file_kind, read_sheets


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        append_rows(workbook.create_sheet(title), rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rezipped(data: bytes, replace: dict[str, bytes]) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, replace.get(item.filename, source.read(item)))
        for name, content in replace.items():
            if name not in source.namelist():
                target.writestr(name, content)
    return out.getvalue()


def _problems(call, *args, **kwargs) -> list[str]:
    with pytest.raises(ImportRejected) as rejected:
        call(*args, **kwargs)
    return rejected.value.problems


def test_import_rejected_keeps_every_problem():
    rejected = ImportRejected(["rad 2: a.", "rad 3: b."])
    assert rejected.problems == ["rad 2: a.", "rad 3: b."] and str(rejected) == "rad 2: a.; rad 3: b."


def test_appended_formula_text_is_text_and_illegal_characters_are_dropped():
    workbook = Workbook()
    append_rows(workbook.active, [["=SUM(A1:A3)", "+46 8", "a\x01b\x1fc", 12, 2.5]])
    out = io.BytesIO()
    workbook.save(out)

    row = load_workbook(io.BytesIO(out.getvalue())).active[1]
    assert [cell.value for cell in row] == ["=SUM(A1:A3)", "+46 8", "abc", 12, 2.5]
    assert [cell.data_type for cell in row] == ["s", "s", "s", "n", "n"]


def test_formula_text_reads_back_as_the_text_written():
    """Read with cached values only, a real formula would come back empty: the text must not be one."""
    data = _xlsx({"Blad": [["Kommentar"], ['=HYPERLINK("http://x")'], ["@alla"]]})
    assert read_sheets("a.xlsx", data, None, max_rows=10, max_columns=None) == {
        "Blad": [["Kommentar"], ['=HYPERLINK("http://x")'], ["@alla"]]}


@pytest.mark.parametrize(("filename", "kind"), [
    ("siffror.csv", "csv"), ("SIFFROR.CSV", "csv"), ("export.txt", "csv"), ("medel.xlsx", "xlsx"),
    ("Medel.XLSM", "xlsx"), ("a.b.xlsx", "xlsx"),
])
def test_file_kind_goes_by_the_suffix_in_any_case(filename, kind):
    assert file_kind(filename) == kind


@pytest.mark.parametrize("filename", ["medel.xls", "medel.ods", "medel", "medel.xlsx.pdf"])
def test_a_file_that_is_neither_excel_nor_csv_is_rejected(filename):
    assert _problems(file_kind, filename) == [
        f"Filen {filename} är varken en Excelfil (.xlsx) eller en CSV-fil (.csv)."]


@pytest.mark.parametrize(("value", "text"), [
    (12.0, "12"), (2.5, "2.5"), (0, "0"), (None, ""), ("  Bromma \n", "Bromma"), ("", ""), (True, "True"),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_csv_rows_reads_semicolons_or_commas_by_the_first_line_and_trims_cells():
    semicolons = "\ufeffÅr; Nämnd ;Text\r\n2022;farsta;\"a; b\"\r\n".encode()
    assert csv_rows("a.csv", semicolons) == [["År", "Nämnd", "Text"], ["2022", "farsta", "a; b"]]
    commas = "År,Nämnd,Text\n2022,farsta,\"1 200; 3\"\n".encode()
    assert csv_rows("a.csv", commas) == [["År", "Nämnd", "Text"], ["2022", "farsta", "1 200; 3"]]
    assert csv_rows("a.csv", b"") == []


def test_csv_rows_undo_the_quote_before_formula_text_only():
    data = b"Text\r\n'=SUM(A1)\r\n'-5 %\r\n'+46\r\n'@alla\r\n'citat'\r\n'\r\n"
    assert [row[0] for row in csv_rows("a.csv", data)[1:]] == ["=SUM(A1)", "-5 %", "+46", "@alla", "'citat'", "'"]


@pytest.mark.parametrize(("data", "problem"), [
    ("År;Text\r\n2022;Källa\r\n".encode("cp1252"),
     "Filen a.csv är inte sparad som UTF-8. Spara den i Excel som ”CSV UTF-8” och försök igen."),
    ('År;Text\r\n2022;"ett citat\r\n2023;nästa rad\r\n'.encode(), "Filen a.csv gick inte att läsa som CSV-fil."),
])
def test_csv_rows_reject_what_cannot_be_read_whole(data, problem):
    assert _problems(csv_rows, "a.csv", data) == [problem]


def test_without_titles_only_the_first_sheet_is_read_under_its_own_title():
    data = _xlsx({"Effektmål": [["Kod", "År"], ["andel", 2024.0]], "Metod": [["Text om filen."]]})
    assert read_sheets("a.xlsx", data, None, max_rows=10, max_columns=None) == {
        "Effektmål": [["Kod", "År"], ["andel", "2024"]]}


def test_titles_are_matched_in_any_case_and_the_first_sheet_of_a_title_counts():
    data = _xlsx({"Metod": [["Text"]], " återrapport ": [["b"]], "FÖRDELNING": [["a"]], "Fördelning ": [["igen"]]})
    tables = read_sheets("a.xlsx", data, ["Fördelning", "Återrapport", "Områden"], max_rows=10, max_columns=None)
    assert list(tables.items()) == [("Återrapport", [["b"]]), ("Fördelning", [["a"]])]  # the workbook's order


def test_a_file_without_any_of_the_titles_is_rejected():
    data = _xlsx({"Metod": [["Text"]]})
    assert _problems(read_sheets, "a.xlsx", data, ["Fördelning", "Områden"], max_rows=10, max_columns=None) == [
        "Filen a.xlsx har inget av bladen Fördelning, Områden."]


def test_a_sheet_is_read_no_further_than_one_row_past_the_limit_and_no_wider_than_asked():
    rows = [[f"r{number}c{column}" for column in range(1, 6)] for number in range(1, 21)]
    data = _xlsx({"Blad": rows})

    [short] = read_sheets("a.xlsx", data, None, max_rows=3, max_columns=2).values()
    assert short == [row[:2] for row in rows[:5]]  # the header, three rows and one more to tell it is too long
    [whole] = read_sheets("a.xlsx", data, None, max_rows=100, max_columns=None).values()
    assert whole == rows


def test_a_file_that_unpacks_too_large_is_not_opened(monkeypatch):
    data = _xlsx({"Blad": [["a"]]})
    padded = _rezipped(data, {"xl/media/padding.bin": bytes(spreadsheets.MAX_UNPACKED + 1)})
    assert len(padded) < 1024 * 1024  # small as uploaded
    assert _problems(read_sheets, "a.xlsx", padded, None, max_rows=10, max_columns=None) == [
        "Filen a.xlsx är för stor uppackad, mer än 50 MB. Dela upp den."]

    unpacked = sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(spreadsheets, "MAX_UNPACKED", unpacked)
    assert read_sheets("a.xlsx", data, None, max_rows=10, max_columns=None) == {"Blad": [["a"]]}
    monkeypatch.setattr(spreadsheets, "MAX_UNPACKED", unpacked - 1)
    assert _problems(read_sheets, "a.xlsx", data, None, max_rows=10, max_columns=None)[0].startswith(
        "Filen a.xlsx är för stor uppackad")


def test_damaged_files_and_xml_entities_are_unreadable():
    data = _xlsx({"Blad": [["a"]]})
    entity = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "Bromma">]>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              b'<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>')
    no_workbook = io.BytesIO()
    with zipfile.ZipFile(no_workbook, "w") as archive:
        archive.writestr("hej.txt", "inte ett kalkylark")
    for damaged in (b"inte en zip", b"", no_workbook.getvalue(),
                    _rezipped(data, {"xl/worksheets/sheet1.xml": entity})):  # defusedxml: never expanded
        assert _problems(read_sheets, "a.xlsx", damaged, None, max_rows=10, max_columns=None) == [
            "Filen a.xlsx gick inte att läsa som Excelfil."]


# Workbooks small as uploaded but huge when read: each is refused before it is read whole, and reading or
# refusing any of them, or the largest real imports, stays far below 200 MB.
ROOT = Path(__file__).resolve().parent.parent
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
UPLOAD_LIMIT = 4 * 1024 * 1024  # MAX_CONTENT_LENGTH: nothing larger reaches read_sheets
MEMORY_LIMIT = 200 * 1024 * 1024


def _sheet(rows: bytes, *, dimension: str | None = None, after: bytes = b"") -> bytes:
    head = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}">'.encode() + head + b"<sheetData>" + rows
            + b"</sheetData>" + after + b"</worksheet>")


def _workbook(*sheets: bytes, strings: bytes | None = None, parts: dict[str, bytes] | None = None) -> bytes:
    """A real workbook with a sheet for each of `sheets` (Blad1, Blad2 …), shared texts, other parts by name."""
    base = _xlsx({f"Blad{number}": [["a"]] for number in range(1, len(sheets) + 1)})
    replace = {f"xl/worksheets/sheet{number}.xml": sheet for number, sheet in enumerate(sheets, start=1)}
    if strings is not None:
        types = zipfile.ZipFile(io.BytesIO(base)).read("[Content_Types].xml").replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                         b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        replace.update({"xl/sharedStrings.xml": f'<sst xmlns="{MAIN_NS}">'.encode() + strings + b"</sst>",
                        "[Content_Types].xml": types})
    replace.update(parts or {})
    return _rezipped(base, replace)


def _inline(text: str) -> bytes:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _styles(cell_formats: int) -> bytes:
    return (f'<styleSheet xmlns="{MAIN_NS}"><cellXfs count="{cell_formats}">'.encode()
            + b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * cell_formats + b"</cellXfs></styleSheet>")


# Each case: how to build the file (when a test first asks, see _built) and why it is refused.
HUGE_WHEN_READ = {
    "a declared range of every cell Excel has": (
        lambda: _workbook(_sheet(b"<row>" + _inline("a") + b"</row>" + b"<row><c><v>1</v></c></row>" * 4999,
                                 dimension="A1:XFD1048576")),
        "Filen a.xlsx har fler än 200 000 celler. Dela upp den i flera filer."),
    "two million cells in rows of a thousand": (
        lambda: _workbook(_sheet((b"<row>" + b"<c><v>1</v></c>" * 1000 + b"</row>") * 2000)),
        "Filen a.xlsx har fler än 200 000 celler. Dela upp den i flera filer."),
    "two million cells after two megabytes of spaces": (  # the spaces are XML too: the cells are counted
        lambda: _workbook(b" " * (2 << 20) + _sheet((b"<row>" + b"<c><v>1</v></c>" * 1000 + b"</row>") * 2000)
                          .removeprefix(b'<?xml version="1.0"?>')),
        "Filen a.xlsx har fler än 200 000 celler. Dela upp den i flera filer."),
    "two million cells in one row": (
        lambda: _workbook(_sheet(b"<row>" + b"<c><v>1</v></c>" * 2_000_000 + b"</row>")),
        "Filen a.xlsx har en rad med fler än 16 384 celler, fler än Excel tillåter."),
    "six million empty rows": (
        lambda: _workbook(_sheet(b"<row/>" * 6_000_000)),
        "Filen a.xlsx har fler än 200 000 celler. Dela upp den i flera filer."),
    "a cell in Excel's last column on each of 5000 rows": (
        lambda: _workbook(_sheet(b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n)
                                          for n in range(1, 5001)))),
        "Filen a.xlsx har fler än 200 000 celler. Dela upp den i flera filer."),
    "two and a half million shared texts": (
        lambda: _workbook(_sheet(b'<row><c t="s"><v>0</v></c></row>'), strings=b"<si><t>x</t></si>" * 2_500_000),
        "Filen a.xlsx har fler än 200 000 celler. Dela upp den i flera filer."),
    "one long text with spaces in 150 000 cells": (
        lambda: _workbook(_sheet((b"<row>" + b'<c t="s"><v>0</v></c>' * 10 + b"</row>") * 15_000),
                          strings=b'<si><t xml:space="preserve"> ' + b"x" * 30_000 + b" </t></si>"),
        "Filen a.xlsx har mer än 10 000 000 tecken text. Dela upp den i flera filer."),
    "a cell of a million formatted pieces": (
        lambda: _workbook(_sheet(b'<row><c t="inlineStr"><is>' + b"<r><t>x</t></r>" * 1_000_000 + b"</is></c></row>")),
        "Filen a.xlsx har för mycket utöver cellernas värden (formatering, sammanfogade celler, länkar …): mer än "
        "100 000 delar. Kopiera värdena till ett nytt kalkylark och försök igen."),
    "a million values in one cell": (
        lambda: _workbook(_sheet(b"<row><c>" + b"<v>1</v>" * 1_000_000 + b"</c></row>")),
        "Filen a.xlsx har för mycket utöver cellernas värden (formatering, sammanfogade celler, länkar …): mer än "
        "100 000 delar. Kopiera värdena till ett nytt kalkylark och försök igen."),
    "a million merged ranges": (
        lambda: _workbook(_sheet(b"<row>" + _inline("a") + b"</row>",
                                 after=b"<mergeCells>" + b'<mergeCell ref="A1:B2"/>' * 1_000_000 + b"</mergeCells>")),
        "Filen a.xlsx har för mycket utöver cellernas värden (formatering, sammanfogade celler, länkar …): mer än "
        "100 000 delar. Kopiera värdena till ett nytt kalkylark och försök igen."),
    "half a million cell formats": (
        lambda: _workbook(_sheet(b"<row>" + _inline("a") + b"</row>"),
                          parts={"xl/styles.xml": _styles(500_000)}),
        "Filen a.xlsx har för mycket utöver cellernas värden (formatering, sammanfogade celler, länkar …): mer än "
        "100 000 delar. Kopiera värdena till ett nytt kalkylark och försök igen."),
}


def _full_sheet(rows: int, columns: int) -> bytes:
    """A sheet as large as an import takes, every cell a different text."""
    body = b"".join(b"<row>" + b"".join(_inline(f"rad {r} kolumn {c} med lite text") for c in range(columns))
                    + b"</row>" for r in range(rows))
    return _sheet(body, dimension=f"A1:{chr(64 + columns)}{rows}")


# The largest files the imports take: the header and 5000 rows of the effect goals' 13 columns, read as wide as
# they are, and of the funds' three sheets, read 40 columns wide. (name: build, titles, max_columns)
LARGEST_IMPORTS = {
    "effect goals": (lambda: _workbook(_full_sheet(5001, 13)), None, None),
    "funds": (lambda: _workbook(*[_full_sheet(5001, 10)] * 3), ["Blad1", "Blad2", "Blad3"], 40),
}
# A case whose refusal comes after reading begins depends on how wide the import reads.
READ_WIDTH_MATTERS = ("a declared range of every cell Excel has", "a cell in Excel's last column on each of 5000 rows",
                      "one long text with spaces in 150 000 cells")


@functools.cache
def _built(name: str) -> bytes:
    """The file of a case or of a largest import, built once for all the tests that read it."""
    return (HUGE_WHEN_READ.get(name) or LARGEST_IMPORTS[name])[0]()


@pytest.mark.parametrize(("case", "max_columns"), [(case, None) for case in HUGE_WHEN_READ]
                         + [(case, 40) for case in READ_WIDTH_MATTERS])
def test_a_small_file_that_is_huge_when_read_is_refused(case, max_columns):
    problem = HUGE_WHEN_READ[case][1]
    data = _built(case)
    assert len(data) < UPLOAD_LIMIT  # an upload the size limit lets through
    if max_columns == 40 and case == "a cell in Excel's last column on each of 5000 rows":
        # Read no wider than asked, it is 5000 empty rows: nothing to refuse.
        assert read_sheets("a.xlsx", data, None, max_rows=5000, max_columns=40) == {"Blad1": [[""] * 40] * 5000}
    else:
        assert _problems(read_sheets, "a.xlsx", data, None, max_rows=5000, max_columns=max_columns) == [problem]


def test_parts_that_are_not_xml_are_not_counted():
    image = b"\x89PNG\r\n" + bytes(1000)
    data = _workbook(_sheet(b"<row>" + _inline("Kod") + b"</row>"), parts={"xl/media/image1.png": image})
    assert read_sheets("a.xlsx", data, None, max_rows=10, max_columns=None) == {"Blad1": [["Kod"]]}


def test_the_cells_of_every_sheet_count_and_a_file_within_every_limit_is_read(monkeypatch):
    """The limits hold for the whole workbook, before any sheet is read: the sheets an import skips count too."""
    rows = (b"<row>" + b"<c><v>1</v></c>" * 100 + b"</row>") * 1000  # 100 000 cells
    data = _workbook(_sheet(b"<row>" + _inline("Kod") + b"</row>"), _sheet(rows))
    assert read_sheets("a.xlsx", data, None, max_rows=10, max_columns=None) == {"Blad1": [["Kod"]]}
    monkeypatch.setattr(spreadsheets, "MAX_CELLS", 100_000)
    assert _problems(read_sheets, "a.xlsx", data, None, max_rows=10, max_columns=None) == [
        "Filen a.xlsx har fler än 100 000 celler. Dela upp den i flera filer."]


# Reads each file in a fresh interpreter and prints what it read (the problems, or each sheet's row count and the
# last sheet's last row) and how far its peak resident memory has risen above what it was before the first file:
# the memory of the whole process, C's included, not only Python's objects. The peak is the kernel's VmHWM:
# getrusage's ru_maxrss would also count the pytest process the interpreter was forked from.
MEASURE = """
import json, sys
from tracker.spreadsheets import ImportRejected, read_sheets

def status(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) * 1024 for line in lines if line.startswith(field + ":"))

files = json.loads(sys.argv[1])
read_sheets("a.xlsx", open(files[0][1], "rb").read(), None, max_rows=1, max_columns=None)  # openpyxl's imports
before = status("VmRSS")
for name, path, titles, max_columns in files:
    data = open(path, "rb").read()
    try:
        tables = list(read_sheets("a.xlsx", data, titles, max_rows=5000, max_columns=max_columns).values())
        read = [[len(rows) for rows in tables], tables[-1][-1]]
    except ImportRejected as rejected:
        read = rejected.problems
    data = tables = None
    print(json.dumps([name, status("VmHWM") - before, read]))
"""


def test_the_largest_imports_are_read_whole_and_no_upload_takes_200_mb(tmp_path):
    files = [(name, titles, max_columns) for name, (_build, titles, max_columns) in LARGEST_IMPORTS.items()]
    files += [(case, None, None) for case in HUGE_WHEN_READ]
    paths = []
    for number, (name, titles, max_columns) in enumerate(files):
        path = tmp_path / f"{number}.xlsx"
        path.write_bytes(_built(name))
        paths.append((name, str(path), titles, max_columns))
    measured = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(paths)], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
    assert measured.returncode == 0, measured.stderr
    answers = {name: (peak, read) for name, peak, read in map(json.loads, measured.stdout.splitlines())}

    assert answers["effect goals"][1] == [[5001], [f"rad 5000 kolumn {c} med lite text" for c in range(13)]]
    assert answers["funds"][1] == [[5001] * 3, [f"rad 5000 kolumn {c} med lite text" for c in range(10)] + [""] * 30]
    assert {case: answers[case][1] for case in HUGE_WHEN_READ} == {
        case: [problem] for case, (_build, problem) in HUGE_WHEN_READ.items()}
    peaks = {name: f"{peak / 2**20:.0f} MB" for name, (peak, _read) in answers.items()}
    assert max(peak for peak, _read in answers.values()) < MEMORY_LIMIT, peaks
