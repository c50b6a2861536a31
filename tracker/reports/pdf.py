"""The programme report as a PDF: plain data in, bytes out.

An archived report is an official Swedish document: every text is a Swedish
literal or one of the Swedish label dictionaries, never a translation. User
text (comments, support needs, names) is escaped so that it prints literally.
"""
from __future__ import annotations

import math
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, KeepTogether, NextPageTemplate, PageBreak, Paragraph, Spacer, Table

from tracker.effect_goals.display import results_table, target_text
from tracker.effect_goals.models import TargetType
from tracker.effect_goals.service import EffectGoalResults
from tracker.pdf.document import CONTENT_WIDTH
from tracker.pdf.flowables import ColouredText, FactList, bar_chart, data_table, status_cell
from tracker.pdf.fonts import fonts, symbol
from tracker.pdf.styles import (
    MUTED,
    STATUS_COLORS,
    WARN,
    format_date,
    format_datetime,
    para,
    paragraph_style,
    status_markup,
)
from tracker.reporting.models import ReportStatus
from tracker.reports import pdf_summary as summarised
from tracker.reports.method import method
from tracker.reports.pdf_layout import build_report_pdf, contents, heading, stacked_bars, target_bars
from tracker.reports.report import (
    NOT_REPORTED,
    CommitmentLine,
    Distribution,
    GoalSection,
    OrganisationSection,
    ProgrammeReport,
)
from tracker.reports.report import percent as share
from tracker.scorecards.pdf import effect_goal_facts, effect_goal_table

ON_TIME, LATE, MISSING = colors.HexColor("#1d6b34"), colors.HexColor("#d08a00"), colors.white


def render_programme_report(report: ProgrammeReport, *, generated_at: datetime) -> bytes:
    """The report as an A4 PDF: cover, contents, summary, goals, effect goals, organisations, support, compliance,
    appendices (the final report has sections of its own: `pdf_final`)."""
    if report.final is not None:
        from tracker.reports.pdf_final import render_final_report

        return render_final_report(report, generated_at=generated_at)
    story = [
        *_cover(report, generated_at), NextPageTemplate("page"), PageBreak(),
        heading("Innehåll", "h1"), contents(), PageBreak(),
        *_summary(report), *_goals(report), *_effect_goals(report), *_organisations(report), *_support(report),
        *_compliance(report), *_activities(report), *_method(report),
    ] if not report.summarised else [
        *_cover(report, generated_at), NextPageTemplate("page"), PageBreak(),
        heading("Innehåll", "h1"), contents(), PageBreak(),
        *_summary(report), *summarised.goals(report, _distribution), *_effect_goals(report),
        *summarised.organisations(report), *summarised.support(report), *_compliance(report),
        *_activities(report), *_method(report),
    ]
    return build_report_pdf(
        story, title=f"{report.title} – {report.program_short_name}", header=report.range_label,
        footer=f"Data per {format_datetime(report.data_as_of)}", subject=report.program_name)


def _pct(value: int | None) -> str:
    return "–" if value is None else f"{value} %"


def _cover(report: ProgrammeReport, generated_at: datetime) -> list:
    return [
        Spacer(1, 5 * cm), para("Stockholms stad · Socialförvaltningen", "meta"), Spacer(1, 0.3 * cm),
        para(report.title, "title"), Spacer(1, 0.2 * cm), para(report.program_name, "h2"),
        para(report.range_label, "h3"), Spacer(1, 1 * cm),
        para(f"Data per {format_datetime(report.data_as_of)}", "body"),
        para(f"Skapad {format_datetime(generated_at)}", "body"), Spacer(1, 0.6 * cm),
        para("Bara inlämnade rapporter räknas; utkast räknas som ej rapporterade. Hur varje uppgift räknas "
             "står i bilagan Metod.", "meta"),
    ]


def _status_of(key: str) -> ReportStatus | None:
    return None if key == NOT_REPORTED else ReportStatus(key)


