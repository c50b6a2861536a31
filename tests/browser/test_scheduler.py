"""The jobs page in a real browser: "Kör nu" runs a job and the row shows its result."""
from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.conftest import _HASH
from tracker.accounts.models import Role, User


@pytest.fixture
def admin(live_app, tmp_path):
    live_app.config.update(OUTBOX_DIR=tmp_path / "outbox", SMTP_HOST=None)
    with Session(live_app.extensions["tracker.engine"]) as session:
        session.add(User(email="admin@example.se", name="Ada Admin", role=Role.admin, password_hash=_HASH))
        session.commit()


def test_admin_runs_a_job_now_and_sees_the_result(in_browser, live_server, log_in_as, check_a11y, admin):
    def check(page):
        log_in_as(page, "admin@example.se")
        page.goto(f"{live_server}/schemalagda-jobb/")
        check_a11y(page)
        row = page.locator("#job-deliver_notifications")
        row.get_by_role("button", name="Kör nu").click()
        # The row polls until the run has ended, then shows its outcome and summary.
        row.get_by_text("skickade").wait_for(timeout=30_000)
        assert "OK" in row.inner_text()
        check_a11y(page)
        row.get_by_role("link", name="Skicka e-postaviseringar").click()
        page.get_by_role("cell", name="Manuell (Ada Admin)").wait_for()
        check_a11y(page)

    in_browser(check)
