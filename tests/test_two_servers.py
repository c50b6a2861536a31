"""Two app servers behind one load balancer: what is done through one is seen through the other.

Two real gunicorn servers on different ports share one PostgreSQL database and one archive
folder (TRACKER_SCORECARD_DIR) and the secret key, as a national installation's app
servers do (README, "Flera appservrar"). Nothing the app must share may live in one process.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tests.conftest import PASSWORD, PG_URL, TEST_SECRET, _truncate_all
from tracker.accounts.models import Role, User, UserOrganisation
from tracker.accounts.service import hash_password
from tracker.archive.models import ArchivedDocument
from tracker.db import make_engine
from tracker.organisations.models import Organisation, OrgKind
from tracker.periods.models import PeriodState
from tracker.periods.service import Deadline, build_period
from tracker.programs.models import Activity, Commitment, Goal, Program, ProgramKind
from tracker.reporting.models import ReportState, StatusReport

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="two app servers share one database over the network: needs PostgreSQL "
                       "(TRACKER_TEST_DATABASE_URL); SQLite is a file on one machine")

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
PERIOD = "2026-T3"
ORG = "farsta"
ACTIVITY = "Utbilda personal om våld"
ACCOUNT_FAILURES = 2  # TRACKER_LOGIN_ACCOUNT_FAILURES for these servers: the lock comes after two failures
EMAILS = {"contact": "kontakt@example.se", "coordinator": "samordnare@example.se",
          "reader": "lasare@example.se", "locked": "sparras@example.se"}
START_TIMEOUT = 30  # seconds for a server's first answer (the listening socket holds requests until then)
JOB_TIMEOUT = 30


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Server:
    """gunicorn as in production, on a socket bound here and handed over (so the port is ours before it starts)."""

    def __init__(self, name: str, env: dict, log: Path):
        self.name, self.log = name, log
        listener = socket.create_server(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        try:
            with log.open("wb") as out:
                self.process = subprocess.Popen(
                    [str(GUNICORN), "--workers", "1", "--worker-class", "gthread", "--threads", "4",
                     "--graceful-timeout", "5", "--bind", f"fd://{listener.fileno()}", "--log-level", "warning",
                     "tracker:create_app()"],
                    env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, pass_fds=(listener.fileno(),),
                    start_new_session=True)
        finally:
            listener.close()  # the server has its own copy; connections wait in its backlog until a worker is up

    def terminate(self) -> None:
        """Ask the server to stop (gunicorn stops its worker first)."""
        if self.process.poll() is None:
            self.process.terminate()

    def reap(self) -> None:
        """Wait for the server to have stopped; kill its whole process group if it does not."""
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group is the master's own (start_new_session)
            self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


class Browser:
    """One person's browser: the session cookie and the page's CSRF token, sent to whichever server is asked."""

    def __init__(self) -> None:
        self.cookie = ""
        self.csrf = ""

    def request(self, server: Server, method: str, path: str, form: dict | None = None) -> Answer:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if self.csrf:
            headers["X-CSRFToken"] = self.csrf
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=START_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for value in answer.headers.get_all("Set-Cookie") or []:
            if value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return answer

    def log_in(self, *, page_from: Server, post_to: Server, email: str, password: str = PASSWORD) -> Answer:
        """Log in through the form: the page (and its CSRF token) from one server, the post to another."""
        self.cookie, self.csrf = "", ""
        page = self.request(page_from, "GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        answer = self.request(post_to, "POST", "/login", {"email": email, "password": password, "csrf_token": token})
        if answer.status == 303:
            home = self.request(post_to, "GET", "/konto")  # every role may see its account page
            self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', home.text).group(1)
        return answer


@dataclass
class Installation:
    a: Server
    b: Server
    archive: Path
    commitment_id: int
    engine: Engine  # the test's own connection to the servers' database


def _seed(engine) -> int:
    """One organisation with one commitment in an open tertial, and the users; returns the commitment's id."""
    password_hash = hash_password(PASSWORD)
    with Session(engine) as session:
        org = Organisation(slug=ORG, name="Farsta stadsdelsnämnd", short_name="Farsta", kind=OrgKind.district)
        program = Program(slug="bryt-upp", name="Bryt upp", short_name="Bryt upp", kind=ProgramKind.programme,
                          start_year=2024, end_year=2026)
        session.add_all([org, program])
        session.flush()
        goal = Goal(program_id=program.id, number=1, title="Mål 1")
        session.add(goal)
        session.flush()
        activity = Activity(goal_id=goal.id, title=ACTIVITY, time_frame="2024–2026",
                            starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31), time_frame_parsed=True)
        session.add(activity)
        session.flush()
        commitment = Commitment(activity_id=activity.id, organisation_id=org.id)
        period = build_period(2026, 3, Deadline(1, 15, next_year=True), date(2026, 12, 2))
        period.state = PeriodState.open
        session.add_all([commitment, period])
        roles = {"contact": Role.contact, "coordinator": Role.coordinator, "reader": Role.reader,
                 "locked": Role.reader}
        users = {key: User(email=EMAILS[key], name=key.capitalize(), role=role, password_hash=password_hash)
                 for key, role in roles.items()}
        session.add_all(users.values())
        session.flush()
        session.add(UserOrganisation(user_id=users["contact"].id, organisation_id=org.id))
        session.commit()
        return commitment.id


