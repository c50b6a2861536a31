"""The tertial calendar: coordinators open, close, move deadlines and reopen for one organisation; all audited."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.clock import utcnow
from tracker.periods import service
from tracker.periods.models import PeriodReopening, PeriodState, ReportingPeriod
from tracker.reporting import service as reporting
from tracker.reporting.models import ReportStatus, StatusReportContent

HX_PANEL = {"HX-Request": "true", "HX-Target": "period-panel"}


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def fresh(session, period: ReportingPeriod) -> ReportingPeriod:
    session.expire_all()
    return session.get(ReportingPeriod, period.id)


def audit_events(session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def error_beside(html: str, field_id: str) -> str:
    """The message shown beside a field, checking that the field points at it and is marked invalid."""
    message = re.search(rf'<p class="error" id="{field_id}-error"[^>]*>(.*?)</p>', html, re.S)
    assert message, f"no error beside {field_id}"
    field = re.search(rf'<(?:input|select|textarea)[^>]*id="{field_id}"[^>]*>', html).group(0)
    assert f"{field_id}-error" in field and 'aria-invalid="true"' in field
    return text(message.group(1))


@pytest.fixture
def calendar(session, make_period, make_org, make_user, make_commitment, make_activity):
    """2023-T3 closed, 2024-T1 open, 2024-T2 upcoming; Farsta and Bromma each have a commitment."""
    farsta, bromma = make_org("farsta", name="Farsta"), make_org("bromma", name="Bromma")
    periods = {code: make_period(code, state=state) for code, state in (
        ("2023-T3", PeriodState.closed), ("2024-T1", PeriodState.open), ("2024-T2", PeriodState.upcoming))}
    farstas = make_commitment(organisation=farsta, activity=make_activity(title="Farstas aktivitet"))
    brommas = make_commitment(organisation=bromma, activity=make_activity(title="Brommas aktivitet"))
    session.commit()
    return periods, farsta, bromma, farstas, brommas, make_user(Role.coordinator), make_user(Role.reader)


# The calendar

def test_calendar_lists_each_tertial_with_dates_deadline_and_state(client, login, calendar):
    periods, *_rest, coordinator, reader = calendar
    html = login(reader).get("/tertialer/").get_data(as_text=True)

    row = text(re.search(r'<tr id="period-2024-T1">.*?</tr>', html, re.S).group(0))
    assert row.startswith("Tertial 1 2024 1 januari 2024 – 30 april 2024 15 maj 2024 ▶ Öppen")
    assert "◇ Kommande" in text(html) and "■ Stängd" in text(html)
    assert re.search(r"<h2[^>]*>2023</h2>.*<h2[^>]*>2024</h2>", html, re.S)
    assert '<th scope="col">Sista dag för rapportering</th>' in html and "<caption" in html


def test_reader_sees_the_calendar_but_no_buttons(client, login, calendar):
    periods, *_rest, coordinator, reader = calendar
    client = login(reader)
    for url in ("/tertialer/", "/tertialer/2023-T3", "/tertialer/2024-T1"):
        html = client.get(url).get_data(as_text=True)
        main = html.split('<main', 1)[1]
        assert "<button" not in main and 'method="post"' not in main, url
        assert "Ändra tertialen" not in main


def test_coordinator_gets_the_forms(client, login, calendar):
    *_rest, coordinator, _reader = calendar
    html = login(coordinator).get("/tertialer/2023-T3").get_data(as_text=True)

    assert 'action="/tertialer/2023-T3/oppna"' in html
    assert 'action="/tertialer/2023-T3/deadline"' in html and 'action="/tertialer/2023-T3/ateroppna"' in html
    assert '<label for="reason">Skäl till återöppningen</label>' in html
    assert '<label for="organisation">Organisation</label>' in html


@pytest.mark.parametrize("path", ["oppna", "stang", "deadline", "ateroppna", "ateroppna/1/stang"])
@pytest.mark.parametrize("role", [Role.reader, Role.admin, Role.contact])
def test_only_coordinators_may_change_the_calendar(client, login, calendar, make_user, session, path, role):
    periods, farsta, *_rest = calendar
    user = make_user(role, orgs=[farsta] if role == Role.contact else [])
    response = login(user).post(f"/tertialer/2023-T3/{path}",
                                data={"organisation": "farsta", "reason": "x", "deadline": "2024-02-01", "confirm": "y"})

    assert response.status_code == 403
    assert fresh(session, periods["2023-T3"]).state == PeriodState.closed
    assert session.exec(select(PeriodReopening)).all() == []


# Opening and closing

def test_opening_an_upcoming_tertial_is_audited(client, login, calendar, session):
    periods, *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2024-T2/oppna")

    assert response.status_code == 303 and response.headers["Location"].endswith("/tertialer/2024-T2")
    assert fresh(session, periods["2024-T2"]).state == PeriodState.open
    event = audit_events(session, "period.opened")[-1]
    assert event.changes == {"before": {"period": "2024-T2", "state": "upcoming"},
                             "after": {"period": "2024-T2", "state": "open"}}
    assert event.actor_id == coordinator.id


def test_upcoming_tertial_can_be_opened_from_the_calendar(client, login, calendar, session):
    periods, *_rest, coordinator, _reader = calendar
    client = login(coordinator)
    html = client.get("/tertialer/").get_data(as_text=True)
    row = re.search(r'<tr id="period-2024-T2">.*?</tr>', html, re.S).group(0)
    assert 'action="/tertialer/2024-T2/oppna"' in row and 'name="from" value="index"' in row
    assert "/oppna" not in re.search(r'<tr id="period-2023-T3">.*?</tr>', html, re.S).group(0)

    response = client.post("/tertialer/2024-T2/oppna", data={"from": "index"})

    assert response.status_code == 303 and response.headers["Location"].endswith("/tertialer/#period-2024-T2")
    assert fresh(session, periods["2024-T2"]).state == PeriodState.open


def test_deadline_with_htmx_returns_the_panel_with_the_new_date(client, login, calendar):
    *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2024-T1/deadline", data={"deadline": "2024-05-20"},
                                       headers=HX_PANEL)
    html = response.get_data(as_text=True)

    assert response.status_code == 200 and "<html" not in html
    assert "Sista dag för Tertial 1 2024 är nu 2024-05-20." in text(html)
    assert "Sista dag för rapportering 20 maj 2024" in text(html)


def test_opening_while_another_is_open_is_allowed_with_a_warning(client, login, calendar):
    *_rest, coordinator, _reader = calendar
    client = login(coordinator)
    before = client.get("/tertialer/2024-T2").get_data(as_text=True)
    assert "Obs: Tertial 1 2024 är redan öppen." in text(before)

    html = client.post("/tertialer/2024-T2/oppna", follow_redirects=True).get_data(as_text=True)

    assert "Tertial 2 2024 är öppen för rapportering." in text(html)
    assert "Obs: även Tertial 1 2024 är öppen." in text(html)


def test_opening_an_open_tertial_is_refused_with_a_message(client, login, calendar, session):
    *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2024-T1/oppna")

    assert response.status_code == 409
    assert "Tertial 1 2024 är redan öppen. Ingenting ändrades." in text(response.get_data(as_text=True))
    assert audit_events(session, "period.opened") == []


def test_closing_needs_confirmation_beside_the_checkbox(client, login, calendar, session):
    periods, *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2024-T1/stang")

    assert response.status_code == 422
    assert "Kryssa i att du förstår" in error_beside(response.get_data(as_text=True), "confirm")
    assert fresh(session, periods["2024-T1"]).state == PeriodState.open


def test_closing_with_confirmation_closes_and_audits(client, login, calendar, session):
    periods, *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2024-T1/stang", data={"confirm": "y"})

    assert response.status_code == 303
    assert fresh(session, periods["2024-T1"]).state == PeriodState.closed
    assert audit_events(session, "period.closed")[-1].changes["after"] == {"period": "2024-T1", "state": "closed"}


def test_closing_a_tertial_that_is_not_open_is_refused(client, login, calendar):
    *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2024-T2/stang", data={"confirm": "y"})

    assert response.status_code == 409
    assert "Tertial 2 2024 är inte öppen och kan inte stängas." in text(response.get_data(as_text=True))


def test_close_with_htmx_returns_the_panel_with_422(client, login, calendar):
    *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2024-T1/stang", headers=HX_PANEL)
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert html.strip().startswith('<div id="period-panel"') and "<html" not in html
    assert "Kryssa i att du förstår" in text(html)


def test_open_with_htmx_returns_the_panel_with_the_message(client, login, calendar):
    *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2024-T2/oppna", headers=HX_PANEL)
    html = response.get_data(as_text=True)

    assert response.status_code == 200 and "<html" not in html
    assert "Tertial 2 2024 är öppen för rapportering." in text(html) and "Obs: även Tertial 1 2024" in text(html)


# Deadlines

def test_changing_the_deadline_is_audited(client, login, calendar, session):
    periods, *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2024-T1/deadline", data={"deadline": "2024-05-31"})

    assert response.status_code == 303
    assert fresh(session, periods["2024-T1"]).deadline == date(2024, 5, 31)
    assert audit_events(session, "period.deadline_changed")[-1].changes == {
        "before": {"period": "2024-T1", "deadline": "2024-05-15"},
        "after": {"period": "2024-T1", "deadline": "2024-05-31"}}


@pytest.mark.parametrize(("value", "message"), [
    ("", "Välj ett datum."),
    ("31/5", "Skriv datumet som ÅÅÅÅ-MM-DD"),
    ("2023-12-31", "Sista dagen kan inte ligga före tertialens första dag (2024-01-01)."),
    ("2026-01-01", "Sista dagen kan ligga högst ett år efter tertialens slut."),
])
def test_invalid_deadline_is_shown_beside_the_field(client, login, calendar, session, value, message):
    periods, *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2024-T1/deadline", data={"deadline": value})

    assert response.status_code == 422
    assert message in error_beside(response.get_data(as_text=True), "deadline")
    assert fresh(session, periods["2024-T1"]).deadline == date(2024, 5, 15)


# Reopening for one organisation

def test_reopening_needs_a_reason(client, login, calendar, session):
    *_rest, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2023-T3/ateroppna", data={"organisation": "farsta", "reason": "  "})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Skriv varför tertialen återöppnas." in error_beside(html, "reason")
    assert '<option selected value="farsta">' in html  # the choice is kept
    assert session.exec(select(PeriodReopening)).all() == []


def test_reopening_needs_a_known_organisation(client, login, calendar):
    *_rest, coordinator, _reader = calendar
    client = login(coordinator)
    missing = client.post("/tertialer/2023-T3/ateroppna", data={"reason": "Sjukdom"}, headers=HX_PANEL)
    unknown = client.post("/tertialer/2023-T3/ateroppna", data={"organisation": "nope", "reason": "Sjukdom"})

    assert missing.status_code == unknown.status_code == 422
    assert "Välj vilken organisation" in error_beside(missing.get_data(as_text=True), "organisation")
    assert "Välj en av organisationerna i listan." in error_beside(unknown.get_data(as_text=True), "organisation")


def test_reopening_for_one_organisation_lets_only_it_report(client, login, calendar, session):
    periods, farsta, bromma, farstas, brommas, coordinator, _reader = calendar
    response = login(coordinator).post("/tertialer/2023-T3/ateroppna",
                                       data={"organisation": "farsta", "reason": "Farsta missade VB-rapporten."})
    assert response.status_code == 303

    session.expire_all()
    reopening = session.exec(select(PeriodReopening)).one()
    assert (reopening.organisation_id, reopening.reason, reopening.reopened_by_id) == (
        farsta.id, "Farsta missade VB-rapporten.", coordinator.id)
    assert audit_events(session, "period.reopened")[-1].changes["after"] == {
        "period": "2023-T3", "organisation": "farsta", "reason": "Farsta missade VB-rapporten."}
    closed = fresh(session, periods["2023-T3"])
    content = StatusReportContent(status=ReportStatus.in_progress, comment="Sent men klart.")
    report = reporting.save_report(session, commitment=farstas, period=closed, content=content, actor=coordinator,
                                   expected_version=None)
    assert report.id is not None
    with pytest.raises(reporting.PeriodClosedError):
        reporting.save_report(session, commitment=brommas, period=closed, content=content, actor=coordinator,
                              expected_version=None)
    session.rollback()


def test_calendar_and_page_show_the_reopening_and_its_reason(client, login, calendar):
    *_rest, coordinator, reader = calendar
    login(coordinator).post("/tertialer/2023-T3/ateroppna", data={"organisation": "farsta", "reason": "Sjukdom."})

    calendar_html = login(reader).get("/tertialer/").get_data(as_text=True)
    row = text(re.search(r'<tr id="period-2023-T3">.*?</tr>', calendar_html, re.S).group(0))
    assert "Farsta" in row
    page = text(login(reader).get("/tertialer/2023-T3").get_data(as_text=True))
    assert "Farsta Sjukdom." in page and coordinator.name in page


def test_reopening_twice_for_the_same_organisation_is_refused(client, login, calendar):
    *_rest, coordinator, _reader = calendar
    client = login(coordinator)
    data = {"organisation": "farsta", "reason": "Sjukdom."}
    client.post("/tertialer/2023-T3/ateroppna", data=data)
    response = client.post("/tertialer/2023-T3/ateroppna", data=data)

    assert response.status_code == 422
    assert "redan återöppnad för Farsta" in error_beside(response.get_data(as_text=True), "organisation")


@pytest.mark.parametrize(("code", "message"), [
    ("2024-T1", "är öppen för alla organisationer"), ("2024-T2", "har inte öppnat än")])
def test_only_closed_tertials_can_be_reopened(client, login, calendar, code, message):
    *_rest, coordinator, _reader = calendar
    response = login(coordinator).post(f"/tertialer/{code}/ateroppna", data={"organisation": "farsta", "reason": "x"})

    assert response.status_code == 409
    assert message in text(response.get_data(as_text=True))


def test_closing_a_reopening_stops_the_organisation_reporting(client, login, calendar, session):
    periods, farsta, _bromma, farstas, _brommas, coordinator, _reader = calendar
    client = login(coordinator)
    client.post("/tertialer/2023-T3/ateroppna", data={"organisation": "farsta", "reason": "Sjukdom."})
    session.expire_all()
    reopening = session.exec(select(PeriodReopening)).one()

    response = client.post(f"/tertialer/2023-T3/ateroppna/{reopening.id}/stang", headers=HX_PANEL)

    assert response.status_code == 200
    assert "Återöppningen av Tertial 3 2023 för Farsta är stängd." in text(response.get_data(as_text=True))
    session.expire_all()
    assert session.get(PeriodReopening, reopening.id).closed_by_id == coordinator.id
    assert not service.period_open_for(session, fresh(session, periods["2023-T3"]), farsta.id)
    assert audit_events(session, "period.reopening_closed")[-1].changes["before"]["closed_at"] is None
    again = client.post(f"/tertialer/2023-T3/ateroppna/{reopening.id}/stang")
    assert again.status_code == 409 and "redan stängd" in text(again.get_data(as_text=True))


def test_closing_a_reopening_of_another_tertial_is_not_found(client, login, calendar, session):
    *_rest, coordinator, _reader = calendar
    client = login(coordinator)
    client.post("/tertialer/2023-T3/ateroppna", data={"organisation": "farsta", "reason": "Sjukdom."})
    reopening = session.exec(select(PeriodReopening)).one()

    assert client.post(f"/tertialer/2024-T1/ateroppna/{reopening.id}/stang").status_code == 404


def test_opening_a_closed_tertial_for_everyone_closes_its_reopenings(session, calendar):
    periods, farsta, *_rest, coordinator, _reader = calendar
    closed = periods["2023-T3"]
    service.reopen_for(session, period=closed, organisation_slug="farsta", reason="Sjukdom.", actor=coordinator)
    service.open_period(session, period=closed, actor=coordinator)
    service.close_period(session, period=closed, actor=coordinator, confirmed=True)
    session.commit()

    assert not service.period_open_for(session, closed, farsta.id)
    assert [e.action for e in audit_events(session, "period.reopening_closed")] == ["period.reopening_closed"]


@pytest.mark.parametrize("url", ["/tertialer/2019-T1", "/tertialer/nonsense", "/tertialer/2019-T1/oppna"])
def test_unknown_tertial_is_not_found(client, login, calendar, url):
    *_rest, coordinator, _reader = calendar
    client = login(coordinator)
    response = client.post(url) if url.endswith("oppna") else client.get(url)
    assert response.status_code == 404


def test_the_database_refuses_a_second_open_reopening(session, make_org, make_period):
    """Two simultaneous requests could both pass the service's check; the partial unique index stops the second."""
    org, period = make_org(), make_period("2024-T1", state=PeriodState.closed)
    session.add(PeriodReopening(period_id=period.id, organisation_id=org.id, reason="Sen rapport"))
    session.commit()
    session.add(PeriodReopening(period_id=period.id, organisation_id=org.id, reason="Igen"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    closed = session.exec(select(PeriodReopening)).one()
    closed.closed_at = utcnow()
    session.add(PeriodReopening(period_id=period.id, organisation_id=org.id, reason="Ny omgång"))
    session.commit()  # a closed reopening does not block a new one
