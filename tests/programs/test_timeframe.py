from datetime import date

import pytest

from tracker.programs.timeframe import parse_time_frame

START, END = date(2021, 1, 1), date(2025, 12, 31)


def d(text: str) -> date:
    return date.fromisoformat(text)


# Every time frame printed in Bilaga 1 of 004, plus the forms the parser promises.
CASES = [
    ("Löpande", START, END, True),
    ("Löpande under programperioden", START, END, True),
    ("2022", d("2022-01-01"), d("2022-12-31"), True),
    ("2023", d("2023-01-01"), d("2023-12-31"), True),
    ("Höst 2021", d("2021-08-01"), d("2021-12-31"), True),
    ("Vår 2022", d("2022-01-01"), d("2022-06-30"), True),
    ("Höst 2021–vår 2022", d("2021-08-01"), d("2022-06-30"), True),
    ("Vår 2021–vår 2022", d("2021-01-01"), d("2022-06-30"), True),
    ("Sommar–höst 2023", d("2023-06-01"), d("2023-12-31"), True),
    ("När Operation Kvinnofrid genomför kampanj", START, END, False),
    # other spellings a coordinator may type
    ("hösten 2021 - våren 2022", d("2021-08-01"), d("2022-06-30"), True),
    ("Sommar 2024", d("2024-06-01"), d("2024-08-31"), True),
    ("2022–2024", d("2022-01-01"), d("2024-12-31"), True),
    ("  löpande  ", START, END, True),
    # never guessed
    ("Vinter 2022", START, END, False),
    ("Höst 2023–vår 2022", START, END, False),
    ("Q3 2022", START, END, False),
    ("", START, END, False),
]


@pytest.mark.parametrize(("text", "starts_on", "ends_on", "parsed"), CASES)
def test_time_frame_is_read_as_the_table_says(text, starts_on, ends_on, parsed):
    frame = parse_time_frame(text, period_start=START, period_end=END)
    assert (frame.starts_on, frame.ends_on, frame.parsed) == (starts_on, ends_on, parsed)


def test_ongoing_follows_the_programme_period():
    frame = parse_time_frame("Löpande", period_start=date(2024, 1, 1), period_end=date(2026, 12, 31))
    assert (frame.starts_on, frame.ends_on) == (date(2024, 1, 1), date(2026, 12, 31))
