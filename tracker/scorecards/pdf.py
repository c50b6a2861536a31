"""The styrkort as a PDF: one organisation's scorecard for one tertial, as archived.

An official Swedish document, so the texts are Swedish literals (the label
dictionaries hold Swedish msgids), never translated per request.
"""
from __future__ import annotations

from datetime import datetime
from itertools import groupby

from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table, TableStyle

from tracker.effect_goals.display import YearRow, results_table, target_text
from tracker.effect_goals.rollup import ASSESSMENT_SYMBOLS, Assessment
from tracker.effect_goals.service import EffectGoalResults
from tracker.funds.display import kronor
from tracker.pdf.document import CONTENT_WIDTH, build_pdf
from tracker.pdf.flowables import ColouredText, FactList, bar_chart, data_table, status_cell
from tracker.pdf.fonts import fonts, symbol
from tracker.pdf.styles import (
    INK,
    MUTED,
    STATUS_COLORS,
    WARN,
    WARN_BG,
    escape,
    format_date,
    format_datetime,
    para,
    paragraph_style,
    status_text,
)
from tracker.periods.models import PERIOD_STATE_LABELS
from tracker.reporting.models import STATUS_LABELS, ReportStatus
from tracker.scorecards.card import (
    CHANGE_LABELS,
    CHANGE_SYMBOLS,
    TEXT_CHANGE_LABELS,
    Change,
    Scorecard,
    ScorecardGoal,
    ScorecardRow,
)

CHANGE_COLORS = {Change.up: STATUS_COLORS[ReportStatus.done], Change.down: WARN}
ASSESSMENT_COLORS = {Assessment.met: STATUS_COLORS[ReportStatus.done], Assessment.not_met: WARN,
                     Assessment.no_data: MUTED}
# Overview columns: activity takes what the others leave.
OVERVIEW_WIDTHS = [CONTENT_WIDTH - 10.2 * cm, 3.9 * cm, 3.7 * cm, 2.6 * cm]
SIDE_BY_SIDE = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("TOPPADDING", (1, 0), (1, 0), 18)])


def render_scorecard(card: Scorecard, *, generated_at: datetime) -> bytes:
    """The scorecard as A4 PDF bytes: heading, summary, commitments per programme and goal, effect goals."""
    story = _heading(card, generated_at)
    if not card.summary.commitments and card.effect_goals:
        story.append(para(f"{card.organisation_short_name} har inga åtaganden med aktiviteter i programmet; "
                          "styrkortet följer upp organisationens effektmål."))
    elif not card.summary.commitments:
        story.append(para(f"{card.organisation_short_name} har inga åtaganden i programmen, så det finns "
                          f"inget att följa upp för {card.tertial.label}."))
    else:
        story += _summary(card)
        for program in card.programs:
            story += [CondPageBreak(6 * cm), para(program.name, "h1_over_table")]
            if program.continues_from and len(card.programs) > 1:
                story.append(para(f"Fortsätter från {program.continues_from}", "meta"))
            for goal in program.goals:
                story += _goal(goal)
    story += _effect_goals_section(card)
    story += _funds_section(card)
    return build_pdf(
        story, title=f"Styrkort – {card.organisation_short_name}", header=card.tertial.label,
        footer=f"Data per {format_datetime(card.data_as_of)} · Skapad {format_datetime(generated_at)}",
        subject=f"Styrkort för {card.organisation_name}, {card.tertial.label}",
    )


def _heading(card: Scorecard, generated_at: datetime) -> list[Flowable]:
    state = PERIOD_STATE_LABELS[card.period_state].lower()
    context = [f"{card.tertial.label} ({state})"]
    if card.previous:
        context.append(f"förändring jämfört med {card.previous.label}")
    context.append("bara inlämnade rapporter räknas")
    story = [para("Styrkort", "title"), para(card.organisation_name, "h1")]
    if card.programs:
        label = "Program" if len(card.programs) == 1 else "Programmen"
        story.append(para(f"{label}: {'; '.join(p.name for p in card.programs)}"))
        for program in card.programs:
            if program.continues_from:
                story.append(para(f"Fortsätter från {program.continues_from}" if len(card.programs) == 1
                                  else f"{program.name} – Fortsätter från {program.continues_from}"))
    story += [
        para(" · ".join(context)),
        para(f"Data per {format_datetime(card.data_as_of)} · Skapad {format_datetime(generated_at)}", "meta"),
    ]
    return story


