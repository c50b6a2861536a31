"""Programme overview: the spread of statuses per activity, filters in the URL, flags and the activity detail."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from tracker.followup.filters import NOT_REPORTED, Filters
from tracker.followup.overview import ActivityFollowup, build_overview
from tracker.followup.service import choose_period
from tracker.periods.models import PeriodState

from .conftest import PROGRAM


def overview(session, scenario, **filters):
    return build_overview(session, program=scenario.program, period=scenario.period,
                          filters=Filters(**filters))


def by_title(result) -> dict[str, ActivityFollowup]:
    return {a.activity.title: a for a in result.activities}


def orgs_of(followup) -> list[str]:
    return [row.organisation.slug for row in followup.rows]


def text(html: str) -> str:
    """The page's visible words, tags removed and whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def activity_html(html: str, activity) -> str:
    match = re.search(rf'<li class="activity" id="activity-{activity.id}">.*?</li>\s*(?=<li class="activity"|</ol>)',
                      html, re.S)
    assert match, f"no activity {activity.id} on the page"
    return match.group(0)


def test_spread_counts_each_status_and_not_reported_on_its_own(session, scenario):
    parenting = by_title(overview(session, scenario))["Föräldraskapsstöd i alla stadsdelar"]

    assert {k: v for k, v in parenting.spread.counts.items() if v} == {
        "in_progress": 2, "deviation": 1, NOT_REPORTED: 1}
    assert parenting.spread.text == "2 Pågår, 1 Pågår med avvikelse, 1 ej rapporterat"
    assert parenting.spread.total == 4
    assert [p.width for p in parenting.spread.parts] == [50.0, 25.0, 25.0]
    assert [p.offset for p in parenting.spread.parts] == [0.0, 50.0, 75.0]


def test_a_draft_is_not_reported_but_counted_as_a_draft(session, scenario):
    campaign = by_title(overview(session, scenario))["Kampanj mot sexköp"]

    assert campaign.spread.text == "1 Pågår, 1 Genomförd, 1 Utgår, 1 ej rapporterat"
    assert campaign.spread.drafts == 1
    bromma = next(r for r in campaign.rows if r.organisation.slug == "bromma")
    assert bromma.draft and not bromma.reported and bromma.status is None


def test_total_spread_adds_up_every_shown_commitment(session, scenario):
    result = overview(session, scenario)

    assert result.total.total == 8
    assert result.total.text == "3 Pågår, 1 Pågår med avvikelse, 1 Genomförd, 1 Utgår, 2 ej rapporterat"


def test_overview_page_shows_status_as_words_and_symbols_with_a_bar_alternative(client, login, scenario):
    html = login(scenario.reader).get("/uppfoljning/").get_data(as_text=True)
    parenting = activity_html(html, scenario.parenting)

    assert "2 Pågår, 1 Pågår med avvikelse, 1 ej rapporterat" in text(parenting)
    assert 'role="img" aria-label="Fördelning: 2 Pågår, 1 Pågår med avvikelse, 1 ej rapporterat"' in parenting
    assert "◐" in parenting and "△" in parenting and "◌" in parenting
    assert "Ett sparat utkast räknas som ej rapporterat" in text(html)
    assert 'href="/static/css/followup.css"' in html


def test_only_coordinators_see_how_many_not_reported_have_a_draft(client, login, scenario, make_user):
    campaign = scenario.campaign
    reader_html = activity_html(login(scenario.reader).get("/uppfoljning/").get_data(as_text=True), campaign)
    coordinator_html = activity_html(login(scenario.coordinator).get("/uppfoljning/").get_data(as_text=True), campaign)

    assert "1 ej rapporterat" in text(reader_html) and "utkast" not in text(reader_html)
    assert "1 ej rapporterat (varav 1 utkast)" in text(coordinator_html)


def test_overview_defaults_to_the_open_tertial_and_the_2021_2025_programme(client, login, scenario, make_program):
    make_program("bryt-upp", start_year=2023, end_year=2026)
    html = login(scenario.reader).get("/uppfoljning/").get_data(as_text=True)

    assert f'<option value="{PROGRAM}" selected>' in html
    assert '<option value="2024-T1" selected>' in html
    assert "Tertial 1 2024" in text(html)


def test_without_an_open_tertial_the_latest_closed_one_is_shown(client, login, scenario, session):
    scenario.period.state = PeriodState.closed
    session.add(scenario.period)
    session.commit()

    chosen, _periods = choose_period(session, None)

    assert chosen.code == "2024-T1"
    html = login(scenario.reader).get("/uppfoljning/?period=2023-T3").get_data(as_text=True)
    assert '<option value="2023-T3" selected>' in html


