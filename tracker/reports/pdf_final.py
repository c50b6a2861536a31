"""The final report (slutrapport) as a PDF: plain data in, bytes out.

Its own sections (the outcome of every commitment, how the statuses developed
tertial by tertial, what was completed, dropped and carried over) followed by
the sections it shares with the other programme reports. Swedish literals only,
user text escaped, as in `pdf`.
"""
from __future__ import annotations

from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, KeepTogether, NextPageTemplate, PageBreak, Paragraph, Spacer

from tracker.pdf.document import CONTENT_WIDTH
from tracker.pdf.flowables import ColouredText, data_table, status_cell
from tracker.pdf.fonts import symbol
from tracker.pdf.styles import MUTED, STATUS_COLORS, format_datetime, para, paragraph_style
from tracker.reports import pdf as common
from tracker.reports import pdf_summary as summarised
from tracker.reports.final import ActivityOutcome, FinalLine, FinalSections
from tracker.reports.pdf_layout import build_report_pdf, contents, heading, stacked_bars
from tracker.reports.report import DISTRIBUTION_KEYS, ProgrammeReport, Tertial, status_label, status_symbol

NOT_EXPECTED = ""  # a tertial the commitment was not expected to report in: an empty cell
ORG_WIDTH, FINAL_WIDTH = 4 * cm, 3.2 * cm


def render_final_report(report: ProgrammeReport, *, generated_at: datetime) -> bytes:
    """The final report as an A4 PDF: cover, contents, summary, development, activities, completed, dropped,
    carried over, effect goals, support, compliance, appendices."""
    final = report.final
    if final.summarised:
        middle = summarised.final_sections(report, final)
        support = summarised.support(report)
    else:
        middle = [*_outcomes(report, final), *_completed(final), *_dropped(final), *_carried_over(report, final)]
        support = common._support(report)
    story = [
        *common._cover(report, generated_at), NextPageTemplate("page"), PageBreak(),
        heading("Innehåll", "h1"), contents(), PageBreak(),
        *_summary(report, final), *_development(final), *middle, *common._effect_goals(report), *support,
        *common._compliance(report), *common._activities(report), *common._method(report),
    ]
    return build_report_pdf(
        story, title=f"{report.title} – {report.program_short_name}", header=report.range_label,
        footer=f"Data per {format_datetime(report.data_as_of)}", subject=report.program_name)


def _since(line: FinalLine) -> str:
    """ "Genomförd (T2 2023)": the final status and, when it is older than the last tertial, where it is from."""
    if line.status_tertial is None:
        return line.status_label
    return f"{line.status_label} ({line.status_tertial.short_label})" if line.reported_before_last \
        else line.status_label


def _summary(report: ProgrammeReport, final: FinalSections) -> list:
    organisations = len({line.organisation for goal in final.goals for a in goal.activities for line in a.lines})
    never = final.distribution.counts["not_reported"]
    facts = [
        ["Åtaganden under programmet", f"{final.commitments} hos {organisations} organisationer"],
        ["Aktiviteter med åtaganden", str(final.activities)],
        ["Genomförda åtaganden", str(final.completed_count)],
        ["Åtaganden som utgick", str(final.dropped_count)],
        ["Åtaganden som pågår och förs vidare",
         f"{final.carried_over_count} i {final.activities_carried_over} aktiviteter"],
        ["Avslutade före programmets slut utan att vara genomförda", str(final.ended_unfinished_count)],
        ["Åtaganden som aldrig rapporterades", str(never)],
        [f"Behov av stöd anmälda {report.range_label}", str(report.summary.support_needs)],
    ]
    return [
        heading("Sammanfattning", "h1", toc_level=0),
        para(f"Programmets utfall från {report.first.label} till {report.last.label}: varje åtagandes slutstatus, "
             "den status organisationen senast lämnade in. Hur varje uppgift räknas står i bilagan Metod."),
        data_table([["Uppgift", "Värde"], *facts], [11 * cm, CONTENT_WIDTH - 11 * cm]), Spacer(1, 0.3 * cm),
        *common._distribution(final.distribution, "Åtaganden per slutstatus"),
    ]


