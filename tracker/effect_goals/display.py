"""Effect-goal figures as text, shown as `masking` decided for who is looking; shared by the pages and the PDFs.

Each text takes the result's `masking.FiguresShown` (how its figures reach the viewer; `masking.EXACT` for
a coordinator) and the `threshold` a small figure is said to be under. Nothing here decides what to mask.
`gettext` is the page's translation; the PDFs pass nothing and get the Swedish msgids.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import partial

from tracker.effect_goals.masking import EXACT, FEWER_THAN, WITHHELD_WHOLE, FiguresShown, Shown
from tracker.effect_goals.models import TARGET_TYPE_LABELS, EffectGoal, TargetType
from tracker.effect_goals.rollup import ASSESSMENT_LABELS, ASSESSMENT_SYMBOLS, Assessment, Result
from tracker.effect_goals.service import EffectGoalResults
from tracker.i18n import N_

MASKED_SHARE = N_("visas inte (för få fall)")


def swedish(message: str, **values) -> str:
    return message % values if values else message


def count_text(value: int | None, threshold: int | None, gettext: Callable = swedish, *, shown: Shown) -> str:
    """A count as `masking` decided the viewer sees it: exact, "färre än 5", or "–" withheld (or unknown)."""
    if value is None or shown == Shown.withheld:
        return "–"
    if shown == Shown.fewer:
        return gettext(FEWER_THAN, threshold=threshold)
    return f"{value:,}".replace(",", "\u00a0")


def percent_text(value: Fraction | None, *, signed: bool = False) -> str:
    """"83,3 %" (Swedish decimal comma, one decimal); "+25,0 %" for a change."""
    if value is None:
        return "–"
    text = f"{float(value * 100):{'+' if signed else ''}.1f}".replace(".", ",").replace("-", "−")
    return f"{text}\u00a0%"


def value_text(goal: EffectGoal, result: Result, shown: FiguresShown, gettext: Callable = swedish) -> str:
    """The result's share or change, or why it is not shown."""
    if result.value is None:
        return gettext(result.reason) if result.reason else "–"
    if not shown.whole:
        return gettext(MASKED_SHARE)
    return percent_text(result.value, signed=goal.target_type == TargetType.change_at_least)


def parts_text(goal: EffectGoal, result: Result, shown: FiguresShown, threshold: int | None,
               gettext: Callable = swedish) -> str:
    """"45 av 52", or a change's "60 mot 48 (basår 2024)"; a withheld share says only that its base is small."""
    if result.numerator is None:
        return "–"
    count = partial(count_text, threshold=threshold, gettext=gettext)
    if goal.target_type == TargetType.change_at_least:
        if result.baseline is None:
            return count(result.numerator, shown=shown.numerator)
        if shown.numerator == shown.baseline == Shown.withheld:
            return "–"
        return gettext("%(value)s mot %(baseline)s (basår %(year)s)", value=count(result.numerator,
                       shown=shown.numerator), baseline=count(result.baseline, shown=shown.baseline),
                       year=goal.baseline_year)
    if not shown.whole:  # the numerator is no more than a small base; a large base would tell the difference
        return count(result.denominator, shown=shown.denominator) if shown.denominator == Shown.fewer else "–"
    return gettext("%(numerator)s av %(denominator)s", numerator=count(result.numerator, shown=Shown.exact),
                   denominator=count(result.denominator, shown=Shown.exact))


def target_text(goal: EffectGoal, gettext: Callable = swedish) -> str:
    """"Andel minst 80 %"; a change target also says whether its baseline is set."""
    text = f"{gettext(TARGET_TYPE_LABELS[goal.target_type])} {goal.target_value}\u00a0%"
    if goal.target_type == TargetType.all_units:
        text = gettext(TARGET_TYPE_LABELS[goal.target_type]) + " (100\u00a0%)"
    if goal.target_type == TargetType.change_at_least:
        baseline = (gettext("basår %(year)s", year=goal.baseline_year) if goal.baseline_year
                    else gettext("baslinje saknas"))
        text = f"{text} ({baseline})"
    return text


def coverage_text(result: Result, gettext: Callable = swedish) -> str:
    """"12 av 13 organisationer har rapporterat"."""
    return gettext("%(reported)s av %(responsible)s organisationer har rapporterat", reported=result.reported,
                   responsible=result.responsible)


