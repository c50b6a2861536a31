"""The start page and the organisations page in a real browser: accessible, and their links lead on."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.conftest import _HASH
from tests.notifications.factories import save, utc
from tracker.accounts.models import Role, User, UserOrganisation
from tracker.organisations.models import Organisation, OrgKind
from tracker.periods.models import PeriodReopening, PeriodState
from tracker.periods.service import get_period
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import ReportStatus


@pytest.fixture
def attention(live_app):
    """2026-T3 open with a support need and a deviation, 2025-T3 reopened for Farsta, one demo organisation."""
    with Session(live_app.extensions["tracker.engine"], expire_on_commit=False) as session:
        period = get_period(session, "2026-T3")
        period.state = PeriodState.open
        session.add(period)
        farsta = session.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
        session.add(PeriodReopening(period_id=get_period(session, "2025-T3").id, organisation_id=farsta.id,
                                    reason="Sent inlämnat"))
        session.add(Organisation(slug="demo-org-001", name="Demo-organisation 001", short_name="Demo 001",
                                 kind=OrgKind.district))
        for email, role in (("samordnare@example.se", Role.coordinator), ("lasare@example.se", Role.reader),
                            ("farsta@example.se", Role.contact)):
            user = User(email=email, name=f"Test {role}", role=role, password_hash=_HASH)
            session.add(user)
            session.flush()
            if role == Role.contact:
                session.add(UserOrganisation(user_id=user.id, organisation_id=farsta.id))
        session.commit()
        commitments = session.exec(
            select(Commitment).join(Activity).join(Goal).join(Program, Goal.program_id == Program.id)
            .where(Program.slug == "bryt-upp", Commitment.organisation_id == farsta.id).order_by(Commitment.id)).all()
        save(session, commitments[0], period, at=utc(2026, 11, 30, 9, 0), submit=True, support_needed=True,
             support_text="Handledning", status=ReportStatus.deviation)


def test_coordinator_start_page_is_accessible_and_leads_to_each_item(page, live_server, log_in_as, check_a11y,
                                                                     attention):
    log_in_as(page, "samordnare@example.se")
    page.goto(f"{live_server}/")
    expect(page.locator("h1")).to_have_text("Översikt")
    check_a11y(page)
    tertials = page.locator("#tertials")
    expect(tertials).to_contain_text("Sista dag: 31 januari 2027")
    expect(page.locator("#changes")).to_contain_text("1 nytt stödbehov")
    expect(page.locator("#jobs")).to_be_visible()
    tertials.get_by_role("link", name="Farsta stadsdelsnämnd").click()
    expect(page.locator("h1")).to_contain_text("Farsta")  # where Farsta's reports are handled
    page.go_back()
    page.locator("#reopenings").get_by_role("link", name="Tertial 3 2025 för Farsta").click()
    expect(page.locator("h1")).to_contain_text("Tertial 3 2025")
    check_a11y(page)


def test_reader_start_page_is_accessible_and_has_no_job_links(page, live_server, log_in_as, check_a11y, attention):
    log_in_as(page, "lasare@example.se")
    page.goto(f"{live_server}/")
    expect(page.locator("h1")).to_have_text("Översikt")
    check_a11y(page)
    assert page.locator("a[href*='/schemalagda-jobb']").count() == 0
    page.locator("#changes").get_by_role("link", name="Farsta stadsdelsnämnd", exact=False).first.click()
    expect(page.locator("h1")).to_be_visible()
    assert page.url.split("/uppfoljning/atagande/")[1].isdigit()  # the commitment's history


def test_organisations_page_is_accessible_with_demo_organisations_apart(page, live_server, log_in_as, check_a11y,
                                                                        attention):
    log_in_as(page, "lasare@example.se")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Nämnder och bolag").click()
    expect(page.locator("h1")).to_have_text("Nämnder och bolag")
    check_a11y(page)
    demo = page.locator("section[aria-labelledby=demo-heading]")
    expect(demo.get_by_role("link", name="Demo-organisation 001")).to_be_visible()
    assert demo.get_by_role("link", name="Farsta stadsdelsnämnd").count() == 0
    page.get_by_role("link", name="Farsta stadsdelsnämnd").first.click()
    expect(page.locator("h1")).to_contain_text("Farsta")


def test_contact_lands_on_their_commitments(page, live_server, log_in_as, attention):
    log_in_as(page, "farsta@example.se")
    page.goto(f"{live_server}/")
    assert page.url.endswith("/mina-ataganden")
    assert page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Nämnder och bolag").count() == 0