def _colour(key: str) -> colors.Color:
    return STATUS_COLORS[common._status_of(key)]


def _development(final: FinalSections) -> list:
    """Counts per status per tertial as a table and as stacked bars."""
    keys = list(DISTRIBUTION_KEYS)
    head = [para("Tertial", "cell_head")] + [
        _tiny(f"{symbol(status_symbol(key))} {status_label(key)}") for key in keys] + [
        _tiny("Totalt"), _tiny("Behov av stöd")]
    rows: list[list] = [head]
    for row in final.development:
        counts = row.distribution.counts
        rows.append([row.tertial.label, *(str(counts[key]) for key in keys), str(row.distribution.total),
                     str(row.support_needs)])
    width = (CONTENT_WIDTH - 2.6 * cm) / (len(keys) + 2)
    table = data_table(rows, [2.6 * cm] + [width] * (len(keys) + 2), styles=[
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("LEFTPADDING", (1, 0), (-1, 0), 2), ("RIGHTPADDING", (1, 0), (-1, 0), 2)])
    chart = stacked_bars(
        [(row.tertial.short_label, [row.distribution.counts[key] for key in keys]) for row in final.development],
        [(f"{symbol(status_symbol(key))} {status_label(key)}", colors.white if key == "not_reported"
          else _colour(key)) for key in keys], legend_rows=2)
    return [
        PageBreak(), heading("Utveckling över perioden", "h1", toc_level=0),
        para("Per tertial: hur många av de åtaganden som förväntades rapportera som lämnade in varje status för "
             "just den tertialen, och hur många behov av stöd som anmäldes. En status förs inte vidare mellan "
             "tertialerna."),
        table, Spacer(1, 0.4 * cm), KeepTogether([para("Åtaganden per status och tertial", "label"), chart]),
    ]


def _tiny(text: str) -> Paragraph:
    style = ParagraphStyle("tiny_head", parent=paragraph_style("cell_head"), fontSize=6.5, leading=7.5,
                           alignment=1)
    return Paragraph(text, style)


def _activity(activity: ActivityOutcome, tertials: list[Tertial]) -> list:
    """The activity's organisations, one row each: a status symbol per tertial, then the final status."""
    column = (CONTENT_WIDTH - ORG_WIDTH - FINAL_WIDTH) / len(tertials)
    rows: list[list] = [[para("Organisation", "cell_head"),
                         *(_tiny(f"T{t.number}<br/>{t.year}") for t in tertials), para("Slutstatus", "cell_head")]]
    for line in activity.lines:
        cells = [ColouredText(NOT_EXPECTED) if key is None else ColouredText(symbol(status_symbol(key)), _colour(key))
                 for key in line.history]
        rows.append([ColouredText(line.organisation_short or line.organisation), *cells,
                     status_cell(line.status, _since(line))])
    last = len(tertials) + 1
    table = data_table(rows, [ORG_WIDTH] + [column] * len(tertials) + [FINAL_WIDTH], styles=[
        ("LEFTPADDING", (1, 0), (last - 1, -1), 1), ("RIGHTPADDING", (1, 0), (last - 1, -1), 1),
        ("ALIGN", (1, 0), (last - 1, -1), "CENTER")])
    spread = ", ".join(f"{c.count} {c.label}" for c in activity.distribution.items if c.count)
    title = activity.title if activity.active else f"{activity.title} (avslutad)"
    return [CondPageBreak(3.5 * cm), para(title, "h4"),
            para(f"Tidsperiod: {activity.time_frame}. Slutstatus: {spread}.", "meta"), table]


def _legend() -> str:
    return ("Tecken per tertial: " + ", ".join(f"{symbol(status_symbol(key))} {status_label(key)}"
                                               for key in DISTRIBUTION_KEYS)
            + "; tom ruta: förväntades inte rapportera den tertialen.")


