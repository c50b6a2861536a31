"""The organisation page: each commitment with its latest submitted status, in a fixed number of queries."""
from __future__ import annotations

import re

import pytest

from tests.scorecards.conftest import counted_queries
from tracker.accounts.access import ALL_ROLES, allow
from tracker.accounts.models import Role
from tracker.organisations import service
from tracker.periods.models import PeriodState
from tracker.programs import editing, responsibility
from tracker.programs.models import Activity, ActivityBase, Goal
from tracker.reporting.models import ReportState, ReportStatus, StatusReport


@pytest.fixture
def farsta(session, make_org, make_program, make_period):
    """Farsta with three activities; periods 2023-T3 (closed), 2024-T1 (closed) and 2024-T2 (open)."""
    org = make_org("farsta", name="Farsta")
    program = make_program("prog")
    goal = Goal(program_id=program.id, number=1, title="Förebygga våld")
    session.add(goal)
    session.flush()
    commitments = {}
    for title in ("Kampanj", "Utbildning", "Rutin"):
        activity = editing.create_activity(session, goal=goal, program=program, actor=None,
                                           data=ActivityBase(title=title, time_frame="Löpande"))
        commitments[title] = responsibility.assign(session, activity=activity, organisation=org, actor=None)
    periods = {code: make_period(code, state=PeriodState.open if code == "2024-T2" else PeriodState.closed)
               for code in ("2023-T3", "2024-T1", "2024-T2")}
    session.commit()
    return org, program, commitments, periods


def _report(session, commitment, period, status, state=ReportState.submitted):
    session.add(StatusReport(commitment_id=commitment.id, period_id=period.id, status=status, state=state))


def _row(page: str, title: str) -> str:
    match = re.search(rf"<tr>(?:(?!</tr>).)*>{title}</a></th>.*?</tr>", page, re.S)
    assert match, title
    return match.group(0)


def test_each_commitment_shows_its_latest_submitted_status(session, farsta, make_user, login):
    _org, _program, c, p = farsta
    _report(session, c["Kampanj"], p["2023-T3"], ReportStatus.not_started)
    _report(session, c["Kampanj"], p["2024-T1"], ReportStatus.in_progress)
    _report(session, c["Kampanj"], p["2024-T2"], ReportStatus.done, state=ReportState.draft)
    _report(session, c["Utbildning"], p["2023-T3"], ReportStatus.deviation)
    session.commit()
    page = login(make_user(Role.reader)).get("/organisation/farsta").get_data(as_text=True)
    assert '<th scope="col">Senaste status</th>' in page
    kampanj = _row(page, "Kampanj")
    assert '<span class="status-symbol" aria-hidden="true">◐</span> Pågår</span>' in kampanj
    assert "(Tertial 1 2024)" in kampanj and "Genomförd" not in kampanj  # the later draft is not shown
    utbildning = _row(page, "Utbildning")
    assert "△</span> Pågår med avvikelse" in utbildning and "(Tertial 3 2023)" in utbildning
    assert "Ej rapporterad" in _row(page, "Rutin")
    assert 'href="/styrkort/farsta"' in page


def test_latest_statuses_ignore_other_organisations(session, farsta, make_org):
    _org, _program, c, p = farsta
    _report(session, c["Kampanj"], p["2024-T1"], ReportStatus.done)
    kampanj = session.get(Activity, c["Kampanj"].activity_id)
    other_commitment = responsibility.assign(session, activity=kampanj, organisation=make_org("bromma"), actor=None)
    _report(session, other_commitment, p["2024-T1"], ReportStatus.cancelled)
    session.commit()
    latest = service.latest_statuses(session, farsta[0].id)
    assert {cid: (s.status, s.period_code) for cid, s in latest.items()} == {
        c["Kampanj"].id: (ReportStatus.done, "2024-T1")}


def test_history_link_appears_when_the_follow_up_page_exists(app, session, farsta, make_user, login):
    _org, _program, c, _p = farsta
    if "followup.history" not in app.view_functions:
        @allow(ALL_ROLES)
        def history(commitment_id: int):
            return str(commitment_id)

        app.add_url_rule("/uppfoljning/atagande/<int:commitment_id>", "followup.history", history)
    page = login(make_user(Role.reader)).get("/organisation/farsta").get_data(as_text=True)
    assert f'href="/uppfoljning/atagande/{c["Kampanj"].id}"' in page
    assert page.count('href="/uppfoljning/atagande/') == 3


def test_contact_sees_only_own_organisation(session, farsta, make_org, make_user, login):
    bromma = make_org("bromma")
    session.commit()
    client = login(make_user(Role.contact, orgs=[bromma]))
    assert client.get("/organisation/bromma").status_code == 200
    assert client.get("/organisation/farsta").status_code == 403


def _page_queries(app, client) -> int:
    with counted_queries(app) as statements:
        assert client.get("/organisation/farsta").status_code == 200
    return len(statements)


def test_organisation_page_takes_a_fixed_number_of_queries(app, session, farsta, make_user, login):
    org, program, c, p = farsta
    client = login(make_user(Role.contact, orgs=[org]))
    small = _page_queries(app, client)
    goal = session.get(Goal, session.get(Activity, c["Kampanj"].activity_id).goal_id)
    for n in range(20):
        activity = editing.create_activity(session, goal=goal, program=program, actor=None,
                                           data=ActivityBase(title=f"Extra {n}", time_frame="2024"))
        commitment = responsibility.assign(session, activity=activity, organisation=org, actor=None)
        for period in p.values():
            _report(session, commitment, period, ReportStatus.in_progress)
    session.commit()
    large = _page_queries(app, client)
    assert small == large
    page = client.get("/organisation/farsta").get_data(as_text=True)
    assert "(23 åtaganden)" in page and page.count("(Tertial 2 2024)") == 20


def test_commitment_counts_leave_out_ended_commitments_and_activities(session, farsta, make_org):
    org, _program, c, _p = farsta
    make_org("tom")
    responsibility.deactivate_commitment(session, commitment=c["Rutin"], actor=None)
    editing.deactivate_activity(session, activity=session.get(Activity, c["Utbildning"].activity_id), actor=None)
    session.flush()
    counts = {o.slug: n for o, n in service.list_with_commitment_counts(session)}
    assert counts == {"farsta": 1, "tom": 0}
