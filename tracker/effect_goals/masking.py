"""Small figures are masked wherever they leave the coordinators' hands: who sees what is decided here only.

A figure from fewer than `threshold` cases (default 5) could identify a person
subjected to violence or their child. Outside the coordinators (and an
organisation's own contacts, for its own figures) such a count is shown as
"färre än 5", and a share is withheld whenever its numerator, its denominator
or the difference between them is such a count (from 38 of 40, "2 did not" is
as telling as the 2 itself). Zero is shown: it identifies nobody.

Nor may a masked figure come back by subtraction: where the city's total is
shown, an organisation's masked figures would be the total minus the others',
so more of them are withheld until what is withheld together is not a small
figure (`withheld_organisations`). Every output asks this module: the effect-goal
pages (`pages`), the styrkort and the programme report, as pages and as PDFs
(`display.results_table`), and the Excel and CSV exports (`export_figures`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from tracker.accounts.access import organisation_ids_of
from tracker.accounts.models import Role
from tracker.effect_goals.models import EffectGoal, Measurement, TargetType
from tracker.effect_goals.rollup import Assessment, Result
from tracker.effect_goals.service import EffectGoalResults, GoalResults
from tracker.i18n import N_

DEFAULT_THRESHOLD = 5
FEWER_THAN = N_("färre än %(threshold)s")
# Written in an export instead of a share's numerator when its parts are large but their difference is small.
WITHHELD = "dolt"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: coordinators see exact figures, a contact its own organisations' rows, others none."""

    threshold: int
    exact_everywhere: bool = False
    own: frozenset[int] = frozenset()

    @property
    def city(self) -> int | None:
        """The threshold for the city's figures (None: exact)."""
        return None if self.exact_everywhere else self.threshold

    def of(self, organisation_id: int) -> int | None:
        """The threshold for an organisation's figures (None: exact)."""
        return None if self.exact_everywhere or organisation_id in self.own else self.threshold


def viewer_of(session: Session, user: Any, *, threshold: int) -> Viewer:
    """The user as a viewer of effect-goal figures, on every page and in every export."""
    role = getattr(user, "role", None)
    own = organisation_ids_of(session, user) if role == Role.contact else frozenset()
    return Viewer(threshold, exact_everywhere=role == Role.coordinator, own=own)


# One figure

def is_small(value: int | None, threshold: int) -> bool:
    return value is not None and 0 < value < threshold


def count_hidden(value: int | None, threshold: int | None) -> bool:
    """Whether a count must be masked (`threshold` None: the viewer may see exact figures)."""
    return threshold is not None and is_small(value, threshold)


def share_hidden(numerator: int | None, denominator: int | None, threshold: int | None) -> bool:
    """Whether a share must be withheld: any of its parts, or their difference, is a small count."""
    if threshold is None or numerator is None:
        return False
    parts = [numerator] if denominator is None else [numerator, denominator, denominator - numerator]
    return any(is_small(part, threshold) for part in parts)


def change_hidden(value: int | None, baseline: int | None, threshold: int | None) -> bool:
    """Whether a change against the baseline must be withheld: either count is small."""
    return count_hidden(value, threshold) or count_hidden(baseline, threshold)


def hidden(goal: EffectGoal | EffectGoalResults, result: Result, threshold: int | None) -> bool:
    """Whether a result's share (or change) must be withheld, judged on its own figures."""
    if goal.target_type == TargetType.change_at_least:
        return change_hidden(result.numerator, result.baseline, threshold)
    return share_hidden(result.numerator, result.denominator, threshold)


# Results beside the city's total

def _counted(results: GoalResults, year: int) -> list[tuple[int, Result]]:
    """The organisations inside the city's result for the year, with their own results."""
    return [(row.organisation.id, row.results[year]) for row in results.organisations if row.results[year].reported]


def city_withheld(results: GoalResults, year: int, viewer: Viewer) -> bool:
    """Whether the city's result is masked: small itself, or small once the viewer's own figures are taken out."""
    goal, city = results.goal, results.city[year]
    if hidden(goal, city, viewer.city):
        return True
    others = [result for org, result in _counted(results, year) if org not in viewer.own]
    return bool(viewer.own) and bool(others) and hidden(goal, _together(goal, others), viewer.city)


