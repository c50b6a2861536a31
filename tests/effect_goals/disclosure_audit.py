"""An attacker's arithmetic on the effect-goal figures: what the outputs print, and what follows from it.

`Facts` collects what outputs print about the organisations' figures of a goal and about the city's sums, as
a reader reads them: a number is that number, "färre än 5" is 1–4, a withheld figure said not to be small is
0 or at least 5 (the method sheet says small ones are written "färre än 5"), a share is its percentage, and
the city's "42 av 53" is the sum of the reporting organisations' numerators and denominators. `derivable`
then asks a small solver (bounds propagation and exhaustive search over whole numbers) which figures that
no output prints have a single value consistent with all of it, numerator ≤ denominator included.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from tracker.effect_goals.display import percent_text

Var = tuple[str, str, int]  # ("n" numerator or count | "d" denominator, organisation, year)

FEWER = re.compile(r"^färre än (\d+)$")
NUMBER = re.compile(r"^\d+$")
CHANGE_PARTS = re.compile(r"^(.+?) mot (.+?) \(basår (\d{4})\)$")
PERCENT = re.compile(r"^[−+]?\d+,\d %$")
WITHHELD_VALUE = "visas inte (för få fall)"


def clean(text: str) -> str:
    """Markup-free text with single ordinary spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


