"""The city compilation as PDF and Word, read back, and archived as versions."""
from __future__ import annotations

import hashlib
import re
import subprocess
from datetime import date
from io import BytesIO

import docx
import pytest
from pypdf import PdfReader
from sqlmodel import select

from tests.funds.factories import COORDINATOR
from tracker.accounts.models import Role
from tracker.archive.models import ArchivedDocument, DocumentKind
from tracker.audit.models import AuditEvent
from tracker.funds import compilation, editing, ledger, service
from tracker.funds.documents import archive_compilation, compilation_versions
from tracker.funds.docx import build_compilation_docx
from tracker.funds.pdf import build_compilation_pdf
from tracker.organisations.models import Organisation
from tracker.pdf.fonts import symbol

TODAY = date(2026, 12, 2)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SECTIONS = ["Sammanfattning", "Bakgrund", "Rekvisition och fördelning", "Användningen inom varje område",
            "Orsaker till att inte allt har använts", "Utvärdering", "Bedömning av resultat", "Kontroller", "Diagram"]
# 2016's six purpose areas in 000's order, and how many of the 15 nämnder 000 says worked in each.
AREAS_2016 = [("Långsiktigt och samordnat arbete", 10), ("Regelverk, kunskap och metoder", 0),
              ("Stöd till barn", 4), ("Förebyggande arbete och våldsutövare", 7), ("Särskilt utsatta grupper", 1),
              ("Prostitution och människohandel", 0)]


def _compilation(session, year: int):
    fund_year = service.get_year(session, year)
    return compilation.build_compilation(ledger.build_ledger(service.load_year(session, fund_year), today=TODAY))


