"""The city-wide result of an effect goal, computed honestly: pure functions on plain figures.

A share is Σ numerators / Σ denominators over the organisations that reported,
never an average of their percentages (a district with 2 cases must not weigh
as much as one with 200). A change target compares the summed count of the
organisations that reported both years with the baseline year's. Every result
says how many of the responsible organisations it covers.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from tracker.effect_goals.models import TargetType
from tracker.i18n import N_


class Assessment(StrEnum):
    met = "met"
    not_met = "not_met"
    no_data = "no_data"


ASSESSMENT_LABELS = {
    Assessment.met: N_("Uppnått"),
    Assessment.not_met: N_("Inte uppnått"),
    Assessment.no_data: N_("Underlag saknas"),
}
ASSESSMENT_SYMBOLS = {Assessment.met: "✓", Assessment.not_met: "✗", Assessment.no_data: "–"}
# Why there is no result; msgids.
NO_REPORTS = N_("ingen organisation har rapporterat")
ZERO_DENOMINATOR = N_("nämnaren är 0")
NO_BASELINE_YEAR = N_("baslinje saknas")
NO_BASELINE_FIGURES = N_("inga jämförbara siffror för basåret")
ZERO_BASELINE = N_("basårets antal är 0")


@dataclass(frozen=True)
class Figures:
    """One organisation's figures for a year: a share's parts, or a count (denominator None)."""

    numerator: int | None
    denominator: int | None = None


@dataclass(frozen=True)
class GoalTarget:
    target_type: TargetType
    target_value: int  # per cent
    baseline_year: int | None = None


@dataclass(frozen=True)
class Result:
    """The result for a year over a set of organisations (the city, or one organisation)."""

    year: int
    numerator: int | None  # the summed numerators (or counts)
    denominator: int | None  # the summed denominators; None for a count
    baseline: int | None  # a change target's summed baseline count, same organisations
    value: Fraction | None  # the share, or the change (0.25 = +25 %)
    assessment: Assessment
    reason: str | None  # why there is no data (a msgid)
    reported: int  # organisations whose figures are included
    responsible: int  # organisations that should report

    @property
    def complete(self) -> bool:
        return self.reported == self.responsible

    @property
    def percent(self) -> float | None:
        return None if self.value is None else float(self.value * 100)


def result(target: GoalTarget, year: int, figures: dict[int, dict[int, Figures]], responsible: set[int]
           ) -> Result:
    """Assess the year: `figures` maps year → organisation id → figures; only `responsible` organisations count."""
    reported = figures.get(year, {})
    # From the smaller side: one organisation's result must not look through every organisation's figures.
    pairs = ((org, reported[org]) for org in responsible if org in reported) if len(responsible) < len(reported) \
        else ((org, f) for org, f in reported.items() if org in responsible)
    this_year = {org: f for org, f in pairs if _usable(target, f)}
    if target.target_type == TargetType.change_at_least:
        return _change(target, year, this_year, figures, len(responsible))
    numerator = sum(f.numerator for f in this_year.values())
    denominator = sum(f.denominator for f in this_year.values())
    base = dict(year=year, numerator=numerator if this_year else None, denominator=denominator if this_year else None,
                baseline=None, reported=len(this_year), responsible=len(responsible))
    if not this_year:
        return Result(**base, value=None, assessment=Assessment.no_data, reason=NO_REPORTS)
    if denominator == 0:
        return Result(**base, value=None, assessment=Assessment.no_data, reason=ZERO_DENOMINATOR)
    share = Fraction(numerator, denominator)
    return Result(**base, value=share, assessment=_assess(target, share), reason=None)


def _usable(target: GoalTarget, figures: Figures) -> bool:
    if figures.numerator is None:
        return False
    return target.target_type == TargetType.change_at_least or figures.denominator is not None


def _change(target: GoalTarget, year: int, this_year: dict[int, Figures], figures, responsible: int) -> Result:
    def made(value, baseline, reported, assessment, reason):
        return Result(year=year, numerator=value, denominator=None, baseline=baseline, value=None if reason else
                      Fraction(value - baseline, baseline), assessment=assessment, reason=reason,
                      reported=reported, responsible=responsible)

    if not this_year:
        return made(None, None, 0, Assessment.no_data, NO_REPORTS)
    if target.baseline_year is None:
        return made(sum(f.numerator for f in this_year.values()), None, len(this_year), Assessment.no_data,
                    NO_BASELINE_YEAR)
    before = {org: f for org, f in figures.get(target.baseline_year, {}).items() if f.numerator is not None}
    both = [org for org in this_year if org in before]  # the same organisations both years
    if not both:
        return made(sum(f.numerator for f in this_year.values()), None, 0, Assessment.no_data, NO_BASELINE_FIGURES)
    value, baseline = sum(this_year[o].numerator for o in both), sum(before[o].numerator for o in both)
    if baseline == 0:
        return made(value, baseline, len(both), Assessment.no_data, ZERO_BASELINE)
    change = Fraction(value - baseline, baseline)
    met = change * 100 >= target.target_value
    return made(value, baseline, len(both), Assessment.met if met else Assessment.not_met, None)


def _assess(target: GoalTarget, share: Fraction) -> Assessment:
    percent = share * 100
    if target.target_type == TargetType.share_at_most:
        met = percent <= target.target_value
    elif target.target_type == TargetType.all_units:
        met = share == 1
    else:
        met = percent >= target.target_value
    return Assessment.met if met else Assessment.not_met
