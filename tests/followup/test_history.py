"""A commitment's history: every version across tertials, what changed, and the assignment events."""
from __future__ import annotations

import re

import pytest

from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.followup.history import commitment_history
from tracker.periods.models import PeriodReopening
from tracker.reporting.models import ReportState, ReportStatus, StatusReport, StatusReportVersion

from .conftest import add_activity, commit_to, utc
from .test_overview import text


def put_versions(session, commitment, period, versions, *, by) -> StatusReport:
    """A report saved several times: `versions` are (state, saved at, status, comment), oldest first."""
    state, at, status, comment = versions[-1]
    report = StatusReport(commitment_id=commitment.id, period_id=period.id, state=state, version=len(versions),
                          status=status, comment=comment, next_steps="Utvärdera.", updated_at=at, updated_by_id=by.id)
    session.add(report)
    session.flush()
    for number, (state, at, status, comment) in enumerate(versions, start=1):
        session.add(StatusReportVersion(report_id=report.id, version=number, state=state, saved_at=at,
                                        saved_by_id=by.id, status=status, comment=comment, next_steps="Utvärdera."))
    session.flush()
    return report


@pytest.fixture
def history(session, scenario, make_user):
    """Kista's commitment to a training activity: assigned, a draft and a submission in 2023-T3, two
    versions in 2024-T1 (the first a copy of 2023-T3, the second changes the status), a reopening of 2023-T3."""
    anna = make_user(Role.contact, orgs=[scenario.kista])
    training = add_activity(session, scenario.goals[0], "Utbildning om hedersrelaterat våld", position=1)
    commitment = commit_to(session, training, scenario.kista)
    session.add(AuditEvent(occurred_at=utc(2023, 8, 1, 7, 0), actor_id=scenario.coordinator.id,
                           actor_label=scenario.coordinator.email, action="commitment.assigned",
                           entity_type="commitment", entity_id=str(commitment.id),
                           changes={"after": {"organisation": "kista"}}))
    put_versions(session, commitment, scenario.previous, [
        (ReportState.draft, utc(2023, 12, 20, 9, 0), ReportStatus.not_started, "Affischer."),
        (ReportState.submitted, utc(2024, 1, 10, 9, 30), ReportStatus.in_progress, "Affischer i tunnelbanan."),
    ], by=anna)
    put_versions(session, commitment, scenario.period, [
        (ReportState.submitted, utc(2024, 4, 20, 8, 0), ReportStatus.in_progress, "Affischer i tunnelbanan."),
        (ReportState.submitted, utc(2024, 5, 2, 14, 15), ReportStatus.deviation, "Affischer i tunnelbanan."),
    ], by=anna)
    session.add(PeriodReopening(period_id=scenario.previous.id, organisation_id=scenario.kista.id,
                                reason="Kista missade VB-rapporten.", reopened_at=utc(2024, 2, 5, 10, 0),
                                reopened_by_id=scenario.coordinator.id))
    session.commit()
    return commitment, anna


def test_history_lists_every_event_oldest_first(session, scenario, history):
    commitment, anna = history
    result = commitment_history(session, commitment, with_drafts=True)

    assert [(e.kind, e.title, e.period.code if e.period else None) for e in result.events] == [
        ("audit", "Organisationen blev ansvarig för aktiviteten", None),
        ("version", "Utkast sparades", "2023-T3"),
        ("version", "Rapporten lämnades in", "2023-T3"),
        ("reopened", "Tertial 3 2023 återöppnades för Kista", "2023-T3"),
        ("version", "Rapporten lämnades in", "2024-T1"),
        ("version", "Den inlämnade rapporten ändrades", "2024-T1"),
    ]
    assert [e.who for e in result.events] == [scenario.coordinator.name, anna.name, anna.name,
                                              scenario.coordinator.name, anna.name, anna.name]


def test_history_shows_what_changed_between_consecutive_versions(session, scenario, history):
    commitment, _anna = history
    events = [e for e in commitment_history(session, commitment, with_drafts=True).events if e.kind == "version"]

    assert [(c.field, c.before, c.after) for c in events[1].changes] == [
        ("status", "not_started", "in_progress"), ("comment", "Affischer.", "Affischer i tunnelbanan."),
        ("state", "draft", "submitted")]
    # The first version of 2024-T1 is compared with 2023-T3: the same text, nothing changed.
    assert events[2].compared_with.code == "2023-T3" and events[2].changes == []
    assert [(c.field, c.before, c.after) for c in events[3].changes] == [("status", "in_progress", "deviation")]


def test_history_summarises_each_tertial_and_flags_an_unchanged_copy(session, scenario, history):
    commitment, _anna = history
    tertials = commitment_history(session, commitment, with_drafts=True).tertials

    assert [(t.period.code, t.versions, t.unchanged) for t in tertials] == [("2023-T3", 2, False), ("2024-T1", 2, True)]