@pytest.mark.parametrize("query", ["period=2019-T1", "period=nonsense", "program=finns-inte"])
def test_unknown_programme_or_tertial_is_not_found(client, login, scenario, query):
    assert login(scenario.reader).get(f"/uppfoljning/?{query}").status_code == 404


# Filters

def test_goal_filter_shows_only_that_goals_activities(session, scenario):
    result = overview(session, scenario, goal=scenario.goals[1].id)

    assert list(by_title(result)) == ["Kampanj mot sexköp"]
    assert result.total.total == 4


def test_organisation_filter_counts_only_that_organisations_commitments(session, scenario):
    result = overview(session, scenario, organisation="kista")

    assert {title: orgs_of(a) for title, a in by_title(result).items()} == {
        "Föräldraskapsstöd i alla stadsdelar": ["kista"], "Kampanj mot sexköp": ["kista"]}
    assert result.total.text == "1 Pågår, 1 Pågår med avvikelse"


def test_status_filter_keeps_only_commitments_with_that_status(session, scenario):
    result = overview(session, scenario, status="in_progress")

    assert {title: orgs_of(a) for title, a in by_title(result).items()} == {
        "Föräldraskapsstöd i alla stadsdelar": ["bromma", "farsta"], "Kampanj mot sexköp": ["kista"]}


def test_not_reported_filter_includes_drafts_and_missing_reports(session, scenario):
    result = overview(session, scenario, status=NOT_REPORTED)

    assert {title: orgs_of(a) for title, a in by_title(result).items()} == {
        "Föräldraskapsstöd i alla stadsdelar": ["spanga"], "Kampanj mot sexköp": ["bromma"]}


def test_support_filter_shows_commitments_that_need_support(session, scenario):
    result = overview(session, scenario, support=True)

    assert {title: orgs_of(a) for title, a in by_title(result).items()} == {
        "Föräldraskapsstöd i alla stadsdelar": ["kista"]}


def test_overdue_means_time_frame_ended_and_neither_done_nor_cancelled(session, scenario):
    result = overview(session, scenario, overdue=True)

    # The campaign ended in 2023: Farsta is done and Spånga cancelled; Bromma (draft) and Kista are overdue.
    assert {title: orgs_of(a) for title, a in by_title(result).items()} == {"Kampanj mot sexköp": ["bromma", "kista"]}
    assert by_title(overview(session, scenario))["Kampanj mot sexköp"].spread.overdue == 2


def test_text_filter_searches_activity_titles_and_comments(session, scenario):
    by_activity_title = overview(session, scenario, text="SEXKÖP")
    by_comment = overview(session, scenario, text="gruppledare")
    draft_text = overview(session, scenario, text="affischer")

    assert orgs_of(by_title(by_activity_title)["Kampanj mot sexköp"]) == ["bromma", "farsta", "kista", "spanga"]
    assert list(by_title(by_activity_title)) == ["Kampanj mot sexköp"]
    assert {t: orgs_of(a) for t, a in by_title(by_comment).items()} == {"Föräldraskapsstöd i alla stadsdelar": ["kista"]}
    # A draft's text is not a report: Bromma's draft is not found, Kista's submitted report is.
    assert {t: orgs_of(a) for t, a in by_title(draft_text).items()} == {"Kampanj mot sexköp": ["kista"]}


def test_filters_round_trip_through_the_url(client, login, scenario):
    query = f"goal={scenario.goals[1].id}&organisation=kista&status=in_progress&support=1&overdue=1&q=affischer"
    html = login(scenario.reader).get(f"/uppfoljning/?program={PROGRAM}&period=2024-T1&{query}").get_data(as_text=True)

    assert f'<option value="{scenario.goals[1].id}" selected>' in html
    assert '<option value="kista" selected>' in html
    assert '<option value="in_progress" selected>' in html
    assert re.search(r'id="f-support"[^>]*checked', html) and re.search(r'id="f-overdue"[^>]*checked', html)
    assert 'value="affischer"' in html
    active = text(re.search(r'<section class="active-filters".*?</section>', html, re.S).group(0))
    for shown in ("Mål: Mål 2: Stöd till våldsutsatta", "Organisation: Kista", "Status: Pågår", "Behöver stöd",
                  "Försenade", "Fritext: ”affischer”"):
        assert shown in active
    clear = re.search(r'<a href="([^"]+)" class="clear-filters">Rensa filter</a>', html).group(1)
    assert parse_qs(urlsplit(unescape(clear)).query) == {"program": [PROGRAM], "period": ["2024-T1"]}


