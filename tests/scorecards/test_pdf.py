"""The styrkort PDF, read back as text: content, markers, page numbers and the edge cases."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, date, datetime

from pypdf import PdfReader
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics

from tracker.accounts.models import Role
from tracker.pdf.fonts import SYMBOL_FALLBACKS, fonts, register_fonts, symbol, symbol_table
from tracker.pdf.styles import INK, MUTED, STATUS_COLORS, WARN, WARN_BG, format_datetime
from tracker.periods.models import PeriodState
from tracker.reporting.models import ReportStatus
from tracker.scorecards import service
from tracker.scorecards.pdf import render_scorecard
from tracker.scorecards.service import (
    Change,
    Scorecard,
    ScorecardGoal,
    ScorecardProgram,
    ScorecardRow,
    Tertial,
    TextChange,
    TrailPoint,
)

GENERATED = datetime(2023, 9, 5, 12, 2, tzinfo=UTC)  # 14:02 in Stockholm (summer time)
T3_2022, T1_2023, T2_2023 = (Tertial("2022-T3", "Tertial 3 2022", "T3 2022"),
                             Tertial("2023-T1", "Tertial 1 2023", "T1 2023"),
                             Tertial("2023-T2", "Tertial 2 2023", "T2 2023"))
TRAIL = [T3_2022, T1_2023, T2_2023]


def make_row(title: str, status: ReportStatus | None = ReportStatus.in_progress, **fields) -> ScorecardRow:
    values = {"commitment_id": 1, "activity_title": title, "time_frame": "2023", "starts_on": date(2023, 1, 1),
              "ends_on": date(2023, 12, 31), "time_frame_parsed": True, "still_assigned": True, "status": status,
              "reported": status is not None, **fields}
    row = ScorecardRow(**values)
    row.trail = [TrailPoint(T3_2022, ReportStatus.done), TrailPoint(T1_2023, None), TrailPoint(T2_2023, status)]
    return row


def make_card(rows: list[ScorecardRow], *, name: str = "Farsta stadsdelsförvaltning") -> Scorecard:
    goals = [ScorecardGoal(1, "Förebygga våld", rows[::2]), ScorecardGoal(2, "Stöd till våldsutsatta", rows[1::2])]
    programs = [ScorecardProgram("Program mot våld i nära relationer 2021–2025", "Våld i nära relationer",
                                 [g for g in goals if g.rows])] if rows else []
    return Scorecard(
        organisation_name=name, organisation_short_name="Farsta", organisation_slug="farsta", tertial=T2_2023,
        period_state=PeriodState.closed, period_ends_on=date(2023, 8, 31), previous=T1_2023, trail_tertials=TRAIL,
        programs=programs, summary=service._summary(rows),  # counted as the service counts
        data_as_of=datetime(2023, 9, 5, 11, 58, tzinfo=UTC),
    )


def scenario_rows() -> list[ScorecardRow]:
    return [
        make_row("Kampanj om våld – åäö ≤ ≥", ReportStatus.in_progress, comment="Kampanjen har startat på skolor",
                 next_steps="Utvärdera våren", change=Change.up, previous_status=ReportStatus.not_started,
                 text_change=TextChange.new),
        make_row("Utbildning", ReportStatus.deviation, comment="Utbildar personal", change=Change.down,
                 previous_status=ReportStatus.in_progress, text_change=TextChange.unchanged,
                 support_needed=True, support_text="Behöver handledning"),
        make_row("Rutin", ReportStatus.done, change=Change.same, previous_status=ReportStatus.done),
        make_row("Utgången insats", ReportStatus.cancelled, change=Change.first, comment="Ersatt",
                 still_assigned=False),
        make_row("Samverkan", None, overdue=True, time_frame="Vår 2023", ends_on=date(2023, 6, 30)),
    ]


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def body_text(data: bytes) -> str:
    """The text without the header and footer lines every page repeats."""
    furniture = re.compile(r"^(Styrkort – Farsta|Tertial 2 2023|Data per .* · Skapad .*|Sida \d+ \(\d+\))$")
    reader = PdfReader(io.BytesIO(data))
    lines = (line for page in reader.pages for line in page.extract_text().splitlines())
    return "\n".join(line for line in lines if not furniture.match(line))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def flat_lines(text: str) -> str:
    """Join wrapped lines again (the trail may wrap) without touching the spaces inside them."""
    return re.sub(r"\s*\n\s*", " ", text)


def test_heading_names_organisation_tertial_and_times():
    text, _ = pdf_text(render_scorecard(make_card(scenario_rows()), generated_at=GENERATED))
    assert "Styrkort" in text and "Farsta stadsdelsförvaltning" in text
    assert "Program mot våld i nära relationer 2021–2025" in text
    assert "Tertial 2 2023 (stängd)" in text and "förändring jämfört med Tertial 1 2023" in text
    assert "Data per 2023-09-05 13:58" in text and "Skapad 2023-09-05 14:02" in text


def test_every_commitment_with_status_comment_and_swedish_characters():
    text, _ = pdf_text(render_scorecard(make_card(scenario_rows()), generated_at=GENERATED))
    for title in ("Kampanj om våld – åäö ≤ ≥", "Utbildning", "Rutin", "Utgången insats", "Samverkan"):
        assert title in text
    for status in ("◐ Pågår", "△ Pågår med avvikelse", "● Genomförd", "✕ Utgår", "– Ej rapporterad"):
        assert status in text
    assert "Kampanjen har startat på skolor" in text and "Utvärdera våren" in text
    assert "Mål 1: Förebygga våld" in text and "Mål 2: Stöd till våldsutsatta" in text
    assert "Ja – Behöver handledning" in text and "Åtagandet är avslutat sedan tertialen." in text
    assert "2023 (2023-01-01 – 2023-12-31)" in text


def test_summary_figures_for_the_scenario():
    text, _ = pdf_text(render_scorecard(make_card(scenario_rows()), generated_at=GENERATED))
    assert "4 av 5 åtaganden har en inlämnad rapport (80 %)." in text
    assert "Försenade: 1 – 1 åtagande är försenat" in text
    assert "Behöver stöd: 1 – 1 åtagande där organisationen behöver stöd" in text
    assert re.search(r"Totalt\s+5", text)
    assert re.search(r"○ Ej påbörjad\s+0", text) and re.search(r"● Genomförd\s+1", text)


def test_change_and_overdue_markers():
    text, _ = pdf_text(render_scorecard(make_card(scenario_rows()), generated_at=GENERATED))
    assert "↑ Förbättrad (förra tertialen: Ej påbörjad)" in text
    assert "↓ Försämrad (förra tertialen: Pågår)" in text
    assert "= Oförändrad" in text and "+ Ingen rapport förra tertialen" in text
    assert "Kommentar · Ny text" in text and "Kommentar · Oförändrad text från förra tertialen" in text
    assert "⚠ Försenad – tidsperioden slutade 2023-06-30" in text
    assert "T3 2022 ● Genomförd · T1 2023 – Ej rapporterad · T2 2023 ◐ Pågår" in flat_lines(text)


def test_pages_are_numbered_with_header_on_each():
    rows = [make_row(f"Aktivitet {i}", comment="Lång kommentar. " * 40) for i in range(30)]
    reader = PdfReader(io.BytesIO(render_scorecard(make_card(rows), generated_at=GENERATED)))
    total = len(reader.pages)
    assert total > 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Sida {number} ({total})" in text
        assert "Styrkort – Farsta" in text and "Tertial 2 2023" in text


def test_effect_goals_section_comes_last():
    text, _ = pdf_text(render_scorecard(make_card(scenario_rows()), generated_at=GENERATED))
    assert text.rindex("Effektmål") > text.index("Samverkan")
    assert "Effektmålen som gäller Farsta följs upp en gång om året" in text


def test_organisation_without_commitments_says_so():
    text, pages = pdf_text(render_scorecard(make_card([]), generated_at=GENERATED))
    assert "Farsta har inga åtaganden i programmen" in text and "Effektmål" in text
    assert pages == 1 and "Sida 1 (1)" in text


def test_commitments_without_reports_say_none_are_submitted():
    card = make_card([make_row("Kampanj", None), make_row("Rutin", None)])
    text, _ = pdf_text(render_scorecard(card, generated_at=GENERATED))
    assert "Inga rapporter är inlämnade för Tertial 2 2023." in text
    assert "0 av 2 åtaganden har en inlämnad rapport (0 %)" in text
    assert "Kampanj" in text and "Rutin" in text and "Ingen rapport denna tertial" in text


def test_a_5000_character_comment_flows_over_pages_and_reads_back_whole():
    comment = ("Våldsförebyggande arbete på skolor – åäö. " * 130)[:4993] + "SLUTORD"
    rows = [make_row(f"Aktivitet {i}", comment=comment, next_steps=comment) for i in range(2)]
    data = render_scorecard(make_card(rows), generated_at=GENERATED)
    assert len(comment) == 5000 and len(PdfReader(io.BytesIO(data)).pages) >= 3
    assert flat(body_text(data)).count(flat(comment)) == 4


def test_two_hundred_commitments():
    rows = [make_row(f"Aktivitet nummer {i}", comment=f"Kommentar {i}") for i in range(200)]
    text, pages = pdf_text(render_scorecard(make_card(rows), generated_at=GENERATED))
    assert pages > 10 and "200 av 200 åtaganden" in text
    assert all(f"Aktivitet nummer {i}\n" in text for i in range(200))
    assert f"Sida {pages} ({pages})" in text


def test_html_in_a_comment_is_printed_literally():
    row = make_row("<b>Titel</b> & co", comment="<script>alert(1)</script>\n<b>inte fet</b> &amp;",
                   next_steps="a < b > c")
    text, _ = pdf_text(render_scorecard(make_card([row]), generated_at=GENERATED))
    assert "<script>alert(1)</script>" in text and "<b>inte fet</b> &amp;" in text
    assert "<b>Titel</b> & co" in text and "a < b > c" in text


def test_first_page_rasterises(tmp_path):
    path = tmp_path / "styrkort.pdf"
    path.write_bytes(render_scorecard(make_card(scenario_rows()), generated_at=GENERATED))
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True)
    [png] = tmp_path.glob("page*.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def _luminance(color) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(color.red) + 0.7152 * channel(color.green) + 0.0722 * channel(color.blue)


def test_status_colours_keep_text_contrast():
    for background in (colors.white, WARN_BG):
        for color in [*STATUS_COLORS.values(), WARN, INK, MUTED]:
            light, dark = sorted((_luminance(background), _luminance(color)), reverse=True)
            assert (light + 0.05) / (dark + 0.05) >= 4.5, color


def test_every_symbol_is_drawn_by_the_embedded_font():
    faces = [pdfmetrics.getFont(name).face for name in (fonts().regular, fonts().bold)]
    for char in [*SYMBOL_FALLBACKS, "å", "ä", "ö", "–", "≤", "≥"]:
        assert all(ord(symbol(char)) in face.charToGlyph for face in faces), char


def test_times_are_shown_in_stockholm():
    assert format_datetime(datetime(2023, 1, 5, 12, 2, tzinfo=UTC)) == "2023-01-05 13:02"
    assert format_datetime(datetime(2023, 9, 5, 12, 2)) == "2023-09-05 14:02"  # naive is UTC


def test_scorecard_from_the_database(session, scenario):
    card = service.build_scorecard(session, organisation=scenario.org, period=scenario.periods["2024-T1"])
    text, _ = pdf_text(render_scorecard(card, generated_at=GENERATED))
    assert "Farsta" in text and "Tertial 1 2024" in text
    for title in ("Kampanj", "Utbildning", "Rutin", "Samverkan", "Utgången"):
        assert f"\n{title}\n" in text
    assert "4 av 5 åtaganden har en inlämnad rapport (80 %)." in text
    assert "⚠ Försenad – tidsperioden slutade 2023-12-31" in text
    assert "Behöver handledning" in text and "Ersatt av annan insats" in text
    assert "↑ Förbättrad (förra tertialen: Ej påbörjad)" in text


def test_fallback_font_has_a_stand_in_for_every_symbol(tmp_path):
    assert register_fonts(tmp_path) == ("Vera", "VeraBd", "VeraIt")  # no DejaVu in tmp_path
    vera = symbol_table("Vera", "VeraBd")
    faces = [pdfmetrics.getFont(name).face for name in ("Vera", "VeraBd")]
    assert all(ord(char) in face.charToGlyph for char in vera.values() for face in faces)


def test_html_page_shows_the_summary_counts_as_bars_too(session, scenario, make_user, login):
    page = login(make_user(Role.reader)).get("/styrkort/farsta?period=2024-T1").get_data(as_text=True)
    chart = re.search(r'<div class="status-chart" aria-hidden="true">(.*?)\n  </div>', page, re.S).group(1)
    assert re.findall(r'class="status-chart-count">(\d+)<', chart) == ["0", "1", "1", "1", "1", "1"]
    assert 'class="bar-done" x="0" y="0" width="100.0"' in chart and 'class="bar-not_started" x="0" y="0" width="0.0"' in chart
