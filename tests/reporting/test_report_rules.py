"""The reporting rules and operations in the service: validation, tertials open to an organisation, submit all."""
from __future__ import annotations

import pytest

from tracker.accounts.models import Role
from tracker.periods.models import PeriodReopening, PeriodState
from tracker.reporting import editing
from tracker.reporting import service as reporting
from tracker.reporting.models import ReportState, ReportStatus, StatusReportContent
from tracker.reporting.rules import InvalidReportError, read_report, validate_report


def test_a_plain_draft_breaks_no_rule():
    assert validate_report(StatusReportContent(), submit=False) == {}
    assert validate_report(StatusReportContent(status=ReportStatus.in_progress), submit=True) == {}


@pytest.mark.parametrize(("content", "submit", "errors"), [
    ({}, True, {"status": "Välj en status innan du lämnar in."}),
    ({"status": ReportStatus.deviation}, False,
     {"comment": "Skriv i kommentaren varför aktiviteten pågår med avvikelse."}),
    ({"status": ReportStatus.cancelled, "comment": " "}, False,
     {"comment": "Skriv i kommentaren varför aktiviteten utgår."}),
    ({"support_needed": True}, False, {"support_text": "Beskriv vilket stöd ni behöver."}),
])
def test_rules_name_the_field_and_say_what_to_do(content, submit, errors):
    assert validate_report(StatusReportContent.model_construct(**content), submit=submit) == errors


def test_length_limits_say_how_much_to_cut():
    content = StatusReportContent.model_construct(comment="x" * 5002, next_steps="x" * 5000, support_text="y" * 2001,
                                                  support_needed=True)
    assert validate_report(content, submit=False) == {
        "comment": "Texten får vara högst 5 000 tecken. Nu är den 5 002 tecken: korta den med 2.",
        "support_text": "Texten får vara högst 2 000 tecken. Nu är den 2 001 tecken: korta den med 1.",
    }


def test_read_report_cleans_form_values():
    content = read_report({"status": "done", "comment": "  Klart.\r\nBra.  ", "next_steps": "",
                           "support_needed": "on", "support_text": "Utbildning"}, submit=True)
    assert content == StatusReportContent(status=ReportStatus.done, comment="Klart.\nBra.", next_steps=None,
                                          support_needed=True, support_text="Utbildning")


def test_read_report_keeps_the_users_values_when_it_refuses():
    with pytest.raises(InvalidReportError) as refused:
        read_report({"status": "nonsense", "comment": "Min text"}, submit=True)
    assert refused.value.errors == {"status": "Välj en av statusarna i listan."}
    assert refused.value.content.comment == "Min text"


def test_open_periods_include_a_closed_tertial_reopened_for_the_organisation(session, make_org, make_period):
    farsta, bromma = make_org(), make_org()
    open_now = make_period("2024-T2")
    reopened = make_period("2024-T1", state=PeriodState.closed)
    make_period("2024-T3", state=PeriodState.upcoming)
    session.add(PeriodReopening(period_id=reopened.id, organisation_id=farsta.id, reason="Sen"))
    session.flush()
    assert [p.code for p in editing.open_periods_for(session, farsta.id)] == ["2024-T1", "2024-T2"]
    assert editing.open_periods_for(session, bromma.id) == [open_now]
    assert editing.default_period_for(session, bromma.id) == open_now
    assert editing.next_period(session).code == "2024-T3"


def test_default_period_without_open_tertial_is_the_latest_closed(session, make_org, make_period):
    org = make_org()
    make_period("2023-T3", state=PeriodState.closed)
    latest = make_period("2024-T1", state=PeriodState.closed)
    make_period("2024-T2", state=PeriodState.upcoming)
    assert editing.default_period_for(session, org.id) == latest


@pytest.fixture
def contact(make_user, make_org):
    return make_user(Role.contact, orgs=[make_org()])


def test_report_on_keeps_a_submitted_report_submitted(session, make_commitment, make_period, contact):
    commitment, period = make_commitment(), make_period()
    editing.report_on(session, commitment=commitment, period=period, actor=contact, expected_version=None,
                      values={"status": "done"}, submit=True)
    with pytest.raises(InvalidReportError):
        editing.report_on(session, commitment=commitment, period=period, actor=contact, expected_version=1,
                          values={"comment": "utan status"})
    report = editing.report_on(session, commitment=commitment, period=period, actor=contact, expected_version=1,
                               values={"status": "done", "comment": "rättat"})
    assert (report.version, report.state, report.comment) == (2, ReportState.submitted, "rättat")


def test_report_on_a_closed_tertial_says_which(session, make_commitment, make_period, contact):
    upcoming = make_period("2024-T3", state=PeriodState.upcoming)
    with pytest.raises(reporting.PeriodClosedError, match="Tertial 3 2024 har inte öppnat för rapportering än."):
        editing.report_on(session, commitment=make_commitment(), period=upcoming, actor=contact,
                          expected_version=None, values={"status": "done"})


def test_submit_all_is_all_or_nothing(session, make_org, make_activity, make_commitment, make_period, contact):
    org, period = make_org(), make_period()
    done, empty, missing = (make_commitment(organisation=org, activity=make_activity(title=t)) for t in "ABC")
    for commitment, content in ((done, {"status": "done"}), (empty, {"comment": "Ingen status"})):
        editing.report_on(session, commitment=commitment, period=period, actor=contact, expected_version=None,
                          values=content)
    with pytest.raises(editing.ReportsNotSubmittedError) as refused:
        editing.submit_all(session, organisation_id=org.id, period=period, actor=contact)
    assert {row.commitment.id: errors for row, errors in refused.value.problems} == {
        empty.id: {"status": "Välj en status innan du lämnar in."},
        missing.id: {"status": "Ingen rapport är sparad än. Välj en status och spara."},
    }
    assert reporting.get_report(session, done.id, period.id).state == ReportState.draft

    editing.report_on(session, commitment=empty, period=period, actor=contact, expected_version=1,
                      values={"status": "in_progress"})
    editing.report_on(session, commitment=missing, period=period, actor=contact, expected_version=None,
                      values={"status": "not_started"}, submit=True)
    submitted = editing.submit_all(session, organisation_id=org.id, period=period, actor=contact)
    assert sorted(r.commitment_id for r in submitted) == sorted([done.id, empty.id])
    assert all(r.state == ReportState.submitted and r.submitted_by_id == contact.id for r in submitted)
