"""Utvecklingsmedel in Chromium: a contact fills in and submits a usage report, the coordinator sees the compilation change."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.conftest import _HASH
from tests.funds.factories import make_fund_year
from tracker.accounts.models import Role, User, UserOrganisation
from tracker.funds.models import FundYear, ReportingState, UsageReport
from tracker.organisations.models import Organisation

CONTACT, COORDINATOR = "kontakt@example.se", "samordnare@example.se"


@pytest.fixture
def fund_year(live_app):
    """2026, open for reports until 15 February 2027: Farsta and Bromma in the allocation; a Farsta contact."""
    with Session(live_app.extensions["tracker.engine"]) as session:
        orgs = {o.slug: o for o in session.exec(select(Organisation))}
        make_fund_year(session, year=2026, allocations=[(orgs["farsta"], 461_210), (orgs["bromma"], 279_427)],
                       reporting=ReportingState.open, deadline=date(2027, 2, 15), requisitioned=740_637)
        contact = User(email=CONTACT, name="Kim Kontakt", role=Role.contact, password_hash=_HASH)
        session.add_all([contact, User(email=COORDINATOR, name="Sam Ordnare", role=Role.coordinator,
                                       password_hash=_HASH)])
        session.flush()
        session.add(UserOrganisation(user_id=contact.id, organisation_id=orgs["farsta"].id))
        session.commit()


def test_a_contact_submits_a_usage_report_and_the_compilation_changes(in_browser, new_page, live_app, live_server,
                                                                      log_in_as, check_a11y, fund_year):
    def contact_reports(page):
        log_in_as(page, CONTACT)
        page.goto(f"{live_server}/medel/")
        check_a11y(page)
        page.get_by_role("link", name="2026", exact=True).click()
        expect(page.locator("h1")).to_have_text("Utvecklingsmedel för arbetet mot våld i nära relationer 2026")
        check_a11y(page)
        page.get_by_role("link", name="Farsta stadsdelsnämnd").click()
        expect(page.locator("h1")).to_have_text("Återrapport om utvecklingsmedel 2026")
        check_a11y(page)
        page.evaluate("window.notReloaded = true")

        page.get_by_label("Använt (kr)", exact=True).fill("400 000")
        page.get_by_role("button", name="Lämna in").click()
        unspent = page.get_by_label("Ej använt (kr)", exact=True)
        expect(unspent).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".notice-error")).to_contain_text("Återrapporten sparades inte")
        check_a11y(page)

        unspent.fill("61210")
        page.get_by_label("Vad som gjordes inom området Långsiktigt arbete").fill(
            "Utbildning i FREDA för hela socialtjänsten och nya rutiner för samverkan.")
        page.get_by_label("Motsvarar resultaten inom området Långsiktigt arbete det ni förväntade er?").select_option(
            label="I stor utsträckning")
        page.get_by_label("Tidsbrist").check()
        page.get_by_label("Nej", exact=True).check()
        page.get_by_role("button", name="Lämna in").click()
        expect(page.locator(".notice-saved")).to_contain_text("Inlämnad")
        expect(page.get_by_role("button", name="Spara rättelsen")).to_be_visible()
        assert page.evaluate("window.notReloaded") is True  # swapped in place by htmx
        check_a11y(page)

    def coordinator_reads(page):
        log_in_as(page, COORDINATOR)
        page.goto(f"{live_server}/medel/2026/sammanstallning")
        main = page.locator("main")
        expect(main).to_contain_text("1 av 2 nämnder har arbetat inom området")
        expect(main).to_contain_text("Utbildning i FREDA för hela socialtjänsten")
        expect(main).to_contain_text("Tidsbrist: 1 av 2 nämnder")
        check_a11y(page)
        page.goto(f"{live_server}/medel/2026")
        check_a11y(page)

    in_browser(contact_reports)
    with Session(live_app.extensions["tracker.engine"]) as session:
        report = session.exec(select(UsageReport).join(FundYear).where(FundYear.year == 2026)).one()
        assert (report.state, report.used, report.unspent, report.reasons) == ("submitted", 400_000, 61_210, ["time"])
    coordinator_reads(new_page())
