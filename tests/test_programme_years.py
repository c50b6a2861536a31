"""A commitment is asked for only in tertials inside its programme's years (issue 14).

The real seeds alone (2021–2025 and Bryt upp 2024–2026; the calendar follows
the programmes' years, so 2026 has its tertials): in 2026 Farsta is asked for
Bryt upp, not for the 2021–2025 programme; in 2025 it is asked for both.
"""
from __future__ import annotations

from datetime import date

import pytest
from markupsafe import escape
from sqlmodel import select

from tracker.accounts.models import Role
from tracker.followup.compliance import compliance
from tracker.followup.filters import Filters
from tracker.followup.overview import build_overview
from tracker.notifications.models import Notification, NotificationKind
from tracker.notifications.reminders import commitment_states, notify_overdue
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState
from tracker.periods.service import Deadline, get_period
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.programs.service import has_ended, runs_in_year
from tracker.reporting.models import StatusReport
from tracker.scorecards.service import build_scorecard

TODAY = date(2026, 12, 2)
DEADLINES = {1: Deadline(5, 15), 2: Deadline(9, 15), 3: Deadline(1, 31, next_year=True)}
BRYT_UPP_TITLE = "Anpassa den övergripande processbeskrivningen"  # a seeded Bryt upp activity of every district


@pytest.fixture
def years(seeded):
    """The seed alone: 2021-T3..2026-T3 (2026 T3 open on the seed date) and Bryt upp's seeded activities."""
    session = seeded
    farsta = session.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
    bryt_upp = session.exec(select(Program).where(Program.slug == "bryt-upp")).one()
    commitment = session.exec(
        select(Commitment).join(Activity, Commitment.activity_id == Activity.id)
        .where(Commitment.organisation_id == farsta.id, Activity.title.startswith(BRYT_UPP_TITLE))).one()
    old = set(session.exec(
        select(Commitment.id).join(Activity, Commitment.activity_id == Activity.id)
        .join(Goal, Activity.goal_id == Goal.id).join(Program, Goal.program_id == Program.id)
        .where(Commitment.organisation_id == farsta.id, Commitment.active, Activity.active,
               Program.end_year == 2025)).all())
    assert len(old) >= 10  # the seeds give Farsta many 2021–2025 commitments
    bryt = set(session.exec(
        select(Commitment.id).join(Activity, Commitment.activity_id == Activity.id)
        .join(Goal, Activity.goal_id == Goal.id)
        .where(Commitment.organisation_id == farsta.id, Commitment.active, Activity.active,
               Goal.program_id == bryt_upp.id)).all())
    assert commitment.id in bryt
    return session, farsta, old, bryt, commitment


def _farsta_states(session, farsta, code):
    period = get_period(session, code)
    return {s.commitment_id for s in commitment_states(session, [period]) if s.organisation_id == farsta.id}


def test_the_rule_reads_the_programme_years(years):
    session, *_ = years
    programme = session.exec(select(Program).where(Program.end_year == 2025)).first()
    bryt_upp = session.exec(select(Program).where(Program.slug == "bryt-upp")).one()
    assert runs_in_year(programme, 2025) and not runs_in_year(programme, 2026)
    assert runs_in_year(bryt_upp, 2026) and not runs_in_year(bryt_upp, 2023)
    assert has_ended(programme, TODAY) and not has_ended(bryt_upp, TODAY)


def test_reminders_ask_for_a_commitment_only_in_its_programme_years(years):
    session, farsta, old, bryt, mine = years
    in_2026 = _farsta_states(session, farsta, "2026-T3")
    assert in_2026 == bryt and mine.id in in_2026
    assert not in_2026 & old
    in_2025 = _farsta_states(session, farsta, "2025-T3")
    assert old <= in_2025 and bryt <= in_2025


