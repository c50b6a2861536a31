"""What the effect-goal pages show: results masked for the viewer, trends and charts.

Masking is decided in Python (`masking.disclose`), once per viewer and figure: the
templates only get texts and bar sizes that are already safe for the viewer, so a
masked figure cannot reach the HTML (not as text, not as an attribute, not as a
bar's height, not through a chart scale or a trend computed from it), nor come
back by subtraction from the city's total. The exports and the PDFs ask the same
decision.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor

from flask_babel import gettext as _

from tracker.effect_goals import display, masking
from tracker.effect_goals.masking import FiguresShown, Viewer
from tracker.effect_goals.models import EffectGoal, TargetType
from tracker.effect_goals.rollup import ASSESSMENT_SYMBOLS, Result
from tracker.effect_goals.service import GoalResults
from tracker.i18n import N_
from tracker.organisations.models import Organisation

TREND_UP = N_("Upp %(points)s procentenheter från %(before)s till %(after)s")
TREND_DOWN = N_("Ned %(points)s procentenheter från %(before)s till %(after)s")
TREND_SAME = N_("Oförändrat från %(before)s till %(after)s")
BETTER, WORSE = N_("en förbättring"), N_("en försämring")


@dataclass(frozen=True)
class Cell:
    """One result as the viewer may see it; `percent` is None when there is nothing the chart may draw."""

    year: int
    value: str
    parts: str
    assessment: str  # met, not_met, no_data, or masked
    assessment_label: str
    coverage: str
    percent: float | None

    @property
    def symbol(self) -> str:
        return ASSESSMENT_SYMBOLS.get(self.assessment, "–")


def cell(goal: EffectGoal, result: Result, shown: FiguresShown, threshold: int | None, *,
         organisation: bool = False) -> Cell:
    """A result as text, as `shown` (the viewer's `masking.Disclosure`) says its figures reach the viewer."""
    if organisation and result.numerator is None:
        return Cell(result.year, _("ej rapporterat"), "–", result.assessment.value,
                    display.assessment_text(result, _), "", None)
    parts = display.parts_text(goal, result, shown, threshold, _)
    if result.value is not None and not shown.whole:
        # The share, its assessment and its bar would tell what the withheld figures hide.
        masked = _(display.MASKED_SHARE)
        return Cell(result.year, masked, parts, "masked", masked, display.coverage_text(result, _), None)
    return Cell(result.year, display.value_text(goal, result, shown, _), parts, result.assessment.value,
                display.assessment_text(result, _), display.coverage_text(result, _), result.percent)


@dataclass(frozen=True)
class Trend:
    direction: str  # up, down, same, masked, none
    text: str


def trend(goal: EffectGoal, results: dict[int, Result], hidden_years: set[int]) -> Trend:
    """The change between the last two years with a result, unless either is masked."""
    with_values = [r for _year, r in sorted(results.items()) if r.value is not None]
    if len(with_values) < 2:
        return Trend("none", _("Trenden visas när det finns resultat för två år."))
    before, after = with_values[-2:]
    if before.year in hidden_years or after.year in hidden_years:
        return Trend("masked", _("Trenden visas inte (för få fall)."))
    years = {"before": before.year, "after": after.year}
    difference = after.value - before.value
    if difference == 0:
        return Trend("same", _(TREND_SAME, **years))
    up = difference > 0
    better = up != (goal.target_type == TargetType.share_at_most)
    text = _(TREND_UP if up else TREND_DOWN, points=_points(abs(difference)), **years)
    return Trend("up" if up else "down", f"{text} ({_(BETTER if better else WORSE)})")


def _points(value: Fraction) -> str:
    return f"{float(value * 100):.1f}".replace(".", ",")


# The chart: bars per year in a viewBox, sized from shown values only (a scale stretched by a
# masked value would give it away).

SLOT, BAR, LEFT, TOP, PLOT = 60, 34, 56, 10, 100


@dataclass(frozen=True)
class Bar:
    year: int
    x: float
    y: float | None  # None: nothing drawn (no result, or masked)
    height: float | None
    assessment: str

    @property
    def middle(self) -> float:
        return self.x + BAR / 2


@dataclass(frozen=True)
class Chart:
    width: int
    bars: list[Bar]
    target_y: float
    zero_y: float
    ticks: list[tuple[float, str]]  # the left axis: (y, "80 %"), the target's first
    description: str
    left: int = LEFT
    height: int = TOP + PLOT + 24
    label_y: int = TOP + PLOT + 18

    @property
    def right(self) -> int:
        return self.width - 4


def chart(goal: EffectGoal, cells: list[Cell]) -> Chart:
    target = 100 if goal.target_type == TargetType.all_units else goal.target_value
    shown = [c.percent for c in cells if c.percent is not None]
    if goal.target_type == TargetType.change_at_least:
        low, high = floor(min(0, target, *shown) / 10) * 10, ceil(max(0, target, *shown) / 10) * 10
    else:
        low, high = 0, 100

    def y(percent: float) -> float:
        return round(TOP + PLOT * (high - percent) / ((high - low) or 1), 1)

    bars = []
    for index, c in enumerate(cells):
        x = LEFT + index * SLOT + (SLOT - BAR) / 2
        if c.percent is None:
            bars.append(Bar(c.year, x, None, None, c.assessment))
            continue
        top, bottom = y(max(c.percent, 0)), y(min(c.percent, 0))
        bars.append(Bar(c.year, x, top, max(round(bottom - top, 1), 0.5), c.assessment))
    ticks = [(y(target), f"{target}\u00a0%")]
    ticks += [(y(p), f"{p}\u00a0%") for p in sorted({low, high, 0}) if abs(y(p) - y(target)) >= 12]
    values = "; ".join(f"{c.year}: {c.value}" for c in cells)
    description = _("Stapeldiagram, resultat per år, med mållinjen %(target)s: %(values)s.",
                    target=display.target_text(goal, _), values=values)
    return Chart(LEFT + SLOT * len(cells) + 8, bars, y(target), y(0), ticks, description)


@dataclass
class GoalView:
    """A goal's city results and its organisations' as the viewer may see them."""

    results: GoalResults
    city: list[Cell]
    trend: Trend
    chart: Chart
    rows: list[tuple[Organisation, list[Cell]]]

    @property
    def goal(self) -> EffectGoal:
        return self.results.goal

    @property
    def target(self) -> str:
        return display.target_text(self.goal, _)

    @property
    def missing_baseline(self) -> bool:
        return self.goal.target_type == TargetType.change_at_least and self.goal.baseline_year is None


def goal_view(results: GoalResults, viewer: Viewer) -> GoalView:
    goal, years, threshold = results.goal, results.years, viewer.threshold
    disclosure = masking.disclose(results, viewer)
    city = [cell(goal, results.city[year], disclosure.city(year), threshold) for year in years]
    hidden_years = {year for year in years if not disclosure.city(year).whole}
    rows = [(row.organisation, [cell(goal, row.results[year], disclosure.organisation(row.organisation.id, year),
                                     threshold, organisation=True) for year in years])
            for row in results.organisations]
    return GoalView(results, city, trend(goal, results.city, hidden_years), chart(goal, city), rows)