def _summary(card: Scorecard) -> list[Flowable]:
    s, trail = card.summary, card.trail_tertials
    story = [
        para("Sammanfattning", "h1"),
        Paragraph(f"<b>{s.reported} av {s.commitments} åtaganden har en inlämnad rapport ({s.share_reported} %).</b>",
                  paragraph_style("body")),
    ]
    if not s.reported:
        story.append(para(f"Inga rapporter är inlämnade för {card.tertial.label}.", "warning"))
    return story + [
        para(f"Åtaganden per status, {card.tertial.label}", "label"),
        _status_counts(card),
        Paragraph(f"<b>{symbol('⚠')} Försenade: {s.overdue}</b> – " + _plural(
            s.overdue, "åtagande är försenat", "åtaganden är försenade") +
            ": aktivitetens tidsperiod har gått ut och den är inte genomförd.", paragraph_style("body")),
        Paragraph(f"<b>Behöver stöd: {s.support_needed}</b> – " + _plural(
            s.support_needed, "åtagande", "åtaganden") + " där organisationen behöver stöd.",
            paragraph_style("body")),
        para(f"Statusspåret visar de senaste {len(trail)} tertialerna ({trail[0].short_label}–"
             f"{trail[-1].short_label}); – betyder att ingen rapport lämnades in.", "meta"),
    ]


def _status_counts(card: Scorecard) -> Table:
    """The counts per status as a table with the same counts as bars beside it."""
    counts = card.summary.by_status
    rows = [["Status", "Antal"], *([status_cell(c.status, c.label), str(c.count)] for c in counts),
            ["Totalt", str(card.summary.commitments)]]
    table = data_table(rows, [4.6 * cm, 1.4 * cm], styles=[
        ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONT", (0, -1), (-1, -1), fonts().bold, 8.5, 11),
        ("LINEABOVE", (0, -1), (-1, -1), 1.2, INK),
    ])
    chart = bar_chart([(status_text(c.status, c.label), c.count, STATUS_COLORS[c.status]) for c in counts],
                      width=CONTENT_WIDTH - 6.6 * cm)
    side_by_side = Table([[table, chart]], colWidths=[6.6 * cm, CONTENT_WIDTH - 6.6 * cm], hAlign="LEFT")
    side_by_side.setStyle(SIDE_BY_SIDE)
    return side_by_side


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _goal(goal: ScorecardGoal) -> list[Flowable]:
    """The goal's overview table (header repeated on each page), then each commitment in detail."""
    rows: list[list] = [["Aktivitet", "Status", para("Förändring sedan förra tertialen", "cell_head"),
                         "Markering"]]
    overdue_rows = []
    for i, row in enumerate(goal.rows, start=1):
        rows.append([ColouredText(row.activity_title), status_cell(row.status, row.status_label),
                     _change_cell(row), ColouredText("\n".join(_markers(row)), WARN if row.overdue else INK,
                                                     style="cell_head")])
        if row.overdue:
            overdue_rows.append(("BACKGROUND", (0, i), (-1, i), WARN_BG))
    story: list[Flowable] = [CondPageBreak(4 * cm), para(goal.name, "h2_over_table"),
                             data_table(rows, OVERVIEW_WIDTHS, styles=overdue_rows)]
    for row in goal.rows:
        story += _commitment(row)
    return story


def _markers(row: ScorecardRow) -> list[str]:
    markers = [f"{symbol('⚠')} Försenad"] if row.overdue else []
    if row.support_needed:
        markers.append("Behöver stöd")
    if not row.still_assigned:
        markers.append("Avslutat")
    return markers


def _change_label(change: Change) -> str:
    return f"{symbol(CHANGE_SYMBOLS[change])} {CHANGE_LABELS[change]}"


def _change_text(row: ScorecardRow) -> str:
    if row.change is None:
        return "Ingen rapport denna tertial"
    text = _change_label(row.change)
    if row.previous_status and row.change != Change.same:
        text += f" (förra tertialen: {STATUS_LABELS[row.previous_status]})"
    return text


def _change_cell(row: ScorecardRow) -> ColouredText:
    if row.change is None:
        return ColouredText("–", MUTED)
    return ColouredText(_change_label(row.change), CHANGE_COLORS.get(row.change, INK))


def _commitment(row: ScorecardRow) -> list[Flowable]:
    """One commitment in full; the comment and next steps flow as paragraphs that may split across pages."""
    story: list[Flowable] = [para(row.activity_title, "h3")]
    if row.overdue:
        story.append(para(f"{symbol('⚠')} Försenad – tidsperioden slutade {format_date(row.ends_on)}", "warning"))
    if not row.still_assigned:
        story.append(para("Åtagandet är avslutat sedan tertialen.", "meta"))
    dates = (f"{format_date(row.starts_on)} – {format_date(row.ends_on)}" if row.time_frame_parsed
             else "tolkas som hela programperioden")
    facts = [
        ("Tidsperiod", f"{row.time_frame} ({dates})", INK),
        ("Status", status_text(row.status, row.status_label), STATUS_COLORS[row.status]),
        ("Förändring", _change_text(row), CHANGE_COLORS.get(row.change, INK)),
    ]
    if row.reported:
        support = " – ".join(filter(None, ["Ja", row.support_text])) if row.support_needed else "Nej"
        facts.append(("Behöver stöd", support, INK))
    trail = " · ".join(f"{p.tertial.short_label} {status_text(p.status, p.label)}" for p in row.trail)
    story.append(FactList([*facts, ("Statusspår", trail, INK)]))
    if row.reported:
        text_change = f" · {TEXT_CHANGE_LABELS[row.text_change]}" if row.text_change else ""
        story += [_labelled(f"Kommentar{text_change}", row.comment), _labelled("Nästa steg", row.next_steps)]
    return story


