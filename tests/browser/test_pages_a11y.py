"""Every page a reader can reach passes axe-core, and can be used by keyboard."""
from __future__ import annotations

from sqlmodel import Session

from tests.conftest import _HASH
from tracker.accounts.models import Role, User


def _user(live_app, role: Role, email: str) -> str:
    engine = live_app.extensions["tracker.engine"]
    with Session(engine) as session:
        session.add(User(email=email, name=f"Test {role}", role=role, password_hash=_HASH))
        session.commit()
    return email


def test_login_page_is_accessible_and_swedish(page, live_server, check_a11y):
    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "sv"
    check_a11y(page)


def test_reader_pages_are_accessible(page, live_app, live_server, log_in_as, check_a11y):
    log_in_as(page, _user(live_app, Role.reader, "lasare@example.se"))
    for path in ("/", "/program/program-mot-vald-2021-2025", "/program/bryt-upp", "/organisation/farsta",
                 "/organisation/shis-bostader"):
        page.goto(f"{live_server}{path}")
        assert page.locator("h1").count() == 1
        check_a11y(page)


def test_skip_link_is_the_first_tab_stop(page, live_app, live_server, log_in_as):
    log_in_as(page, _user(live_app, Role.reader, "lasare@example.se"))
    page.goto(f"{live_server}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_wrong_password_message_is_announced(page, live_app, live_server, log_in_as, check_a11y):
    _user(live_app, Role.reader, "lasare@example.se")
    log_in_as(page, "lasare@example.se", "fel-lösenord-1")
    alert = page.get_by_role("alert")
    assert "Fel e-post eller lösenord" in alert.inner_text()
    check_a11y(page)
