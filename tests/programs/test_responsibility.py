"""Assigning and unassigning responsible organisations: reports are never deleted with an assignment."""
from __future__ import annotations

import pytest
from sqlmodel import select

from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.periods.models import PeriodState
from tracker.programs import editing, responsibility, service
from tracker.programs.models import ActivityBase, Commitment, Goal
from tracker.reporting.models import ReportState, ReportStatus, StatusReport

HTMX = {"HX-Request": "true"}


@pytest.fixture
def programme(session, make_program, make_org):
    """One activity with Farsta responsible; Bromma and Skarpnäck are not; Gamla is inactive."""
    program = make_program("prog")
    goal = Goal(program_id=program.id, number=1, title="Förebygga våld")
    session.add(goal)
    session.flush()
    activity = editing.create_activity(session, goal=goal, program=program, actor=None,
                                       data=ActivityBase(title="Sprida kampanj", time_frame="2022"))
    farsta, bromma, skarpnack = (make_org(slug, name=name) for slug, name in
                                 (("farsta", "Farsta"), ("bromma", "Bromma"), ("skarpnack", "Skarpnäck")))
    gamla = make_org("gamla", name="Gamla")
    gamla.active = False
    commitment = responsibility.assign(session, activity=activity, organisation=farsta, actor=None)
    session.commit()
    return activity, commitment


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user(Role.coordinator))


def _htmx(activity) -> dict:
    return HTMX | {"HX-Target": f"responsible-{activity.id}"}


def _active_slugs(session, activity) -> list[str]:
    session.expire_all()
    return [o.slug for o in service.responsible_organisations(session, activity)]


def _with_reports(session, make_period, commitment, count: int) -> None:
    for code in ("2022-T1", "2022-T2", "2022-T3")[:count]:
        period = make_period(code, state=PeriodState.closed)
        session.add(StatusReport(commitment_id=commitment.id, period_id=period.id, status=ReportStatus.in_progress,
                                 state=ReportState.submitted))
    session.commit()


def test_assign_without_js_redirects_back_with_a_message(coordinator, session, programme):
    activity, _ = programme
    response = coordinator.post(f"/program/prog/aktivitet/{activity.id}/ansvariga", data={"organisation": "bromma"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/program/prog#activity-{activity.id}"
    assert _active_slugs(session, activity) == ["bromma", "farsta"]
    page = coordinator.get("/program/prog").get_data(as_text=True)
    assert "Bromma är nu ansvarig för aktiviteten." in page
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "commitment.assigned")
                         .order_by(AuditEvent.id.desc())).first()
    assert event.changes["after"] == {"activity_id": activity.id, "organisation": "bromma"}


def test_assign_several_with_htmx_replaces_the_component(coordinator, session, programme):
    activity, _ = programme
    response = coordinator.post(f"/program/prog/aktivitet/{activity.id}/ansvariga",
                                data={"organisation": ["bromma", "skarpnack"]}, headers=_htmx(activity))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<div class="responsible" id="responsible-{activity.id}" hx-target="this"')
    assert "<html" not in html
    assert "Bromma, Skarpnäck är nu ansvariga för aktiviteten." in html
    assert 'href="/organisation/skarpnack"' in html
    assert 'value="bromma"' not in html  # no longer offered
    assert html.count('name="csrf_token"') == html.count("<form")
    assert _active_slugs(session, activity) == ["bromma", "farsta", "skarpnack"]


@pytest.mark.parametrize(("chosen", "message"), [
    ([], "Välj minst en organisation."),
    (["finns-inte"], "Okänd organisation: finns-inte."),
    (["gamla"], "Inaktiva organisationer kan inte bli ansvariga: Gamla."),
])
def test_assign_refuses_bad_choices_with_422(coordinator, session, programme, chosen, message):
    activity, _ = programme
    url = f"/program/prog/aktivitet/{activity.id}/ansvariga"
    fragment = coordinator.post(url, data={"organisation": chosen}, headers=_htmx(activity))
    assert fragment.status_code == 422
    html = fragment.get_data(as_text=True)
    assert message in html and f'id="responsible-{activity.id}-error"' in html
    assert '<details class="assign" open>' in html
    page = coordinator.post(url, data={"organisation": chosen})
    assert page.status_code == 422
    assert message in page.get_data(as_text=True) and "<html" in page.get_data(as_text=True)
    assert _active_slugs(session, activity) == ["farsta"]


