"""Founding a programme in Chromium: the new-programme and copy forms, with errors beside the fields; axe finds nothing."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.conftest import _HASH
from tracker.accounts.models import Role, User
from tracker.programs.models import Activity, Goal, Program

COORDINATOR = "samordnare@example.se"
ORIGIN = "program-mot-vald-2021-2025"


def _coordinator(live_app) -> None:
    with Session(live_app.extensions["tracker.engine"]) as session:
        session.add(User(email=COORDINATOR, name="Sam Ordnare", role=Role.coordinator, password_hash=_HASH))
        session.commit()


def test_coordinator_continues_the_programme_and_the_forms_pass_axe(page, live_app, live_server, log_in_as,
                                                                     check_a11y):
    _coordinator(live_app)
    log_in_as(page, COORDINATOR)
    page.goto(f"{live_server}/program/{ORIGIN}")
    page.get_by_role("link", name="Nytt program som fortsätter detta").click()
    expect(page.locator("h1")).to_have_text("Nytt program som fortsätter Program mot våld 2021–2025")
    expect(page.get_by_label("Startår")).to_have_value("2026")
    expect(page.get_by_label("Slutår")).to_have_value("2030")
    check_a11y(page)

    # Leave out Mål 6 but tick one of its activities, and put the years the wrong way round.
    goal6 = page.get_by_role("checkbox", name="Mål 6: Stadens verksamheter arbetar med systematisk kunskapsutveckling")
    goal6.uncheck()
    page.get_by_label("Namn", exact=True).fill("Program mot våld i nära relation 2026–2030")
    page.get_by_label("Kort namn").fill("Program mot våld 2026–2030")
    page.get_by_label("Startår").fill("2031")
    page.get_by_role("button", name="Skapa programmet").click()
    expect(page.locator("#end_year-error")).to_have_text("Slutåret kan inte vara före startåret.")
    expect(page.get_by_label("Slutår")).to_have_attribute("aria-invalid", "true")
    check_a11y(page)

    page.get_by_label("Startår").fill("2026")
    page.get_by_role("button", name="Skapa programmet").click()
    expect(page.locator("#copy-tree-error")).to_contain_text("Aktiviteter är valda under Mål 6 men inte målet.")
    check_a11y(page)

    goal6_item = page.locator("ul.copy-goals > li").filter(has=goal6)
    for box in goal6_item.locator("ul.copy-activities").get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_role("button", name="Skapa programmet").click()
    expect(page.locator("h1")).to_have_text("Program mot våld i nära relation 2026–2030")
    origin_link = page.locator(".continues-from a")
    expect(origin_link).to_have_attribute("href", f"/program/{ORIGIN}")
    expect(page.locator(".continues-from")).to_contain_text("Fortsätter från")
    check_a11y(page)

    with Session(live_app.extensions["tracker.engine"]) as session:
        copy = session.exec(select(Program).where(Program.slug == "program-mot-vald-i-nara-relation-2026-2030")).one()
        numbers = session.exec(select(Goal.number).where(Goal.program_id == copy.id).order_by(Goal.position)).all()
        activities = session.exec(select(Activity).join(Goal).where(Goal.program_id == copy.id)).all()
    assert 6 not in numbers and 1 in numbers and copy.origin_id is not None
    assert activities and all(a.origin_id is not None for a in activities)


def test_coordinator_creates_an_empty_programme_and_the_form_passes_axe(page, live_app, live_server, log_in_as,
                                                                         check_a11y):
    _coordinator(live_app)
    log_in_as(page, COORDINATOR)
    page.goto(f"{live_server}/program/bryt-upp")
    page.get_by_role("link", name="Nytt program", exact=True).click()
    expect(page.locator("h1")).to_have_text("Nytt program")
    check_a11y(page)

    page.get_by_label("Namn", exact=True).fill("Bryt upp")  # its address, bryt-upp, is taken
    page.get_by_label("Kort namn").fill("Bryt upp 2")
    page.get_by_label("Slag").select_option("budget_assignment")
    page.get_by_label("Startår").fill("1999")
    page.get_by_label("Slutår").fill("2027")
    page.get_by_role("button", name="Skapa programmet").click()
    expect(page.locator("#start_year-error")).to_have_text("Skriv ett årtal från 2000 till 2100.")
    expect(page.locator(".error-summary")).to_be_visible()
    check_a11y(page)

    page.get_by_label("Startår").fill("2027")
    page.get_by_role("button", name="Skapa programmet").click()
    expect(page.locator("#slug-error")).to_contain_text("Adressen ”bryt-upp” används redan")
    page.get_by_label("Adress").fill("bryt-upp-2")
    page.get_by_role("button", name="Skapa programmet").click()
    expect(page.locator("h1")).to_have_text("Bryt upp")
    expect(page).to_have_url(f"{live_server}/program/bryt-upp-2")
    expect(page.get_by_text("Programmet har inga mål eller aktiviteter.")).to_be_visible()
    check_a11y(page)
