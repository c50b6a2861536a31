"""Generating styrkort in a real browser: the progress component is replaced by the download links."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.conftest import _HASH
from tests.followup.conftest import put_report
from tracker.accounts.models import Role, User
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Commitment
from tracker.reporting.models import ReportStatus


@pytest.fixture
def coordinator(live_app):
    """A coordinator, and a submitted report from Farsta in the programme mot våld's last tertial."""
    with Session(live_app.extensions["tracker.engine"]) as session:
        period = session.exec(select(ReportingPeriod).where(ReportingPeriod.year == 2025,
                                                            ReportingPeriod.number == 3)).one()
        farsta = session.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
        commitment = session.exec(select(Commitment).where(Commitment.organisation_id == farsta.id)).first()
        put_report(session, commitment, period, status=ReportStatus.in_progress, comment="Arbetet pågår <enligt plan>.")
        session.add(User(email="samordnare@example.se", name="Sam Ordnare", role=Role.coordinator, password_hash=_HASH))
        session.commit()
        return period.label


def test_coordinator_generates_a_styrkort_and_downloads_it(in_browser, live_server, log_in_as, check_a11y,
                                                           coordinator):
    def check(page):
        log_in_as(page, "samordnare@example.se")
        page.goto(f"{live_server}/arkiv/generera")
        check_a11y(page)
        page.get_by_label("Tertial", exact=True).select_option(label=coordinator)
        page.get_by_label("Organisation").select_option(label="Farsta stadsdelsnämnd")
        page.get_by_role("button", name="Skapa styrkort").click()
        # Farsta's styrkort for the programme and for Bryt upp (its effect goals).
        done = page.get_by_text("Klart: 2 dokument skapades.")
        done.wait_for(timeout=30_000)
        check_a11y(page)
        link = page.locator("#generation a[href*='/arkiv/dokument/']").first
        response = page.request.get(f"{live_server}{link.get_attribute('href')}")
        assert response.ok and response.body().startswith(b"%PDF")

        page.goto(f"{live_server}/arkiv/")
        assert page.get_by_role("heading", name=coordinator).count() == 1
        check_a11y(page)

    in_browser(check)


def test_report_pages_are_accessible(in_browser, live_server, log_in_as, check_a11y, coordinator):
    def check(page):
        log_in_as(page, "samordnare@example.se")
        for path in ("/rapporter/program-mot-vald-2021-2025/halvtidsrapport",
                     "/rapporter/program-mot-vald-2021-2025/sammanstallning/2023"):
            page.goto(f"{live_server}{path}")
            assert page.locator("h1").count() == 1, path
            check_a11y(page)

    in_browser(check)


def test_coordinator_generates_the_final_report(in_browser, live_server, log_in_as, check_a11y, coordinator):
    def check(page):
        log_in_as(page, "samordnare@example.se")
        page.goto(f"{live_server}/arkiv/generera")
        form = page.locator("form", has=page.get_by_role("button", name="Skapa slutrapport"))
        form.get_by_label("Program", exact=True).select_option(value="bryt-upp")
        form.get_by_role("button", name="Skapa slutrapport").click()
        # Bryt upp runs through 2026: its last tertial is still open.
        page.locator("#program-error, .error").first.wait_for(timeout=10_000)
        check_a11y(page)
        form = page.locator("form", has=page.get_by_role("button", name="Skapa slutrapport"))
        form.get_by_label("Program", exact=True).select_option(value="program-mot-vald-2021-2025")
        form.get_by_role("button", name="Skapa slutrapport").click()
        page.get_by_text("Klart: 1 dokument skapades.").wait_for(timeout=60_000)
        check_a11y(page)
        link = page.locator("#generation a[href*='/arkiv/dokument/']").first
        response = page.request.get(f"{live_server}{link.get_attribute('href')}")
        assert response.ok and response.body().startswith(b"%PDF")
        page.goto(f"{live_server}/rapporter/program-mot-vald-2021-2025/slutrapport")
        assert page.locator("h1").count() == 1
        check_a11y(page)

    in_browser(check)
