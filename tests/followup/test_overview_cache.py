"""The remembered overview is exact: after every kind of write it equals a fresh count and the row-by-row count."""
from __future__ import annotations

import ast
import re
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest
from flask import render_template
from sqlalchemy import insert, update
from sqlmodel import select

from tests.conftest import log_in
from tracker import clock
from tracker.accounts.models import Role
from tracker.demo import service as demo
from tracker.followup.cache import cached_overview, overview_cache
from tracker.followup.filters import STATUS_CHOICES, Filters
from tracker.followup.freshness import COUNTED_TABLES, read_version
from tracker.followup.overview import build_overview
from tracker.followup.service import choose_program
from tracker.followup.views import PAGE_SIZE
from tracker.models import metadata
from tracker.organisations.models import Organisation
from tracker.periods import service as periods
from tracker.periods.models import ReportingPeriod
from tracker.periods.service import list_periods
from tracker.programs import editing, responsibility
from tracker.programs.models import Activity, Commitment, Program
from tracker.reporting import service as reporting
from tracker.reporting.models import ReportState, ReportStatus, StatusReport, StatusReportContent

OPEN, CLOSED = "2026-T3", "2026-T2"
# Enough activities for two pages of the overview, little else: every test counts each page three ways.
SIZE = demo.Scale("small", organisations=8, activities=PAGE_SIZE + 5, commitments_per_activity=4, periods=3)
PAGES = [(Filters(), 1), (Filters(), 2), (Filters(status="not_reported", support=False), 1),
         (Filters(support=True, overdue=True), 1), (Filters(organisation="demo-org-003"), 1),
         (Filters(text="vakanser"), 1)]


def figures(overview) -> tuple:
    """Everything the overview page shows that is computed from the data."""
    return (overview.period.state, overview.period.deadline, overview.activity_count, overview.pages,
            asdict(overview.total), [g.id for g in overview.goal_choices],
            [o.slug for o in overview.organisation_choices],
            [(a.activity.id, a.activity.title, a.responsible, a.matched, asdict(a.spread))
             for a in overview.activities])


def program_and_period(session, code: str) -> tuple[Program, ReportingPeriod]:
    session.expire_all()
    return (session.exec(select(Program).where(Program.slug == "demo-small")).one(),
            session.exec(select(ReportingPeriod).where(ReportingPeriod.year == int(code[:4]),
                                                       ReportingPeriod.number == int(code[-1]))).one())


def overviews(app, session, code: str) -> list[tuple]:
    """For each filter and page: the remembered figures, after checking them against two fresh counts."""
    found = []
    with app.app_context():
        for filters, page in PAGES:
            program, period = program_and_period(session, code)
            cached = figures(cached_overview(session, program=program, period=period, filters=filters,
                                             page=page, page_size=PAGE_SIZE))
            fresh, by_rows = (figures(build_overview(session, program=program, period=period, filters=filters,
                                                     page=page, page_size=PAGE_SIZE, rows=rows))
                              for rows in (False, True))
            assert cached == fresh == by_rows, (filters, page)
            found.append(cached)
    return found


@pytest.fixture
def demo_data(app, session, make_user):
    demo.generate(session, size=SIZE, today=date(2026, 11, 23))
    session.commit()
    return make_user(Role.coordinator)


def _commitment(session, org="demo-org-001", *, unreported_in: str | None = None) -> Commitment:
    query = (select(Commitment).join(Organisation, Commitment.organisation_id == Organisation.id)
             .where(Organisation.slug == org, Commitment.active).order_by(Commitment.id))
    if unreported_in:
        period = program_and_period(session, unreported_in)[1]
        query = query.where(Commitment.id.not_in(select(StatusReport.commitment_id)
                                                 .where(StatusReport.period_id == period.id)))
    return session.exec(query).first()


def _save(session, actor, *, submit: bool, code: str = OPEN) -> None:
    """A report on a commitment that had none in the tertial if there is one (a draft changes only the drafts)."""
    commitment = _commitment(session, unreported_in=code) or _commitment(session)
    period = program_and_period(session, code)[1]
    report = reporting.get_report(session, commitment.id, period.id)
    content = StatusReportContent(status=ReportStatus.deviation, comment="Nya vakanser i teamet.",
                                  support_needed=True, support_text="Rekrytering.")
    reporting.save_report(session, commitment=commitment, period=period, content=content, actor=actor,
                          expected_version=report.version if report else None, submit=submit)


def _reopen_and_report(session, actor):
    period = program_and_period(session, CLOSED)[1]
    periods.reopen_for(session, period=period, organisation_slug="demo-org-001", reason="Sent inskickat.", actor=actor)
    session.flush()
    _save(session, actor, submit=True, code=CLOSED)


