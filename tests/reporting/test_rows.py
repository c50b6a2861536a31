"""The compact rows of Mina åtaganden and /rapportera/<org>: the editor loaded on demand, filters, badges."""
from __future__ import annotations

import re

from tests.reporting.test_views import PERIOD, _draft, hx, row_of
from tracker.accounts.models import Role
from tracker.periods.models import PeriodState
from tracker.programs.models import Activity
from tracker.reporting.models import ReportStatus


def test_the_rows_link_loads_the_editor_in_place_of_the_row_with_htmx(world, login):
    client = login(world.contact)
    row = row_of(client.get("/mina-ataganden").get_data(as_text=True), world.parenting)
    url = f"/rapport/{world.parenting.id}/{PERIOD}?from=mine"
    assert f'href="{url}" hx-get="{url}" hx-target="#row-{world.parenting.id}"' in row
    # The link's accessible name is its word and the activity.
    assert f'aria-labelledby="o{world.parenting.id} t{world.parenting.id}">Rapportera</a>' in row
    assert f'<span id="t{world.parenting.id}">Föräldraskapsstöd</span>' in row

    html = client.get(url, headers=hx(f"row-{world.parenting.id}")).get_data(as_text=True)
    assert html.startswith(f'<tr id="row-{world.parenting.id}" class="editor-row"><td colspan="6"><article')
    assert "<html" not in html
    assert f'<h4 id="report-{world.parenting.id}-title" tabindex="-1" autofocus>Föräldraskapsstöd</h4>' in html
    assert f'action="/rapport/{world.parenting.id}/{PERIOD}"' in html and 'name="from" value="mine"' in html
    assert f'id="c{world.parenting.id}-copy"' in html  # copy-forward is offered in the loaded editor
    assert f'hx-get="{url}&amp;view=row"' in html  # and it can be closed again


def test_without_javascript_the_link_is_a_page_with_the_editor(world, login):
    client = login(world.contact)
    html = client.get(f"/rapport/{world.parenting.id}/{PERIOD}?from=mine").get_data(as_text=True)
    assert "<h1>Farsta stadsdelsnämnd – Tertial 1 2024</h1>" in html
    assert f'<h2 id="report-{world.parenting.id}-title">Föräldraskapsstöd</h2>' in html  # no autofocus on a page
    assert '<h3>Din rapport för Tertial 1 2024</h3>' in html
    assert 'name="from" value="mine"' in html and 'id="live-status"' in html
    assert f'<a href="/mina-ataganden#row-{world.parenting.id}">Tillbaka till Mina åtaganden</a>' in html
    assert "view=row" not in html  # nothing to close on its own page
    coordinator = login(world.coordinator).get(f"/rapport/{world.brommas.id}/{PERIOD}").get_data(as_text=True)
    assert f'href="/rapportera/bromma?period={PERIOD}#row-{world.brommas.id}"' in coordinator
    assert 'name="from" value="org"' in coordinator


def test_the_editor_is_refused_outside_the_users_organisations_and_unknown_tertials(world, login):
    client = login(world.contact)
    assert client.get(f"/rapport/{world.brommas.id}/{PERIOD}").status_code == 403
    assert client.get(f"/rapport/{world.parenting.id}/2019-T1").status_code == 404
    assert client.get(f"/rapport/999999/{PERIOD}").status_code == 404


def test_closing_the_editor_brings_back_the_row_with_its_link_focused(world, login):
    url = f"/rapport/{world.campaign.id}/{PERIOD}?from=mine&view=row"
    html = login(world.contact).get(url, headers=hx(f"row-{world.campaign.id}")).get_data(as_text=True)
    assert html.startswith(f'<tr id="row-{world.campaign.id}" class="row-missing">')
    assert f'aria-labelledby="o{world.campaign.id} t{world.campaign.id}" autofocus>Rapportera</a>' in html