@pytest.fixture(scope="module")
def servers(template_db, tmp_path_factory) -> Installation:
    """Servers A and B, started once for the module, against the test database and one archive folder."""
    _truncate_all(PG_URL)
    engine = make_engine(PG_URL)
    folder = tmp_path_factory.mktemp("two-servers")
    archive = folder / "arkiv"
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRACKER_")}
    env |= {
        "TRACKER_ENV": "production",
        "TRACKER_SECRET_KEY": TEST_SECRET,  # the same on every server: cookies and CSRF tokens are signed with it
        "TRACKER_DATABASE_URL": PG_URL,
        "TRACKER_SCORECARD_DIR": str(archive),  # the shared archive (a network mount in production)
        "TRACKER_COOKIE_SECURE": "0",  # plain http on loopback
        "TRACKER_LOGIN_ACCOUNT_FAILURES": str(ACCOUNT_FAILURES),
        "TRACKER_OUTBOX_DIR": str(folder / "outbox"),
        "TRACKER_BACKUP_DIR": str(folder / "backups"),
    }
    started: list[Server] = []
    try:
        commitment_id = _seed(engine)
        for name in ("a", "b"):
            started.append(Server(name, env, folder / f"{name}.log"))
        for server in started:
            try:
                answer = Browser().request(server, "GET", "/login")
            except OSError as error:
                pytest.fail(f"server {server.name} did not start ({error}):\n{server.output()}")
            assert answer.status == 200, server.output()
        yield Installation(started[0], started[1], archive, commitment_id, engine)
    finally:
        for server in started:
            server.terminate()  # both at once: each takes about a second to stop
        for server in started:
            server.reap()
        engine.dispose()
        _truncate_all(PG_URL)


def test_a_report_saved_through_one_server_is_seen_and_counted_through_the_other(servers):
    coordinator, contact = Browser(), Browser()
    assert coordinator.log_in(page_from=servers.b, post_to=servers.b, email=EMAILS["coordinator"]).status == 303
    assert contact.log_in(page_from=servers.a, post_to=servers.b, email=EMAILS["contact"]).status == 303
    comment = "Tre utbildningar för socialsekreterare är genomförda."
    overview = f"/uppfoljning/?program=bryt-upp&period={PERIOD}&q=socialsekreterare"  # the comment's word
    before = coordinator.request(servers.b, "GET", overview)  # B has now counted (and may remember) the tertial
    assert before.status == 200 and ACTIVITY not in before.text

    saved = contact.request(servers.a, "POST", f"/rapport/{servers.commitment_id}/{PERIOD}", {
        "status": "in_progress", "comment": comment, "next_steps": "Fler i vår.", "support_text": "",
        "version": "", "action": "submit"})

    assert saved.status == 303, saved.text[:2000]
    after = coordinator.request(servers.b, "GET", overview)
    assert after.status == 200 and ACTIVITY in after.text  # counted by B at its next request
    history = contact.request(servers.b, "GET", f"/uppfoljning/atagande/{servers.commitment_id}")
    assert history.status == 200 and comment in history.text
    with Session(servers.engine) as session:
        report = session.exec(select(StatusReport).where(StatusReport.commitment_id == servers.commitment_id)).one()
        assert (report.comment, report.state) == (comment, ReportState.submitted)


