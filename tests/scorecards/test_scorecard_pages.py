"""The scorecard pages: readers see every organisation's, contacts only their own."""
from __future__ import annotations

import re

from tests.conftest import html_part
from tracker.accounts.models import Role
from tracker.reporting import service as reporting
from tracker.reporting.models import ReportState


def _article(page: str, title: str) -> str:
    return html_part(page, rf'<article class="commitment[^"]*"[^>]*>\s*<h4[^>]*>{title}</h4>.*?</article>', title)


def test_index_lists_every_organisation_for_readers(reader, session, scenario, make_scenario):
    make_scenario("bromma")
    session.commit()
    page = reader.get("/styrkort/").get_data(as_text=True)
    assert 'href="/styrkort/farsta"' in page and 'href="/styrkort/bromma"' in page
    assert "<caption" in page and '<th scope="col">Organisation</th>' in page


def test_contact_sees_only_own_scorecards(session, scenario, make_scenario, make_user, login):
    bromma = make_scenario("bromma")
    session.commit()
    client = login(make_user(Role.contact, orgs=[bromma.org]))
    page = client.get("/styrkort/").get_data(as_text=True)
    assert 'href="/styrkort/bromma"' in page and 'href="/styrkort/farsta"' not in page
    assert client.get("/styrkort/bromma").status_code == 200
    assert client.get("/styrkort/farsta").status_code == 403


def test_scorecard_page_shows_summary_changes_overdue_and_support(reader, scenario):
    response = reader.get("/styrkort/farsta")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Styrkort: Farsta</h1>" in page
    assert "Tertial 1 2024 (stängd)" in page and "förändring jämfört med Tertial 3 2023" in page
    assert '<option value="2024-T1" selected>' in page
    assert "4 av 5 åtaganden har en inlämnad rapport för Tertial 1 2024 (80 %)" in page
    summary = re.search(r'<table class="summary-table">.*?</table>', page, re.S).group(0)
    assert "<caption>Åtaganden per status, Tertial 1 2024</caption>" in summary
    assert re.search(r'◐</span> Pågår</span></th><td class="num">1</td>', summary)
    assert re.search(r'Ej rapporterad</span></th><td class="num">1</td>', summary)
    assert "1 åtagande är försenat" in page

    kampanj = _article(page, "Kampanj")
    assert "is-overdue" in kampanj and '<p class="marker marker-overdue">Försenad' in kampanj
    assert "↑</span> Förbättrad" in kampanj and "förra tertialen: Ej påbörjad" in kampanj
    assert "Kampanjen har startat" in kampanj and "Ny text" in kampanj and "Utvärdera" in kampanj
    assert 'class="status status-in_progress"><span class="status-symbol" aria-hidden="true">◐</span> Pågår' in kampanj

    utbildning = _article(page, "Utbildning")
    assert "Försenad" not in utbildning
    assert "↓</span> Försämrad" in utbildning and "Oförändrad text från förra tertialen" in utbildning
    assert "Behöver handledning" in utbildning and "△</span> Pågår med avvikelse" in utbildning

    assert "=</span> Oförändrad" in _article(page, "Rutin")
    samverkan = _article(page, "Samverkan")
    assert "Ej rapporterad" in samverkan and "Utkast" not in samverkan  # drafts are not shown
    assert "Försenad" not in _article(page, "Utgången")


def test_status_trail_lists_six_tertials_in_order(reader, scenario):
    kampanj = _article(reader.get("/styrkort/farsta").get_data(as_text=True), "Kampanj")
    trail = re.findall(r'<li><span class="trail-period">([^<]+)</span> <span class="status status-(\w+)"', kampanj)
    assert trail == [("T2 2022", "none"), ("T3 2022", "none"), ("T1 2023", "none"), ("T2 2023", "none"),
                     ("T3 2023", "not_started"), ("T1 2024", "in_progress")]


def test_a_chosen_tertial_is_shown(reader, scenario):
    page = reader.get("/styrkort/farsta?period=2023-T3").get_data(as_text=True)
    assert "4 av 5 åtaganden" not in page
    assert "3 av 5 åtaganden har en inlämnad rapport för Tertial 3 2023 (60 %)" in page
    assert reader.get("/styrkort/farsta?period=nonsens").status_code == 404
    assert reader.get("/styrkort/farsta?period=2030-T1").status_code == 404
    assert reader.get("/styrkort/finns-inte").status_code == 404


def test_html_typed_into_a_comment_is_escaped(reader, session, scenario):
    draft = reporting.get_report(session, scenario.commitments["Samverkan"].id, scenario.periods["2024-T1"].id)
    draft.comment, draft.state = '<script>alert("x")</script><b>fet</b>', ReportState.submitted
    session.commit()
    page = reader.get("/styrkort/farsta").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;fet&lt;/b&gt;" in page
    assert "<script>alert" not in page and "<b>fet</b>" not in page


def test_effect_goals_section_says_when_they_are_shown(reader, scenario):
    page = reader.get("/styrkort/farsta").get_data(as_text=True)
    assert '<h2 id="effect-heading">Effektmål</h2>' in page
    assert "följs upp en gång om året" in page and "TODO" not in page


def test_organisation_without_commitments_gets_a_readable_page(reader, scenario, make_org, session):
    make_org("tom", name="Tom")
    session.commit()
    response = reader.get("/styrkort/tom")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Tom har inga åtaganden i programmen" in page
    assert "Effektmål" in page and "Sammanfattning" not in page


def test_organisation_without_reports_says_none_are_submitted(reader, session, make_scenario):
    make_scenario("tyst", activities=[(0, "Kampanj", "Löpande")])
    session.commit()
    page = reader.get("/styrkort/tyst").get_data(as_text=True)
    assert "Tertial 1 2024" in page  # the latest closed tertial
    assert "0 av 1 åtaganden har en inlämnad rapport" in page
    assert "Inga rapporter är inlämnade för Tertial 1 2024." in page


def test_without_any_tertial_the_page_says_so(reader, make_org, session):
    make_org("ny", name="Ny")
    session.commit()
    page = reader.get("/styrkort/ny").get_data(as_text=True)
    assert "Det finns ingen stängd tertial att visa ett styrkort för än." in page


def test_headings_are_in_order_and_styles_are_linked(reader, scenario):
    page = reader.get("/styrkort/farsta").get_data(as_text=True)
    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", page)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    assert "css/scorecards.css" in page
    assert '<label for="period-select">Tertial</label>' in page
