"""build_scorecard gathers an organisation's tertial as plain data, in a fixed number of queries."""
from __future__ import annotations

import dataclasses

from tests.scorecards.conftest import counted_queries
from tracker.programs import responsibility
from tracker.reporting.models import ReportState, ReportStatus
from tracker.scorecards import service
from tracker.scorecards.service import Change, TextChange


def _rows(card) -> dict:
    return {row.activity_title: row for row in card.rows}


def test_default_period_is_the_latest_with_a_submitted_report(session, scenario, make_scenario, report):
    assert service.default_period(session, scenario.org.id).code == "2024-T1"  # 2024-T2 has only a draft
    older = make_scenario("bromma", activities=[(0, "Kampanj", "Löpande")])
    report(older.commitments["Kampanj"], older.periods["2023-T1"], ReportStatus.done)
    assert service.default_period(session, older.org.id).code == "2023-T1"
    silent = make_scenario("skarpnack", activities=[(0, "Kampanj", "Löpande")])
    assert service.default_period(session, silent.org.id).code == "2024-T1"  # the latest closed


def test_no_period_at_all_gives_none(session, make_org):
    assert service.default_period(session, make_org().id) is None


def test_scorecard_groups_commitments_by_programme_and_goal(session, scenario):
    card = service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2024-T1"])
    assert card.organisation_name == "Farsta" and card.tertial.code == "2024-T1"
    assert card.previous.label == "Tertial 3 2023"
    [program] = card.programs
    assert [(g.name, [r.activity_title for r in g.rows]) for g in program.goals] == [
        ("Mål 1: Förebygga våld", ["Kampanj", "Utbildning"]),
        ("Mål 2: Stöd till våldsutsatta", ["Rutin", "Samverkan", "Utgången"]),
    ]


def test_summary_counts_statuses_and_share_reported(session, scenario):
    card = service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2024-T1"])
    s = card.summary
    assert {(c.label, c.count) for c in s.by_status} == {
        ("Ej påbörjad", 0), ("Pågår", 1), ("Pågår med avvikelse", 1), ("Genomförd", 1), ("Utgår", 1),
        ("Ej rapporterad", 1),
    }
    assert (s.commitments, s.reported, s.share_reported, s.overdue, s.support_needed) == (5, 4, 80, 1, 1)


def test_changes_since_last_tertial(session, scenario):
    rows = _rows(service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2024-T1"]))
    assert (rows["Kampanj"].change, rows["Kampanj"].text_change) == (Change.up, TextChange.new)
    assert (rows["Utbildning"].change, rows["Utbildning"].text_change) == (Change.down, TextChange.unchanged)
    assert (rows["Rutin"].change, rows["Rutin"].text_change) == (Change.same, None)
    assert (rows["Utgången"].change, rows["Utgången"].previous_status) == (Change.first, None)
    assert rows["Samverkan"].change is None  # a draft is not a report
    assert rows["Samverkan"].reported is False and rows["Samverkan"].comment is None


def test_overdue_means_ended_before_the_tertial_and_not_done(session, scenario):
    rows = _rows(service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2024-T1"]))
    assert {title for title, row in rows.items() if row.overdue} == {"Kampanj"}
    earlier = _rows(service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2023-T3"]))
    assert earlier["Kampanj"].overdue is False  # "2023" had not ended when Tertial 3 2023 ended
    assert earlier["Utgången"].overdue is True  # ended 2022, not reported in 2023-T3


def test_support_need_is_carried(session, scenario):
    row = _rows(service.build_scorecard(session, organisation=scenario.org,
                                        period=scenario.periods["2024-T1"]))["Utbildning"]
    assert (row.support_needed, row.support_text) == (True, "Behöver handledning")


def test_trail_shows_the_last_six_tertials_oldest_first(session, scenario):
    card = service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2024-T1"])
    assert [t.code for t in card.trail_tertials] == ["2022-T2", "2022-T3", "2023-T1", "2023-T2", "2023-T3", "2024-T1"]
    trail = _rows(card)["Kampanj"].trail
    assert [p.status for p in trail] == [None, None, None, None, ReportStatus.not_started, ReportStatus.in_progress]
    assert [p.label for p in trail][-2:] == ["Ej påbörjad", "Pågår"]
    first = service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2022-T2"])
    assert [t.code for t in first.trail_tertials] == ["2022-T1", "2022-T2"]


def test_a_commitment_ended_since_still_shows_in_the_tertial_it_reported(session, scenario):
    commitment = scenario.commitments["Rutin"]
    responsibility.deactivate_commitment(session, commitment=commitment, actor=None)
    session.commit()
    then = _rows(service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2024-T1"]))
    assert then["Rutin"].still_assigned is False and then["Rutin"].status == ReportStatus.done
    later = _rows(service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2024-T2"]))
    assert "Rutin" not in later and "Kampanj" in later


def test_scorecard_is_plain_data(session, scenario):
    card = service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2024-T1"])
    assert dataclasses.is_dataclass(card)
    plain = dataclasses.asdict(card)  # only dataclasses, lists and values: no ORM objects
    assert plain["programs"][0]["goals"][0]["rows"][0]["activity_title"] == "Kampanj"


def test_organisation_without_commitments_gets_an_empty_scorecard(session, scenario, make_org):
    card = service.build_scorecard(session, organisation=make_org("tom"), period=scenario.periods["2024-T1"])
    assert card.programs == [] and card.summary.commitments == 0 and card.summary.share_reported == 0


def _count(app, session, scenario):
    session.refresh(scenario.org)  # as the view has it: loaded by slug before the scorecard is built
    with counted_queries(app) as statements:
        period = service.default_period(session, scenario.org.id)
        service.build_scorecard(session, organisation=scenario.org, period=period)
    return len(statements)


def test_scorecard_takes_a_fixed_number_of_queries(app, session, make_scenario, report):
    small = make_scenario("liten", activities=[(0, "En", "Löpande")])
    report(small.commitments["En"], small.periods["2024-T1"], ReportStatus.in_progress)
    titles = [(i % 2, f"Aktivitet {i}", "Löpande") for i in range(25)]
    large = make_scenario("stor", activities=titles)
    for commitment in large.commitments.values():
        for code in ("2023-T1", "2023-T2", "2023-T3", "2024-T1"):
            report(commitment, large.periods[code], ReportStatus.in_progress, comment="Text")
        report(commitment, large.periods["2024-T2"], ReportStatus.done, state=ReportState.draft)
    session.commit()
    session.expire_all()
    small_count = _count(app, session, small)
    assert small_count == _count(app, session, large)
    # The tertial, then commitments, trail and reports, and the effect goals the organisation reports
    # (none here: the figures are read only when there are goals), and its development funds of the year.
    assert small_count == 6, small_count
