"""Effektmål in Chromium: a contact enters figures in place with htmx; axe finds nothing on the pages."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.conftest import _HASH
from tracker.accounts.models import Role, User, UserOrganisation
from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation, Measurement
from tracker.organisations.models import Organisation

CONTACT, COORDINATOR = "kontakt@example.se", "samordnare@example.se"


@pytest.fixture
def effect_goals(live_app):
    """Every district's 2024 figures for the housing goal (Farsta's small), a Farsta contact and a coordinator."""
    with Session(live_app.extensions["tracker.engine"]) as session:
        goals = {g.code: g for g in session.exec(select(EffectGoal))}
        housing = goals["stadigvarande-boende"]
        districts = session.exec(select(Organisation).join(
            EffectGoalOrganisation, EffectGoalOrganisation.organisation_id == Organisation.id)
            .where(EffectGoalOrganisation.effect_goal_id == housing.id).order_by(Organisation.slug)).all()
        for index, district in enumerate(districts):
            small = district.slug == "farsta"
            session.add(Measurement(effect_goal_id=housing.id, organisation_id=district.id, year=2024,
                                    numerator=3 if small else 20 + index, denominator=4 if small else 25 + index))
        farsta = session.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
        contact = User(email=CONTACT, name="Kim Kontakt", role=Role.contact, password_hash=_HASH)
        session.add_all([contact, User(email=COORDINATOR, name="Sam Ordnare", role=Role.coordinator,
                                       password_hash=_HASH)])
        session.flush()
        session.add(UserOrganisation(user_id=contact.id, organisation_id=farsta.id))
        session.commit()
        return {code: goal.id for code, goal in goals.items()}


def test_contact_enters_figures_in_place_and_the_pages_pass_axe(in_browser, live_app, live_server, log_in_as,
                                                                 check_a11y, effect_goals):
    housing = effect_goals["stadigvarande-boende"]

    def scenario(page):
        log_in_as(page, CONTACT)
        page.goto(f"{live_server}/effektmal/")
        assert page.locator("h1").inner_text() == "Effektmål"
        check_a11y(page)
        page.get_by_role("link", name="Siffror för Farsta").click()
        expect(page.locator("h1")).to_have_text("Effektmål: siffror för Farsta stadsdelsnämnd 2025")
        check_a11y(page)
        page.evaluate("window.notReloaded = true")

        row = page.locator(f"#goal-{housing}")
        numerator = row.get_by_label("Personer med en trygg och stadigvarande boendeform efter placeringen")
        numerator.fill("12")
        row.get_by_label("Personer som fullföljt placering på skyddat boende").fill("10")
        row.get_by_role("button", name="Spara").click()
        expect(numerator).to_have_attribute("aria-invalid", "true")
        expect(row.locator(".error")).to_have_text("Täljaren kan inte vara större än nämnaren.")
        expect(numerator).to_be_focused()
        check_a11y(page)

        numerator.fill("8")
        row.get_by_role("button", name="Spara").click()
        expect(row.locator(".notice-saved")).to_contain_text("Sparat")
        expect(page.locator("#live-status")).to_contain_text("Sparat")
        expect(row.locator('input[name="version"]')).to_have_value("1")
        check_a11y(page)
        assert page.evaluate("window.notReloaded") is True  # swapped in place, not reloaded

        page.goto(f"{live_server}/effektmal/{housing}")
        check_a11y(page)
        assert "3 av 4" in page.locator("main").inner_text()  # Farsta's own 2024 figures, exact for its contact

    in_browser(scenario)
    with Session(live_app.extensions["tracker.engine"]) as session:
        saved = session.exec(select(Measurement).where(Measurement.effect_goal_id == housing,
                                                       Measurement.year == 2025)).one()
        assert (saved.numerator, saved.denominator, saved.version) == (8, 10, 1)


def test_coordinator_goal_page_with_the_baseline_form_passes_axe(in_browser, live_server, log_in_as, check_a11y,
                                                                  effect_goals):
    def scenario(page):
        log_in_as(page, COORDINATOR)
        page.goto(f"{live_server}/effektmal/{effect_goals['remittering-mellanbo']}")
        expect(page.locator(".baseline-missing")).to_contain_text("Baslinje saknas.")
        check_a11y(page)
        page.get_by_label("Basår", exact=True).and_(page.locator("select")).select_option("2024")
        page.get_by_role("button", name="Spara basår").click()
        expect(page.get_by_role("status").filter(has_text="Basåret är nu 2024.")).to_be_visible()
        check_a11y(page)
        for path in ("/effektmal/", "/effektmal/inmatning/farsta/2024", "/effektmal/import"):
            page.goto(f"{live_server}{path}")
            check_a11y(page)

    in_browser(scenario)
