"""A goal filter or page number that cannot mean anything is dropped, as the filters promise: never a server error."""
from __future__ import annotations

import pytest

from tracker.followup.filters import Filters

# Digits Python's int() refuses ("²"), more digits than it converts (4300), a number no column holds.
NOT_A_NUMBER = ("²", "²0²4", "9" * 5000, str(2**63), "-1", " ")


@pytest.mark.parametrize("value", NOT_A_NUMBER)
def test_a_goal_that_cannot_be_one_is_no_filter(value):
    assert Filters.from_args({"goal": value}).goal is None


def test_a_goal_of_ascii_digits_is_read():
    assert Filters.from_args({"goal": " 12 "}).goal == 12


@pytest.mark.parametrize("name", ["goal", "sida"])
def test_the_overview_and_an_activity_page_ignore_odd_numbers_in_the_query(client, login, scenario, name):
    reader = login(scenario.reader)
    for value in NOT_A_NUMBER:
        for url in ("/uppfoljning/", f"/uppfoljning/aktivitet/{scenario.parenting.id}"):
            response = reader.get(url, query_string={name: value})
            assert response.status_code == 200, f"{url}?{name}={value[:20]}"
            assert "Föräldraskapsstöd i alla stadsdelar" in response.get_data(as_text=True)
