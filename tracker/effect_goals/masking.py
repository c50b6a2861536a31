"""Small figures are masked wherever they leave the coordinators' hands: decided here, once per viewer and figure.

A figure from fewer than `threshold` cases (default 5) could identify a person subjected to violence or
their child. `disclose` decides, for one viewer and one effect goal, how every figure is shown — exact,
"färre än 5", or withheld — and every output asks that `Disclosure`: the effect-goal pages (`pages`), the
styrkort and the programme reports as pages and PDFs (`display.results_table`, from the decisions that
`scorecards.service` and `reports.service` carry in `EffectGoalResults.shown`), and the Excel and CSV
exports (`exchange.export_table`). None of them decides anything itself.

Primary suppression. A count from 1 to threshold − 1 is "färre än 5". A share is withheld whole when its
numerator, its denominator or the difference between them is such a count (from 38 of 40, "2 did not" is as
telling as the 2): only its base is then said to be small, if it is. A change is withheld when either count
is small. Zero is shown: it identifies nobody.

Secondary suppression. The city's result adds up the organisations' figures, so a masked figure must not come
back by subtraction, from any combination of what the viewer is shown. The rule, as statistical offices apply
it to a published total ("at least two suppressed cells per published total, or suppress the total"): for
every sum the city's results publish, numerators and denominators each, the figures it covers that the viewer
may not see must be none, or at least two that are together no small figure (numerators, denominators and
their difference each at least `threshold`) and of which none has a single possible value within the range it
is known to lie in ("färre än 5" is 1–4; a withheld count or denominator is no small figure, or it would read
"färre än 5"). Otherwise the smallest of the year's shown organisations that gives that protection is withheld
as well (else the smallest that brings it closer), and when none is left to withhold (the rest are the
viewer's own, or withheld already), the city's result for the year is withheld instead.
A change target's city results add up the baseline year's counts over different organisations from year to
year; combining them gives the sums over the pieces they split the organisations into (`_atoms`), so the rule
is applied to every piece. The baseline year is decided first and then the years in order, each in view of
what the earlier ones published: a new year never changes what an earlier output showed.

A viewer knows their own organisations' figures (a contact), or every figure (a coordinator): nothing is
masked from them that they know, and what they know is subtracted before the rule is applied.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from tracker.accounts.access import organisation_ids_of
from tracker.accounts.models import Role
from tracker.effect_goals.models import Measurement, TargetType
from tracker.effect_goals.service import GoalResults
from tracker.i18n import N_

DEFAULT_THRESHOLD = 5
FEWER_THAN = N_("färre än %(threshold)s")
# Written in an export for a withheld figure (the pages write "–").
WITHHELD = "dolt"

Cell = tuple[int, int]  # an organisation's figures for a year: (organisation id, year)


class Shown(StrEnum):
    """How one figure reaches a viewer."""

    exact = "exact"
    fewer = "fewer"  # a count from 1 to threshold − 1: "färre än 5"
    withheld = "withheld"  # "dolt" in a file, "–" on a page


@dataclass(frozen=True)
class FiguresShown:
    """How a result's figures reach a viewer: its numerator (or count), its denominator, a change's baseline."""

    numerator: Shown = Shown.exact
    denominator: Shown = Shown.exact
    baseline: Shown = Shown.exact

    @property
    def whole(self) -> bool:
        """Every figure exact: the share (or change) and its assessment may be shown as well."""
        return self.numerator == self.denominator == self.baseline == Shown.exact


EXACT = FiguresShown()
WITHHELD_WHOLE = FiguresShown(Shown.withheld, Shown.withheld, Shown.withheld)


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


def count_shown(value: int | None, threshold: int | None) -> Shown:
    return Shown.fewer if count_hidden(value, threshold) else Shown.exact


# The decision

@dataclass(frozen=True)
class Disclosure:
    """How every figure of one effect goal reaches one viewer: made by `disclose`, asked by every output."""

    threshold: int | None  # None: exact figures everywhere
    baseline_year: int | None = None  # a change target's
    cells: Mapping[Cell, tuple[Shown, Shown]] = field(default_factory=dict)
    city_shown: Mapping[int, FiguresShown] = field(default_factory=dict)

    def figures(self, organisation_id: int, year: int) -> tuple[Shown, Shown]:
        """An organisation's numerator (or count) and denominator for the year; withheld if never decided."""
        if self.threshold is None:
            return Shown.exact, Shown.exact
        return self.cells.get((organisation_id, year), (Shown.withheld, Shown.withheld))

    def organisation(self, organisation_id: int, year: int) -> FiguresShown:
        """The organisation's own result for the year (a change's baseline is its baseline year's count)."""
        numerator, denominator = self.figures(organisation_id, year)
        baseline = Shown.exact if self.baseline_year is None else self.figures(organisation_id,
                                                                                self.baseline_year)[0]
        return FiguresShown(numerator, denominator, baseline)

    def city(self, year: int) -> FiguresShown:
        """The city's result for the year."""
        return EXACT if self.threshold is None else self.city_shown.get(year, WITHHELD_WHOLE)


