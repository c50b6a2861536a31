"""Fuzzing: every route of the URL map with odd path values, query strings and form fields, as each role.

No answer may be a server error. Path values are real ids and slugs from the seeded data
(so that views go past their lookups), edge cases (2^63, negative, `..`, newlines, unicode)
and random text; query strings and forms use the names the app reads and random ones.
A short run is part of `make test` (edge requests, then TRACKER_FUZZ_EXAMPLES drawn examples per route and role,
default 2, the same every run); `benchmarks/reliability.py --fuzz-examples N` runs it longer.
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tracker.accounts.models import Role
from tracker.archive import jobs
from tracker.funds.editing import SECTIONS
from tracker.funds.models import FundPurpose, FundYear
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import StatusReport
from tracker.scheduler import registry

from .conftest import log_in
from .test_access_matrix import RULES

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "2"))
ROLES = [None, Role.admin, Role.coordinator, Role.contact, Role.reader]
SEGMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
TRACKER = Path(__file__).resolve().parent.parent / "tracker"

EDGE_INTS = [0, 1, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]
EDGE_TEXT = ["", " ", "0", "-1", "1.5", "1e309", "nan", str(2**63), "9" * 60, "..", "../..", "../../etc/passwd",
             "a\nb", "\r\n", "%0a", "\x00", "ü", "å ä ö – €", "😀", "<script>alert(1)</script>", "' OR 1=1 --",
             "//evil.example", "/\nevil", "2024-T1", "2024-T9", "0000-T0", "9999-T3", "2024-02-30", "13/45/2024",
             "on", "true", "draft", "submit", "sv", "en"]
REDIRECTS = ["/\nevil", "/\r\nSet-Cookie: x=1", "//evil.example", "/\\evil.example", "/ok?a=\n", "https://evil.example"]


def _names_the_app_reads() -> list[str]:
    """Form and query names: those views read from the request, and the fields of its forms."""
    names = {"next", "csrf_token", "fil", "area-1-work", "area-1-amount", "area-1-outcome"}
    for source in TRACKER.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        names |= set(re.findall(r'(?:form|args|values)\.(?:get|getlist)\("([^"]+)"', text))
        names |= set(re.findall(r"^\s+(\w+) = \w+Field\(", text, re.M))
    names |= {f"{prefix}-{name}" for prefix in ("scorecard", "midterm", "annual")
              for name in ("period", "organisation", "program", "year")}
    names |= {name for fields in SECTIONS.values() for name in fields}
    return sorted(names)


NAMES = _names_the_app_reads()


@pytest.fixture
def world(app, seeded, make_user, tmp_path):
    """The seeded database's real path values, and a user of each role (contacts report for Farsta)."""
    app.config.update(BACKUP_DIR=tmp_path / "backups", OUTBOX_DIR=tmp_path / "outbox")  # "Kör nu" writes there
    farsta = seeded.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
    users = {role: make_user(role, orgs=[farsta] if role == Role.contact else []) for role in ROLES if role}

    def first(column, n: int = 3) -> list:
        return list(seeded.exec(select(column).order_by(column).limit(n)))

    organisations = ["farsta", *first(Organisation.slug)]
    programs = first(Program.slug)
    values = {
        "slug": organisations + programs, "org": organisations, "program": programs, "program_slug": programs,
        "period": [p.code for p in seeded.exec(select(ReportingPeriod))][-3:],
        "year": [2023, 2024, *first(FundYear.year)], "activity_id": first(Activity.id), "goal_id": first(Goal.id),
        "commitment_id": list(seeded.exec(select(Commitment.id).where(Commitment.organisation_id == farsta.id)
                                          .limit(3))),
        "organisation_id": [farsta.id], "report_id": first(StatusReport.id), "purpose_id": first(FundPurpose.id),
        "user_id": [u.id for u in users.values()], "job_name": [spec.id for spec in registry.JOBS][:4],
        "section": sorted(SECTIONS), "code": ["sv", "en"],
    }
    yield {name: [v for v in found if v is not None] or [1] for name, found in values.items()}, users
    jobs.wait_for_background_jobs(timeout=120)  # generations started by the fuzz end before the database goes


