"""Odd values in integer URL segments: a 4xx with a Swedish page, never a server error.

The database holds ids as 32-bit integers: an id of 2^63 once reached it and failed as a 500.
Every <int:…> segment of the URL map is tried, one at a time with the other segments valid,
for every method the rule takes, as a coordinator (or, where the route is not theirs, a role it is for).
"""
from __future__ import annotations

import re

import pytest

from tracker.accounts.access import allowed_roles
from tracker.accounts.models import Role

from .test_access_matrix import RULES, sample_args  # noqa: F401  (sample_args is a fixture)

# More than an integer column holds (the last more digits than Python turns into an int), and what is no number.
NOT_AN_ID = (2**31, 2**63, 2**64, 10**30, "9" * 5000, -1, "²")
IN_RANGE = (0, 9999, 10_000, 2**31 - 1)  # odd but storable: years past datetime's, the largest id
INT_RULES = sorted({(endpoint, rule, method) for endpoint, rule, method in RULES if "<int:" in rule})


def _url_for_rule(rule: str, args: dict) -> str:
    """The rule's URL (an endpoint may have several rules: fill in this one's segments)."""
    url = rule
    for name, value in args.items():
        for converter in ("int:", ""):
            url = url.replace(f"<{converter}{name}>", str(value))
    assert "<" not in url, url
    return url


def test_every_int_segment_is_tried():
    assert len(INT_RULES) >= 25
    assert {"/medel/<int:year>", "/uppfoljning/atagande/<int:commitment_id>", "/arkiv/dokument/<int:document_id>"} <= {
        rule for _e, rule, _m in INT_RULES}


@pytest.mark.parametrize(("endpoint", "rule", "method"), INT_RULES, ids=[f"{m} {r}" for _e, r, m in INT_RULES])
def test_odd_integers_in_the_url_answer_4xx_in_swedish(app, login, sample_args, endpoint, rule, method):  # noqa: F811
    args, users = sample_args
    with app.test_request_context():
        role = next(role for role in (Role.coordinator, Role.admin, Role.contact) if role in allowed_roles(endpoint))
    client = login(users[role])
    for name in re.findall(r"<int:(\w+)>", rule):
        for value in (*NOT_AN_ID, *IN_RANGE):
            url = _url_for_rule(rule, {**args, name: value})
            response = client.open(url, method=method)
            where = f"{method} {url}: {response.status_code}"
            if value in IN_RANGE:
                assert response.status_code < 500, where  # a page, a refusal or "not found", never a crash
                continue
            assert response.status_code == 404, where
            page = response.get_data(as_text=True)
            assert "Sidan finns inte" in page and "Sidan du söker finns inte" in page, where


@pytest.mark.parametrize(("method", "url", "data"), [
    ("get", "/rapporter/program-mot-vald-2021-2025/sammanstallning?ar=²", None),
    ("post", "/arkiv/generera/sammanstallning", {"program": "program-mot-vald-2021-2025", "year": "²"}),
    ("post", "/arkiv/generera/sammanstallning", {"program": "program-mot-vald-2021-2025", "year": "9" * 5000}),
])
def test_odd_digits_in_a_year_are_refused_not_a_server_error(seeded, make_user, login, method, url, data):
    client = login(make_user(Role.coordinator))
    response = getattr(client, method)(url, data=data)
    assert response.status_code < 500


def test_a_nul_character_anywhere_in_the_request_is_a_400(seeded, make_user, login, client):
    assert client.post("/login", data={"email": "a\x00@example.se", "password": "x"}).status_code == 400
    coordinator = login(make_user(Role.coordinator))
    assert coordinator.get("/organisation/%00").status_code == 400
    assert coordinator.get("/medel/?x=%00").status_code == 400
    assert coordinator.get("/medel/").status_code == 200
