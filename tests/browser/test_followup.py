"""The follow-up and tertial pages in a real browser: axe-core finds nothing, and they work by keyboard."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.conftest import _HASH
from tests.followup.conftest import put_report
from tracker.accounts.models import Role, User
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Activity, Commitment
from tracker.reporting.models import ReportState, ReportStatus


@pytest.fixture
def reported(live_app):
    """Two reports in the programme mot våld's last tertial (2025 T3) for its first activity, and a coordinator."""
    with Session(live_app.extensions["tracker.engine"]) as session:
        period = session.exec(select(ReportingPeriod).where(ReportingPeriod.year == 2025,
                                                            ReportingPeriod.number == 3)).one()
        activity = session.exec(select(Activity).order_by(Activity.id)).first()
        commitments = session.exec(select(Commitment).where(Commitment.activity_id == activity.id)).all()
        put_report(session, commitments[0], period, status=ReportStatus.deviation, comment="Försenat.",
                   support_needed=True, support_text="Mer utbildning.")
        put_report(session, commitments[1], period, state=ReportState.draft)
        session.add(User(email="samordnare@example.se", name="Sam Ordnare", role=Role.coordinator, password_hash=_HASH))
        session.commit()
        return activity.id, commitments[0].id, period.code


def test_follow_up_and_tertial_pages_are_accessible(in_browser, live_server, log_in_as, check_a11y, reported):
    activity_id, commitment_id, period = reported

    def check(page):
        log_in_as(page, "samordnare@example.se")
        for path in ("/uppfoljning/", f"/uppfoljning/?status=deviation&support=1&q=f%C3%B6r&period={period}",
                     f"/uppfoljning/aktivitet/{activity_id}", "/uppfoljning/rapportering",
                     f"/uppfoljning/atagande/{commitment_id}", "/tertialer/", f"/tertialer/{period}"):
            page.goto(f"{live_server}{path}")
            assert page.locator("h1").count() == 1, path
            check_a11y(page)

    in_browser(check)


def test_an_activity_expands_by_keyboard_and_loads_its_organisations(in_browser, live_server, log_in_as, reported):
    activity_id, _commitment_id, _period = reported

    def check(page):
        log_in_as(page, "samordnare@example.se")
        page.goto(f"{live_server}/uppfoljning/")
        page.locator(f"#activity-{activity_id} summary").focus()
        page.keyboard.press("Enter")

        table = page.locator(f"#activity-{activity_id}-detail table")
        table.wait_for()
        assert "Pågår med avvikelse" in table.inner_text() and "Mer utbildning." in table.inner_text()

    in_browser(check)


def test_reopen_form_shows_the_missing_reason_beside_the_field(in_browser, live_server, log_in_as, check_a11y,
                                                               reported):
    _activity_id, _commitment_id, period = reported

    def check(page):
        log_in_as(page, "samordnare@example.se")
        page.goto(f"{live_server}/tertialer/{period}")
        page.get_by_label("Organisation", exact=True).select_option("farsta")
        page.get_by_role("button", name=f"Återöppna Tertial {period[-1]} {period[:4]}").click()

        error = page.locator("#reason-error")
        error.wait_for()
        assert "Skriv varför tertialen återöppnas." in error.inner_text()
        assert page.get_by_label("Organisation", exact=True).input_value() == "farsta"
        check_a11y(page)

    in_browser(check)
