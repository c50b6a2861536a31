"""The city result is summed, never averaged; every target type is assessed at its edges."""
from __future__ import annotations

from fractions import Fraction

import pytest

from tracker.effect_goals.models import TargetType
from tracker.effect_goals.rollup import (
    NO_BASELINE_FIGURES,
    NO_BASELINE_YEAR,
    NO_REPORTS,
    ZERO_BASELINE,
    ZERO_DENOMINATOR,
    Assessment,
    Figures,
    GoalTarget,
    result,
)

FLOOR_80 = GoalTarget(TargetType.share_at_least, 80)
CEILING_20 = GoalTarget(TargetType.share_at_most, 20)
ALL_UNITS = GoalTarget(TargetType.all_units, 100)


def test_weighted_roll_up_differs_from_averaging_percentages():
    # A small district at 9/10 (90 %) and a large one at 40/100 (40 %): the average of the
    # percentages is 65 % (met against 60 %), the city's real share 49/110 = 44.5 % (not met).
    target = GoalTarget(TargetType.share_at_least, 60)
    figures = {2025: {1: Figures(9, 10), 2: Figures(40, 100)}}
    city = result(target, 2025, figures, {1, 2})
    assert (city.numerator, city.denominator) == (49, 110)
    assert city.value == Fraction(49, 110)
    assert round(city.percent, 1) == 44.5
    assert city.assessment == Assessment.not_met


def test_partial_coverage_is_counted_and_said():
    figures = {2025: {1: Figures(8, 10), 2: Figures(9, 10)}}
    city = result(FLOOR_80, 2025, figures, {1, 2, 3})
    assert (city.reported, city.responsible, city.complete) == (2, 3, False)
    assert city.assessment == Assessment.met


def test_figures_of_organisations_no_longer_responsible_are_left_out():
    figures = {2025: {1: Figures(8, 10), 99: Figures(0, 1000)}}
    assert result(FLOOR_80, 2025, figures, {1}).denominator == 10


@pytest.mark.parametrize(("target", "numerator", "denominator", "assessment"), [
    (FLOOR_80, 80, 100, Assessment.met),  # floor exactly met
    (FLOOR_80, 79, 100, Assessment.not_met),
    (CEILING_20, 20, 100, Assessment.met),  # ceiling exactly met
    (CEILING_20, 21, 100, Assessment.not_met),
    (CEILING_20, 0, 100, Assessment.met),
    (ALL_UNITS, 13, 13, Assessment.met),
    (ALL_UNITS, 12, 13, Assessment.not_met),
])
def test_share_targets_at_their_edges(target, numerator, denominator, assessment):
    assert result(target, 2025, {2025: {1: Figures(numerator, denominator)}}, {1}).assessment == assessment


def test_no_data_when_nobody_reported_or_the_denominator_is_zero():
    nobody = result(FLOOR_80, 2025, {}, {1, 2})
    assert (nobody.assessment, nobody.reason, nobody.reported) == (Assessment.no_data, NO_REPORTS, 0)
    zero = result(FLOOR_80, 2025, {2025: {1: Figures(0, 0), 2: Figures(0, 0)}}, {1, 2})
    assert (zero.assessment, zero.reason, zero.value) == (Assessment.no_data, ZERO_DENOMINATOR, None)


def test_an_incomplete_row_does_not_count():
    # A numerator without its denominator cannot be part of a share.
    city = result(FLOOR_80, 2025, {2025: {1: Figures(5, None), 2: Figures(8, 10)}}, {1, 2})
    assert (city.numerator, city.denominator, city.reported) == (8, 10, 1)


def test_change_target_exactly_met_against_the_baseline():
    target = GoalTarget(TargetType.change_at_least, 25, baseline_year=2024)
    figures = {2024: {1: Figures(40), 2: Figures(8)}, 2025: {1: Figures(50), 2: Figures(10)}}
    city = result(target, 2025, figures, {1, 2})
    assert (city.numerator, city.baseline) == (60, 48)
    assert city.value == Fraction(1, 4)
    assert city.assessment == Assessment.met
    figures[2025][2] = Figures(9)
    assert result(target, 2025, figures, {1, 2}).assessment == Assessment.not_met


def test_change_compares_only_organisations_that_reported_both_years():
    target = GoalTarget(TargetType.change_at_least, 25, baseline_year=2024)
    figures = {2024: {1: Figures(40)}, 2025: {1: Figures(50), 2: Figures(500)}}
    city = result(target, 2025, figures, {1, 2})
    assert (city.numerator, city.baseline, city.reported) == (50, 40, 1)


@pytest.mark.parametrize(("baseline_year", "figures", "reason"), [
    (None, {2025: {1: Figures(50)}}, NO_BASELINE_YEAR),
    (2024, {2025: {1: Figures(50)}}, NO_BASELINE_FIGURES),
    (2024, {2024: {1: Figures(0)}, 2025: {1: Figures(5)}}, ZERO_BASELINE),
    (2024, {2024: {1: Figures(10)}}, NO_REPORTS),
])
def test_change_without_a_usable_baseline_is_no_data(baseline_year, figures, reason):
    target = GoalTarget(TargetType.change_at_least, 25, baseline_year=baseline_year)
    city = result(target, 2025, figures, {1})
    assert (city.assessment, city.reason, city.value) == (Assessment.no_data, reason, None)
