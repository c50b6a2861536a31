"""The effect-goal pages: results per year, masked by who is looking; the baseline form; export and import."""
from __future__ import annotations

import csv
import io
import re

import pytest

from tests.effect_goals.page_fixtures import build_scene
from tracker.effect_goals.models import EffectGoal


@pytest.fixture
def scene(session, make_program, make_org, make_user):
    return build_scene(session, make_program, make_org, make_user)


def _page(login, user, url: str, status: int = 200) -> str:
    response = login(user).get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def _org_row(page: str, name: str) -> str:
    match = re.search(rf'<tr>\s*<th scope="row">{name}</th>.*?</tr>', page, re.S)
    assert match, name
    return match.group(0)


def test_index_shows_the_weighted_city_result_with_assessment_coverage_and_trend(login, scene):
    page = _page(login, scene.users["coordinator"], "/effektmal/")
    # 79 of 96 = 82,3 %: the sums, not the mean of the districts' shares (79,5 %).
    assert "79 av 96" in page and "82,3\u00a0%" in page and "79,5" not in page
    assert '<span aria-hidden="true">✓</span> Uppnått' in page
    assert "3 av 3 organisationer har rapporterat" in page
    assert "Andel minst 80\u00a0%" in page and "Stöd inom en vecka från kontakten räknas." in page
    assert "Upp 16,6 procentenheter från 2024 till 2025 (en förbättring)" in page
    assert f'href="/effektmal/{scene.share.id}"' in page
    assert 'role="img"' in page and "Stapeldiagram, resultat per år" in page
    assert "baslinje saknas" in page.lower()


def test_reader_never_gets_a_small_figure(login, scene):
    page = _page(login, scene.users["reader"], f"/effektmal/{scene.share.id}")
    assert "79 av 96" in page  # the city in 2024 is large enough
    kista = _org_row(page, "Kista")
    assert "3 av 4" not in page and "75,0" not in page  # Kista's 3 of 4 (and its 75 %) never reach the HTML
    assert "färre än 5" in kista and "visas inte (för få fall)" in kista
    # 79 of 96 minus Farsta's 46 of 52 would give Kista back if Bromma's were shown: Bromma is withheld too.
    assert "30 av 40" not in page
    assert "46 av 52" in _org_row(page, "Farsta")
    # 2025: 93 of 94 tells that one person did not; the city share, its parts and the trend are withheld.
    assert "93 av 94" not in page and "98,9" not in page and "Trenden visas inte (för få fall)." in page


def test_a_masked_year_gets_no_bar(login, scene):
    page = _page(login, scene.users["reader"], f"/effektmal/{scene.share.id}")
    svg = re.search(r'<svg class="chart".*?</svg>', page, re.S).group(0)
    assert len(re.findall(r"<rect ", svg)) == 1  # 2024 only; 2025 is masked
    assert "2025: visas inte (för få fall)" in svg


def test_contact_sees_own_figures_exactly_and_the_rest_masked(login, scene):
    page = _page(login, scene.users["kista"], f"/effektmal/{scene.share.id}")
    assert "3 av 4" in _org_row(page, "Kista") and "75,0\u00a0%" in _org_row(page, "Kista")
    assert "93 av 94" not in page and "98,9" not in page  # the city in 2025 is masked for them too
    farsta_contact = _page(login, scene.users["farsta"], f"/effektmal/{scene.share.id}")
    assert "3 av 4" not in farsta_contact and "46 av 52" in farsta_contact


def test_coordinator_sees_every_figure_exactly(login, scene):
    page = _page(login, scene.users["coordinator"], f"/effektmal/{scene.share.id}")
    assert "3 av 4" in _org_row(page, "Kista") and "30 av 40" in _org_row(page, "Bromma")
    assert "93 av 94" in page and "98,9\u00a0%" in page and "färre än 5" not in page


def test_change_goal_without_baseline_says_so(login, scene):
    page = _page(login, scene.users["reader"], f"/effektmal/{scene.count.id}")
    assert "Baslinje saknas." in page and "Ökning mot basåret, minst 25\u00a0% (baslinje saknas)" in page
    assert 'name="baseline_year"' not in page  # only coordinators get the form