def withheld_organisations(results: GoalResults, year: int, viewer: Viewer) -> set[int]:
    """The organisations whose figures for the year the viewer must not see.

    Those masked on their own, and then, smallest first, as many more as it takes for the
    withheld ones together to be no small figure: otherwise the city's total minus the shown
    organisations' figures gives the masked ones back.
    """
    goal, counted = results.goal, _counted(results, year)
    held = {org for org, result in counted if hidden(goal, result, viewer.of(org))}
    # Outside the city's total, an organisation's own result (reported without a baseline) is masked on its own.
    held |= {row.organisation.id for row in results.organisations
             if not row.results[year].reported and hidden(goal, row.results[year], viewer.of(row.organisation.id))}
    if not held or city_withheld(results, year, viewer):
        return held  # nothing masked, or no exact total to subtract from
    others = sorted(((result.denominator or result.numerator or 0, org) for org, result in counted
                     if org not in held and viewer.of(org) is not None))
    while hidden(goal, _together(goal, [r for org, r in counted if org in held]), viewer.city) and others:
        held.add(others.pop(0)[1])
    return held


def _together(goal: EffectGoal, results: list[Result]) -> Result:
    """The summed figures of some organisations, as one result to mask."""
    numerator = sum(r.numerator or 0 for r in results)
    denominator = None if goal.denominator_label is None else sum(r.denominator or 0 for r in results)
    baseline = sum(r.baseline or 0 for r in results) if goal.target_type == TargetType.change_at_least else None
    return Result(year=0, numerator=numerator, denominator=denominator, baseline=baseline, value=None,
                  assessment=Assessment.no_data, reason=None, reported=len(results), responsible=len(results))


def withheld_years(results: GoalResults, organisation_id: int, threshold: int) -> list[int]:
    """The years a reader may not see the organisation's own result, as on the effect-goal pages."""
    reader = Viewer(threshold)
    return [year for year in results.years if organisation_id in withheld_organisations(results, year, reader)]


# The styrkort's and the programme report's results (`EffectGoalResults`)

def result_withheld(goal: EffectGoalResults, result: Result, threshold: int | None) -> bool:
    """Whether a masked view (`threshold` not None) withholds the result whole: its value, its parts beyond
    saying that a small base is small, and its assessment (which would bound the value)."""
    if threshold is None or result.value is None:
        return False
    return result.year in goal.withheld_years or hidden(goal, result, threshold)


def baseline_withheld(goal: EffectGoalResults, result: Result, threshold: int | None) -> bool:
    """Whether a change target's baseline count is withheld: in the years a result would be, unless it is small
    (then it is masked as a small count)."""
    return threshold is not None and result.year in goal.withheld_years and not count_hidden(result.numerator,
                                                                                             threshold)


# The exports

def withheld_in_export(results: list[GoalResults], viewer: Viewer) -> set[tuple[int, int, int]]:
    """(goal id, organisation id, year) of the figures an export withholds beyond masking each row on its own:
    without them, the city's totals on the pages minus the file's other rows would give a masked row back."""
    return {(r.goal.id, row.organisation.id, year) for r in results for year in r.years
            for row in r.organisations if row.organisation.id in withheld_organisations(r, year, viewer)}


def export_figures(goal: EffectGoal, found: Measurement | None, threshold: int | None, *,
                   withheld: bool = False) -> tuple[Any, Any]:
    """A measurement's numerator and denominator as an export writes them; `withheld` (see
    `withheld_in_export`) writes "dolt" for a numerator that masking alone would show."""
    if found is None:
        return None, None
    numerator, denominator = _masked_figures(goal, found.numerator, found.denominator, threshold)
    return (WITHHELD if withheld and isinstance(numerator, int) else numerator), denominator


def _masked_figures(goal: EffectGoal, numerator: int | None, denominator: int | None, threshold: int | None
                    ) -> tuple[Any, Any]:
    fewer = FEWER_THAN % {"threshold": threshold}
    if goal.denominator_label is None or denominator is None:
        return (fewer if count_hidden(numerator, threshold) else numerator), denominator
    if not share_hidden(numerator, denominator, threshold):
        return numerator, denominator
    # Hiding the numerator hides the difference too; a large denominator alone tells nothing.
    return (fewer if is_small(numerator, threshold) else WITHHELD,
            fewer if is_small(denominator, threshold) else denominator)
