"""The programme report costs a fixed number of SQL statements however much data there is."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event

from tests.reports.conftest import add_period, add_report, at, draft, submitted
from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.db import ENGINE_KEY
from tracker.periods.models import PeriodState
from tracker.periods.service import tertials_between
from tracker.programs.models import Activity, Commitment, Goal
from tracker.programs.service import get_program
from tracker.reporting.models import ReportStatus
from tracker.reports import service

STATUSES = list(ReportStatus)


@contextmanager
def counted(app):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = app.extensions[ENGINE_KEY]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def grow(session, make_program, make_org, slug: str, *, organisations: int, activities: int, periods):
    """A programme with every organisation committed to every activity and reports in every tertial:
    some drafts, some late, some missing, some needing support; one ended commitment and one activity taken out."""
    program = make_program(slug)
    goals = [Goal(program_id=program.id, number=n, title=f"Mål {n}", position=n) for n in (1, 2)]
    session.add_all(goals)
    session.flush()
    orgs = [make_org(f"{slug}-org-{i}") for i in range(organisations)]
    for i in range(activities):
        activity = Activity(goal_id=goals[i % 2].id, title=f"Aktivitet {i}", time_frame="2022",
                            starts_on=date(2021, 1, 1), ends_on=date(2022, 12, 31), time_frame_parsed=True,
                            position=i, active=i != 1)
        session.add(activity)
        session.flush()
        if i == 1:
            session.add(AuditEvent(actor_label="test", action="activity.deactivated", entity_type="activity",
                                   entity_id=str(activity.id), occurred_at=at("2022-03-01T09:00")))
        for j, org in enumerate(orgs):
            commitment = Commitment(activity_id=activity.id, organisation_id=org.id, active=(i, j) != (0, 0),
                                    deactivated_at=at("2021-06-01T09:00") if (i, j) == (0, 0) else None)
            session.add(commitment)
            session.flush()
            for k, period in enumerate(periods):
                n = i + j + k
                if n % 5 == 4:
                    continue
                when = at(f"{period.deadline.isoformat()}T10:00") + timedelta(days=3 if n % 3 == 0 else -3)
                add_report(session, commitment, period, STATUSES[n % len(STATUSES)],
                           draft("2021-01-01T10:00") if n % 4 == 0 else submitted(when.isoformat()[:16]),
                           comment=f"Kommentar {n}", support_needed=n % 2 == 0, support_text="Stöd")
    session.commit()
    return program


def test_report_runs_as_many_statements_for_three_times_the_data(app, session, make_program, make_org, make_user,
                                                                 login):
    periods = [add_period(session, f"{year}-T{number}", PeriodState.closed)
               for year, number in tertials_between((2021, 1), (2023, 3))]
    grow(session, make_program, make_org, "liten", organisations=2, activities=2, periods=periods[:3])
    grow(session, make_program, make_org, "stor", organisations=6, activities=6, periods=periods)
    client = login(make_user(Role.reader))
    counts = {}
    for slug, till in (("liten", "2021-T3"), ("stor", "2023-T3")):
        program = get_program(session, slug)
        with counted(app) as statements:
            first, last = service.midterm_range(session, program, till)
            report = service.build_programme_report(session, program=program, first=first, last=last)
        assert len(report.tertials) == (3 if slug == "liten" else 9)
        url = f"/rapporter/{slug}/halvtidsrapport?till={till}"
        assert client.get(url).status_code == 200  # warm up
        with counted(app) as page:
            assert client.get(url).status_code == 200
        counts[slug] = (len(statements), len(page))
    assert counts["stor"] == counts["liten"], counts
    # The calendar for the range, then six to build the report and three for its effect goals.
    assert counts["liten"][0] == 10, counts
    assert report.summary.support_needs > 0 and report.compliance[0].late > 0
