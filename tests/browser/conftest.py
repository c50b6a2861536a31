"""Browser tests: Playwright driving Debian's Chromium against a live server; axe on every page."""
from __future__ import annotations

import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, TEST_SECRET
from tracker import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium (never a downloaded browser), shared by the run."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh contexts (separate cookies: separate users)."""
    contexts = []

    def open_page():
        context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def live_app(database_url, seeded, tmp_path):
    """The app as users get it: CSRF on, real sessions, seeded data."""
    app = create_app({
        "ENV_NAME": "test", "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET,
        "SCORECARD_DIR": tmp_path / "scorecards",
    })
    yield app
    app.extensions["tracker.engine"].dispose()


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def check_a11y(axe):
    """Run axe-core on the page and fail on any violation, naming each."""

    def check(page) -> None:
        violations = axe.run(page).response["violations"]
        described = [
            f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}" for v in violations
        ]
        assert described == [], f"axe violations on {page.url}"

    return check


@pytest.fixture
def log_in_as(live_server):
    """Log a page in through the real form."""

    def log_in(page, email: str, password: str = PASSWORD) -> None:
        page.goto(f"{live_server}/login")
        page.get_by_label("E-post").fill(email)
        page.get_by_label("Lösenord").fill(password)
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_load_state()

    return log_in


@pytest.fixture
def in_browser(page):
    """Run `check(page)` on a fresh page of the shared Chromium."""
    return lambda check: check(page)