def _assign(session, actor):
    activity = _commitment(session).activity_id
    taken = set(session.exec(select(Commitment.organisation_id).where(Commitment.activity_id == activity)))
    newcomer = session.exec(select(Organisation).where(Organisation.id.not_in(taken),
                                                       Organisation.slug.startswith("demo-org"))).first()
    responsibility.assign(session, activity=session.get(Activity, activity), organisation=newcomer, actor=actor)


def _unassign(session, actor):
    commitment = _commitment(session)
    responsibility.unassign(session, activity=session.get(Activity, commitment.activity_id),
                            organisation=session.get(Organisation, commitment.organisation_id), actor=actor,
                            confirmed=True)


def _deactivate_activity(session, actor):
    editing.deactivate_activity(session, activity=session.get(Activity, _commitment(session).activity_id),
                                actor=actor)


def _close_period(session, actor):
    periods.close_period(session, period=program_and_period(session, OPEN)[1], actor=actor, confirmed=True)


def _move_deadline(session, actor):
    period = program_and_period(session, OPEN)[1]
    periods.change_deadline(session, period=period, deadline=date(2027, 2, 15), actor=actor)


def _bulk_insert_report(session, _actor):
    """As the demo data is written: a Core insert through the session, with no ORM object flushed."""
    period = program_and_period(session, OPEN)[1]
    reported = select(StatusReport.commitment_id).where(StatusReport.period_id == period.id)
    missing = session.exec(select(Commitment.id).where(Commitment.id.not_in(reported))).first()
    now = clock.utcnow()
    session.execute(insert(StatusReport), [{
        "commitment_id": missing, "period_id": period.id, "status": ReportStatus.done, "comment": "Klart.",
        "support_needed": False, "state": ReportState.submitted, "version": 1, "updated_at": now,
        "submitted_at": now}])


def _bulk_update_organisation(session, _actor):
    session.execute(update(Organisation).where(Organisation.slug == "demo-org-003").values(active=False))
    session.execute(update(Commitment).where(Commitment.organisation_id.in_(
        select(Organisation.id).where(Organisation.slug == "demo-org-003"))).values(active=False))