def _outcomes(report: ProgrammeReport, final: FinalSections) -> list:
    out = [PageBreak(), heading("Aktiviteter", "h1", toc_level=0),
           para("Varje aktivitet med dess organisationer: den status som lämnades in tertial för tertial och "
                "slutstatusen (inom parentes tertialen den kommer från, när den är äldre än programmets sista "
                "tertial)."), para(_legend(), "meta")]
    for goal in final.goals:
        out.append(heading(goal.name, "h2", toc_level=1))
        for activity in goal.activities:
            out += _activity(activity, report.tertials)
    return out


def _line_table(lines: list[FinalLine], *, status: bool) -> list:
    head = ["Aktivitet", "Organisation", "Slutstatus" if status else "Rapporterad"]
    rows: list[list] = [head]
    for line in lines:
        when = status_cell(line.status, _since(line)) if status else ColouredText(
            line.status_tertial.label if line.status_tertial else "–")
        rows.append([ColouredText(line.activity), ColouredText(line.organisation), when])
    return [data_table(rows, [CONTENT_WIDTH - 7.2 * cm, 3.8 * cm, 3.4 * cm])]


def _by_activity(lines: list[FinalLine]) -> list:
    """One table per activity (its title once): organisation, final status and next steps."""
    groups: dict[tuple[str, str], list[FinalLine]] = {}
    for line in lines:
        groups.setdefault((line.goal, line.activity), []).append(line)
    out = []
    for (_goal, activity), group in groups.items():
        rows: list[list] = [["Organisation", "Slutstatus", "Nästa steg"]]
        for line in group:
            rows.append([ColouredText(line.organisation), status_cell(line.status, _since(line)),
                         para(line.next_steps, "cell") if line.next_steps else ColouredText("–", MUTED)])
        out += [CondPageBreak(2.5 * cm), para(activity, "h4"),
                data_table(rows, [4.6 * cm, 3.8 * cm, CONTENT_WIDTH - 8.4 * cm])]
    return out


def _completed(final: FinalSections) -> list:
    out = [PageBreak(), heading("Genomfört", "h1", toc_level=0),
           para("Åtaganden med slutstatusen Genomförd och tertialen då de senast rapporterades.")]
    if not final.completed:
        return out + [para("Inga åtaganden rapporterades som genomförda.", "meta")]
    return out + _line_table(final.completed, status=False)


def _dropped(final: FinalSections) -> list:
    out = [CondPageBreak(6 * cm), heading("Utgått och varför", "h1", toc_level=0),
           para("Åtaganden med slutstatusen Utgår, med organisationens förklaring ur den rapporten.")]
    if not final.dropped:
        return out + [para("Inga åtaganden utgick.", "meta")]
    for line in final.dropped:
        out += [para(f"{line.organisation} · {line.activity}", "h4"),
                para(f"{symbol(status_symbol(line.key))} Utgår, rapporterat för "
                     f"{line.status_tertial.label if line.status_tertial else '–'}", "meta"),
                para(line.comment) if line.comment else para("Ingen förklaring lämnades.", "meta")]
    return out


def _carried_over(report: ProgrammeReport, final: FinalSections) -> list:
    out = [PageBreak(), heading("Pågår och förs vidare", "h1", toc_level=0),
           para(f"Åtaganden som ingick i programmet {report.last.label} och varken var genomförda eller utgick: "
                f"{final.carried_over_count} åtaganden i {final.activities_carried_over} aktiviteter som kan föras "
                "vidare till nästa program.")]
    out += _by_activity(final.carried_over) if final.carried_over else [
        para("Inga åtaganden pågår vid programmets slut.", "meta")]
    if final.ended_unfinished:
        out += [Spacer(1, 0.3 * cm), heading("Avslutade före programmets slut", "h2", toc_level=1),
                para("Åtaganden som togs bort ur programmet före den sista tertialen utan att vara genomförda "
                     "eller utgå. De förs inte vidare."),
                *_line_table(final.ended_unfinished, status=True)]
    return out
