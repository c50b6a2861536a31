"""The report pages: readers, coordinators and admins see them; contacts do not; bad choices are explained."""
from __future__ import annotations

import re

import pytest

from tests.conftest import html_part
from tests.reports.conftest import SCRIPT
from tracker.accounts.models import Role

MIDTERM = "/rapporter/program-mot-vald/halvtidsrapport"
ANNUAL = "/rapporter/program-mot-vald/sammanstallning"


def _section(page: str, section_id: str) -> str:
    return html_part(page, rf'<section id="{section_id}".*?(?=<section id=|</main>)', section_id)


def test_reader_sees_the_midterm_report_up_to_the_latest_closed_tertial(reader, scenario):
    response = reader.get(MIDTERM)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Halvtidsrapport</h1>" in page
    assert "Tertial 3 2022 – Tertial 2 2023" in page and "Data per " in page and "Skapad " in page
    assert '<option value="2023-T2" selected>' in page and '<option value="2024-T1"' not in page
    assert '<a href="#support">Behov av stöd</a>' in page
    summary = _section(page, "summary")
    assert "5 åtaganden hos 2 organisationer i Tertial 2 2023." in summary
    assert "3 av 5 åtaganden har en inlämnad rapport för Tertial 2 2023 (60 %)" in summary
    assert "2 åtaganden är försenade." in summary and "3 behov av stöd har anmälts" in summary
    assert re.search(r'Ej rapporterad</span></th><td class="num">2</td><td class="num">40 %</td>', summary)
    assert '<th scope="col">Status</th>' in summary and "<caption>Åtaganden per status, Tertial 2 2023</caption>" in summary


def test_page_shows_explanations_support_needs_and_compliance(reader, scenario):
    page = reader.get(MIDTERM + "?till=2023-T2").get_data(as_text=True)
    goals = _section(page, "goals")
    assert "Rekrytera två handläggare" in goals and "Ingen inlämnad rapport för Tertial 2 2023." in goals
    assert '<span class="marker marker-overdue">Försenad</span>' in goals
    support = _section(page, "support")
    for text in ("Behöver stöd med våldsförebyggande metoder för äldre", "Handledning för personalen i Skärholmen",
                 "Stöd i implementeringen av rutinen"):
        assert text in support
    assert "Stöd som bara står i ett utkast" not in page and "Stöd efter perioden" not in page
    compliance = _section(page, "compliance")
    assert re.search(r'<th scope="row">Tertial 1 2023</th><td class="num">7</td><td class="num">4</td>'
                     r'<td class="num">1</td><td class="num">2</td><td class="num">57 %</td>', compliance)
    assert "Avslutat före Tertial 2 2023" in _section(page, "organisations")
    assert "Vad som räknas som rapporterat" in _section(page, "method")


def test_user_text_is_escaped(reader, scenario):
    page = reader.get(MIDTERM).get_data(as_text=True)
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Vakanser kvarstår" in page


def test_annual_compilation_of_a_year(reader, scenario):
    response = reader.get(ANNUAL + "/2023")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Årlig sammanställning 2023</h1>" in page and "Tertial 1 2023 – Tertial 3 2023" in page
    assert '<option value="2023" selected>' in page


def test_year_chooser_goes_to_the_chosen_or_latest_year(reader, scenario):
    chosen = reader.get(ANNUAL + "?ar=2022")
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith(ANNUAL + "/2022")
    assert reader.get(ANNUAL).headers["Location"].endswith(ANNUAL + "/2023")  # 2023-T2 is the latest closed


@pytest.mark.parametrize(("url", "message"), [
    (ANNUAL + "/2019", "2019 ligger utanför programmets period 2021–2025."),
    (ANNUAL + "/2024", "Ingen tertial 2024 har börjat än."),
    (MIDTERM + "?till=2024-T1", "Tertial 1 2024 har inte börjat än."),
    (MIDTERM + "?till=<b>nej</b>", "”&lt;b&gt;nej&lt;/b&gt;” är ingen tertial."),
])
def test_bad_year_or_tertial_gives_a_clear_message(reader, scenario, url, message):
    response = reader.get(url)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<p class="notice" role="status">' in page and message in page
    assert 'name="till"' in page and 'name="ar"' in page  # the reader can choose again


def test_unknown_programme_is_not_found(reader, scenario):
    assert reader.get("/rapporter/finns-inte/halvtidsrapport").status_code == 404


def test_programme_without_closed_tertials_says_so(reader, session, make_program):
    make_program("tomt", start_year=2030, end_year=2031)
    session.commit()
    page = reader.get("/rapporter/tomt/halvtidsrapport").get_data(as_text=True)
    assert "Det finns ingen stängd tertial i programmet än" in page
    assert "Ingen tertial i programmet har börjat än" in reader.get("/rapporter/tomt/sammanstallning").get_data(
        as_text=True)


@pytest.mark.parametrize("role", [Role.coordinator, Role.admin])
def test_coordinators_and_admins_may_read(role, make_user, login, scenario):
    assert login(make_user(role)).get(MIDTERM).status_code == 200


def test_contact_is_refused(make_user, login, scenario):
    client = login(make_user(Role.contact, orgs=[scenario.orgs["farsta"]]))
    assert client.get(MIDTERM).status_code == 403
    assert client.get(ANNUAL + "/2023").status_code == 403
