"""No page shows a link that its viewer cannot follow.

For each role, crawl the seeded app from `/` (plus a closed tertial with reports, a reopening and an archived
styrkort, so that those pages appear), breadth first over every same-site <a href>, and ask each link with
GET. None may answer 403 (a link its viewer may not follow) or a server error. Redirects are followed as
links. To stay fast, at most PER_ENDPOINT addresses of each endpoint and MAX_PAGES pages per role are asked.
"""
from __future__ import annotations

import html
import re
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pytest
from sqlmodel import select
from werkzeug.exceptions import HTTPException

from tests.conftest import log_in
from tests.notifications.factories import save, utc
from tracker.accounts.models import Role
from tracker.archive import generation
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodReopening, PeriodState
from tracker.periods.service import get_period
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import ReportStatus

ROLES = (Role.admin, Role.coordinator, Role.contact, Role.reader)
PER_ENDPOINT = 3
MAX_PAGES = 120
SKIPPED_PREFIXES = ("/static/", "/logout", "/sprak/")


# Templates write every attribute in double quotes; a regular expression reads them far faster than a parser.
HREF = re.compile(r'<a\s[^>]*?\bhref="([^"]*)"')


def links_of(page: str) -> list[str]:
    return [html.unescape(href) for href in HREF.findall(page)]


def _same_site(base: str, href: str) -> str | None:
    """The path and query of a link within the app (fragment dropped), or None for another site or scheme."""
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("http", "") or parts.netloc not in ("", "localhost"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(app, client) -> tuple[dict[str, tuple[int, str]], int]:
    """Every address reached from `/` → (status, the page that linked it); and how many pages were asked."""
    adapter = app.url_map.bind("localhost")
    seen: dict[str, tuple[int, str]] = {}
    per_endpoint: Counter[str] = Counter()
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    queued = {"/"}
    asked = 0
    while queue and asked < MAX_PAGES:
        url, source = queue.popleft()
        response = client.get(url)
        asked += 1
        seen[url] = (response.status_code, source)
        if response.status_code in (301, 302, 303, 307, 308):
            targets = [response.headers["Location"]]
        elif response.status_code == 200 and response.mimetype == "text/html":
            targets = links_of(response.get_data(as_text=True))
        else:
            targets = []
        response.close()
        for href in targets:
            target = _same_site(url, href)
            if target is None or target in queued or target.startswith(SKIPPED_PREFIXES):
                continue
            try:
                endpoint, _args = adapter.match(urlsplit(target).path, method="GET")
            except HTTPException:
                endpoint = "(no route)"
            queued.add(target)
            if per_endpoint[endpoint] >= PER_ENDPOINT:
                continue
            per_endpoint[endpoint] += 1
            queue.append((target, url))
    return seen, asked


def _commitments(session, program_slug: str, org_slug: str) -> list[Commitment]:
    return list(session.exec(
        select(Commitment).join(Activity, Commitment.activity_id == Activity.id).join(Goal)
        .join(Program, Goal.program_id == Program.id).join(Organisation, Commitment.organisation_id == Organisation.id)
        .where(Program.slug == program_slug, Organisation.slug == org_slug, Commitment.active, Activity.active)
        .order_by(Commitment.id)))


@pytest.fixture
def history(app, seeded, make_user):
    """A closed tertial (2025-T3) with a few of Farsta's and Bromma's reports, a reopening and Farsta's styrkort
    archived; 2026-T3 open with one report, so that the start page and the follow-up pages have something."""
    session = seeded
    closed, current = get_period(session, "2025-T3"), get_period(session, "2026-T3")
    closed.state = PeriodState.open
    session.add(closed)
    session.commit()
    for slug in ("farsta", "bromma"):
        for n, commitment in enumerate(_commitments(session, "program-mot-vald-2021-2025", slug)[:3]):
            save(session, commitment, closed, at=utc(2026, 1, 20 + n, 9, 0), submit=True,
                 status=ReportStatus.deviation if n == 1 else ReportStatus.in_progress, support_needed=n == 2)
    closed.state = PeriodState.closed
    session.add(closed)
    farsta = session.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
    session.add(PeriodReopening(period_id=closed.id, organisation_id=farsta.id, reason="Sent inlämnat"))
    session.commit()
    if current is not None and current.state == PeriodState.open:
        save(session, _commitments(session, "bryt-upp", "farsta")[0], current, at=utc(2026, 11, 30, 9, 0),
             submit=True, support_needed=True, status=ReportStatus.deviation)
    coordinator = make_user(Role.coordinator)
    with app.app_context():
        subjects = generation.scorecard_subjects(session, period=closed, organisation=farsta)
        generation.generate(session, app.config["SCORECARD_DIR"], subjects, generated_by_id=coordinator.id,
                            generated_by_label=coordinator.email)
    session.commit()
    return {role: make_user(role, orgs=[farsta] if role == Role.contact else []) for role in ROLES}


# Links known to answer 403 (viewer role, endpoint of the linking page, endpoint of the link): none. The test
# fails on an entry that no longer happens, so the list cannot go stale.
KNOWN_FORBIDDEN: set[tuple[str, str, str]] = set()


def test_no_page_links_what_its_viewer_cannot_follow(app, history):
    adapter = app.url_map.bind("localhost")

    def endpoint(url: str) -> str:
        try:
            return adapter.match(urlsplit(url).path, method="GET")[0]
        except HTTPException:
            return url

    forbidden, failed, known, reached = [], [], set(), {}
    for role in ROLES:
        client = app.test_client()
        log_in(client, history[role])
        seen, asked = crawl(app, client)
        assert asked >= 20, (role, seen)  # the crawl went somewhere
        reached[role] = {url.split("?")[0] for url, (status, _source) in seen.items() if status == 200}
        for url, (status, source) in sorted(seen.items()):
            where = f"{role}: {url} → {status} (linked from {source})"
            if status == 403:
                key = (str(role), endpoint(source), endpoint(url))
                (known.add(key) if key in KNOWN_FORBIDDEN else forbidden.append(where))
            elif status >= 500:
                failed.append(where)
    assert forbidden == [] and failed == []
    assert known == KNOWN_FORBIDDEN, "fixed: remove these from KNOWN_FORBIDDEN"
    # The crawler is not blind: each role reaches what it should, and not what it should not.
    assert {"/mina-ataganden", "/organisation/farsta"} <= reached[Role.contact]
    assert "/organisationer" not in reached[Role.contact]
    assert {"/arkiv/", "/organisationer", "/tertialer/2025-T3"} <= reached[Role.reader]
    assert "/schemalagda-jobb/" in reached[Role.coordinator] and "/schemalagda-jobb/" in reached[Role.admin]