def test_a_styrkort_generated_through_one_server_is_downloaded_through_the_other(servers):
    coordinator = Browser()
    assert coordinator.log_in(page_from=servers.b, post_to=servers.a, email=EMAILS["coordinator"]).status == 303

    started = coordinator.request(servers.a, "POST", "/arkiv/generera/styrkort",
                                  {"scorecard-period": PERIOD, "scorecard-organisation": ORG})

    assert started.status == 303, started.text[:2000]
    job_path = urlsplit(started.headers["Location"]).path
    assert re.fullmatch(r"/arkiv/jobb/\d+", job_path)
    link = _wait_for_document_link(coordinator, servers.b, job_path)
    download = coordinator.request(servers.b, "GET", link)
    assert download.status == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.body.startswith(b"%PDF")
    with Session(servers.engine) as session:
        document = session.get(ArchivedDocument, int(link.rsplit("/", 1)[1]))
        assert document.key == f"bryt-upp/{PERIOD}/{ORG}"
        assert hashlib.sha256(download.body).hexdigest() == document.checksum
    assert (servers.archive / document.path).read_bytes() == download.body  # in the one shared folder


def _wait_for_document_link(browser: Browser, server: Server, job_path: str) -> str:
    """Poll the job's page (as the page itself does, once a second there) until its download link appears."""
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        page = browser.request(server, "GET", job_path)
        assert page.status == 200
        if found := re.search(r'href="(/arkiv/dokument/\d+)"', page.text):
            return found.group(1)
        assert time.monotonic() < deadline, f"the job did not finish:\n{page.text[-2000:]}"
        time.sleep(0.1)  # polling a background job on the other server; not a timing assumption


def test_a_logout_through_one_server_ends_the_session_on_the_other(servers):
    reader = Browser()
    assert reader.log_in(page_from=servers.a, post_to=servers.a, email=EMAILS["reader"]).status == 303
    cookie = reader.cookie
    assert reader.request(servers.b, "GET", "/konto").status == 200  # the login is valid on B

    logged_out = reader.request(servers.a, "POST", "/logout", {})

    assert logged_out.status == 303
    copy = Browser()
    copy.cookie = cookie  # the cookie as it was before the logout, kept by someone
    refused = copy.request(servers.b, "GET", "/konto")
    assert refused.status == 303
    assert urlsplit(refused.headers["Location"]).path == "/login"


def test_a_login_throttled_through_one_server_is_throttled_through_the_other(servers):
    for _ in range(ACCOUNT_FAILURES):
        failed = Browser().log_in(page_from=servers.a, post_to=servers.a, email=EMAILS["locked"],
                                  password="fel-lösenord")
        assert failed.status == 200
        assert "Fel e-post eller lösenord" in failed.text

    refused = Browser().log_in(page_from=servers.b, post_to=servers.b, email=EMAILS["locked"])

    assert refused.status == 429
    assert "För många misslyckade inloggningar på det här kontot" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert Browser().log_in(page_from=servers.b, post_to=servers.b, email=EMAILS["reader"]).status == 303


def test_both_servers_are_still_up_and_logged_no_error(servers):
    """Run last: the module's requests left both servers running, with no traceback in their logs."""
    assert servers.a.port != servers.b.port
    for server in (servers.a, servers.b):
        assert server.process.poll() is None, server.output()
        assert "Traceback" not in server.output() and "[ERROR]" not in server.output(), server.output()
