"""build_programme_report counts a range of tertials by the rules in its method appendix."""
from __future__ import annotations

import pytest

from tests.reports.conftest import SCRIPT
from tracker.reporting.models import ReportStatus
from tracker.reports import service
from tracker.reports.report import ReportKind
from tracker.reports.service import ReportRangeError


@pytest.fixture
def midterm(session, scenario):
    first, last = service.midterm_range(session, scenario.program, "2023-T2")
    return service.build_programme_report(session, program=scenario.program, first=first, last=last,
                                          kind=ReportKind.midterm)


def _counts(distribution) -> dict[str, int]:
    return {key: n for key, n in distribution.counts.items() if n}


def test_midterm_runs_from_the_programmes_first_tertial(session, scenario, midterm):
    assert [t.code for t in midterm.tertials] == ["2022-T3", "2023-T1", "2023-T2"]  # 2020-T3 is before 2021
    assert (midterm.kind, midterm.title, midterm.range_label) == (
        ReportKind.midterm, "Halvtidsrapport", "Tertial 3 2022 – Tertial 2 2023")
    assert midterm.data_as_of.tzinfo is not None


def test_summary_counts_the_last_tertial_and_the_support_needs_of_the_range(midterm):
    s = midterm.summary
    assert (s.commitments, s.reported, s.share_reported) == (5, 3, 60)
    assert _counts(s.distribution) == {"deviation": 1, "done": 2, "not_reported": 2}
    assert (s.overdue, s.deviating, s.support_needs, s.organisations, s.activities) == (2, 1, 3, 2, 3)


def test_compliance_per_tertial_counts_expected_on_time_late_and_missing(midterm):
    rows = [(r.tertial.code, r.expected, r.on_time, r.late, r.not_submitted) for r in midterm.compliance]
    assert rows == [
        # Farsta's late one was first submitted at 00:30 Stockholm time, the day after the deadline;
        # Bromma's at 23:30 on the deadline day; Bromma's draft counts as not submitted.
        ("2022-T3", 6, 3, 1, 2),
        # Åkerby's ended commitment is expected because it reported; a draft before the deadline and a
        # submission after it is late; a correction after the deadline keeps the first submission on time.
        ("2023-T1", 7, 4, 1, 2),
        # Bromma's commitment ended on 20 May, after the tertial began: still expected. The activity taken
        # out on 10 February is not, and neither is Åkerby's ended commitment without a report.
        ("2023-T2", 5, 2, 1, 2),
    ]
    assert [r.share_on_time for r in midterm.compliance] == [50, 57, 40]


def test_goals_show_their_distribution_and_overdue_or_deviating_commitments(midterm):
    first, second = midterm.goals
    assert (first.name, _counts(first.distribution)) == (
        "Mål 1: Förebygga våld", {"deviation": 1, "done": 2, "not_reported": 1})
    [kampanj] = first.attention
    assert (kampanj.organisation, kampanj.activity, kampanj.status, kampanj.overdue) == (
        "Farsta", "Kampanj", ReportStatus.deviation, True)
    assert (kampanj.comment, kampanj.next_steps) == (SCRIPT, "Rekrytera två handläggare")
    assert _counts(second.distribution) == {"not_reported": 1}
    [rutin] = second.attention  # ended in June 2023; only a draft in 2023-T2
    assert (rutin.organisation, rutin.activity, rutin.status, rutin.overdue, rutin.comment) == (
        "Farsta", "Rutin", None, True, None)


def test_finished_commitment_past_its_time_frame_is_not_overdue(midterm):
    bromma = next(o for o in midterm.organisations if o.name == "Bromma")
    kampanj = next(line for line in bromma.lines if line.activity == "Kampanj")
    assert (kampanj.status, kampanj.overdue) == (ReportStatus.done, False)


