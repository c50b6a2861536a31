"""The yearly input: one form row per goal, saved on its own, with htmx or as a plain POST."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.effect_goals.page_fixtures import build_scene
from tracker.effect_goals.models import Measurement, MeasurementVersion


@pytest.fixture
def scene(session, make_program, make_org, make_user):
    return build_scene(session, make_program, make_org, make_user)


def _htmx(goal_id: int) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": f"goal-{goal_id}"}


def _measurement(session, goal, org, year=2025) -> Measurement:
    session.expire_all()
    return session.exec(select(Measurement).where(
        Measurement.effect_goal_id == goal.id, Measurement.organisation_id == org.id, Measurement.year == year)).one()


def _enter(client, slug: str, year: int, goal, **figures):
    """Open the organisation's input page for the year, then post one goal's figures: both status codes tell."""
    page = client.get(f"/effektmal/inmatning/{slug}/{year}")
    return page.status_code, client.post(f"/effektmal/inmatning/{slug}/{year}/{goal.id}", data=figures)


def _field(html: str, goal_id: int, name: str) -> str:
    match = re.search(rf'<div class="field field-{name}[^"]*">.*?</div>', html, re.S)
    assert match, name
    return match.group(0)


def test_input_page_has_a_labelled_row_per_goal(login, scene):
    page = login(scene.users["farsta"]).get("/effektmal/inmatning/farsta/2025")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    share, count = scene.share.id, scene.count.id
    assert f'<label for="g{share}-numerator">Antal som fått stöd</label>' in html
    assert f'<label for="g{share}-denominator">Antal som sökt stöd</label>' in html
    assert f'aria-describedby="g{share}-definition"' in html  # the goal's definition is the figures' hint
    assert f'id="g{count}-denominator"' not in html  # a count goal has no denominator
    assert f'hx-post="/effektmal/inmatning/farsta/2025/{share}"' in html
    assert f'action="/effektmal/inmatning/farsta/2025/{share}"' in html  # works without JavaScript too
    assert '<input type="hidden" name="version" value="1">' in html
    assert 'href="/effektmal/inmatning/farsta/2024"' in html  # the year chooser


def test_contact_saves_a_row_with_htmx(login, scene, session):
    client = login(scene.users["farsta"])
    response = client.post(f"/effektmal/inmatning/farsta/2025/{scene.share.id}", headers=_htmx(scene.share.id),
                           data={"numerator": "48", "denominator": "50", "source": "Enkät", "version": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.startswith(f'<article class="measurement" id="goal-{scene.share.id}"') and "<html" not in html
    assert re.search(r'<p class="notice notice-saved"[^>]*>Sparat \d\d:\d\d</p>', html)
    assert '<input type="hidden" name="version" value="2">' in html
    assert 'id="live-status" role="status" hx-swap-oob="innerHTML">Sparat: Effektmålet andel ska nås.' in html
    saved = _measurement(session, scene.share, scene.orgs["farsta"])
    assert (saved.numerator, saved.denominator, saved.source, saved.version) == (48, 50, "Enkät", 2)


def test_plain_post_redirects_with_a_flash(login, scene):
    client = login(scene.users["farsta"])
    response = client.post(f"/effektmal/inmatning/farsta/2025/{scene.count.id}", data={"numerator": "31",
                                                                                         "version": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/effektmal/inmatning/farsta/2025#goal-{scene.count.id}")
    page = client.get("/effektmal/inmatning/farsta/2025").get_data(as_text=True)
    assert "Siffrorna är sparade: Effektmålet antal ska nås." in page and 'value="31"' in page


def test_invalid_figures_are_shown_beside_the_field_and_not_saved(login, scene, session):
    client = login(scene.users["farsta"])
    url = f"/effektmal/inmatning/farsta/2025/{scene.share.id}"
    response = client.post(url, headers=_htmx(scene.share.id),
                           data={"numerator": "tolv", "denominator": "50", "version": "1"})
    assert response.status_code == 422
    numerator = _field(response.get_data(as_text=True), scene.share.id, "numerator")
    assert f'<p class="error" id="g{scene.share.id}-numerator-error">Skriv ett heltal, 0 eller större.</p>' in numerator
    assert 'value="tolv"' in numerator and 'aria-invalid="true"' in numerator and "autofocus" in numerator
    assert f'aria-describedby="g{scene.share.id}-definition g{scene.share.id}-numerator-error"' in numerator

    too_many = client.post(url, data={"numerator": "60", "denominator": "50", "version": "1"})  # plain POST
    assert too_many.status_code == 422
    page = too_many.get_data(as_text=True)
    assert "<h1>Effektmål: siffror för Farsta 2025</h1>" in page
    assert "Täljaren kan inte vara större än nämnaren." in _field(page, scene.share.id, "numerator")
    assert _measurement(session, scene.share, scene.orgs["farsta"]).version == 1


def test_a_conflict_shows_the_other_save_and_keeps_the_users_figures(login, scene, session):
    coordinator = login(scene.users["coordinator"])
    url = f"/effektmal/inmatning/farsta/2025/{scene.share.id}"
    assert coordinator.post(url, data={"numerator": "49", "denominator": "50", "version": "1"}).status_code == 303
    contact = login(scene.users["farsta"])
    response = contact.post(url, headers=_htmx(scene.share.id),
                            data={"numerator": "47", "denominator": "51", "note": "Min siffra", "version": "1"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    conflict = re.search(r'<section class="conflict".*?</section>', html, re.S).group(0)
    assert f"Sparat av {scene.users['coordinator'].name}" in conflict and "(version 2)" in conflict
    assert "<dd>49</dd>" in conflict and "<dd>50</dd>" in conflict
    assert 'value="47"' in html and 'value="51"' in html and ">Min siffra</textarea>" in html
    assert '<input type="hidden" name="version" value="2">' in html  # saving again goes on top of theirs
    assert _measurement(session, scene.share, scene.orgs["farsta"]).numerator == 49


def test_contact_cannot_enter_figures_for_another_organisation(login, scene, session):
    shown, response = _enter(login(scene.users["farsta"]), "bromma", 2025, scene.share,
                             numerator="1", denominator="40", version="1")
    assert shown == 403
    assert response.status_code == 403
    bromma = _measurement(session, scene.share, scene.orgs["bromma"])
    assert (bromma.numerator, bromma.version) == (40, 1)
    assert session.exec(select(MeasurementVersion)).all() == []


def test_readers_cannot_enter_figures(login, scene):
    shown, response = _enter(login(scene.users["reader"]), "farsta", 2025, scene.share, numerator="1", denominator="2")
    assert shown == 403
    assert response.status_code == 403


def test_coordinator_enters_figures_for_any_organisation(login, scene, session):
    shown, response = _enter(login(scene.users["coordinator"]), "kista", 2024, scene.share,
                             numerator="4", denominator="4", version="1")
    assert shown == 200
    assert response.status_code == 303
    assert _measurement(session, scene.share, scene.orgs["kista"], 2024).numerator == 4


def test_goal_the_organisation_does_not_report_is_not_found(login, scene):
    client = login(scene.users["kista"])
    assert client.post(f"/effektmal/inmatning/kista/2025/{scene.count.id}",
                       data={"numerator": "3"}).status_code == 404


def test_year_outside_the_programme(login, scene):
    client = login(scene.users["farsta"])
    page = client.get("/effektmal/inmatning/farsta/2023").get_data(as_text=True)
    assert "Farsta har inga effektmål att rapportera för 2023." in page
    response = client.post(f"/effektmal/inmatning/farsta/2023/{scene.share.id}", headers=_htmx(scene.share.id),
                           data={"numerator": "1", "denominator": "2"})
    assert response.status_code == 422
    assert "Välj ett år från 2024 till 2025, programmets år." in response.get_data(as_text=True)
    plain = client.post(f"/effektmal/inmatning/farsta/2023/{scene.share.id}", data={"numerator": "1",
                                                                                      "denominator": "2"})
    assert plain.status_code == 422 and "Välj ett år från 2024 till 2025" in plain.get_data(as_text=True)


def test_a_damaged_version_is_a_bad_request(login, scene):
    response = login(scene.users["farsta"]).post(f"/effektmal/inmatning/farsta/2025/{scene.share.id}",
                                                 data={"numerator": "1", "denominator": "2", "version": "x"})
    assert response.status_code == 400