WRITES = {
    "draft save": (lambda s, a: _save(s, a, submit=False), OPEN),
    "submit": (lambda s, a: _save(s, a, submit=True), OPEN),
    "report in a reopened tertial": (_reopen_and_report, CLOSED),
    "assign": (_assign, OPEN),
    "unassign": (_unassign, OPEN),
    "deactivate activity": (_deactivate_activity, OPEN),
    "period close": (_close_period, OPEN),
    "deadline moved": (_move_deadline, OPEN),
    "bulk insert": (_bulk_insert_report, OPEN),
    "bulk update": (_bulk_update_organisation, OPEN),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_after_each_kind_of_write_the_remembered_overview_is_counted_again(app, session, demo_data, write):
    do, code = WRITES[write]
    before = overviews(app, session, code)  # remembered now
    assert overviews(app, session, code) == before
    with app.app_context():
        assert overview_cache().hits == len(before)  # the second round was remembered, not counted again
    version = read_version(session)
    do(session, demo_data)
    session.commit()

    assert read_version(session)[0] == version[0] + 1  # one write, one step, in its own transaction
    after = overviews(app, session, code)
    assert after != before, "the write changes what the overview shows"


def test_a_rolled_back_write_changes_nothing_and_the_next_commit_moves_the_version_on(app, session, demo_data):
    before = overviews(app, session, OPEN)
    version = read_version(session)[0]
    _save(session, demo_data, submit=True)
    session.rollback()
    assert read_version(session)[0] == version
    assert overviews(app, session, OPEN) == before
    periods.reopen_for(session, period=program_and_period(session, CLOSED)[1], organisation_slug="demo-org-002",
                       reason="Sent.", actor=demo_data)  # not a counted table
    session.commit()
    assert read_version(session)[0] == version + 1  # the rolled-back note costs one recount, never a stale page


def test_reads_and_writes_elsewhere_leave_the_version_alone(app, session, demo_data, make_user):
    version = read_version(session)
    overviews(app, session, OPEN)
    make_user(Role.reader)  # users are not counted
    session.commit()
    assert read_version(session) == version


def test_demo_data_and_seeds_move_the_version_on(app, session, seeded):
    seeded_version = read_version(session)
    assert seeded_version is not None and seeded_version[0] >= 1
    demo.generate(session, size=SIZE, today=date(2026, 11, 23))
    session.commit()
    assert read_version(session)[0] == seeded_version[0] + 1
    overviews(app, session, OPEN)


def test_every_table_the_overview_reads_is_counted():
    assert COUNTED_TABLES <= set(metadata.tables)
    overview_modules = ("overview.py", "counting.py", "service.py")
    read = {table.name for name in overview_modules
            for table in metadata.sorted_tables
            if f"{_model_name(table.name)}." in (Path("tracker/followup") / name).read_text()}
    assert read <= COUNTED_TABLES, read - COUNTED_TABLES


def _model_name(table: str) -> str:
    names = {m.class_.__table__.name: m.class_.__name__ for m in Program.__mapper__.registry.mappers
             if hasattr(m.class_, "__table__")}
    return names.get(table, "?")


def test_no_code_writes_a_counted_table_past_the_session_hooks():
    """SQL text would not move the version on (a session's bulk insert/update/delete does): tracker has none."""
    tables = "|".join(sorted(COUNTED_TABLES))
    sql_write = re.compile(rf'\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?({tables})"?\b', re.IGNORECASE)
    found = [f"{path}: {node.value[:60]}" for path in Path("tracker").rglob("*.py")
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and sql_write.search(node.value)]
    assert found == []
    assert sql_write.search('UPDATE statusreport SET state = "draft"')  # the check itself finds one


def test_a_report_saved_through_the_editor_shows_in_the_next_overview(app, client, session, demo_data, make_user):
    url = "/uppfoljning/?program=demo-small&period=2026-T3&q=avvikelse+hos+oss"
    log_in(client, demo_data)
    assert "Inga aktiviteter matchar filtren." in client.get(url).get_data(as_text=True)
    commitment = _commitment(session)
    period = program_and_period(session, OPEN)[1]
    report = reporting.get_report(session, commitment.id, period.id)
    contact = make_user(Role.contact, orgs=[session.get(Organisation, commitment.organisation_id)])
    log_in(client, contact)
    response = client.post(f"/rapport/{commitment.id}/{period.code}", data={
        "status": "deviation", "comment": "En avvikelse hos oss.", "version": str(report.version if report else ""),
        "action": "submit"})
    assert response.status_code in (200, 302, 303), response.status_code
    log_in(client, demo_data)
    assert "1 åtaganden i 1 aktiviteter som matchar filtren." in client.get(url).get_data(as_text=True)


def test_drafts_remembered_for_a_coordinator_are_not_shown_to_a_reader(client, session, demo_data, make_user):
    url = "/uppfoljning/?program=demo-small&period=2026-T3"
    log_in(client, demo_data)
    assert "utkast)" in client.get(url).get_data(as_text=True)
    log_in(client, make_user(Role.reader))
    reader_page = client.get(url).get_data(as_text=True)
    assert "ej rapporterat" in reader_page and "utkast)" not in reader_page


def test_the_remembered_page_is_the_page_rendered_afresh(app, client, demo_data):
    url = "/uppfoljning/?program=demo-small&period=2026-T3&support=1"
    log_in(client, demo_data)
    first = _untokened(client.get(url).get_data(as_text=True))
    remembered = _untokened(client.get(url).get_data(as_text=True))
    with app.app_context():
        hits = overview_cache().hits
        overview_cache().clear()
    assert hits >= 1 and remembered == first
    # Counted and rendered again: the same bytes, but for the CSRF token (it is signed with the second it is made).
    assert _untokened(client.get(url).get_data(as_text=True)) == first
    assert "Sammanfattning" in first and "Aktiva filter" in first


def _untokened(page: str) -> str:
    return re.sub(r'I[\w-]{20,}\.[\w-]+\.[\w-]+', "TOKEN", page)


def test_a_page_remembered_in_swedish_is_not_served_in_english(client, demo_data):
    url = "/uppfoljning/?program=demo-small&period=2026-T3"
    log_in(client, demo_data)
    assert "<h2 id=\"summary-heading\">Sammanfattning</h2>" in client.get(url).get_data(as_text=True)
    client.set_cookie("lang", "en")
    assert "<h2 id=\"summary-heading\">Summary</h2>" in client.get(url).get_data(as_text=True)


def test_the_remembered_block_is_what_the_whole_template_renders(app, client, session, demo_data):
    url = "/uppfoljning/?program=demo-small&period=2026-T3&organisation=demo-org-002&sida=1"
    log_in(client, demo_data)
    client.get(url)
    served = client.get(url).get_data(as_text=True)  # the second time from memory
    program, period = program_and_period(session, OPEN)
    with app.test_request_context(url):
        result = build_overview(session, program=program, period=period, page=1, page_size=PAGE_SIZE, rows=False,
                                filters=Filters.from_args({"organisation": "demo-org-002"}))
        whole = render_template("followup/overview.html", overview=result, filters=result.filters, show_drafts=True,
                                programs=choose_program(session, None)[1], periods=list_periods(session),
                                program=program, period=period, status_choices=STATUS_CHOICES)

    def main(html: str) -> str:
        return html[html.index("<h1>"):html.index("</main>")]

    assert main(served) == main(whole)
    assert served.startswith("<!doctype html>")
