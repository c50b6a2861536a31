"""Effect-goal figures as text, masked by who is looking; shared by the pages and the PDFs.

`threshold` None means the viewer may see exact figures (a coordinator, or an
organisation's own contact for its own row). `gettext` is the page's translation;
the PDFs pass nothing and get the Swedish msgids.
"""
from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from tracker.effect_goals.masking import FEWER_THAN, change_hidden, count_hidden, share_hidden
from tracker.effect_goals.models import TARGET_TYPE_LABELS, EffectGoal, TargetType
from tracker.effect_goals.rollup import ASSESSMENT_LABELS, Result
from tracker.i18n import N_

MASKED_SHARE = N_("visas inte (för få fall)")


def swedish(message: str, **values) -> str:
    return message % values if values else message


def count_text(value: int | None, threshold: int | None, gettext: Callable = swedish) -> str:
    if value is None:
        return "–"
    if count_hidden(value, threshold):
        return gettext(FEWER_THAN, threshold=threshold)
    return f"{value:,}".replace(",", "\u00a0")


def percent_text(value: Fraction | None, *, signed: bool = False) -> str:
    """"83,3 %" (Swedish decimal comma, one decimal); "+25,0 %" for a change."""
    if value is None:
        return "–"
    text = f"{float(value * 100):{'+' if signed else ''}.1f}".replace(".", ",").replace("-", "−")
    return f"{text}\u00a0%"


def value_text(goal: EffectGoal, result: Result, threshold: int | None, gettext: Callable = swedish) -> str:
    """The result's share or change, or why it is not shown."""
    if result.value is None:
        return gettext(result.reason) if result.reason else "–"
    if goal.target_type == TargetType.change_at_least:
        hidden = change_hidden(result.numerator, result.baseline, threshold)
    else:
        hidden = share_hidden(result.numerator, result.denominator, threshold)
    if hidden:
        return gettext(MASKED_SHARE)
    return percent_text(result.value, signed=goal.target_type == TargetType.change_at_least)


def parts_text(goal: EffectGoal, result: Result, threshold: int | None, gettext: Callable = swedish) -> str:
    """"45 av 52", or a change's "60 mot 48 (basår 2024)"."""
    if result.numerator is None:
        return "–"
    if goal.target_type == TargetType.change_at_least:
        if result.baseline is None:
            return count_text(result.numerator, threshold, gettext)
        return gettext("%(value)s mot %(baseline)s (basår %(year)s)", value=count_text(result.numerator, threshold,
                       gettext), baseline=count_text(result.baseline, threshold, gettext), year=goal.baseline_year)
    if share_hidden(result.numerator, result.denominator, threshold) and not count_hidden(result.numerator, threshold) \
            and not count_hidden(result.denominator, threshold):
        return gettext(MASKED_SHARE)  # "38 av 40" would tell that 2 did not
    return gettext("%(numerator)s av %(denominator)s", numerator=count_text(result.numerator, threshold, gettext),
                   denominator=count_text(result.denominator, threshold, gettext))


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
                     "inte (\"dolt\") när en del av den eller skillnaden mellan delarna är så liten.")
    return lines