def test_unassign_without_reports_needs_no_confirmation(coordinator, session, programme):
    activity, commitment = programme
    response = coordinator.post(f"/program/prog/aktivitet/{activity.id}/ansvariga/farsta/ta-bort",
                                headers=_htmx(activity))
    assert response.status_code == 200
    assert "Farsta är inte längre ansvarig för aktiviteten." in response.get_data(as_text=True)
    session.expire_all()
    kept = session.get(Commitment, commitment.id)
    assert kept is not None and kept.active is False and kept.deactivated_at is not None


def test_unassign_with_reports_asks_first_then_keeps_the_reports(coordinator, session, programme, make_period):
    activity, commitment = programme
    _with_reports(session, make_period, commitment, 2)
    url = f"/program/prog/aktivitet/{activity.id}/ansvariga/farsta/ta-bort"

    asked = coordinator.post(url, headers=_htmx(activity))
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "2 rapporter finns; de sparas och åtagandet avaktiveras" in html
    assert 'name="confirm" value="1"' in html and "Avbryt" in html
    assert _active_slugs(session, activity) == ["farsta"]

    done = coordinator.post(url, data={"confirm": "1"}, headers=_htmx(activity))
    assert done.status_code == 200
    assert "Åtagandet är avaktiverat; 2 rapporter finns kvar." in done.get_data(as_text=True)
    assert _active_slugs(session, activity) == []
    assert session.get(Commitment, commitment.id).active is False
    assert len(session.exec(select(StatusReport).where(StatusReport.commitment_id == commitment.id)).all()) == 2
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "commitment.deactivated")).all()
    assert [e.entity_id for e in events] == [str(commitment.id)]


def test_unassign_without_js_shows_a_confirmation_page(coordinator, session, programme, make_period):
    activity, commitment = programme
    _with_reports(session, make_period, commitment, 1)
    url = f"/program/prog/aktivitet/{activity.id}/ansvariga/farsta/ta-bort"
    asked = coordinator.post(url)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "<h1>Ta bort Farsta som ansvarig?</h1>" in page
    assert "1 rapport finns; de sparas och åtagandet avaktiveras" in page
    assert f'action="{url}"' in page and 'name="confirm" value="1"' in page
    assert _active_slugs(session, activity) == ["farsta"]
    done = coordinator.post(url, data={"confirm": "1"})
    assert done.status_code == 303 and done.headers["Location"] == f"/program/prog#activity-{activity.id}"
    assert _active_slugs(session, activity) == []


def test_reassigning_reactivates_the_commitment_with_its_reports(coordinator, session, programme, make_period):
    activity, commitment = programme
    _with_reports(session, make_period, commitment, 1)
    coordinator.post(f"/program/prog/aktivitet/{activity.id}/ansvariga/farsta/ta-bort", data={"confirm": "1"})
    assert _active_slugs(session, activity) == []
    coordinator.post(f"/program/prog/aktivitet/{activity.id}/ansvariga", data={"organisation": "farsta"})
    session.expire_all()
    [again] = session.exec(select(Commitment).where(Commitment.activity_id == activity.id)).all()
    assert again.id == commitment.id and again.active is True and again.deactivated_at is None
    assert session.exec(select(StatusReport)).one().commitment_id == commitment.id


def test_unassigning_an_organisation_that_is_not_responsible_is_refused(coordinator, session, programme):
    activity, _ = programme
    url = f"/program/prog/aktivitet/{activity.id}/ansvariga/bromma/ta-bort"
    response = coordinator.post(url, headers=_htmx(activity))
    assert response.status_code == 409
    assert "Bromma är inte ansvarig för aktiviteten." in response.get_data(as_text=True)
    assert coordinator.post(url).status_code == 303
    assert coordinator.post(f"/program/prog/aktivitet/{activity.id}/ansvariga/okand/ta-bort").status_code == 404


def test_a_deactivated_activity_takes_no_new_responsibility(coordinator, session, programme):
    activity, commitment = programme
    coordinator.post(f"/program/prog/aktivitet/{activity.id}/avsluta")
    response = coordinator.post(f"/program/prog/aktivitet/{activity.id}/ansvariga", data={"organisation": "bromma"},
                                headers=_htmx(activity))
    assert response.status_code == 422
    assert "Aktiviteten är avslutad." in response.get_data(as_text=True)
    plain = coordinator.post(f"/program/prog/aktivitet/{activity.id}/ansvariga", data={"organisation": "bromma"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#deactivated")
    assert "Aktiviteten är avslutad." in coordinator.get("/program/prog").get_data(as_text=True)
    session.expire_all()
    assert [c.id for c in session.exec(select(Commitment))] == [commitment.id]