def test_organisations_in_swedish_order_with_share_on_time(midterm):
    orgs = {o.name: o for o in midterm.organisations}
    assert list(orgs) == ["Bromma", "Farsta", "Åkerby"]
    assert [(o.expected, o.on_time, o.late, o.share_on_time) for o in orgs.values()] == [
        (8, 4, 0, 50), (9, 4, 3, 44), (1, 1, 0, 100)]
    assert [(line.activity, line.in_last, line.key) for line in orgs["Bromma"].lines] == [
        ("Kampanj", True, "done"), ("Utbildning", True, "not_reported"), ("Gammal", False, "not_reported")]
    assert _counts(orgs["Bromma"].distribution) == {"done": 1, "not_reported": 1}
    assert orgs["Åkerby"].distribution.total == 0


def test_support_needs_are_submitted_ones_in_the_range_by_organisation(midterm):
    assert [(g.organisation, [(n.tertial.code, n.activity, n.text) for n in g.needs]) for g in midterm.support] == [
        ("Bromma", [("2022-T3", "Utbildning", "Behöver stöd med våldsförebyggande metoder för äldre")]),
        ("Farsta", [("2023-T1", "Utbildning", "Handledning för personalen i Skärholmen")]),
        ("Åkerby", [("2023-T1", "Rutin", "Stöd i implementeringen av rutinen")]),
    ]


def test_appendix_lists_every_activity_with_its_responsible_organisations(midterm):
    assert [(g.name, [(a.title, a.active, a.organisations) for a in g.activities]) for g in midterm.activities] == [
        ("Mål 1: Förebygga våld", [("Kampanj", True, ("Bromma", "Farsta")), ("Utbildning", True, ("Farsta",))]),
        ("Mål 2: Stöd till våldsutsatta", [("Rutin", True, ("Farsta",)), ("Gammal", False, ("Bromma",))]),
    ]


def test_annual_compilation_covers_the_years_tertials_that_have_started(session, scenario):
    first, last = service.annual_range(session, scenario.program, 2023)
    assert (first.code, last.code) == ("2023-T1", "2023-T3")
    report = service.build_programme_report(session, program=scenario.program, first=first, last=last)
    assert (report.kind, report.title, report.year) == (ReportKind.annual, "Årlig sammanställning 2023", 2023)
    assert report.range_label == "Tertial 1 2023 – Tertial 3 2023"
    # Bromma's ended commitment is not expected in 2023-T3; Farsta's support need there is now in range.
    assert report.compliance[-1].expected == 4
    assert [n.text for g in report.support for n in g.needs][-1] == "Stöd i implementeringen av rutinen"
    assert "Stöd efter perioden" in [n.text for g in report.support for n in g.needs]


@pytest.mark.parametrize(("to_period", "message"), [
    ("2024-T1", "Tertial 1 2024 har inte börjat än."),
    ("2025-T2", "Tertial 2 2025 finns inte i tertialkalendern."),
    ("2020-T3", "2020 ligger utanför programmets period 2021–2025."),
    ("2023-T4", "”2023-T4” är ingen tertial. Skriv år och tertial, till exempel 2023-T2."),
])
def test_midterm_range_refuses_tertials_outside_the_programme_or_calendar(session, scenario, to_period, message):
    with pytest.raises(ReportRangeError) as raised:
        service.midterm_range(session, scenario.program, to_period)
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(("year", "message"), [
    (2020, "2020 ligger utanför programmets period 2021–2025."),
    (2024, "Ingen tertial 2024 har börjat än."),
    (2025, "Det finns inga tertialer för 2025 i tertialkalendern."),
])
def test_annual_range_refuses_years_outside_the_programme_or_calendar(session, scenario, year, message):
    with pytest.raises(ReportRangeError, match=message):
        service.annual_range(session, scenario.program, year)


def test_a_range_must_run_forwards(session, scenario):
    with pytest.raises(ReportRangeError):
        service.build_programme_report(session, program=scenario.program, first=scenario.periods["2023-T2"],
                                       last=scenario.periods["2023-T1"])


def test_default_midterm_period_is_the_latest_closed(session, scenario):
    periods = service.program_tertials(session, scenario.program)
    assert service.default_midterm_period(periods).code == "2023-T2"
    assert service.report_years(periods) == [2022, 2023]
