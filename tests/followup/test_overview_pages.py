"""A large programme's overview comes in pages of activities; the total still counts everything."""
from __future__ import annotations

import re
from datetime import date

from tests.conftest import log_in
from tracker.accounts.models import Role
from tracker.demo import service as demo
from tracker.followup.views import PAGE_SIZE


def test_overview_is_paged_and_pages_keep_the_filters(app, client, session, make_user):
    demo.generate(session, size=demo.SCALES["small"], today=date(2026, 11, 23))  # 60 activities
    session.commit()
    log_in(client, make_user(Role.coordinator))
    first = client.get("/uppfoljning/?program=demo-small&period=2026-T3").get_data(as_text=True)
    assert first.count('class="activity"') == PAGE_SIZE
    assert "Sida 1 av 2 (60 aktiviteter)" in first
    assert "600 åtaganden i 60 aktiviteter" in first  # the summary counts every page
    second = client.get("/uppfoljning/?program=demo-small&period=2026-T3&sida=2").get_data(as_text=True)
    assert second.count('class="activity"') == 60 - PAGE_SIZE
    assert 'rel="prev"' in second and 'rel="next"' not in second
    filtered = client.get("/uppfoljning/?program=demo-small&period=2026-T3&status=not_reported").get_data(as_text=True)
    links = re.findall(r'href="(/uppfoljning/\?[^"]*sida=\d[^"]*)"', filtered)
    assert links and all("status=not_reported" in link for link in links)
    beyond = client.get("/uppfoljning/?program=demo-small&period=2026-T3&sida=99").get_data(as_text=True)
    assert "Sida 2 av 2" in beyond  # a page past the end shows the last one