def disclose(results: GoalResults, viewer: Viewer) -> Disclosure:
    """Decide how the goal's figures reach the viewer (the goal's rows must carry their `figures`)."""
    if viewer.city is None:
        return Disclosure(None)
    table = _Table(results, viewer)
    for year in table.order():
        table.publish(year)
    return Disclosure(viewer.threshold, table.baseline_year, table.states, table.city)


class _Table:
    """One goal's figures by organisation and year, the city's sums published so far, and how each is shown."""

    def __init__(self, results: GoalResults, viewer: Viewer):
        goal = results.goal
        self.threshold, self.known = viewer.threshold, viewer.own
        self.change = goal.target_type == TargetType.change_at_least
        self.baseline_year = goal.baseline_year if self.change else None
        self.years = results.years
        self.responsible = [row.organisation.id for row in results.organisations]
        self.values: dict[Cell, tuple[int | None, int | None]] = {
            (row.organisation.id, year): (m.numerator, m.denominator)
            for row in results.organisations for year, m in row.figures.items()}
        self.states = {cell: self._primary(cell) for cell in self.values}
        self.published: list[frozenset[Cell]] = []  # the cells each published city figure adds up
        self.city: dict[int, FiguresShown] = {}

    def _primary(self, cell: Cell) -> tuple[Shown, Shown]:
        numerator, denominator = self.values[cell]
        if cell[0] in self.known:
            return Shown.exact, Shown.exact
        if not self.change and denominator is not None and share_hidden(numerator, denominator, self.threshold):
            # The numerator is no more than a small base; a large base alone would tell the difference.
            return Shown.withheld, Shown.fewer if is_small(denominator, self.threshold) else Shown.withheld
        return count_shown(numerator, self.threshold), count_shown(denominator, self.threshold)

    def order(self) -> list[int]:
        """The baseline year first (every year's change is counted against it), then the years in order."""
        first = [] if self.baseline_year is None else [self.baseline_year]
        return first + [year for year in self.years if year not in first]

    def sums(self, year: int) -> list[frozenset[Cell]]:
        """The cells each of the city's figures for the year adds up, as `rollup.result` counts them."""
        reported = [org for org in self.responsible if self._reported((org, year))]
        if self.change and self.baseline_year is not None:
            both = [org for org in reported if self._reported((org, self.baseline_year))]
            if both:
                counts, baselines = (frozenset((org, y) for org in both) for y in (year, self.baseline_year))
                return [counts] if counts == baselines else [counts, baselines]
        return [frozenset((org, year) for org in reported)] if reported else []

    def _reported(self, cell: Cell) -> bool:
        numerator, denominator = self.values.get(cell, (None, None))
        return numerator is not None and (self.change or denominator is not None)

    def publish(self, year: int) -> None:
        """Show the city's result for the year if it and everything published before keep every masked figure
        masked, withholding the fewest and smallest organisations' figures that it takes; else withhold it."""
        sums = self.sums(year)
        if not sums:
            self.city[year] = EXACT  # nobody reported: nothing to mask
            return
        if self._city_hidden(sums):
            self.city[year] = self._withheld_city(sums)
            return
        states, published = dict(self.states), self.published + [s for s in sums if s not in self.published]
        while (atom := self._unsafe(published, states)) is not None:
            more = self._next_withheld(atom, states, year)
            if more is None:
                self.city[year] = self._withheld_city(sums)
                return
            states[more] = (Shown.withheld, Shown.withheld)
        self.states, self.published, self.city[year] = states, published, EXACT

    def _city_hidden(self, sums: list[frozenset[Cell]]) -> bool:
        """Whether the city's result is masked on its own figures, as an organisation's would be."""
        if self.change:
            return any(is_small(self._totals(cells)[0], self.threshold) for cells in sums)
        numerator, denominator, _difference = self._totals(sums[0])
        return share_hidden(numerator, denominator, self.threshold)

    def _withheld_city(self, sums: list[frozenset[Cell]]) -> FiguresShown:
        """A withheld result of the city says only that its base is small, as an organisation's does; unless
        that, with what the viewer knows, would pin an organisation's figure (1 + 1 + 1 + 1 is "färre än 5")."""
        part = 0 if self.change else 1
        base = self._totals(sums[0])[part]
        small = Shown.fewer if is_small(base, self.threshold) and not self._pinned_below(sums[0], part) \
            else Shown.withheld
        if self.change:
            return FiguresShown(small, Shown.withheld, Shown.withheld)
        return FiguresShown(Shown.withheld, small, Shown.withheld)

    def _pinned_below(self, cells: frozenset[Cell], part: int) -> bool:
        """Whether saying that the cells add up to a small figure would give one of the hidden ones away."""
        hidden = [cell for cell in cells if self._hidden(cell, self.states)]
        known = sum(self.values[cell][part] or 0 for cell in cells if cell not in hidden)
        ranges = [self._range(cell, part, self.states) for cell in hidden]
        return _pinned(ranges, 1 - known, self.threshold - 1 - known) > 0

    def _hidden(self, cell: Cell, states: dict[Cell, tuple[Shown, Shown]]) -> bool:
        return cell[0] not in self.known and states[cell] != (Shown.exact, Shown.exact)

    def _totals(self, cells) -> list[int]:
        """What the cells add up to: a count's sum; a share's numerators, denominators and their difference."""
        numerator = sum(self.values[cell][0] or 0 for cell in cells)
        if self.change:
            return [numerator]
        denominator = sum(self.values[cell][1] or 0 for cell in cells)
        return [numerator, denominator, denominator - numerator]

    def _unsafe(self, published: list[frozenset[Cell]], states) -> list[Cell] | None:
        """A piece of the published sums whose hidden cells are not yet protected."""
        for atom in _atoms(published):
            hidden = [cell for cell in atom if self._hidden(cell, states)]
            if hidden and self._exposure(hidden, states):
                return atom
        return None

    def _exposure(self, hidden: list[Cell], states) -> int:
        """How far a piece's hidden cells are from protected (0: protected): how much their totals fall short of
        `threshold`, and how many of their figures have a single value within the range each is known to lie in
        ("färre än 5" is 1–4, a withheld count or denominator no small figure, a numerator no more than its base)."""
        short = sum(max(0, self.threshold - total) for total in self._totals(hidden))
        pinned = 0
        for part in (0,) if self.change else (0, 1):
            total = sum(self.values[cell][part] or 0 for cell in hidden)
            pinned += _pinned([self._range(cell, part, states) for cell in hidden], total, total)
        return short + pinned

    def _range(self, cell: Cell, part: int, states) -> tuple[float, float]:
        """Where a hidden figure is publicly known to lie."""
        numerator, denominator = states[cell]
        small = (1, self.threshold - 1)
        if self.change or part == 1:
            return small if (numerator, denominator)[part] == Shown.fewer else (self.threshold, math.inf)
        return (0, self.threshold - 1) if denominator == Shown.fewer else (0, math.inf)

    def _next_withheld(self, atom: list[Cell], states, year: int) -> Cell | None:
        """The year's shown figures in the piece to withhold next: the smallest that protects its hidden ones,
        else the smallest that brings them closer to it."""
        hidden = [cell for cell in atom if self._hidden(cell, states)]
        exposure = self._exposure(hidden, states)
        choices = sorted((cell for cell in atom if cell[1] == year and cell[0] not in self.known
                          and not self._hidden(cell, states)), key=self._size)
        after = {cell: self._exposure([*hidden, cell], {**states, cell: (Shown.withheld, Shown.withheld)})
                 for cell in choices}
        enough = [cell for cell in choices if after[cell] == 0]
        closer = [cell for cell in choices if after[cell] < exposure]
        return next(iter(enough or closer), None)

    def _size(self, cell: Cell) -> tuple[int, ...]:
        """Smallest first: by denominator, then numerator (a count by itself), then by organisation id."""
        totals = self._totals([cell])
        return (*reversed(totals[:2]), cell[0])