def _flat(text: str) -> str:
    """Runs of spaces, no-break spaces and line breaks as one space: table layout and wrapping aside."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def _pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "sammanstallning.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\xa0", " ")


def _pypdf_text(pdf: bytes) -> str:
    return _flat("\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages))


@pytest.fixture
def pdf_2016(seeded):
    return build_compilation_pdf(_compilation(seeded, 2016), generated_on=TODAY)


def test_the_2016_pdf_prints_000s_headline_figures(pdf_2016, tmp_path):
    pdf, pages = pdf_2016
    assert pages == len(PdfReader(BytesIO(pdf)).pages) > 1
    layout = _pdftotext(pdf, tmp_path)
    assert layout.splitlines()[0].startswith("Redovisning av utvecklingsmedel för arbetet mot våld i nära relationer år")
    flat = _flat(layout)
    assert "Redovisning av utvecklingsmedel för arbetet mot våld i nära relationer år 2016" in flat
    for figure in ("Rekvirerat 3 166 133 kr enligt källan", "Använt 2 664 713 kr enligt stadens redovisning",
                   "Att återbetala 501 420 kr", "Våren 2016 3 125 250 kr", "Sommaren 2016 40 883 kr",
                   "Summa av omgångarna 3 166 133 kr"):
        assert figure in flat, figure
    # 000 gives no amount per nämnd: unknown, never 0.
    assert "Fördelat okänt 14 av 15 belopp är okända" in flat
    assert "Rinkeby-Kista okänt okänt okänt ● Inlämnad" in flat
    text = _pypdf_text(pdf)
    for figure in ("3 166 133 kr", "3 125 250 kr", "40 883 kr", "2 664 713 kr", "501 420 kr"):
        assert figure in text, figure


def test_the_2016_pdf_has_a_section_per_purpose_area_in_order_with_its_count(pdf_2016, tmp_path):
    layout = _pdftotext(pdf_2016[0], tmp_path)
    lines = [line.strip() for line in layout.splitlines()]
    headings = [lines.index(section) for section in SECTIONS]  # each on a line of its own
    assert headings == sorted(headings)
    flat = _flat(layout)
    areas = flat[flat.index("Användningen inom varje område"):flat.index("Orsaker till att inte allt har använts")]
    position = 0
    for title, count in AREAS_2016:
        position = areas.index(title, position)
        found = re.compile(r"(\d+) av (\d+) nämnder har arbetat inom området").search(areas, position)
        assert (found.group(1), found.group(2)) == (str(count), "15"), title
        position = found.end()
    assert "0 av 15 nämnder har arbetat inom området. Ingen av stadsdelsnämnderna har använt" in areas
    # The year's names, with who has taken over since.
    assert "Hägersten-Liljeholmens stadsdelsnämnd (nu Hägersten-Älvsjö)" in areas
    assert "Kruton" in areas.split("Socialnämnden")[1]


def test_the_2016_pdf_shows_skarholmens_evaluation_and_the_checks(pdf_2016):
    text = _pypdf_text(pdf_2016[0])
    evaluation = text[text.index("Utvärdering Har nämnden"):text.index("Bedömning av resultat")]
    assert "Ja 1 av 15 nämnder" in evaluation and "Planeras 1 av 15 nämnder" in evaluation
    assert "Skärholmens stadsdelsnämnd (ja) Har utvärderat arbetet internt." in evaluation
    assert "Spånga-Tensta stadsdelsnämnd (planeras)" in evaluation
    checks = text[text.index("Kontroller Kontrollerna"):text.index("Diagram")]
    # A symbol and a word for each state, never colour alone.
    assert (f"{symbol('✓')} Stämmer Använt och återbetalt mot rekvirerat, hela staden Hela staden "
            "Använt + återbetalas 3 166 133 kr, rekvirerat 3 166 133 kr: skillnad ±0 kr") in checks
    assert (f"{symbol('✕')} Saknas Återbetalningen är försenad Hela staden Sista dag var 2017-06-30; ingen "
            "betalning är registrerad.") in checks
    assert f"{symbol('?')} Kan inte kontrolleras Använt och ej använt mot fördelat Hägersten-Liljeholmen" in checks


def test_the_charts_skip_unknown_amounts_and_say_how_many(pdf_2016):
    text = _pypdf_text(pdf_2016[0])
    charts = text[text.index("Diagram Fördelat och använt per nämnd"):]
    assert ("Fördelat är okänt för 14 av 15 nämnder och använt är okänt för 14 av 15 nämnder; okända belopp "
            "visas inte som staplar.") in charts
    assert "Socialnämnden" in charts and "40 883 kr" in charts
    assert "Rinkeby-Kista" not in charts  # nothing known: no bar
    assert "Inget område har ett känt belopp" in charts


def test_the_2022_pdf_shows_the_rows_sum_the_stated_total_and_the_difference(seeded, tmp_path):
    pdf, _pages = build_compilation_pdf(_compilation(seeded, 2022), generated_on=TODAY)
    flat = _flat(_pdftotext(pdf, tmp_path))
    assert "Total enligt beslutet: 5 394 915 kr" in flat
    assert "Summa 5 394 916 kr okänt okänt 0 av 14 inlämnade" in flat
    assert "Raderna summerar till 5 394 916 kr medan beslutets total är 5 394 915 kr: skillnad +1 kr" in flat
    assert "Hägersten-Älvsjö 504 276 kr" in flat and "Hägersten-Liljeholmen" not in flat
    text = _pypdf_text(pdf)
    assert (f"{symbol('△')} Skiljer sig Fördelningens rader mot beslutets total Hela staden Summa av raderna "
            "5 394 916 kr, total enligt beslutet 5 394 915 kr: skillnad +1 kr") in text


def _docx_text(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return _flat("\n".join([p.text for p in document.paragraphs] + cells))


def test_the_docx_has_the_same_headings_figures_and_an_editable_allocation_table(seeded, tmp_path):
    comp = _compilation(seeded, 2016)
    document = docx.Document(BytesIO(build_compilation_docx(comp, generated_on=TODAY)))
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Title", "Heading"))]
    assert styled[0] == ("Title", "Redovisning av utvecklingsmedel för arbetet mot våld i nära relationer år 2016")
    assert [text for style, text in styled if style == "Heading 1"] == SECTIONS
    areas = [text for style, text in styled if style == "Heading 2"]
    assert areas == ["Rekvisition", "Fördelning", *(title for title, _count in AREAS_2016)]
    text = _docx_text(document)
    for figure in ("3 166 133 kr", "3 125 250 kr", "40 883 kr", "2 664 713 kr", "501 420 kr",
                   "10 av 15 nämnder har arbetat inom området", "Skärholmens stadsdelsnämnd (ja)",
                   "Hägersten-Liljeholmens stadsdelsnämnd (nu Hägersten-Älvsjö)"):
        assert figure in text, figure
    [table] = [t for t in document.tables if [c.text for c in t.rows[0].cells][:2] == ["Nämnd", "Fördelat"]]
    assert [c.text for c in table.rows[0].cells] == ["Nämnd", "Fördelat", "Använt", "Ej använt", "Återrapport"]
    assert len(table.rows) == 1 + 15 + 1
    assert [c.text for c in table.rows[-1].cells][:4] == ["Summa", "okänt", "okänt", "okänt"]
    hagersten = next(row for row in table.rows if row.cells[0].text.startswith("Hägersten-Liljeholmen"))
    assert [c.text.replace("\xa0", " ") for c in hagersten.cells][1:4] == ["okänt", "okänt", "okänt"]
    # An official fills in the amount 000 does not give; the table keeps it.
    hagersten.cells[1].paragraphs[0].runs[0].text = "250 000 kr"
    path = tmp_path / "redigerad.docx"
    document.save(path)
    edited = docx.Document(path)
    assert any(row.cells[1].text == "250 000 kr" for table in edited.tables for row in table.rows
               if row.cells[0].text.startswith("Hägersten-Liljeholmen"))


def test_the_2022_docx_shows_the_difference_too(seeded):
    text = _docx_text(docx.Document(BytesIO(build_compilation_docx(_compilation(seeded, 2022), generated_on=TODAY))))
    assert "5 394 916 kr" in text and "5 394 915 kr" in text and "skillnad +1 kr" in text


def test_archiving_stores_both_files_as_versions_with_checksums_and_an_audit_event(seeded, app):
    root = app.config["SCORECARD_DIR"]
    fund_year = service.get_year(seeded, 2016)
    first = archive_compilation(seeded, root, fund_year, actor=COORDINATOR)
    assert [(d.kind, d.key, d.version) for d in first] == [
        (DocumentKind.funds_compilation, "utvecklingsmedel/2016/sammanstallning", 1),
        (DocumentKind.funds_compilation_docx, "utvecklingsmedel/2016/sammanstallning-word", 1)]
    for document in first:
        data = (root / document.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == document.checksum and len(data) == document.size_bytes
        assert document.fund_year_id == fund_year.id and document.program_id is None
    assert (root / first[0].path).read_bytes().startswith(b"%PDF") and first[0].page_count > 1
    assert (root / first[1].path).read_bytes().startswith(b"PK")  # a zipped Office file
    assert first[0].data_version == first[1].data_version
    [event] = seeded.exec(select(AuditEvent).where(AuditEvent.action == "funds.compilation_archived")).all()
    assert event.actor_label == "test-coordinator"
    assert [d["version"] for d in event.changes["after"]["documents"]] == [1, 1]

    again = archive_compilation(seeded, root, fund_year, actor=COORDINATOR)
    assert [d.version for d in again] == [2, 2]
    assert again[0].data_version == first[0].data_version  # nothing changed in between
    assert [(d.kind, d.version) for d in compilation_versions(seeded, fund_year)] == [
        (DocumentKind.funds_compilation_docx, 2), (DocumentKind.funds_compilation, 2),
        (DocumentKind.funds_compilation_docx, 1), (DocumentKind.funds_compilation, 1)]


def test_a_recorded_repayment_gives_a_new_data_version_without_the_overdue_flag(seeded, app):
    root = app.config["SCORECARD_DIR"]
    fund_year = service.get_year(seeded, 2016)
    before = archive_compilation(seeded, root, fund_year, actor=COORDINATOR)
    editing.update_year(seeded, fund_year=fund_year, values={"repayment_paid_on": date(2017, 6, 20)},
                        expected_version=None, actor=COORDINATOR)
    seeded.commit()
    after = archive_compilation(seeded, root, fund_year, actor=COORDINATOR)
    assert after[0].data_version != before[0].data_version
    assert "Återbetalningen är försenad" in _pypdf_text((root / before[0].path).read_bytes())
    assert "Återbetalningen är försenad" not in _pypdf_text((root / after[0].path).read_bytes())


def test_only_a_coordinator_or_the_command_line_archives_a_compilation(seeded, app, make_user):
    reader = make_user(Role.reader)
    with pytest.raises(editing.NotAllowed):
        archive_compilation(seeded, app.config["SCORECARD_DIR"], service.get_year(seeded, 2016), actor=reader)
    assert seeded.exec(select(ArchivedDocument)).all() == []


@pytest.fixture
def archived(seeded, app):
    return archive_compilation(seeded, app.config["SCORECARD_DIR"], service.get_year(seeded, 2016), actor=COORDINATOR)


def test_the_word_file_downloads_as_word_and_the_archive_lists_the_year(archived, client, login, make_user):
    login(make_user(Role.coordinator))
    pdf, word = archived
    response = client.get(f"/arkiv/dokument/{word.id}")
    assert response.status_code == 200 and response.mimetype == DOCX
    assert response.data.startswith(b"PK")
    assert "sammanstallning-word-2016-v1.docx" in response.headers["Content-Disposition"]
    response = client.get(f"/arkiv/dokument/{pdf.id}")
    assert response.mimetype == "application/pdf" and "sammanstallning-2016-v1.pdf" in response.headers[
        "Content-Disposition"]
    page = client.get("/arkiv/").text
    funds = page[page.index('id="funds-heading"'):]
    assert "Utvecklingsmedel för arbetet mot våld i nära relationer 2016" in funds
    assert f"/arkiv/dokument/{pdf.id}" in funds and f"/arkiv/dokument/{word.id}" in funds
    assert "Word, version 1" in funds


@pytest.mark.parametrize("role", [Role.reader, Role.admin])
def test_readers_and_admins_download_the_compilation(archived, client, login, make_user, role):
    login(make_user(role))
    assert client.get(f"/arkiv/dokument/{archived[1].id}").status_code == 200


def test_a_contact_neither_sees_nor_downloads_the_compilation(archived, seeded, client, login, make_user):
    skarholmen = seeded.exec(select(Organisation).where(Organisation.slug == "skarholmen")).one()
    login(make_user(Role.contact, orgs=[skarholmen]))
    for document in archived:
        assert client.get(f"/arkiv/dokument/{document.id}").status_code == 403
    page = client.get("/arkiv/")
    assert page.status_code == 200 and 'id="funds-heading"' not in page.text
