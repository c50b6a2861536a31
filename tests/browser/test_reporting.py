"""Mina åtaganden in Chromium: htmx saves in place, errors and announcements reach the user, axe finds nothing."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.conftest import _HASH
from tracker.accounts.models import Role, User, UserOrganisation
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState
from tracker.periods.service import get_period
from tracker.reporting import editing
from tracker.reporting import service as reporting
from tracker.reporting.models import ReportState, ReportStatus, StatusReport

EMAIL = "kontakt@example.se"


@pytest.fixture
def in_chromium(page):
    """Run a scenario on a fresh page of the shared Chromium."""
    return lambda scenario: scenario(page)


@pytest.fixture
def farsta_open(live_app):
    """Tertial 3 2025 open, a contact for Farsta, and Farsta's first commitment (id)."""
    with Session(live_app.extensions["tracker.engine"]) as session:
        period = get_period(session, "2025-T3")
        period.state = PeriodState.open
        farsta = session.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
        user = User(email=EMAIL, name="Kim Kontakt", role=Role.contact, password_hash=_HASH)
        session.add_all([period, user])
        session.flush()
        session.add(UserOrganisation(user_id=user.id, organisation_id=farsta.id))
        first = editing.organisation_reports(session, organisation_id=farsta.id, period=period)[0].rows[0]
        session.commit()
        return first.commitment.id


def test_contact_saves_a_draft_in_place_and_then_submits(in_chromium, live_app, live_server, log_in_as,
                                                          check_a11y, farsta_open):
    def scenario(page):
        log_in_as(page, EMAIL)
        page.goto(f"{live_server}/mina-ataganden")
        assert page.locator("h1").inner_text() == "Mina åtaganden"
        check_a11y(page)
        page.evaluate("window.notReloaded = true")

        component = page.locator(f"#report-{farsta_open}")
        component.get_by_label("Status").select_option(label="△ Pågår med avvikelse")
        component.get_by_role("button", name="Spara utkast").click()
        comment = component.get_by_label("Kommentar")
        expect(comment).to_have_attribute("aria-invalid", "true")
        expect(component.locator(".error")).to_have_text("Skriv i kommentaren varför aktiviteten pågår med avvikelse.")
        expect(comment).to_be_focused()  # autofocus on the field to fix
        check_a11y(page)

        comment.fill("Försenat: ny upphandling.")
        component.get_by_role("button", name="Spara utkast").click()
        expect(component.locator(".notice-saved")).to_have_text(re.compile(r"^Utkast sparat \d\d:\d\d$"))
        expect(page.locator("#live-status")).to_contain_text("Utkast sparat")
        expect(component.locator('input[name="version"]')).to_have_value("1")

        component.get_by_role("button", name="Lämna in").click()
        expect(component.locator(".notice-submitted")).to_have_text(re.compile(r"^Inlämnad \d\d:\d\d$"))
        expect(component.get_by_role("button", name="Lämna in rättelsen")).to_be_visible()
        check_a11y(page)
        return page.evaluate("window.notReloaded")

    assert in_chromium(scenario) is True  # every step was swapped in place
    with Session(live_app.extensions["tracker.engine"]) as session:
        report = reporting.get_report(session, farsta_open, get_period(session, "2025-T3").id)
        assert (report.version, report.state, report.comment) == (
            2, ReportState.submitted, "Försenat: ny upphandling.")


def test_submit_all_names_what_to_fix_and_submits_nothing(in_chromium, live_server, log_in_as, check_a11y,
                                                           farsta_open):
    def scenario(page):
        log_in_as(page, EMAIL)
        page.goto(f"{live_server}/mina-ataganden")
        page.get_by_role("button", name=re.compile("^Lämna in alla")).click()
        notice = page.locator(".submit-all .notice-error")
        expect(notice).to_contain_text("Ingenting lämnades in.")
        expect(notice).to_be_focused()
        check_a11y(page)
        return notice.locator("li").count(), page.locator("article.report").count()

    listed, commitments = in_chromium(scenario)
    assert listed == commitments > 0


def test_copying_last_tertials_text_fills_the_form_and_flags_it(in_chromium, live_app, live_server, log_in_as,
                                                                farsta_open):
    with Session(live_app.extensions["tracker.engine"]) as session:
        session.add(StatusReport(commitment_id=farsta_open, period_id=get_period(session, "2025-T2").id,
                                 status=ReportStatus.in_progress, comment="Två grupper i gång.",
                                 next_steps="En till i höst.", state=ReportState.submitted))
        session.commit()

    def scenario(page):
        log_in_as(page, EMAIL)
        page.goto(f"{live_server}/mina-ataganden")
        component = page.locator(f"#report-{farsta_open}")
        component.get_by_role("button", name="Kopiera förra tertialens text").click()
        expect(component.get_by_label("Kommentar")).to_have_value("Två grupper i gång.")
        expect(component.get_by_label("Nästa steg")).to_have_value("En till i höst.")
        expect(component.locator(".notice-unchanged")).to_have_text(
            re.compile("^Texten är oförändrad från förra tertialen"))
        return page.url

    assert in_chromium(scenario).endswith("/mina-ataganden")
    with Session(live_app.extensions["tracker.engine"]) as session:
        assert reporting.get_report(session, farsta_open, get_period(session, "2025-T3").id) is None
