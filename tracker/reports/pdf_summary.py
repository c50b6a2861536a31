"""The programme report's summarised layout as PDF sections (more than `DETAIL_LIMIT` organisations).

Leadership reads a row per activity (its statuses counted across organisations,
organisations named only where deviating, overdue or asking for support, at most
`NAMES_SHOWN` and "och N till") and a row per organisation; each organisation's
commitments, comments and support texts are in its styrkort. Long tables are laid
out in chunks: ReportLab splits a short table cheaply, a table of thousands of rows
slowly. Swedish literals only, user text escaped, as in `pdf`.
"""
from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import PageBreak, Paragraph

from tracker.pdf.document import CONTENT_WIDTH
from tracker.pdf.flowables import ColouredText, data_table
from tracker.pdf.fonts import symbol
from tracker.pdf.styles import para, paragraph_style
from tracker.reports.pdf_layout import heading
from tracker.reports.report import (
    DETAIL_LIMIT,
    DISTRIBUTION_KEYS,
    NAMES_SHOWN,
    ActivitySummary,
    Distribution,
    ProgrammeReport,
    capped,
    status_label,
    status_symbol,
)

CHUNK = 40  # rows per table
COUNT_WIDTH = 0.95 * cm
STYLEGUIDE = (f"Rapporten gäller fler än {DETAIL_LIMIT} organisationer och redovisar därför varje aktivitet "
              "summerad över organisationerna. Varje organisations åtaganden med status, kommentarer och behov "
              "av stöd finns i organisationens styrkort för tertialen.")


def chunked(head: list, rows: list[list], widths: list[float], styles=()) -> list:
    """Tables of at most CHUNK rows, each with the header."""
    if not rows:
        return []
    return [data_table([head, *rows[i:i + CHUNK]], widths, styles=styles) for i in range(0, len(rows), CHUNK)]


def tiny(text: str) -> Paragraph:
    style = ParagraphStyle("tiny_head", parent=paragraph_style("cell_head"), fontSize=6.5, leading=7.5, alignment=1)
    return Paragraph(text, style)


def count_head() -> list:
    """The status columns' heads: the symbol, explained by `legend` above the table."""
    return [tiny(symbol(status_symbol(key))) for key in DISTRIBUTION_KEYS]


def legend() -> Paragraph:
    return para("Kolumnerna per status: " + ", ".join(
        f"{symbol(status_symbol(key))} {status_label(key)}" for key in DISTRIBUTION_KEYS) + ".", "meta")


def counts(distribution: Distribution) -> list[str]:
    return [str(distribution.counts[key]) for key in DISTRIBUTION_KEYS]


COUNT_STYLES = [("ALIGN", (1, 1), (len(DISTRIBUTION_KEYS), -1), "RIGHT"),
                ("LEFTPADDING", (1, 0), (len(DISTRIBUTION_KEYS), -1), 2),
                ("RIGHTPADDING", (1, 0), (len(DISTRIBUTION_KEYS), -1), 2)]


def _attention_text(activity: ActivitySummary) -> str:
    parts = []
    if activity.deviating:
        parts.append(f"Avvikelse: {capped(activity.deviating)}")
    if activity.overdue:
        parts.append(f"Försenade: {capped(activity.overdue)}")
    return ". ".join(parts) or "–"


def goals(report: ProgrammeReport, distribution) -> list:
    """Per goal: the distribution and a row per activity."""
    last = report.last.label
    out = [PageBreak(), heading("Mål", "h1", toc_level=0),
           para(f"Status för varje mål vid {last} och för varje aktivitet: antal åtaganden per status över "
                f"organisationerna, och de organisationer vars åtagande pågår med avvikelse eller är försenat (högst "
                f"{NAMES_SHOWN} namn per aktivitet, resten räknade)."), para(STYLEGUIDE, "meta")]
    width = CONTENT_WIDTH - 4.6 * cm - COUNT_WIDTH * len(DISTRIBUTION_KEYS)
    for goal in report.goals:
        out.append(heading(goal.name, "h2", toc_level=1))
        if not goal.commitments:
            out.append(para(f"Målet har inga åtaganden i {last}.", "meta"))
            continue
        out += [*distribution(goal.distribution, f"Målets åtaganden per status, {last}"), legend()]
        rows = [[ColouredText(a.title if a.active else f"{a.title} (avslutad)"), *counts(a.distribution),
                 ColouredText(_attention_text(a))] for a in goal.activities]
        out += chunked([para("Aktivitet", "cell_head"), *count_head(), para("Att uppmärksamma", "cell_head")],
                       rows, [4.6 * cm] + [COUNT_WIDTH] * len(DISTRIBUTION_KEYS) + [width], COUNT_STYLES)
    return out