def assessment_text(result: Result, gettext: Callable = swedish) -> str:
    return gettext(ASSESSMENT_LABELS[result.assessment])


# The styrkort's and the programme report's year tables, on the pages and in the PDFs

@dataclass(frozen=True)
class YearRow:
    """A year of an effect goal's results as the viewer may see it: every text already masked."""

    year: int
    value: str  # the share or change, why there is none, or "Basår"
    parts: str
    coverage: str  # the city's coverage; "" for an organisation's own results
    assessment: Assessment
    assessment_label: str
    baseline: bool = False  # a change target's baseline year: the starting count, not a result to assess
    withheld: bool = False  # so is the assessment, which would bound the value
    percent: float | None = None  # what a chart may draw; None for nothing

    @property
    def symbol(self) -> str:
        return ASSESSMENT_SYMBOLS[self.assessment]


@dataclass(frozen=True)
class ResultsTable:
    goal: EffectGoalResults
    target: str
    city: bool  # the city's results (with coverage), else one organisation's own
    rows: list[YearRow]


def results_table(goal: EffectGoalResults, threshold: int | None, gettext: Callable = swedish, *,
                  city: bool = False) -> ResultsTable:
    """The goal's target and a row per year: exact (`threshold` None), else as the goal's `shown` says."""
    shown = [EXACT] * len(goal.results) if threshold is None else list(goal.shown)
    shown += [WITHHELD_WHOLE] * (len(goal.results) - len(shown))  # never decided: nothing shown
    rows = [year_row(goal, result, figures, threshold, gettext, city=city)
            for result, figures in zip(goal.results, shown, strict=False)]
    return ResultsTable(goal, target_text(goal, gettext), city, rows)


def year_row(goal: EffectGoalResults, result: Result, shown: FiguresShown, threshold: int | None,
             gettext: Callable = swedish, *, city: bool = False) -> YearRow:
    """A year's texts; a withheld result shows neither its parts (beyond a small base) nor its assessment."""
    row = partial(YearRow, result.year, coverage=coverage_text(result, gettext) if city else "",
                  assessment=result.assessment, assessment_label=assessment_text(result, gettext))
    if goal.is_baseline(result):
        return row(value=gettext("Basår"), parts=count_text(result.numerator, threshold, gettext,
                                                            shown=shown.numerator), baseline=True)
    parts = parts_text(goal, result, shown, threshold, gettext)
    if result.value is not None and not shown.whole:
        return row(value=gettext(MASKED_SHARE), parts=parts, withheld=True)
    value = (gettext("Ej rapporterad") if not city and result.numerator is None
             else value_text(goal, result, shown, gettext))
    return row(value=value, parts=parts, percent=result.percent)


def results_tables(goals: list[EffectGoalResults], threshold: int | None, gettext: Callable = swedish, *,
                   city: bool = False) -> list[ResultsTable]:
    return [results_table(goal, threshold, gettext, city=city) for goal in goals]


def method_lines(threshold: int | None) -> list[str]:
    """How the figures are computed and masked, in Swedish: written beside every export."""
    lines = [
        "Stadens resultat = summan av organisationernas täljare / summan av deras nämnare, aldrig ett medelvärde "
        "av organisationernas andelar.",
        "Mål om ökning: årets antal mot basårets, för de organisationer som rapporterat båda åren.",
        "Underlag saknas när nämnaren är 0, basåret saknas eller ingen organisation har rapporterat.",
    ]
    if threshold is None:
        lines.append("Filen har exakta siffror: den får inte lämna samordnarna (eller organisationen själv).")
    else:
        lines.append(f"Antal från 1 till {threshold - 1} visas som \"färre än {threshold}\", och en andel visas "
                     "inte (\"dolt\") när en del av den eller skillnaden mellan delarna är så liten; är nämnaren "
                     f"så liten står den som \"färre än {threshold}\".")
        lines.append("Ett dolt tal ska inte heller gå att räkna fram ur stadens resultat: då är fler organisationers "
                     "siffror för året \"dolt\" (minst två i varje summa, tillsammans inget litet tal), eller så "
                     "visas inte stadens resultat för året. Filen visar samma siffror som webbsidorna och PDF:erna.")
    return lines