def segment_values(name: str, converter: str | None, real: dict) -> st.SearchStrategy[str]:
    known = st.sampled_from(real.get(name, [1] if converter == "int" else ["x"]))
    if converter == "int":
        odd = st.one_of(st.sampled_from(EDGE_INTS), st.integers())
    else:
        odd = st.one_of(st.sampled_from([t for t in EDGE_TEXT if t]), st.text(min_size=1, max_size=20))
    return st.one_of(known, odd).map(lambda value: quote(str(value), safe=""))


def field_values(real: dict) -> st.SearchStrategy[str]:
    known = st.sampled_from([str(v) for found in real.values() for v in found])
    return st.one_of(known, st.sampled_from(EDGE_TEXT), st.integers().map(str), st.text(max_size=40))


def fields(real: dict) -> st.SearchStrategy[dict]:
    """Up to six names the app reads (or random ones) with odd values; often a `next` to go to afterwards."""
    names = st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=12))
    values = st.dictionaries(names, st.lists(field_values(real), min_size=1, max_size=2), max_size=6)
    redirect = st.fixed_dictionaries({}, optional={"next": st.sampled_from(REDIRECTS)})
    return st.tuples(values, redirect).map(lambda pair: pair[0] | pair[1])


def request_for(rule: str, method: str, real: dict) -> st.SearchStrategy[tuple]:
    """(path, query string, form, upload) for the rule."""
    segments = [st.just(part) for part in SEGMENT.split(rule)]
    for i, (converter, name) in enumerate(SEGMENT.findall(rule)):
        segments[3 * i + 1], segments[3 * i + 2] = st.just(""), segment_values(name, converter, real)
    path = st.tuples(*segments).map("".join)
    form = fields(real) if method != "GET" else st.just({})
    return st.tuples(path, fields(real).map(lambda q: urlencode(q, doseq=True)), form, st.binary(max_size=64))


def edge_requests(rule: str, method: str, real: dict) -> list[tuple]:
    """The first requests every route gets: real path values with every name the app reads set to an edge
    value, and (where the route has integer segments) the same with 2^63 in them."""
    odd = {name: str(2**63) if i % 2 else "a\nb\x00ü " + "9" * 40 for i, name in enumerate(NAMES)}
    query, form = urlencode(odd | {"next": "/\nevil"}), odd if method != "GET" else {}

    def path(huge: bool) -> str:
        return SEGMENT.sub(lambda m: str(2**63) if huge and m.group(1) == "int"
                           else quote(str(real.get(m.group(2), [1])[0]), safe=""), rule)

    paths = [path(False)] + ([path(True)] if "<int:" in rule else [])
    return [(p, query, form, b"PK\x03\x04") for p in paths]


def checker(rule: str, method: str, real: dict):
    """A hypothesis test of one route: the edge request, then EXAMPLES drawn ones (the same every run)."""

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.too_slow])
    @given(request=request_for(rule, method, real))
    def answers(client, user, endpoint: str, request: tuple) -> None:
        path, query, form, upload = request
        if user is not None and endpoint.startswith("accounts."):
            log_in(client, user)  # again each time: a fuzzed logout, password or role change may end it
        if "fil" in form:
            form = {**form, "fil": (io.BytesIO(upload), "fil.xlsx")}
        response = client.open(path, method=method, query_string=query, data=form)
        status = response.status_code
        response.close()
        assert status < 500, f"{method} {path}?{query[:200]} form={sorted(form)[:10]}: {status}"

    for request in edge_requests(rule, method, real):
        answers = example(request=request)(answers)
    return answers


@pytest.mark.parametrize("role", ROLES, ids=[str(r or "anonymous") for r in ROLES])
def test_no_route_answers_odd_input_with_a_server_error(app, world, role):
    real, users = world
    client = app.test_client()
    failures = []
    for endpoint, rule, method in RULES:
        if users.get(role) is not None:
            log_in(client, users[role])
        try:
            checker(rule, method, real)(client, users.get(role), endpoint)
        except Exception as error:  # noqa: BLE001  (every route is tried; all failures are listed together)
            drawn = next((note for note in getattr(error, "__notes__", []) if "request=" in note), "request=?")
            request = " ".join(drawn[drawn.index("request="):].split())[:300]
            failures.append(f"{method} {rule}: {str(error).splitlines()[0][:160]} — {request}")
    assert not failures, f"{len(failures)} routes answered a server error:\n" + "\n".join(failures)