def organisations(report: ProgrammeReport) -> list:
    """One row per organisation."""
    last = report.last.label
    head = [para("Organisation", "cell_head")] + [tiny(text) for text in (
        f"Åtaganden {report.last.short_label}", "Avvikelse", "Försenade", "Behov av stöd", "Inlämnat i tid")]
    rows = [[ColouredText(org.name), str(org.distribution.total), str(org.deviating), str(org.overdue),
             str(org.support_needs), _pct(org.share_on_time)] for org in report.organisations]
    return [PageBreak(), heading("Organisationer", "h1", toc_level=0),
            para(f"En rad per organisation: åtaganden i {last}, hur många av dem som pågår med avvikelse eller är "
                 "försenade, behov av stöd under perioden och andelen av de förväntade rapporterna som lämnades in "
                 "i tid."), para(STYLEGUIDE, "meta"),
            *chunked(head, rows, [CONTENT_WIDTH - 5 * 1.9 * cm] + [1.9 * cm] * 5, [("ALIGN", (1, 1), (-1, -1), "RIGHT")])]


def support(report: ProgrammeReport) -> list:
    """The activities with support needs: how many, and from which organisations."""
    out = [PageBreak(), heading("Behov av stöd", "h1", toc_level=0),
           para(f"{report.summary.support_needs} behov av stöd anmäldes i inlämnade rapporter, {report.range_label}. "
                f"Per aktivitet: antal behov och de organisationer som anmälde dem (högst {NAMES_SHOWN} namn). "
                "Organisationernas beskrivningar finns i deras styrkort för respektive tertial.")]
    rows = [[ColouredText(a.title), str(a.support_needs), ColouredText(capped(a.support))]
            for goal in report.goals for a in goal.activities if a.support_needs]
    if not rows:
        return out + [para("Inga behov av stöd har anmälts under perioden.", "meta")]
    return out + chunked(["Aktivitet", "Antal", "Organisationer"], rows,
                         [7 * cm, 1.5 * cm, CONTENT_WIDTH - 8.5 * cm], [("ALIGN", (1, 1), (1, -1), "RIGHT")])


def _pct(value: int | None) -> str:
    return "–" if value is None else f"{value} %"



def final_sections(report: ProgrammeReport, final) -> list:
    """The final report's activities, completed, dropped and carried over, one row per activity."""
    outcomes = [a for goal in final.goals for a in goal.activities]
    out = [PageBreak(), heading("Aktiviteter", "h1", toc_level=0),
           para("Varje aktivitet summerad över organisationerna: antal åtaganden per slutstatus (den status som "
                f"senast lämnades in), hur många som förs vidare och de organisationer vars åtagande utgick (högst "
                f"{NAMES_SHOWN} namn)."), para(STYLEGUIDE, "meta"), legend()]
    width = CONTENT_WIDTH - 4.6 * cm - COUNT_WIDTH * (len(DISTRIBUTION_KEYS) + 1)
    for goal in final.goals:
        rows = [[ColouredText(a.title if a.active else f"{a.title} (avslutad)"), *counts(a.distribution),
                 str(a.carried_over), ColouredText(capped(a.dropped_by))] for a in goal.activities]
        out += [heading(goal.name, "h2", toc_level=1),
                *chunked([para("Aktivitet", "cell_head"), *count_head(), tiny("Förs<br/>vidare"),
                          para("Utgick hos", "cell_head")], rows,
                         [4.6 * cm] + [COUNT_WIDTH] * (len(DISTRIBUTION_KEYS) + 1) + [width],
                         [*COUNT_STYLES, ("ALIGN", (len(DISTRIBUTION_KEYS) + 1, 1), (-2, -1), "RIGHT")])]
    out += [heading("Genomfört, utgått och förs vidare", "h1", toc_level=0),
            para(f"{final.completed_count} åtaganden har slutstatusen Genomförd och {final.dropped_count} utgick. "
                 f"{final.carried_over_count} åtaganden i {final.activities_carried_over} aktiviteter pågår och kan "
                 f"föras vidare till nästa program; {final.ended_unfinished_count} avslutades före programmets slut "
                 "utan att vara genomförda. Antalen per aktivitet står i tabellerna ovan; organisationernas "
                 "förklaringar och nästa steg finns i deras styrkort.")]
    if not outcomes:
        out.append(para("Programmet har inga åtaganden.", "meta"))
    return out
