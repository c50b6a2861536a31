"""Mina åtaganden in Chromium: compact rows, an editor opened by keyboard, htmx saves in place, axe finds nothing."""
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
from tracker.reporting.models import ReportState, ReportStatus, StatusReport, StatusReportContent

EMAIL = "kontakt@example.se"


@pytest.fixture
def in_chromium(page):
    """Run a scenario on a fresh page of the shared Chromium."""
    return lambda scenario: scenario(page)


def _farsta_rows(live_app):
    with Session(live_app.extensions["tracker.engine"]) as session:
        period = get_period(session, "2025-T3")
        farsta = session.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
        return [row for goal in editing.organisation_reports(session, organisation_id=farsta.id, period=period)
                for row in goal.rows]


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
        session.commit()
    return _farsta_rows(live_app)[0].commitment.id


def _open_editor_by_keyboard(page, commitment_id: int):
    """Tab to the row's link (named by its activity) and press Enter: the editor replaces the row."""
    link = page.locator(f"#o{commitment_id}")
    title = page.locator(f"#t{commitment_id}").inner_text()
    expect(link).to_have_accessible_name(re.compile(rf"^(Rapportera|Rätta|Visa) {re.escape(title)}$"))
    link.focus()
    page.keyboard.press("Enter")
    component = page.locator(f"#report-{commitment_id}")
    expect(component.locator(f"#report-{commitment_id}-title")).to_be_focused()
    return component


def test_contact_opens_an_editor_by_keyboard_saves_a_draft_and_submits(in_chromium, live_app, live_server,
                                                                        log_in_as, check_a11y, farsta_open):
    def scenario(page):
        log_in_as(page, EMAIL)
        page.goto(f"{live_server}/rapport/{farsta_open}/2025-T3?from=mine")  # the editor's own page
        check_a11y(page)
        page.goto(f"{live_server}/mina-ataganden")
        assert page.locator("h1").inner_text() == "Mina åtaganden"
        assert page.locator("textarea").count() == 0  # compact: no editor until one is opened
        check_a11y(page)
        page.evaluate("window.notReloaded = true")

        component = _open_editor_by_keyboard(page, farsta_open)
        check_a11y(page)
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

        component.get_by_role("link", name=re.compile("^Stäng ")).click()  # back to the row, now submitted
        row = page.locator(f"#row-{farsta_open}")
        expect(row.locator(".tag")).to_have_text("Inlämnad")
        expect(row.locator(".badge")).to_have_text("Avvikelse")
        expect(page.locator(f"#o{farsta_open}")).to_be_focused()
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
        notice.locator("li a").first.click()  # each problem links to its row
        expect(page).to_have_url(re.compile(r"#row-\d+$"))
        return notice.locator("li").count(), page.locator("tr[id^=row-]").count()

    listed, commitments = in_chromium(scenario)
    assert listed == commitments > 0


def test_submit_all_refreshes_every_row_in_place(in_chromium, live_app, live_server, log_in_as, farsta_open):
    rows = _farsta_rows(live_app)
    with Session(live_app.extensions["tracker.engine"]) as session:
        period = get_period(session, "2025-T3")
        for row in rows:
            reporting.save_report(session, commitment=row.commitment, period=period, actor=None, expected_version=None,
                                  content=StatusReportContent(status=ReportStatus.in_progress))
        session.commit()

    def scenario(page):
        log_in_as(page, EMAIL)
        page.goto(f"{live_server}/mina-ataganden")
        _open_editor_by_keyboard(page, farsta_open)  # an open editor closes to its row once submitted
        page.get_by_role("button", name=re.compile("^Lämna in alla")).click()
        expect(page.locator(".submit-all .notice-submitted")).to_contain_text(f"{len(rows)} rapporter för Farsta")
        expect(page.locator(".tag.state-submitted")).to_have_count(len(rows))
        return page.locator("article.report").count(), page.locator("tr[id^=row-]").count()

    assert in_chromium(scenario) == (0, len(rows))
    with Session(live_app.extensions["tracker.engine"]) as session:
        period = get_period(session, "2025-T3")
        assert {reporting.get_report(session, row.commitment.id, period.id).state for row in rows} == {"submitted"}


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
        component = _open_editor_by_keyboard(page, farsta_open)
        component.get_by_role("button", name="Kopiera förra tertialens text").click()
        expect(component.get_by_label("Kommentar")).to_have_value("Två grupper i gång.")
        expect(component.get_by_label("Nästa steg")).to_have_value("En till i höst.")
        expect(component.locator(".notice-unchanged")).to_have_text(
            re.compile("^Texten är oförändrad från förra tertialen"))
        return page.url

    assert in_chromium(scenario).endswith("/mina-ataganden")
    with Session(live_app.extensions["tracker.engine"]) as session:
        assert reporting.get_report(session, farsta_open, get_period(session, "2025-T3").id) is None


def test_filtering_swaps_the_list_and_says_how_many_are_shown(in_chromium, live_app, live_server, log_in_as,
                                                               check_a11y, farsta_open):
    rows = _farsta_rows(live_app)
    with Session(live_app.extensions["tracker.engine"]) as session:
        reporting.save_report(session, commitment=rows[1].commitment, period=get_period(session, "2025-T3"),
                              actor=None, expected_version=None, content=StatusReportContent())
        session.commit()

    def scenario(page):
        log_in_as(page, EMAIL)
        page.goto(f"{live_server}/mina-ataganden")
        page.evaluate("window.notReloaded = true")
        page.get_by_label("Rapport", exact=True).select_option(label="Utkast")
        page.get_by_role("button", name="Filtrera").click()
        expect(page.locator("tr[id^=row-]")).to_have_count(1)
        expect(page.locator(f"#row-{rows[1].commitment.id}")).to_be_visible()
        expect(page.locator("#live-status")).to_have_text(f"Visar 1 av {len(rows)} åtaganden")
        expect(page).to_have_url(re.compile(r"/mina-ataganden\?goal=&state=draft$"))
        check_a11y(page)
        page.get_by_role("link", name="Visa alla").click()
        expect(page.locator("tr[id^=row-]")).to_have_count(len(rows))
        return page.evaluate("window.notReloaded")

    assert in_chromium(scenario) is True


def test_the_editors_own_page_works_without_javascript(browser, live_server, log_in_as, farsta_open):
    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in_as(page, EMAIL)
        page.goto(f"{live_server}/mina-ataganden")
        page.locator(f"#o{farsta_open}").click()  # a plain link: the editor on a page of its own
        expect(page).to_have_url(re.compile(rf"/rapport/{farsta_open}/2025-T3\?from=mine$"))
        expect(page.locator("h2").first).to_have_attribute("id", f"report-{farsta_open}-title")
        page.get_by_label("Status").select_option(label="● Genomförd")
        page.get_by_role("button", name="Spara utkast").click()
        expect(page).to_have_url(re.compile(rf"/mina-ataganden#row-{farsta_open}$"))
        expect(page.locator(".flash")).to_contain_text("Utkast sparat")
        expect(page.locator(f"#row-{farsta_open} .tag")).to_have_text("Utkast")
    finally:
        context.close()
