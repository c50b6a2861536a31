"""Status reports keep every version, detect conflicting edits and are audited."""
from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from tracker.accounts.models import Role, User
from tracker.audit.models import AuditEvent
from tracker.audit.service import AppendOnlyError
from tracker.periods.models import PeriodState
from tracker.periods.service import parse_period_code, tertial_dates, tertials_between
from tracker.programs.models import Commitment
from tracker.reporting import service as reporting
from tracker.reporting.models import ReportState, ReportStatus, StatusReportContent, StatusReportVersion


@pytest.fixture
def contact(session):
    user = User(email="kontakt@example.se", name="Kontakt", role=Role.contact, password_hash="x")
    session.add(user)
    session.flush()
    return user


def _save(session, commitment, period, actor, expected, **content):
    return reporting.save_report(
        session, commitment=commitment, period=period, actor=actor, expected_version=expected,
        content=StatusReportContent(**content),
    )


def test_every_saved_version_is_kept(session, make_commitment, make_period, contact):
    commitment, period = make_commitment(), make_period()
    report = _save(session, commitment, period, contact, None, status=ReportStatus.in_progress, comment="Första")
    _save(session, commitment, period, contact, 1, status=ReportStatus.deviation, comment="Andra – försenat")
    reporting.save_report(session, commitment=commitment, period=period, actor=contact, expected_version=2,
                          content=StatusReportContent(status=ReportStatus.deviation, comment="Tredje"), submit=True)
    session.commit()

    versions = reporting.report_versions(session, report.id)
    assert [(v.version, v.comment, v.state) for v in versions] == [
        (1, "Första", ReportState.draft),
        (2, "Andra – försenat", ReportState.draft),
        (3, "Tredje", ReportState.submitted),
    ]
    assert report.version == 3 and report.state == ReportState.submitted
    assert report.submitted_by_id == contact.id
    assert report.updated_at.tzinfo is not None
    assert session.get(type(report), report.id).updated_at.tzinfo == UTC


def test_a_stale_version_is_a_conflict_and_writes_nothing(session, make_commitment, make_period, contact):
    commitment, period = make_commitment(), make_period()
    _save(session, commitment, period, contact, None, status=ReportStatus.in_progress, comment="A")
    _save(session, commitment, period, contact, 1, status=ReportStatus.in_progress, comment="B")
    with pytest.raises(reporting.VersionConflictError) as conflict:
        _save(session, commitment, period, contact, 1, status=ReportStatus.done, comment="C")
    assert conflict.value.current.comment == "B"
    assert conflict.value.current.version == 2
    report = reporting.get_report(session, commitment.id, period.id)
    assert len(reporting.report_versions(session, report.id)) == 2


def test_new_report_when_one_already_exists_is_a_conflict(session, make_commitment, make_period, contact):
    commitment, period = make_commitment(), make_period()
    _save(session, commitment, period, contact, None, status=ReportStatus.in_progress)
    with pytest.raises(reporting.VersionConflictError):
        _save(session, commitment, period, contact, None, status=ReportStatus.done)


@pytest.mark.parametrize(("state", "message"), [(PeriodState.closed, "är stängd för rapportering."),
                                               (PeriodState.upcoming, "har inte öppnat för rapportering än.")])
def test_period_that_is_not_open_refuses_reports(session, make_commitment, make_period, contact, state, message):
    with pytest.raises(reporting.PeriodClosedError, match=message):
        _save(session, make_commitment(), make_period(state=state), contact, None, status=ReportStatus.done)


def test_saves_are_audited_with_before_and_after(session, make_commitment, make_period, contact):
    commitment, period = make_commitment(), make_period()
    report = _save(session, commitment, period, contact, None, status=ReportStatus.in_progress, comment="A")
    _save(session, commitment, period, contact, 1, status=ReportStatus.deviation, comment="A")
    session.commit()
    events = session.exec(
        select(AuditEvent).where(AuditEvent.entity_type == "statusreport", AuditEvent.entity_id == str(report.id))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["status_report.saved", "status_report.saved"]
    assert events[1].actor_id == contact.id and events[1].actor_label == "kontakt@example.se"
    assert events[1].changes["before"] == {"status": "in_progress", "version": 1}
    assert events[1].changes["after"] == {"status": "deviation", "version": 2}


def test_audit_events_cannot_be_changed_through_the_orm(session, contact):
    event = AuditEvent(actor_label="x", action="test", entity_type="test")
    session.add(event)
    session.commit()
    event.action = "rewritten"
    with pytest.raises(AppendOnlyError):
        session.commit()
    session.rollback()
    session.delete(session.get(AuditEvent, event.id))
    with pytest.raises(AppendOnlyError):
        session.commit()


@pytest.mark.parametrize("statement", [
    "UPDATE auditevent SET action = 'rewritten'",
    "DELETE FROM auditevent",
    "UPDATE statusreportversion SET comment = 'rewritten'",
    "DELETE FROM statusreportversion",
])
def test_append_only_tables_refuse_changes_in_the_database(session, make_commitment, make_period, contact, statement):
    _save(session, make_commitment(), make_period(), contact, None, status=ReportStatus.in_progress)
    session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    session.rollback()
    assert session.exec(select(StatusReportVersion)).one().comment is None


def test_commitment_is_unique_per_activity_and_organisation(session, make_org, make_activity):
    org, activity = make_org(), make_activity()
    session.add(Commitment(activity_id=activity.id, organisation_id=org.id))
    session.flush()
    session.add(Commitment(activity_id=activity.id, organisation_id=org.id))
    with pytest.raises(IntegrityError):
        session.flush()


def test_period_codes_and_dates():
    assert parse_period_code("2023-T2") == (2023, 2)
    with pytest.raises(ValueError, match="ogiltig tertial"):
        parse_period_code("2023-T4")
    start, end = tertial_dates(2024, 1)
    assert (start.isoformat(), end.isoformat()) == ("2024-01-01", "2024-04-30")
    assert tertial_dates(2024, 3)[1].isoformat() == "2024-12-31"
    assert tertials_between((2021, 3), (2022, 2)) == [(2021, 3), (2022, 1), (2022, 2)]
