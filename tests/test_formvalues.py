"""What people type into forms and spreadsheets is read by one rule per kind: text, whole numbers, dates."""
from __future__ import annotations

from datetime import date

import pytest

from tracker.formvalues import MAX_COUNT, clean_text, iso_date, whole_number

NOT_WHOLE = "Skriv ett heltal, 0 eller större."


@pytest.mark.parametrize(("raw", "text"), [
    ("  hej  ", "hej"), ("rad 1\r\nrad 2", "rad 1\nrad 2"), ("", None), ("  \r\n ", None), (None, None), (12, "12"),
])
def test_clean_text(raw, text):
    assert clean_text(raw) == text


@pytest.mark.parametrize(("raw", "value"), [
    ("1234", 1234), ("1 234", 1234), ("1\u00a0234", 1234), ("1\u202f234", 1234), ("  7 ", 7), ("0", 0),
    ("007", 7), (5, 5), (5.0, 5), (0, 0), ("", None), ("   ", None), (None, None),
])
def test_whole_number_reads_swedish_thousands(raw, value):
    assert whole_number(raw) == (value, None)


@pytest.mark.parametrize("raw", ["-3", -3, -3.0, "2.5", "2,5", 2.5, "abc", "²", "٣", "+4", "1e3", "3 st", True, False,
                                 float("nan"), float("inf")])
def test_whole_number_refuses_what_is_not_a_whole_number(raw):
    assert whole_number(raw) == (None, NOT_WHOLE)


def test_whole_number_with_a_unit():
    assert whole_number("1 234 kr", unit="kr") == (1234, None)
    assert whole_number("1234KR", unit="kr") == (1234, None)
    assert whole_number("kr", unit="kr") == (None, NOT_WHOLE)  # the unit alone is not a number
    assert whole_number("1 234 kr") == (None, NOT_WHOLE)  # no unit expected


def test_whole_number_maximum():
    assert whole_number(str(MAX_COUNT)) == (MAX_COUNT, None)
    assert whole_number(str(MAX_COUNT + 1)) == (None, "Talet är för stort.")
    assert whole_number("101", maximum=100) == (None, "Talet är för stort.")
    assert whole_number(1e20) == (None, "Talet är för stort.")


@pytest.mark.parametrize(("raw", "value"), [
    ("2024-03-31", date(2024, 3, 31)), (" 2024-02-29 ", date(2024, 2, 29)), (date(2017, 6, 30), date(2017, 6, 30)),
    ("", None), (None, None),
])
def test_iso_date(raw, value):
    assert iso_date(raw) == (value, None)


@pytest.mark.parametrize("raw", ["2023-02-29", "31/03/2024", "2024-3-31", "20240331", "2024-03-31T00:00", "igår"])
def test_iso_date_refuses_other_forms(raw):
    assert iso_date(raw) == (None, "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-31.")