def _distribution(distribution: Distribution, caption: str) -> list:
    """A table of the statuses beside a bar chart of the same counts."""
    rows = [["Status", "Antal", "Andel"]] + [
        [status_cell(_status_of(c.key), c.label), str(c.count), f"{c.percent} %"] for c in distribution.items]
    rows.append(["Totalt", str(distribution.total), "100 %" if distribution.total else "–"])
    table = data_table(rows, [4.6 * cm, 1.3 * cm, 1.3 * cm], styles=[
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("FONT", (0, -1), (-1, -1), fonts().bold, 8.5, 11)])
    chart = bar_chart([(f"{symbol(c.symbol)} {c.label}", c.count, STATUS_COLORS[_status_of(c.key)])
                       for c in distribution.items], width=CONTENT_WIDTH - 7.6 * cm)
    layout = Table([[table, chart]], colWidths=[7.6 * cm, CONTENT_WIDTH - 7.6 * cm], hAlign="LEFT",
                   style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    return [KeepTogether([para(caption, "label"), layout])]


def _summary(report: ProgrammeReport) -> list:
    s, last = report.summary, report.last.label
    facts = [
        ["Åtaganden i " + last, str(s.commitments)],
        [f"Organisationer med åtaganden i {last}", str(s.organisations)],
        [f"Andel med inlämnad rapport för {last}", f"{_pct(s.share_reported)} ({s.reported} av {s.commitments})"],
        ["Försenade åtaganden", str(s.overdue)],
        ["Åtaganden som pågår med avvikelse", str(s.deviating)],
        [f"Behov av stöd anmälda {report.range_label}", str(s.support_needs)],
    ]
    return [
        heading("Sammanfattning", "h1", toc_level=0),
        data_table([["Uppgift", "Värde"], *facts], [11 * cm, 4 * cm]), Spacer(1, 0.3 * cm),
        *_distribution(s.distribution, f"Åtaganden per status, {last}"),
    ]


def _attention(line: CommitmentLine, last: str) -> list:
    """An overdue or deviating commitment with its explanation; the texts flow across pages."""
    flags = status_markup(line.status, line.status_label)
    if line.overdue:
        flags += (f' · <font color="{WARN.hexval()}"><b>{symbol("⚠")} Försenad</b></font> '
                  f"(tidsperioden slutade {format_date(line.ends_on)})")
    if line.comment:
        explanation = para(line.comment)
    else:
        explanation = para("Ingen kommentar." if line.status else f"Ingen inlämnad rapport för {last}.", "meta")
    parts = [para(f"{line.organisation} · {line.activity}", "h4"), _markup(flags), explanation]
    if line.next_steps:
        parts += [para("Nästa steg", "label"), para(line.next_steps)]
    return parts


def _markup(markup: str) -> Paragraph:
    """Mini-markup built here from escaped parts (never raw user text)."""
    return Paragraph(markup, paragraph_style("body"))


def _goal(goal: GoalSection, last: str) -> list:
    out = [heading(goal.name, "h2", toc_level=1)]
    if not goal.commitments:
        return out + [para(f"Målet har inga åtaganden i {last}.", "meta")]
    out += _distribution(goal.distribution, f"Målets åtaganden per status, {last}")
    out.append(para("Försenade och avvikande åtaganden", "h3"))
    if not goal.attention:
        return out + [para("Inga åtaganden är försenade eller pågår med avvikelse.", "meta")]
    for line in goal.attention:
        out += _attention(line, last)
    return out


def _goals(report: ProgrammeReport) -> list:
    out = [PageBreak(), heading("Mål", "h1", toc_level=0),
           para(f"Status för varje mål vid {report.last.label}, med de åtaganden som är försenade eller pågår "
                "med avvikelse och organisationernas förklaringar.")]
    for goal in report.goals:
        out += _goal(goal, report.last.label)
    return out


def _effect_goals(report: ProgrammeReport) -> list:
    """The city's result per effect goal and year: a table with coverage and assessment, and bars against the target."""
    if not report.effect_goals:
        return []
    threshold = report.mask_threshold
    out = [PageBreak(), heading("Effektmål", "h1", toc_level=0),
           para("Stadens resultat för programmets effektmål, år för år mot målet: summan av organisationernas "
                "täljare delad med summan av deras nämnare, aldrig ett medelvärde av deras andelar. Täckningen säger "
                f"hur många av de ansvariga organisationerna som har rapporterat. Antal under {threshold} visas som "
                f"”färre än {threshold}” och en andel som bygger på så få fall visas inte. Hur resultaten räknas "
                "står i bilagan Metod.")]
    for goal in report.effect_goals:
        out += [CondPageBreak(9 * cm), heading(goal.wording, "h2", toc_level=1), FactList(effect_goal_facts(goal)),
                Spacer(1, 0.2 * cm), effect_goal_table(goal, threshold, city=True)]
        if goal.results:
            out.append(KeepTogether([para(f"Stadens resultat per år; streckad linje: målet ({target_text(goal)})",
                                          "label"), _effect_goal_bars(goal, threshold)]))
    return out


def _effect_goal_bars(goal: EffectGoalResults, threshold: int):
    """Bars only for the results that may be shown: a withheld share must not show as a bar's height either."""
    change = goal.target_type == TargetType.change_at_least
    bars = [(str(row.year), row.percent, "basår" if row.baseline else row.value if row.percent is not None
             else "visas inte" if row.withheld else "–") for row in results_table(goal, threshold, city=True).rows]
    target, low, high = 100 if goal.target_type == TargetType.all_units else goal.target_value, 0, 100
    if change:  # a change can fall below 0 or pass 100 %
        values = [value for _year, value, _above in bars if value is not None] + [target, 0]
        low, high = 10 * math.floor(min(values) / 10), max(10, 10 * math.ceil(max(values) * 1.1 / 10))
    return target_bars(bars, target=target, target_label=f"Mål {'+' if change else ''}{target} %", low=low, high=high)


def _organisation(org: OrganisationSection, last: str) -> list:
    rows: list[list] = [["Aktivitet", f"Status {last}", "Anmärkning"]]
    for line in org.lines:
        if not line.in_last:
            rows.append([ColouredText(line.activity), ColouredText("–", MUTED), ColouredText(
                f"Avslutat före {last}", MUTED)])
            continue
        note = ColouredText(f"{symbol('⚠')} Försenad", WARN) if line.overdue else ""
        rows.append([ColouredText(line.activity), status_cell(line.status, line.status_label), note])
    spread = ", ".join(f"{c.count} {c.label}" for c in org.distribution.items if c.count) or "inga åtaganden"
    return [
        CondPageBreak(4 * cm), heading(org.name, "h2", toc_level=1),
        para(f"Inlämnat i tid: {org.on_time} av {org.expected} förväntade rapporter under perioden "
             f"({_pct(org.share_on_time)}); {org.late} sent, {org.expected - org.on_time - org.late} ej inlämnade."),
        para(f"Status {last}: {spread}."),
        data_table(rows, [CONTENT_WIDTH - 7.6 * cm, 4.4 * cm, 3.2 * cm]),
    ]


def _organisations(report: ProgrammeReport) -> list:
    out = [PageBreak(), heading("Organisationer", "h1", toc_level=0),
           para("Varje organisations åtaganden med status vid den sista tertialen och hur stor andel av de "
                "förväntade rapporterna som lämnades in i tid under perioden.")]
    for org in report.organisations:
        out += _organisation(org, report.last.label)
    return out


def _support(report: ProgrammeReport) -> list:
    out = [PageBreak(), heading("Behov av stöd", "h1", toc_level=0),
           para(f"Alla behov av stöd som organisationerna anmälde i inlämnade rapporter, {report.range_label}.")]
    if not report.support:
        return out + [para("Inga behov av stöd har anmälts under perioden.", "meta")]
    for group in report.support:
        out.append(heading(group.organisation, "h2"))
        for need in group.needs:
            out += [para(f"{need.tertial.label} · {need.activity}", "h4"),
                    para(need.text) if need.text else para("Ingen beskrivning.", "meta")]
    return out


def _compliance(report: ProgrammeReport) -> list:
    rows: list[list] = [[para("Tertial", "cell_head")] + [para(title, "cell_head_right") for title in (
        "Förväntade", "I tid", "Sent", "Ej inlämnade", "Andel i tid", "Andel inlämnade")]]
    for r in report.compliance:
        rows.append([r.tertial.label, str(r.expected), str(r.on_time), str(r.late), str(r.not_submitted),
                     _pct(r.share_on_time), _pct(r.share_submitted)])
    total = [sum(getattr(r, name) for r in report.compliance) for name in ("expected", "on_time", "late")]
    rows.append(["Totalt", str(total[0]), str(total[1]), str(total[2]), str(total[0] - total[1] - total[2]),
                 _pct(share(total[1], total[0])), _pct(share(total[1] + total[2], total[0]))])
    table = data_table(rows, [2.8 * cm] + [(CONTENT_WIDTH - 2.8 * cm) / 6] * 6, styles=[
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("FONT", (0, -1), (-1, -1), fonts().bold, 8.5, 11)])
    chart = stacked_bars([(r.tertial.short_label, (r.on_time, r.late, r.not_submitted)) for r in report.compliance],
                         [("I tid", ON_TIME), ("Sent", LATE), ("Ej inlämnade", MISSING)])
    return [
        PageBreak(), heading("Rapportering över tid", "h1", toc_level=0),
        para("Per tertial: hur många rapporter som förväntades, hur många som lämnades in i tid eller sent och "
             "hur många som inte lämnades in (utkast räknas som ej inlämnade)."),
        table, Spacer(1, 0.4 * cm), KeepTogether([para("Rapporter per tertial", "label"), chart]),
    ]


def _activities(report: ProgrammeReport) -> list:
    out = [PageBreak(), heading("Bilaga: Programmets aktiviteter", "h1", toc_level=0),
           para("Programmets aktiviteter per mål med tidsperiod och de organisationer som ansvarar för dem i dag.")]
    for goal in report.activities:
        rows: list[list] = [["Aktivitet", "Tidsperiod", "Ansvariga"]]
        for a in goal.activities:
            title = a.title if a.active else f"{a.title} (avslutad)"
            frame = a.time_frame + (f" ({format_date(a.starts_on)} – {format_date(a.ends_on)})"
                                    if a.time_frame_parsed else "")
            names = f"{len(a.organisations)} organisationer" if report.summarised and a.organisations \
                else ", ".join(a.organisations) or "–"
            rows.append([ColouredText(title), ColouredText(frame), ColouredText(names)])
        widths = [6.4 * cm, 3.6 * cm, CONTENT_WIDTH - 10 * cm]
        out += [heading(goal.name, "h2"), *summarised.chunked(rows[0], rows[1:], widths)]
    return out


def _method(report: ProgrammeReport) -> list:
    out = [PageBreak(), heading("Bilaga: Metod", "h1", toc_level=0),
           para("Så räknas rapportens uppgifter.")]
    for title, text, values in method(effect_goals=bool(report.effect_goals), threshold=report.mask_threshold,
                                      final=report.final is not None, summarised=report.summarised):
        out += [para(title, "h3"), para(text % values if values else text)]
    return out

