"""Pages show the seeded programme in Swedish, with htmx 2 served by the app."""
from __future__ import annotations

import re

import pytest

from tracker.accounts.models import Role
from tracker.config import ROOT


@pytest.fixture
def client(client, make_user, login):
    """These pages as a reader (leadership) sees them."""
    return login(make_user(Role.reader))


def test_index_lists_programmes_and_organisations(client, seeded):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert "Program mot våld 2021–2025" in page and "Bryt upp" in page
    organisations = client.get("/organisationer").get_data(as_text=True)
    assert "Hägersten-Älvsjö stadsdelsnämnd" in organisations
    assert "Bostadsförmedlingen i Stockholm AB" in organisations


def test_programme_page_shows_goals_activities_and_responsibility(client, seeded):
    response = client.get("/program/program-mot-vald-2021-2025")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for number in range(1, 7):
        assert f"Mål {number}:" in page
    assert "Implementering av programmet" in page
    assert page.count('class="activity"') == 33
    assert "Höst 2021–vår 2022" in page
    assert "När Operation Kvinnofrid genomför kampanj" in page
    assert "Tolkas som hela programperioden" in page  # the unparsed time frame is marked
    assert "Förskolornas personal" in page and "Polisen" in page
    assert 'href="/organisation/skarholmen"' in page


def test_organisation_page_lists_its_commitments(client, seeded):
    page = client.get("/organisation/farsta").get_data(as_text=True)
    assert "Farsta stadsdelsnämnd" in page
    assert "(15 åtaganden)" in page and "(2 åtaganden)" in page  # Bilaga 1 and Bryt upp
    assert "Skapa och implementera rutin för att säkra skolgång för barn i skyddat boende" in page
    assert "Ta fram styrkort" not in page  # socialnämnden's, not Farsta's
    assert "Senaste status" in page and page.count("Ej rapporterad") == 17  # the seeds have no reports


def test_organisation_without_commitments_says_so(client, seeded):
    # Every active organisation has a seeded commitment (SHIS Bostäder and Bostadsförmedlingen
    # through Bryt upp); Älvsjö, merged into Hägersten-Älvsjö in 2020, has none.
    page = client.get("/organisation/alvsjo").get_data(as_text=True)
    assert "Älvsjö har inga åtaganden." in page


def test_unknown_pages_are_404_in_swedish(client, seeded):
    for url in ("/program/finns-inte", "/organisation/finns-inte", "/nope"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Sidan finns inte" in response.get_data(as_text=True)


def test_htmx_2_is_served_by_the_app_not_a_cdn(client):
    page = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts == ["/static/vendor/htmx.min.js"]
    assert "historyRestoreAsHxRequest" in page and '"422"' in page
    with client.get("/static/vendor/htmx.min.js") as response:
        body = response.get_data(as_text=True)
    assert re.search(r'version:"2\.\d+\.\d+"', body)
    assert "http" not in "".join(scripts)
    for template in (ROOT / "templates").rglob("*.html"):
        assert "cdn" not in template.read_text(encoding="utf-8").lower(), template


def test_responses_vary_on_hx_request_and_have_security_headers(client):
    response = client.get("/")
    assert "HX-Request" in response.headers["Vary"]
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_english_is_available_and_remembered(client):
    page = client.get("/").get_data(as_text=True)
    assert "In English" in page and "Hoppa till innehållet" in page
    response = client.get("/sprak/en?next=/")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "lang=en" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    english = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Skip to content" in english and "På svenska" in english
    client.get("/sprak/sv")
    assert '<html lang="sv">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.get("/sprak/xx")
    assert '<html lang="sv">' in client.get("/").get_data(as_text=True)