@dataclass
class Facts:
    threshold: int = 5
    counts: bool = False  # a goal of counts (a change target), not shares
    exact: dict[Var, set[int]] = field(default_factory=dict)
    ranges: list[tuple[Var, int, int]] = field(default_factory=list)
    not_small: set[Var] = field(default_factory=set)
    sums: list[tuple[tuple[Var, ...], int, int, str]] = field(default_factory=list)
    shares: list[tuple[Var, Var, str]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # every figure read, with its output: to explain a failure

    def figure(self, var: Var, text: str | int | None, source: str, *, withheld_is_large: bool) -> None:
        """One printed figure: a number, "färre än N", or withheld ("dolt", "–", empty)."""
        text = "" if text is None else str(text).strip()
        self.seen.append(f"{source}: {var} = {text or '(tomt)'}")
        if NUMBER.match(text):
            self.exact.setdefault(var, set()).add(int(text))
        elif match := FEWER.match(text):
            self.ranges.append((var, 1, int(match.group(1)) - 1))
        elif text and withheld_is_large:
            self.not_small.add(var)

    def result(self, organisation: str, year: int, value: str, parts: str, source: str) -> None:
        """An organisation's result for a year as a page or PDF prints it: "83,3 %" and "20 av 24", a change's
        "+25,0 %" and "50 mot 40 (basår 2024)", or masked."""
        numerator, denominator = ("n", organisation, year), ("d", organisation, year)
        if match := CHANGE_PARTS.match(parts):
            self.figure(numerator, match.group(1), source, withheld_is_large=False)
            self.figure(("n", organisation, int(match.group(3))), match.group(2), source, withheld_is_large=False)
        elif " av " in parts:
            top, base = parts.split(" av ", 1)
            self.figure(numerator, top, source, withheld_is_large=False)
            self.figure(denominator, base, source, withheld_is_large=True)
        elif self.counts:  # a count, or a change target's baseline year ("Basår" and its count)
            self.figure(numerator, parts, source, withheld_is_large=False)
        elif value == WITHHELD_VALUE:  # only the base is said, and only when it is small
            self.figure(denominator, parts, source, withheld_is_large=True)
        if PERCENT.match(value) and not self.counts:
            self.shares.append((numerator, denominator, value))

    def city(self, year: int, members: Iterable[str], value: str, parts: str, source: str) -> None:
        """The city's result for a year: its parts are sums over the organisations it covers (`members`)."""
        members = sorted(members)
        self.seen.append(f"{source}: staden {year} = {value} / {parts}")
        numerators = tuple(("n", org, year) for org in members)
        denominators = tuple(("d", org, year) for org in members)
        if match := CHANGE_PARTS.match(parts):
            self._sum(numerators, match.group(1), source)
            self._sum(tuple(("n", org, int(match.group(3))) for org in members), match.group(2), source)
        elif " av " in parts:
            for variables, text in zip((numerators, denominators), parts.split(" av ", 1), strict=True):
                self._sum(variables, text, source)
        elif self.counts or value == WITHHELD_VALUE:  # a count, or only the base of a withheld share
            self._sum(numerators if self.counts else denominators, parts, source)

    def _sum(self, variables: tuple[Var, ...], text: str, source: str) -> None:
        if NUMBER.match(text):
            self.sums.append((variables, int(text), int(text), source))
        elif match := FEWER.match(text):
            self.sums.append((variables, 1, int(match.group(1)) - 1, source))


def derivable(facts: Facts, truth: dict[Var, int], *, bound: int = 200) -> dict[Var, int]:
    """The figures no output prints exactly whose value nonetheless follows from what they print."""
    for var, values in facts.exact.items():
        assert values == {truth[var]}, f"{var} is printed as {values}, truly {truth[var]}"
    problem = _Problem(facts, truth, bound)
    assert problem.feasible({}), "the facts read do not fit the true figures: the reading is wrong"
    return {var: value for var, value in truth.items() if var not in facts.exact
            and not problem.feasible({var: (0, value - 1)}) and not problem.feasible({var: (value + 1, bound)})}


class _Problem:
    def __init__(self, facts: Facts, truth: dict[Var, int], bound: int):
        self.facts, self.small = facts, (1, facts.threshold - 1)
        self.domains = {var: (0, bound) for var in truth}
        for var, values in facts.exact.items():
            self.domains[var] = (min(values), max(values))
        for var, low, high in facts.ranges:
            self.domains[var] = (max(self.domains[var][0], low), min(self.domains[var][1], high))
        # A share's numerator never exceeds its denominator.
        self.ordered = [(var, ("d", *var[1:])) for var in truth if var[0] == "n" and ("d", *var[1:]) in truth]

    def feasible(self, narrowed: dict[Var, tuple[int, int]]) -> bool:
        domains = dict(self.domains)
        for var, (low, high) in narrowed.items():
            domains[var] = (max(domains[var][0], low), min(domains[var][1], high))
        return self._search(domains)

    def _search(self, domains: dict[Var, tuple[int, int]]) -> bool:
        domains = self._propagate(domains)
        if domains is None:
            return False
        open_vars = [var for var, (low, high) in domains.items() if low < high]
        if not open_vars:
            return self._holds(domains)
        var = min(open_vars, key=lambda v: domains[v][1] - domains[v][0])
        low, high = domains[var]
        return any(self._search({**domains, var: (value, value)}) for value in range(low, high + 1)
                   if not (var in self.facts.not_small and self.small[0] <= value <= self.small[1]))

    def _propagate(self, domains):
        changed = True
        while changed:
            changed = False
            for var in self.facts.not_small:
                low, high = domains[var]
                low = self.small[1] + 1 if self.small[0] <= low <= self.small[1] else low
                high = self.small[0] - 1 if self.small[0] <= high <= self.small[1] else high
                changed |= self._narrow(domains, var, low, high)
            for small, large in self.ordered:
                changed |= self._narrow(domains, small, domains[small][0], domains[large][1])
                changed |= self._narrow(domains, large, domains[small][0], domains[large][1])
            for variables, low, high, _source in self.facts.sums:
                least = sum(domains[v][0] for v in variables)
                most = sum(domains[v][1] for v in variables)
                for v in variables:
                    changed |= self._narrow(domains, v, low - (most - domains[v][1]), high - (least - domains[v][0]))
            if any(low > high for low, high in domains.values()):
                return None
        return domains

    @staticmethod
    def _narrow(domains, var, low, high) -> bool:
        old = domains[var]
        new = (max(old[0], low), min(old[1], high))
        domains[var] = new
        return new != old

    def _holds(self, domains) -> bool:
        value = {var: low for var, (low, _high) in domains.items()}
        return all(value[d] > 0 and percent_text(Fraction(value[n], value[d])).replace("\u00a0", " ") == text
                   for n, d, text in self.facts.shares)


# Reading the outputs

YEAR_ROW = re.compile(r'<tr>\s*<th scope="row">(20\d\d)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>', re.S)
ORG_TABLE = re.compile(r'<table class="org-results">(.*?)</table>', re.S)
ORG_ROW = re.compile(r'<tr>\s*<th scope="row">([^<]+)</th>(.*?)</tr>', re.S)
ORG_CELL = re.compile(r'<td class="num"><span class="cell-value">(.*?)</span>(?:<br><span class="meta">(.*?)</span>)?'
                      r"</td>", re.S)
VALUE = (r"[−+]?\d+,\d %|visas inte \(för få fall\)|Basår|Ej rapporterad|ingen organisation har rapporterat|"
         r"nämnaren är 0|baslinje saknas|inga jämförbara siffror för basåret|basårets antal är 0|–")
FIGURE = r"(?:färre än \d+|(?!20\d\d\b)\d+|–)"  # a year is a chart's label, not a figure
PARTS = rf"{FIGURE}(?: av {FIGURE}| mot {FIGURE} \(basår \d{{4}}\))?"
PDF_ROW = re.compile(rf"\b(20\d\d) ({VALUE}) ({PARTS})(?=\s|$)")


def html_year_rows(page: str) -> list[tuple[int, str, str]]:
    """(year, result, parts) of every year table on a page: the city's, or a styrkort's organisation's own."""
    return [(int(year), clean(value), clean(parts)) for year, value, parts in YEAR_ROW.findall(page)]


def html_organisation_rows(page: str) -> list[tuple[str, int, str, str]]:
    """(organisation name, year, result, parts) from an effect goal's table of organisations."""
    out = []
    for table in ORG_TABLE.findall(page):
        years = [int(y) for y in re.findall(r'<th scope="col" class="num">(20\d\d)</th>', table)]
        for name, cells in ORG_ROW.findall(table):
            for year, (value, parts) in zip(years, ORG_CELL.findall(cells), strict=True):
                value = clean(value)
                out.append((clean(name), year, value, clean(parts) if parts else "–"))
    return out


def pdf_year_rows(text: str) -> list[tuple[int, str, str]]:
    return [(int(year), value, parts) for year, value, parts in PDF_ROW.findall(text)]