def test_rows_say_state_status_and_flags_in_words(world, session, login):
    _draft(session, world.parenting, world.period, world.contact, status=ReportStatus.deviation,
           comment="Försenat", support_needed=True, support_text="Hjälp med lokaler")
    session.commit()
    html = login(world.contact).get("/mina-ataganden").get_data(as_text=True)
    parenting, campaign = row_of(html, world.parenting), row_of(html, world.campaign)
    assert '<td><span aria-hidden="true">◐</span> Pågår</td>' in parenting  # last tertial
    assert '<td><span aria-hidden="true">△</span> Pågår med avvikelse</td>' in parenting  # this tertial
    assert '<span class="tag state-draft">Utkast</span>' in parenting
    assert '<span class="badge">Behöver stöd</span>' in parenting and '<span class="badge">Avvikelse</span>' in parenting
    assert '<span class="tag state-missing">Ej rapporterad</span>' in campaign and "badge" not in campaign
    assert "<td>–</td>" in campaign


def _shown(html: str) -> list[str]:
    return re.findall(r'<span id="t\d+">(.*?)</span>', html)


def test_filter_by_state_and_goal_with_get_parameters(world, session, login):
    _draft(session, world.parenting, world.period, world.contact, status=ReportStatus.in_progress)
    session.commit()
    client = login(world.contact)
    assert _shown(client.get("/mina-ataganden?state=draft").get_data(as_text=True)) == ["Föräldraskapsstöd"]
    missing = client.get("/mina-ataganden?state=missing").get_data(as_text=True)
    assert _shown(missing) == ["Kampanj mot sexköp"]
    assert '<option value="missing" selected>Ej rapporterad</option>' in missing
    assert "0 av 2 inlämnade · 1 utkast · 1 ej rapporterade" in missing  # the counts are the organisation's
    goal = session.get(Activity, world.campaign.activity_id).goal_id
    assert f'<option value="{goal}">' in missing
    by_goal = client.get(f"/mina-ataganden?goal={goal}").get_data(as_text=True)
    assert _shown(by_goal) == ["Kampanj mot sexköp"] and f'<option value="{goal}" selected>' in by_goal
    assert "Inga åtaganden för Farsta stadsdelsnämnd matchar filtret." in client.get(
        f"/mina-ataganden?goal={goal}&state=submitted").get_data(as_text=True)
    everything = ["Föräldraskapsstöd", "Kampanj mot sexköp"]
    for junk in ("?state=finished", "?goal=abc", "?goal=99999999999999999999", "?goal=-1"):
        response = client.get(f"/mina-ataganden{junk}")
        assert response.status_code == 200 and _shown(response.get_data(as_text=True)) == everything, junk


def test_a_filter_asked_for_with_htmx_gets_the_list_alone_and_an_announcement(world, login):
    html = login(world.contact).get("/mina-ataganden?state=missing", headers=hx("commitments")).get_data(as_text=True)
    assert html.startswith('<div id="commitments">') and "<html" not in html and "<h1>" not in html
    assert _shown(html) == ["Föräldraskapsstöd", "Kampanj mot sexköp"]
    assert html.endswith('<div id="live-status" role="status" hx-swap-oob="innerHTML">Visar 2 av 2 åtaganden</div>')


def test_the_organisation_page_filters_and_keeps_its_tertial(world, session, login, make_period):
    closed = make_period("2023-T2", state=PeriodState.closed)
    client = login(world.coordinator)
    html = client.get("/rapportera/farsta?period=2023-T3&state=submitted").get_data(as_text=True)
    assert _shown(html) == ["Föräldraskapsstöd"]
    assert '<input type="hidden" name="period" value="2023-T3">' in html
    assert _shown(client.get(f"/rapportera/farsta?period={closed.code}&state=submitted").get_data(as_text=True)) == []


def test_contacts_of_many_organisations_filter_across_them(world, make_user, login):
    user = make_user(Role.contact, orgs=[world.farsta, world.bromma])
    html = login(user).get("/mina-ataganden?state=missing").get_data(as_text=True)
    assert _shown(html) == ["Brommas aktivitet", "Föräldraskapsstöd", "Kampanj mot sexköp"]