def test_the_activity_link_carries_the_filters(client, login, scenario):
    html = login(scenario.reader).get("/uppfoljning/?organisation=kista&q=affischer").get_data(as_text=True)
    link = re.search(r'hx-get="([^"]+)"', html).group(1)

    assert parse_qs(urlsplit(unescape(link)).query) == {
        "program": [PROGRAM], "period": ["2024-T1"], "organisation": ["kista"], "q": ["affischer"]}
    detail = login(scenario.reader).get(unescape(link)).get_data(as_text=True)
    assert "Kista" in text(detail) and "Farsta" not in text(detail.split("<main", 1)[1])


def test_removing_one_filter_keeps_the_others(client, login, scenario):
    html = login(scenario.reader).get("/uppfoljning/?organisation=kista&status=in_progress").get_data(as_text=True)
    remove_status = re.search(r'<li>Status: Pågår <a href="([^"]+)"', html).group(1)

    assert parse_qs(urlsplit(unescape(remove_status)).query) == {
        "program": [PROGRAM], "period": ["2024-T1"], "organisation": ["kista"]}


def test_unknown_filter_values_are_dropped_not_errors(client, login, scenario):
    response = login(scenario.reader).get("/uppfoljning/?goal=999&organisation=finns-inte&status=bad&overdue=x")

    assert response.status_code == 200
    assert "Aktiva filter" not in response.get_data(as_text=True)


def test_no_matching_activities_says_so_with_a_clear_link(client, login, scenario):
    html = login(scenario.reader).get("/uppfoljning/?q=finns-ingenstans").get_data(as_text=True)

    assert "Inga aktiviteter matchar filtren." in text(html)


# Flags and the activity detail

def test_report_copied_unchanged_from_previous_tertial_is_flagged(session, scenario, client, login):
    campaign = by_title(overview(session, scenario))["Kampanj mot sexköp"]
    flagged = [row.organisation.slug for row in campaign.rows if row.unchanged]

    assert flagged == ["kista"]
    assert campaign.spread.unchanged == 1
    detail = login(scenario.reader).get(f"/uppfoljning/aktivitet/{scenario.campaign.id}").get_data(as_text=True)
    kista_row = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"/organisation/kista\">.*?</tr>", detail, re.S).group(0)
    assert "Oförändrad" in kista_row


def test_activity_detail_shows_each_organisations_report_and_history_link(client, login, scenario):
    client = login(scenario.reader)
    page = client.get(f"/uppfoljning/aktivitet/{scenario.parenting.id}?period=2024-T1").get_data(as_text=True)
    kista = scenario.c["parenting", "kista"]

    row = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"/organisation/kista\">.*?</tr>", page, re.S).group(0)
    assert "Pågår med avvikelse" in row and "Saknar gruppledare." in row and "Utbildning av gruppledare." in row
    assert f'href="/uppfoljning/atagande/{kista.id}"' in row
    spanga = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"/organisation/spanga\">.*?</tr>", page, re.S).group(0)
    assert "Ej rapporterat" in text(spanga)
    assert "<caption>" in page and '<th scope="col">Status</th>' in page


def test_expanding_an_activity_with_htmx_returns_only_the_table(client, login, scenario):
    target = f"activity-{scenario.parenting.id}-detail"
    response = login(scenario.reader).get(f"/uppfoljning/aktivitet/{scenario.parenting.id}",
                                          headers={"HX-Request": "true", "HX-Target": target})
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "<html" not in html and "<h1" not in html
    assert html.strip().startswith("<table") and "Farsta" in html
    assert f'hx-target="#{target}"' in login(scenario.reader).get("/uppfoljning/").get_data(as_text=True)


def test_activity_detail_of_unknown_activity_is_not_found(client, login, scenario):
    assert login(scenario.reader).get("/uppfoljning/aktivitet/99999").status_code == 404


def test_contacts_cannot_use_the_overview(client, login, scenario, make_user):
    from tracker.accounts.models import Role

    contact = make_user(Role.contact, orgs=[scenario.farsta])
    assert login(contact).get("/uppfoljning/").status_code == 403
    assert login(contact).get(f"/uppfoljning/aktivitet/{scenario.parenting.id}").status_code == 403


def test_overview_renders_the_seeded_programme(client, login, seeded, make_user):
    from tracker.accounts.models import Role

    html = login(make_user(Role.reader)).get("/uppfoljning/").get_data(as_text=True)

    assert "Tertial 3 2025" in text(html)  # every seeded tertial is closed: the latest closed is chosen
    assert "224 åtaganden i 33 aktiviteter." in text(html)
    assert "224 ej rapporterat" in text(html)