def _labelled(label: str, text: str | None) -> Paragraph:
    """Label and text in one paragraph: it splits anywhere yet never leaves the label alone at a page end."""
    label_markup = f'<font name="{fonts().bold}" size="8.5" color="{MUTED.hexval()}">{escape(label)}</font><br/>'
    return Paragraph(label_markup + escape(text or "–"), paragraph_style("labelled_text"))


def _effect_goals_section(card: Scorecard) -> list[Flowable]:
    """The organisation's own results for its effect goals, year by year against the target, masked."""
    short, threshold = card.organisation_short_name, card.mask_threshold
    story: list[Flowable] = [CondPageBreak(5 * cm), para("Effektmål", "h1_over_table")]
    intro = f"Effektmålen som gäller {short} följs upp en gång om året."
    if not card.effect_goals:
        return story + [para(f"{intro} Just nu rapporterar {short} inte siffror för något effektmål.")]
    story.append(para(f"{intro} Här står organisationens egna siffror för varje år till och med "
                      f"{card.period_ends_on.year}, bedömda mot målet. Antal under {threshold} visas som "
                      f"”färre än {threshold}” och en andel som bygger på så få fall visas inte."))
    for program_name, goals in groupby(card.effect_goals, key=lambda goal: goal.program_name):
        story.append(para(program_name, "h2_over_table"))
        for goal in goals:
            story += [CondPageBreak(4 * cm), para(goal.wording, "h3"), FactList(effect_goal_facts(goal)),
                      effect_goal_table(goal, threshold)]
    return story


def _funds_section(card: Scorecard) -> list[Flowable]:
    """The organisation's development funds for the tertial's year: allocated, its usage report, used and unspent."""
    year = card.period_ends_on.year
    story: list[Flowable] = [CondPageBreak(4 * cm), para(f"Utvecklingsmedel {year}", "h1_over_table")]
    if not card.funds:
        return story + [para(f"{card.organisation_short_name} har inga utvecklingsmedel registrerade för {year}.")]
    for funds in card.funds:
        state = funds.report_state_text + (" (försenad)" if funds.late else "")
        story.append(FactList([
            ("Fördelat", kronor(funds.allocated) if funds.has_allocation else "ingen fördelning", INK),
            ("Återrapport", state, WARN if funds.late else INK),
            ("Använt", kronor(funds.used), INK),
            ("Ej använt", kronor(funds.unspent), INK),
        ]))
    return story


def effect_goal_facts(goal: EffectGoalResults) -> list[tuple[str, str, object]]:
    counted = (f"{goal.numerator_label} av {goal.denominator_label}" if goal.denominator_label
               else goal.numerator_label)
    facts = [("Mål", target_text(goal), INK), ("Räknas", counted, INK)]
    return facts + ([("Källa", goal.data_source, INK)] if goal.data_source else [])


def effect_goal_table(goal: EffectGoalResults, threshold: int, *, city: bool = False) -> Table:
    """A row per year, masked as on the pages: the result (or why there is none), its parts, for the city its
    coverage, and the assessment as symbol and words."""
    rows: list[list] = [["År", "Stadens resultat" if city else "Resultat", "Underlag",
                         *(["Täckning"] if city else []), "Bedömning"]]
    for row in results_table(goal, threshold, city=city).rows:
        assessment = (ColouredText("–", MUTED) if row.baseline else ColouredText("– visas inte", MUTED)
                      if row.withheld else assessment_cell(row))
        rows.append([str(row.year), ColouredText(row.value), ColouredText(row.parts),
                     *([ColouredText(row.coverage)] if city else []), assessment])
    widths = [1.2 * cm, 3.3 * cm, 3.9 * cm, 5.2 * cm, 3.4 * cm] if city else [1.6 * cm, 4.4 * cm, 5 * cm, 3.6 * cm]
    return data_table(rows, widths)


def assessment_cell(row: YearRow) -> ColouredText:
    """The assessment as symbol and words in its colour: never colour alone."""
    return ColouredText(f"{symbol(ASSESSMENT_SYMBOLS[row.assessment])} {row.assessment_label}",
                        ASSESSMENT_COLORS[row.assessment])
