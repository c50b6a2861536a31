"""The main flows in a real browser: a contact reports, two people collide, a reader only reads."""
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
from tracker.programs.models import Commitment
from tracker.reporting import editing
from tracker.reporting import service as reporting
from tracker.reporting.models import ReportState


def _add_user(session, role: Role, email: str, orgs=()) -> None:
    user = User(email=email, name=email.split("@")[0].capitalize(), role=role, password_hash=_HASH)
    session.add(user)
    session.flush()
    for org in orgs:
        session.add(UserOrganisation(user_id=user.id, organisation_id=org.id))


@pytest.fixture
def open_tertial(live_app):
    """2025-T3 open for reporting; two Farsta contacts, a coordinator and a reader."""
    with Session(live_app.extensions["tracker.engine"]) as session:
        period = get_period(session, "2025-T3")
        period.state = PeriodState.open
        session.add(period)
        farsta = session.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
        _add_user(session, Role.contact, "anna@example.se", [farsta])
        _add_user(session, Role.contact, "bo@example.se", [farsta])
        _add_user(session, Role.coordinator, "samordnare@example.se")
        _add_user(session, Role.reader, "lasare@example.se")
        rows = editing.organisation_reports(session, organisation_id=farsta.id, period=period)[0].rows
        session.commit()
        return [row.commitment.id for row in rows]


def test_contact_updates_three_commitments_inline_and_submits(page, new_page, live_app, live_server, log_in_as,
                                                                check_a11y, open_tertial):
    log_in_as(page, "anna@example.se")
    expect(page).to_have_url(re.compile("/mina-ataganden$"))  # contacts start here
    check_a11y(page)
    page.evaluate("window.stayedOnPage = true")
    texts = ["Två föräldragrupper startade.", "Materialet översatt till fyra språk.", "Rutinen beslutad."]
    for commitment_id, text in zip(open_tertial[:3], texts, strict=True):
        page.locator(f"#o{commitment_id}").click()  # the row's link loads its editor in place (htmx)
        component = page.locator(f"#report-{commitment_id}")
        component.get_by_label("Status").select_option(label="◐ Pågår")
        component.get_by_label("Kommentar").fill(text)
        component.get_by_role("button", name="Spara utkast").click()
        expect(component.locator(".notice-saved")).to_be_visible()
    for commitment_id in open_tertial[:3]:
        component = page.locator(f"#report-{commitment_id}")
        component.get_by_role("button", name="Lämna in", exact=True).click()
        expect(component.locator(".notice-submitted")).to_be_visible()
    check_a11y(page)
    assert page.evaluate("window.stayedOnPage") is True  # htmx swapped, no reload

    # The coordinator sees the spread change for the first activity: one of Farsta's 13 districts reported.
    with Session(live_app.extensions["tracker.engine"]) as session:
        activity_id = session.get(Commitment, open_tertial[0]).activity_id
    coordinator = new_page()
    log_in_as(coordinator, "samordnare@example.se")
    coordinator.goto(f"{live_server}/uppfoljning/?period=2025-T3")
    spread = coordinator.locator(f"#activity-{activity_id}-spread")
    expect(spread).to_contain_text("1 Pågår")
    expect(spread).to_contain_text("12 ej rapporterat")
    check_a11y(coordinator)

    with Session(live_app.extensions["tracker.engine"]) as session:
        period = get_period(session, "2025-T3")
        saved = [reporting.get_report(session, cid, period.id) for cid in open_tertial[:3]]
        assert [(r.state, r.comment) for r in saved] == [(ReportState.submitted, t) for t in texts]
        assert all(len(reporting.report_versions(session, r.id)) == 2 for r in saved)


def test_two_people_editing_the_same_report_see_a_conflict(new_page, live_app, live_server, log_in_as,
                                                           check_a11y, open_tertial):
    anna, bo = new_page(), new_page()
    log_in_as(anna, "anna@example.se")
    log_in_as(bo, "bo@example.se")
    target = open_tertial[0]
    for page in (anna, bo):
        page.goto(f"{live_server}/mina-ataganden")
        page.locator(f"#o{target}").click()  # the row's link loads its editor in place (htmx)
    first = anna.locator(f"#report-{target}")
    first.get_by_label("Status").select_option(label="◐ Pågår")
    first.get_by_label("Kommentar").fill("Annas text")
    first.get_by_role("button", name="Spara utkast").click()
    expect(first.locator(".notice-saved")).to_be_visible()

    second = bo.locator(f"#report-{target}")
    second.get_by_label("Status").select_option(label="● Genomförd")
    second.get_by_label("Kommentar").fill("Bos text")
    second.get_by_role("button", name="Spara utkast").click()
    expect(second.locator(".notice-conflict")).to_be_visible()
    expect(second.locator(".conflict")).to_contain_text("Annas text")
    expect(second.locator(".conflict")).to_contain_text("Anna")
    expect(second.get_by_label("Kommentar")).to_have_value("Bos text")  # nothing of Bo's is lost
    check_a11y(bo)

    with Session(live_app.extensions["tracker.engine"]) as session:
        report = reporting.get_report(session, target, get_period(session, "2025-T3").id)
        assert (report.comment, report.version) == ("Annas text", 1)  # not overwritten

    second.get_by_role("button", name="Spara utkast").click()  # now on top of version 1, knowingly
    expect(second.locator(".notice-saved")).to_be_visible()
    with Session(live_app.extensions["tracker.engine"]) as session:
        report = reporting.get_report(session, target, get_period(session, "2025-T3").id)
        assert (report.comment, report.version) == ("Bos text", 2)


def test_reader_finds_no_way_to_edit(page, live_server, log_in_as, check_a11y, open_tertial):
    log_in_as(page, "lasare@example.se")
    visited = ["/", "/program/program-mot-vald-2021-2025", "/organisation/farsta"]
    for path in visited:
        page.goto(f"{live_server}{path}")
        check_a11y(page)
        # Filters are GET forms; anything that would change data is a POST form or a text box.
        editable = page.locator("main form[method=post], main textarea, main [hx-post]")
        assert editable.count() == 0, f"edit controls on {path}"
    for path in ("/mina-ataganden", "/rapportera/farsta"):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 403
        expect(page.locator("h1")).to_have_text("Åtkomst nekad")
