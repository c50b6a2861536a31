"""Pages remembered as rendered (tracker.pagecache): the same bytes as a fresh page, per viewer, until data changes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event
from sqlmodel import select

from tests.conftest import log_in
from tracker.accounts.models import Role
from tracker.db import ENGINE_KEY
from tracker.effect_goals.models import EffectGoal
from tracker.followup.freshness import FOLLOWUP, PAGES, read_version
from tracker.funds.models import FundYear
from tracker.organisations.models import Organisation
from tracker.pagecache import CSRF_STAND_IN, page_cache

TOKEN = re.compile(r'I[\w-]{20,}\.[\w-]+\.[\w-]+')  # a Flask-WTF token: signed JSON string, so "I…"


def _urls(session) -> list[str]:
    goal = session.exec(select(EffectGoal.id).order_by(EffectGoal.id)).first()
    year = session.exec(select(FundYear.year).order_by(FundYear.year)).first()
    return ["/organisation/farsta", "/styrkort/farsta", "/organisationer", "/uppfoljning/rapportering",
            f"/effektmal/{goal}", "/effektmal/", "/medel/", f"/medel/{year}", "/styrkort/"]


def _statements(app):
    counted = []
    event.listen(app.extensions[ENGINE_KEY], "before_cursor_execute", lambda *a: counted.append(a[2]))
    return counted


def _same(page: str) -> str:
    return TOKEN.sub("TOKEN", page)


def test_a_remembered_page_is_the_page_rendered_afresh(app, client, seeded, make_user):
    log_in(client, make_user(Role.coordinator))
    statements = _statements(app)
    for url in _urls(seeded):
        first = client.get(url)
        assert first.status_code == 200, url
        statements.clear()
        again = client.get(url).get_data(as_text=True)
        assert len(statements) <= 3, (url, statements)  # the session, the user, the data version
        with app.app_context():
            page_cache().clear()
        afresh = client.get(url).get_data(as_text=True)
        assert _same(again) == _same(first.get_data(as_text=True)) == _same(afresh), url
        assert CSRF_STAND_IN not in again and TOKEN.search(again), url


def test_each_session_gets_its_own_token_in_a_remembered_page(app, seeded, make_user):
    coordinator = make_user(Role.coordinator)
    first, second = app.test_client(), app.test_client()
    log_in(first, coordinator)
    log_in(second, coordinator)
    app.config["WTF_CSRF_ENABLED"] = True
    tokens = []
    for client in (first, second):
        page = client.get("/styrkort/farsta").get_data(as_text=True)
        tokens.append(set(TOKEN.findall(page)))
    assert page_cache_hits(app) >= 1
    assert tokens[0] and tokens[1] and tokens[0].isdisjoint(tokens[1])
    response = second.post("/logout", data={"csrf_token": next(iter(tokens[1]))})
    assert response.status_code in (302, 303), response.status_code  # the remembered page's form works
    assert first.post("/logout", data={"csrf_token": next(iter(tokens[1]))}).status_code == 400


def page_cache_hits(app) -> int:
    with app.app_context():
        return page_cache().hits


def test_a_write_to_what_a_page_shows_is_seen_at_the_next_request(client, seeded, make_user):
    log_in(client, make_user(Role.coordinator))
    assert "Farsta stadsdelsnämnd" in client.get("/organisation/farsta").get_data(as_text=True)
    org = seeded.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
    org.name = "Farsta stadsdelsnämnd (nytt namn)"
    seeded.commit()
    assert "Farsta stadsdelsnämnd (nytt namn)" in client.get("/organisation/farsta").get_data(as_text=True)


def test_a_page_remembered_for_one_viewer_is_not_served_to_another(app, client, seeded, make_user):
    url = _urls(seeded)[4]  # an effect goal: exact figures for coordinators, masked for readers
    log_in(client, make_user(Role.coordinator))
    client.get(url)
    log_in(client, make_user(Role.reader))
    served = client.get(url).get_data(as_text=True)
    with app.app_context():
        page_cache().clear()
    assert _same(client.get(url).get_data(as_text=True)) == _same(served)


def test_a_flashed_message_is_shown_once_and_not_remembered(client, seeded, make_user):
    log_in(client, make_user(Role.coordinator))
    client.get("/organisation/farsta")
    with client.session_transaction() as flask_session:
        flask_session["_flashes"] = [("message", "Sparat en gång.")]
    assert "Sparat en gång." in client.get("/organisation/farsta").get_data(as_text=True)
    assert "Sparat en gång." not in client.get("/organisation/farsta").get_data(as_text=True)


@pytest.mark.parametrize("write", ["login", "effect goal"])
def test_the_pages_version_moves_on_for_shown_tables_only(app, client, seeded, make_user, write):
    user = make_user(Role.coordinator)
    before = read_version(seeded, PAGES), read_version(seeded, FOLLOWUP)
    if write == "login":
        log_in(client, user)  # a session row: no page shows it
        assert (read_version(seeded, PAGES), read_version(seeded, FOLLOWUP)) == before
    else:
        goal = seeded.exec(select(EffectGoal).order_by(EffectGoal.id)).first()
        goal.data_source = "Ändrad källa"
        seeded.commit()
        assert read_version(seeded, PAGES)[0] == before[0][0] + 1  # effect goals are shown, not counted
        assert read_version(seeded, FOLLOWUP) == before[1]


def test_the_start_page_is_remembered_per_session(app, seeded, make_user):
    coordinator = make_user(Role.coordinator)
    first, second = app.test_client(), app.test_client()
    log_in(first, coordinator)
    log_in(second, coordinator)  # its "since your last visit" starts at the first session's last activity
    statements = _statements(app)
    first.get("/")
    statements.clear()
    first.get("/")
    assert len(statements) <= 3
    statements.clear()
    second.get("/")
    assert len(statements) > 3  # another session: rendered for it
