"""The follow-up pages cost a fixed number of SQL statements however much data there is."""
from __future__ import annotations

from itertools import count

from tracker.accounts.models import Role
from tracker.organisations.models import Organisation, OrgKind
from tracker.reporting.models import ReportState, ReportStatus

from .conftest import add_activity, add_goal, commit_to, put_report

STATUSES = list(ReportStatus)
SERIAL = count(1)  # unique names across calls


def grow(session, scenario, make_user, *, organisations: int, activities: int):
    """Add organisations with contacts, activities under a new goal, a commitment for every pair, and
    reports in both tertials (every third a draft, every fifth missing)."""
    goal = add_goal(session, scenario.program, 10 + next(SERIAL), "Fler aktiviteter")
    orgs = []
    for _ in range(organisations):
        n = next(SERIAL)
        org = Organisation(slug=f"extra-{n}", name=f"Extra {n}", short_name=f"Extra {n}", kind=OrgKind.company)
        session.add(org)
        session.flush()
        orgs.append(org)
        make_user(Role.contact, orgs=[org])
    for i in range(activities):
        activity = add_activity(session, goal, f"Extra aktivitet {next(SERIAL)}", position=i)
        for j, org in enumerate(orgs + [scenario.farsta]):
            commitment = commit_to(session, activity, org)
            if (i + j) % 5 == 4:
                continue
            for period in (scenario.previous, scenario.period):
                put_report(session, commitment, period, status=STATUSES[(i + j) % len(STATUSES)],
                           state=ReportState.draft if (i + j) % 3 == 0 else ReportState.submitted,
                           comment=f"Kommentar {i}-{j}", support_needed=(i + j) % 4 == 0, support_text="Stöd")
    session.commit()


PAGES = [
    "/uppfoljning/",
    "/uppfoljning/?organisation=farsta&status=in_progress&support=1&overdue=1&q=kommentar",
    "/uppfoljning/aktivitet/{activity}",
    "/uppfoljning/rapportering",
    "/uppfoljning/rapportering?sort=last_saved",
    "/uppfoljning/atagande/{commitment}",
    "/tertialer/",
    "/tertialer/2024-T1",
]


def statements_per_page(client, count_queries, scenario) -> dict[str, int]:
    counts = {}
    for page in PAGES:
        url = page.format(activity=scenario.parenting.id, commitment=scenario.c["parenting", "farsta"].id)
        client.get(url)  # warm up: the first request of a test may load things once
        with count_queries as counter:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[page] = counter.count
    return counts


def test_follow_up_pages_do_not_run_more_queries_with_more_data(client, login, session, scenario, make_user,
                                                                count_queries):
    client = login(scenario.coordinator)
    grow(session, scenario, make_user, organisations=1, activities=1)
    small = statements_per_page(client, count_queries, scenario)

    grow(session, scenario, make_user, organisations=12, activities=15)
    large = statements_per_page(client, count_queries, scenario)

    assert large == small
    assert max(small.values()) <= 12, small
