"""`tracker funds compilation --year` archives the PDF and the Word file and prints where they are."""
from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path

import docx
from pypdf import PdfReader
from sqlmodel import select

from tracker.archive.models import ArchivedDocument, DocumentKind


def _written(output: str) -> list[tuple[Path, Path]]:
    """(newest file, this version's file) for each line the command printed."""
    lines = [line for line in output.splitlines() if "(version" in line]
    return [(Path(line.split("  (version")[0]), Path(line.split(": ", 1)[1].rstrip(")"))) for line in lines]


def test_each_run_writes_a_new_version_of_both_files(runner, app, seeded):
    root = app.config["SCORECARD_DIR"]
    result = runner.invoke(args=["funds", "compilation", "--year", "2016"])
    assert result.exit_code == 0, result.output
    assert _written(result.output) == [
        (root / "utvecklingsmedel/2016/sammanstallning.pdf",
         root / "utvecklingsmedel/2016/versioner/sammanstallning.v1.pdf"),
        (root / "utvecklingsmedel/2016/sammanstallning-word.docx",
         root / "utvecklingsmedel/2016/versioner/sammanstallning-word.v1.docx")]
    again = runner.invoke(args=["funds", "compilation", "--year", "2016"])
    assert again.exit_code == 0, again.output
    assert [version.name for _latest, version in _written(again.output)] == ["sammanstallning.v2.pdf",
                                                                           "sammanstallning-word.v2.docx"]

    documents = seeded.exec(select(ArchivedDocument).order_by(ArchivedDocument.id)).all()
    assert [(d.kind, d.version) for d in documents] == [
        (DocumentKind.funds_compilation, 1), (DocumentKind.funds_compilation_docx, 1),
        (DocumentKind.funds_compilation, 2), (DocumentKind.funds_compilation_docx, 2)]
    assert len({d.id for d in documents}) == 4
    assert {d.key for d in documents if d.kind == DocumentKind.funds_compilation} == {
        "utvecklingsmedel/2016/sammanstallning"}
    for document in documents:
        data = (root / document.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == document.checksum
        assert document.generated_by_label.startswith("kommandoraden")
    pdf_v2, word_v2 = documents[2:]
    assert (root / "utvecklingsmedel/2016/sammanstallning.pdf").read_bytes() == (root / pdf_v2.path).read_bytes()
    text = PdfReader(BytesIO((root / pdf_v2.path).read_bytes())).pages[0].extract_text().replace("\xa0", " ")
    assert "3 166 133 kr" in text
    headings = [p.text for p in docx.Document(root / word_v2.path).paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "Sammanfattning"


def test_an_unknown_year_gets_a_clear_message_and_writes_nothing(runner, app, seeded):
    result = runner.invoke(args=["funds", "compilation", "--year", "1999"])
    assert result.exit_code != 0
    assert "Det finns inget bidragsår 1999 för utvecklingsmedel. Bidragsår som finns: 2016, 2021, 2022." in result.output
    assert "Traceback" not in result.output
    assert seeded.exec(select(ArchivedDocument)).all() == []
    assert not (app.config["SCORECARD_DIR"] / "utvecklingsmedel").exists()


def test_the_year_is_required(runner, seeded):
    result = runner.invoke(args=["funds", "compilation"])
    assert result.exit_code != 0 and "--year" in result.output
