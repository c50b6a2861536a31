"""The rules every spreadsheet import and export shares: formula text stays text, files are read within limits."""
from __future__ import annotations

import io
import zipfile

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
