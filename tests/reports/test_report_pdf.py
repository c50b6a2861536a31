"""The programme report's PDF: its text read back, page numbers, contents, and that it rasterises."""
from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from tests.reports.conftest import SCRIPT, add_report, submitted
from tracker.programs.models import Activity
from tracker.reporting.models import ReportStatus
from tracker.reports import service
from tracker.reports.pdf import render_programme_report
from tracker.reports.report import ReportKind

GENERATED = datetime(2023, 10, 2, 7, 5, tzinfo=UTC)


@pytest.fixture
def pdf(session, scenario) -> bytes:
    first, last = service.midterm_range(session, scenario.program, "2023-T2")
    report = service.build_programme_report(session, program=scenario.program, first=first, last=last,
                                            kind=ReportKind.midterm)
    return render_programme_report(report, generated_at=GENERATED)


@pytest.fixture
def pages(pdf) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages]


def _text(pages: list[str]) -> str:
    return " ".join(pages)


def test_cover_has_title_programme_range_and_times(pages):
    cover = pages[0]
    assert "Halvtidsrapport" in cover and "Program program-mot-vald" in cover
    assert "Tertial 3 2022 – Tertial 2 2023" in cover
    assert "Data per 20" in cover and "Skapad 2023-10-02 09:05" in cover  # Stockholm time (UTC+2 in October)
    assert f"Sida 1 ({len(pages)})" in cover


def test_every_page_is_numbered(pages):
    assert [f"Sida {n} ({len(pages)})" in page for n, page in enumerate(pages, start=1)] == [True] * len(pages)


def test_contents_and_bookmarks_point_at_the_sections_pages(pdf, pages):
    reader = PdfReader(BytesIO(pdf))
    listed = dict(re.findall(r"^\s*(\S.*?)\s+(?:\.\s+)*\.?\s*(\d+)\s*$",
                             reader.pages[1].extract_text(extraction_mode="layout"), re.M))
    bookmarks = {item.title: reader.get_destination_page_number(item) + 1
                 for item in _flatten(reader.outline)}
    # Each section's page, found by a sentence only that section prints.
    found = {title: next(n for n, page in enumerate(pages, start=1) if sentence in page) for title, sentence in (
        ("Sammanfattning", "Uppgift Värde"), ("Behov av stöd", "Alla behov av stöd som organisationerna anmälde"),
        ("Bilaga: Metod", "Så räknas rapportens uppgifter"))}
    for title in ("Sammanfattning", "Mål 1: Förebygga våld", "Åkerby", "Behov av stöd", "Rapportering över tid",
                  "Bilaga: Programmets aktiviteter", "Bilaga: Metod"):
        assert int(listed[title]) == bookmarks[title], title
    assert [bookmarks[title] for title in found] == list(found.values()) == [3, 6, 9]


def _flatten(outline):
    for item in outline:
        yield from _flatten(item) if isinstance(item, list) else [item]


def test_summary_and_compliance_figures(pages):
    text = _text(pages)
    assert "Andel med inlämnad rapport för Tertial 2 2023 60 % (3 av 5)" in text
    assert "Tertial 1 2023 7 4 1 2 57 % 71 %" in text
    assert "Inlämnat i tid: 4 av 9 förväntade rapporter under perioden (44 %); 3 sent, 2 ej inlämnade." in text


def test_support_needs_print_every_text_with_swedish_characters(pages):
    text = _text(pages)
    for need in ("Behöver stöd med våldsförebyggande metoder för äldre", "Handledning för personalen i Skärholmen",
                 "Stöd i implementeringen av rutinen"):
        assert need in text
    assert "Stöd som bara står i ett utkast" not in text and "Stöd efter perioden" not in text


def test_overdue_and_deviating_explanations_print_user_text_literally(pages):
    text = _text(pages)
    assert SCRIPT in text  # the <script> comment is printed as text, not read as markup
    assert "Rekrytera två handläggare" in text
    assert "Försenad (tidsperioden slutade 2022-12-31)" in text
    assert "Ingen inlämnad rapport för Tertial 2 2023." in text


def test_method_appendix_explains_each_figure(pages):
    method = _text(pages[-2:])
    for title in ("Vad som räknas som rapporterat", "Vilka åtaganden som förväntas rapportera",
                  "Inlämnad i tid och sent", "Ej rapporterad", "Status vid den sista tertialen",
                  "Försenade åtaganden"):
        assert title in method
    assert "Utkast räknas inte" in method and "Europe/Stockholm" in method


def test_first_page_rasterises(pdf, tmp_path):
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(["/usr/bin/pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(source),
                    str(tmp_path / "page")], check=True, capture_output=True)
    [png] = tmp_path.glob("page*.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000



def test_long_texts_flow_across_pages(session, scenario):
    sentence = "Arbetet försenas när personalen på förskolorna i Hägersten-Älvsjö byts ut. "
    long_comment = (sentence * 70)[:5000]
    add_report(session, scenario.c["bromma", "Utbildning"], scenario.periods["2023-T2"], ReportStatus.deviation,
               submitted("2023-09-01T10:00"), comment=long_comment + "SLUT", support_needed=True,
               support_text=("Stöd behövs. " * 200)[:1990] + "SISTA")
    session.commit()
    first, last = service.midterm_range(session, scenario.program, "2023-T2")
    report = service.build_programme_report(session, program=scenario.program, first=first, last=last)
    reader = PdfReader(BytesIO(render_programme_report(report, generated_at=GENERATED)))
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    holding = [n for n, text in enumerate(texts) if "förskolorna i Hägersten-Älvsjö" in text]
    assert len(holding) >= 2 and holding == list(range(holding[0], holding[-1] + 1))  # one comment, several pages
    assert "SLUT" in " ".join(texts) and "SISTA" in " ".join(texts)


def test_annual_compilation_title(session, scenario):
    first, last = service.annual_range(session, scenario.program, 2023)
    report = service.build_programme_report(session, program=scenario.program, first=first, last=last)
    cover = PdfReader(BytesIO(render_programme_report(report, generated_at=GENERATED))).pages[0].extract_text()
    assert "Årlig sammanställning 2023" in cover and "Tertial 1 2023 – Tertial 3 2023" in cover


def test_a_table_over_several_pages_repeats_its_header(session, scenario):
    goal_id = scenario.activities["Kampanj"].goal_id
    session.add_all([Activity(goal_id=goal_id, title=f"Extra aktivitet {n} för att fylla sidan", time_frame="Löpande",
                              starts_on=date(2021, 1, 1), ends_on=date(2025, 12, 31), time_frame_parsed=True,
                              position=10 + n) for n in range(90)])
    session.commit()
    first, last = service.midterm_range(session, scenario.program, "2023-T2")
    report = service.build_programme_report(session, program=scenario.program, first=first, last=last)
    texts = [" ".join(page.extract_text().split())
             for page in PdfReader(BytesIO(render_programme_report(report, generated_at=GENERATED))).pages]
    spanned = [n for n, text in enumerate(texts) if "Extra aktivitet" in text]
    assert len(spanned) >= 2
    assert all("Aktivitet Tidsperiod Ansvariga" in texts[n] for n in spanned)
    assert "Extra aktivitet 89 för att fylla sidan" in texts[spanned[-1]]