def test_history_page_is_an_ordered_timeline_with_headings_and_stockholm_times(client, login, scenario, history):
    commitment, anna = history
    html = login(scenario.coordinator).get(f"/uppfoljning/atagande/{commitment.id}").get_data(as_text=True)

    timeline = re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)
    headings = [text(h) for h in re.findall(r"<h3>(.*?)</h3>", timeline, re.S)]
    assert headings == [
        "Organisationen blev ansvarig för aktiviteten",
        "Utkast sparades: Tertial 3 2023, version 1",
        "Rapporten lämnades in: Tertial 3 2023, version 2",
        "Tertial 3 2023 återöppnades för Kista",
        "Rapporten lämnades in: Tertial 1 2024, version 1",
        "Den inlämnade rapporten ändrades: Tertial 1 2024, version 2",
    ]
    assert "10 jan. 2024 10:30" in text(timeline)  # 09:30 UTC in Stockholm's winter time
    assert "2 maj 2024 16:15" in text(timeline)  # 14:15 UTC in summer time
    assert "Status : ◐ Pågår → ändrades till △ Pågår med avvikelse" in text(timeline)
    assert "Samma innehåll som Tertial 3 2023" in text(timeline)
    assert "Skäl: Kista missade VB-rapporten." in text(timeline)
    assert re.search(r"<h1>.*</h1>.*<h2[^>]*>Status per tertial</h2>.*<h2[^>]*>Tidslinje</h2>.*<h3>", html, re.S)
    assert anna.name in timeline


def test_contact_sees_own_organisations_history_but_not_others(client, login, scenario, history, make_user):
    commitment, anna = history
    client = login(anna)

    assert client.get(f"/uppfoljning/atagande/{commitment.id}").status_code == 200
    other = scenario.c["campaign", "farsta"]
    assert client.get(f"/uppfoljning/atagande/{other.id}").status_code == 403


def test_history_of_unknown_commitment_is_not_found(client, login, scenario):
    assert login(scenario.reader).get("/uppfoljning/atagande/99999").status_code == 404


def test_history_without_reports_says_so(client, login, scenario, session):
    html = login(scenario.coordinator).get(
        f"/uppfoljning/atagande/{scenario.c['parenting', 'spanga'].id}").get_data(as_text=True)

    assert "Ingen rapport har sparats för åtagandet." in text(html)


@pytest.fixture
def draft_only(session, scenario, history, make_period):
    """2024-T2 for the same commitment: only a draft, never submitted."""
    commitment, anna = history
    later = make_period("2024-T2")
    put_versions(session, commitment, later, [
        (ReportState.draft, utc(2024, 6, 3, 8, 0), ReportStatus.deviation, "Hemligt utkast om budgeten."),
    ], by=anna)
    session.commit()
    return commitment


def _history_page(client, commitment) -> tuple[list[str], list[str], str]:
    """The timeline's headings, the rows of the tertial table and all the page's words."""
    html = client.get(f"/uppfoljning/atagande/{commitment.id}").get_data(as_text=True)
    timeline = re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)
    tertials = re.search(r'<section aria-labelledby="tertials-heading">.*?</section>', html, re.S).group(0)
    return ([text(h) for h in re.findall(r"<h3>(.*?)</h3>", timeline, re.S)],
            [text(row) for row in re.findall(r"<tr>(.*?)</tr>", tertials, re.S)[1:]], text(html))


def test_a_reader_sees_no_draft_in_a_commitments_history(client, login, scenario, history, draft_only):
    """As on the overview, a draft is not something leadership sees: not its versions, texts or tertial."""
    headings, tertials, page = _history_page(login(scenario.reader), draft_only)

    assert headings == [
        "Organisationen blev ansvarig för aktiviteten",
        "Rapporten lämnades in: Tertial 3 2023, version 2",
        "Tertial 3 2023 återöppnades för Kista",
        "Rapporten lämnades in: Tertial 1 2024, version 1",
        "Den inlämnade rapporten ändrades: Tertial 1 2024, version 2",
    ]
    assert tertials == ["Tertial 3 2023 ◐ Pågår Inlämnad 1 Nej",
                        "Tertial 1 2024 △ Pågår med avvikelse Inlämnad 2 ⚠ Oförändrad"]
    assert "Utkast" not in page and "Tertial 2 2024" not in page
    assert "Hemligt utkast" not in page and "Affischer. " not in page  # the drafts' texts, also as "before"
    assert "Ej påbörjad" not in page  # the 2023-T3 draft's status
    assert "Innehållet ändrades inte." not in page  # the first submission is not "unchanged" from a draft


@pytest.mark.parametrize("who", ["coordinator", "contact"])
def test_coordinators_and_the_organisations_contacts_see_the_drafts(client, login, scenario, history, draft_only,
                                                                    who):
    _commitment, anna = history
    headings, tertials, page = _history_page(login(scenario.coordinator if who == "coordinator" else anna),
                                             draft_only)

    assert "Utkast sparades: Tertial 3 2023, version 1" in headings
    assert "Utkast sparades: Tertial 2 2024, version 1" in headings
    assert tertials[0] == "Tertial 3 2023 ◐ Pågår Inlämnad 2 Nej"
    assert tertials[-1] == "Tertial 2 2024 ◌ Ej rapporterat Utkast 1 Nej"
    assert "Hemligt utkast om budgeten." in page
    assert "Status : ○ Ej påbörjad → ändrades till ◐ Pågår" in page