def test_coordinator_sets_the_baseline_with_htmx(login, scene, session):
    client = login(scene.users["coordinator"])
    url = f"/effektmal/{scene.count.id}/baslinje"
    response = client.post(url, data={"baseline_year": "2024"},
                           headers={"HX-Request": "true", "HX-Target": "goal-results"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.startswith('<div id="goal-results"') and "<html" not in html
    assert "Basåret är nu 2024." in html and "40 mot 28 (basår 2024)" in html and "+42,9\u00a0%" in html
    session.expire_all()
    assert session.get(EffectGoal, scene.count.id).baseline_year == 2024


def test_baseline_outside_the_programme_is_refused_beside_the_field(login, scene, session):
    client = login(scene.users["coordinator"])
    response = client.post(f"/effektmal/{scene.count.id}/baslinje", data={"baseline_year": "2019"})
    assert response.status_code == 422
    field = re.search(r'<div class="field field-error">.*?</div>', response.get_data(as_text=True), re.S).group(0)
    assert "Välj ett år från 2024 till 2025" in field and 'aria-invalid="true"' in field
    assert 'aria-describedby="baseline-year-hint baseline-year-error"' in field
    assert client.post(f"/effektmal/{scene.count.id}/baslinje", data={"baseline_year": "tjugo"}).status_code == 422
    session.expire_all()
    assert session.get(EffectGoal, scene.count.id).baseline_year is None


def test_plain_baseline_post_redirects_with_a_message(login, scene):
    client = login(scene.users["coordinator"])
    response = client.post(f"/effektmal/{scene.count.id}/baslinje", data={"baseline_year": "2024"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/effektmal/{scene.count.id}")
    assert "Basåret är nu 2024." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_reader_cannot_set_a_baseline(login, scene):
    assert login(scene.users["reader"]).post(f"/effektmal/{scene.count.id}/baslinje",
                                             data={"baseline_year": "2024"}).status_code == 403


def test_index_links_contacts_to_their_input_and_gives_coordinators_a_chooser(login, scene):
    contact = _page(login, scene.users["farsta"], "/effektmal/")
    assert 'href="/effektmal/inmatning/farsta/2025"' in contact and "/inmatning/bromma" not in contact
    coordinator = _page(login, scene.users["coordinator"], "/effektmal/")
    assert 'action="/effektmal/inmatning"' in coordinator and '<option value="bromma">' in coordinator
    chosen = login(scene.users["coordinator"]).get("/effektmal/inmatning?org=bromma&ar=2024")
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/effektmal/inmatning/bromma/2024")


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))


def test_reader_export_is_masked_and_coordinator_export_exact(login, scene):
    reader = login(scene.users["reader"]).get("/effektmal/export.csv?ar=2024")
    assert reader.status_code == 200 and reader.headers["Content-Disposition"].endswith('effektmal-2024.csv"')
    figures = {(row[0], row[2]): row[5:7] for row in _csv_rows(reader)[1:]}
    # Kista's 3 of 4: only that its base is small, as on the page ("färre än 5" for the numerator too would
    # tell 1–4 of them from none of them, which the page does not).
    assert figures[("andel", "kista")] == ["dolt", "färre än 5"]
    # Withheld so that the city's 79 of 96 does not give Kista back: its denominator too (96 − 52 − 40 = 4).
    assert figures[("andel", "bromma")] == ["dolt", "dolt"]
    assert figures[("andel", "farsta")] == ["46", "52"]
    coordinator = login(scene.users["coordinator"]).get("/effektmal/export.csv?ar=2024")
    exact = {(row[0], row[2]): row[5:7] for row in _csv_rows(coordinator)[1:]}
    assert exact[("andel", "kista")] == ["3", "4"] and exact[("andel", "bromma")] == ["30", "40"]
    xlsx = login(scene.users["reader"]).get("/effektmal/export.xlsx?ar=2024")
    assert xlsx.status_code == 200 and xlsx.get_data().startswith(b"PK")


def test_contact_exports_only_their_own_figures(login, scene):
    rows = _csv_rows(login(scene.users["kista"]).get("/effektmal/export.csv?ar=2024"))
    assert {row[2] for row in rows[1:]} == {"kista"} and rows[1][5:7] == ["3", "4"]


def test_import_lists_every_problem_and_saves_nothing(login, scene):
    client = login(scene.users["coordinator"])
    data = ("Effektmål;Organisation;År;Täljare / antal;Nämnare;Källa;Kommentar\r\n"
            "andel;farsta;2025;60;50;;\r\nokänt;farsta;2025;1;2;;\r\n").encode()
    response = client.post("/effektmal/import", data={"fil": (io.BytesIO(data), "siffror.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    alert = re.search(r'<div class="error-summary" role="alert".*?</div>', response.get_data(as_text=True), re.S)
    problems = re.findall(r"<li>(.*?)</li>", alert.group(0))
    assert len(problems) == 2 and problems[0].startswith("rad 2:") and problems[1].startswith("rad 3:")
    assert "Okänt effektmål: okänt." in problems[1]
    page = _page(login, scene.users["coordinator"], f"/effektmal/{scene.share.id}")
    assert "50 av 50" in _org_row(page, "Farsta")  # unchanged


def test_import_saves_and_counts(login, scene):
    client = login(scene.users["coordinator"])
    data = ("Effektmål;Organisation;År;Täljare / antal;Nämnare;Källa;Kommentar\r\n"
            "andel;farsta;2025;48;50;Enkät;\r\n").encode()
    response = client.post("/effektmal/import", data={"fil": (io.BytesIO(data), "siffror.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert "Importen är klar: 0 nya, 1 ändrade och 0 oförändrade mätvärden." in response.get_data(as_text=True)


def test_import_without_a_file_says_so_beside_the_field(login, scene):
    response = login(scene.users["coordinator"]).post("/effektmal/import", data={},
                                                      content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and '<label for="import-file">' in page
    assert '<p class="error" id="import-file-error">Välj en fil att importera.</p>' in page


def test_import_refuses_a_file_over_two_megabytes(login, scene):
    # The body is built by hand: the test client spools a large upload to a file it never closes.
    body = (b'--grans\r\nContent-Disposition: form-data; name="fil"; filename="stor.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n" + b"x" * (2 * 1024 * 1024 + 1) + b"\r\n--grans--\r\n")
    response = login(scene.users["coordinator"]).post("/effektmal/import", data=body,
                                                      content_type="multipart/form-data; boundary=grans")
    assert response.status_code == 422
    assert "Filen är större än 2 MB." in response.get_data(as_text=True)


def test_import_is_for_coordinators_only(login, scene):
    assert login(scene.users["reader"]).get("/effektmal/import").status_code == 403
    assert login(scene.users["farsta"]).get("/effektmal/import").status_code == 403