def _pinned(ranges: list[tuple[float, float]], least_total: float, most_total: float) -> int:
    """How many figures, each known to lie in its range and together from `least_total` to `most_total`, can
    take only one value."""
    count = 0
    for index, (low, high) in enumerate(ranges):
        others = ranges[:index] + ranges[index + 1:]
        least = max(low, least_total - sum(other_high for _other_low, other_high in others))
        most = min(high, most_total - sum(other_low for other_low, _other_high in others))
        count += most <= least
    return count


def _atoms(sums: list[frozenset[Cell]]) -> list[list[Cell]]:
    """The pieces the sums split their cells into (cells in the same sums): the finest sums that combining the
    published ones can give, each piece's total at best."""
    pieces: dict[tuple[int, ...], list[Cell]] = defaultdict(list)
    for cell in sorted(set().union(*sums), key=lambda cell: (cell[1], cell[0])):
        pieces[tuple(index for index, cells in enumerate(sums) if cell in cells)].append(cell)
    return list(pieces.values())


# The exports

def export_figures(found: Measurement | None, shown: tuple[Shown, Shown], threshold: int | None) -> tuple[Any, Any]:
    """A measurement's numerator and denominator as an export writes them for the viewer (`Disclosure.figures`)."""
    if found is None:
        return None, None
    return (_written(found.numerator, shown[0], threshold), _written(found.denominator, shown[1], threshold))


def _written(value: int | None, shown: Shown, threshold: int | None) -> Any:
    if value is None or shown == Shown.exact:
        return value
    return FEWER_THAN % {"threshold": threshold} if shown == Shown.fewer else WITHHELD