def test_no_overdue_notice_for_an_ended_programme(years, make_user, app):
    session, farsta, old, bryt, _mine = years
    contact = make_user(Role.contact, orgs=[farsta])
    # 2026-T1's deadline (15 May) passed yesterday.
    with app.test_request_context():
        runs = notify_overdue(session, today=date(2026, 5, 16))
    session.commit()
    [run] = [r for r in runs if r.period.code == "2026-T1"]
    notice = session.exec(select(Notification).where(Notification.user_id == contact.id,
                                                     Notification.kind == NotificationKind.overdue_notice)).one()
    assert BRYT_UPP_TITLE in notice.text_body
    old_titles = set(session.exec(select(Activity.title).join(Commitment).where(Commitment.id.in_(old))).all())
    assert not any(title in notice.text_body for title in old_titles - {BRYT_UPP_TITLE})


def test_compliance_counts_only_what_is_asked_for(years):
    session, farsta, old, bryt, _mine = years
    rows, _total = compliance(session, period=get_period(session, "2026-T3"))
    assert {r.organisation.slug: r.commitments for r in rows}["farsta"] == len(bryt)
    rows, _total = compliance(session, period=get_period(session, "2025-T3"))
    assert {r.organisation.slug: r.commitments for r in rows}["farsta"] == len(bryt) + len(old)


def test_overview_of_an_ended_programme_counts_nothing_unreported_in_2026(years):
    session, *_ = years
    programme = session.exec(select(Program).where(Program.end_year == 2025)).first()
    for rows in (True, False):
        in_2026 = build_overview(session, program=programme, period=get_period(session, "2026-T3"),
                                 filters=Filters(), rows=rows)
        in_2025 = build_overview(session, program=programme, period=get_period(session, "2025-T3"),
                                 filters=Filters(), rows=rows)
        assert in_2026.total.total == 0 and in_2026.total.not_reported == 0
        assert in_2025.total.total >= 10


def test_styrkort_lists_only_commitments_of_running_programmes(years):
    session, farsta, old, bryt, _mine = years

    def listed(code):
        card = build_scorecard(session, organisation=farsta, period=get_period(session, code))
        return {row.commitment_id for p in card.programs for g in p.goals for row in g.rows}

    assert listed("2026-T3") == bryt
    assert old | bryt <= listed("2025-T3")


def test_mina_ataganden_and_rapportera_show_only_running_programmes(years, make_user, login):
    session, farsta, old, _bryt, _mine = years
    assert get_period(session, "2026-T3").state == PeriodState.open
    client = login(make_user(Role.contact, orgs=[farsta]))
    old_titles = {str(escape(title)) for title in
                  session.exec(select(Activity.title).join(Commitment).where(Commitment.id.in_(old))).all()}
    for url in ("/mina-ataganden", "/rapportera/farsta?period=2026-T3"):
        html = client.get(url).get_data(as_text=True)
        assert BRYT_UPP_TITLE in html, url
        assert not [title for title in old_titles if title in html], url
    html = client.get("/rapportera/farsta?period=2025-T3").get_data(as_text=True)
    missing = [title for title in old_titles if title not in html]
    assert not missing, missing


def test_a_report_outside_the_programme_years_is_refused(years, make_user, login):
    session, farsta, old, _bryt, _mine = years
    client = login(make_user(Role.contact, orgs=[farsta]))
    commitment_id = min(old)
    response = client.post(f"/rapport/{commitment_id}/2026-T3", data={"status": "ongoing", "comment": "x"})
    assert response.status_code == 404
    session.rollback()
    assert session.exec(select(StatusReport).where(StatusReport.commitment_id == commitment_id,
                                                   StatusReport.period_id == get_period(session, "2026-T3").id)
                        ).first() is None


def test_an_ended_programme_is_shown_as_avslutat_and_stays_readable(years, reader):
    session, *_ = years
    programme = session.exec(select(Program).where(Program.end_year == 2025)).first()
    bryt_upp = session.exec(select(Program).where(Program.slug == "bryt-upp")).one()
    ended = reader.get(f"/program/{programme.slug}")
    running = reader.get(f"/program/{bryt_upp.slug}")
    assert ended.status_code == running.status_code == 200
    assert "avslutat" in ended.get_data(as_text=True)
    assert "avslutat" not in running.get_data(as_text=True)
    page = reader.get(f"/uppfoljning/?program={bryt_upp.slug}&period=2025-T3").get_data(as_text=True)
    assert f"{escape(programme.short_name)} (avslutat)</option>" in page
    assert f"{escape(bryt_upp.short_name)}</option>" in page
