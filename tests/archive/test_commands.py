"""`tracker scorecards generate` and `tracker reports …` write the archive and print what they wrote."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from sqlmodel import select

from tracker.archive.models import ArchivedDocument


def _paths(output: str) -> list[Path]:
    return [Path(line.split("  (version")[0]) for line in output.splitlines() if "(version" in line]


def test_generate_a_tertials_styrkort_prints_the_paths(runner, app, archive_setup, session):
    result = runner.invoke(args=["scorecards", "generate", "--period", "2023-T2", "--workers", "1"])
    assert result.exit_code == 0, result.output
    root = app.config["SCORECARD_DIR"]
    assert _paths(result.output) == [root / "program-mot-vald/2023-T2/enskede.pdf",
                                     root / "program-mot-vald/2023-T2/farsta.pdf"]
    assert "versioner/farsta.v1.pdf" in result.output
    text = PdfReader(BytesIO((root / "program-mot-vald/2023-T2/farsta.pdf").read_bytes())).pages[0].extract_text()
    assert "Farsta stadsdelsnämnd" in text
    documents = session.exec(select(ArchivedDocument)).all()
    assert {d.generated_by_label.split(" ")[0] for d in documents} == {"kommandoraden"}


def test_generate_one_organisation_again_makes_a_new_version(runner, archive_setup):
    for version in (1, 2):
        result = runner.invoke(args=["scorecards", "generate", "--period", "2023-T2", "--org", "farsta"])
        assert result.exit_code == 0, result.output
        assert f"(version {version}:" in result.output
        assert len(_paths(result.output)) == 1


def test_bad_arguments_get_a_clear_message(runner, archive_setup):
    for args, message in [
        (["scorecards", "generate", "--period", "2023-T7"], "är ingen tertial"),
        (["scorecards", "generate", "--period", "2019-T1"], "finns inte i kalendern"),
        (["scorecards", "generate", "--period", "2023-T2", "--org", "okand"], "ingen organisation med slug"),
        (["reports", "halvtidsrapport", "--to", "2023-T2", "--program", "okant"], "inget program med slug"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        assert message in result.output
        assert "Traceback" not in result.output


def test_reports_are_written_beside_the_styrkort(runner, app, archive_setup):
    result = runner.invoke(args=["reports", "halvtidsrapport", "--to", "2023-T2"])
    assert result.exit_code == 0, result.output
    root = app.config["SCORECARD_DIR"]
    assert _paths(result.output) == [root / "program-mot-vald/2023-T2/halvtidsrapport.pdf"]
    result = runner.invoke(args=["reports", "annual", "--year", "2023", "--program", "program-mot-vald"])
    assert result.exit_code == 0, result.output
    [annual] = _paths(result.output)
    assert annual.name == "arlig-sammanstallning-2023.pdf"
    assert annual.exists()


def test_a_failed_document_is_named_and_the_written_ones_are_listed(runner, archive_setup, enskede_fails):
    result = runner.invoke(args=["scorecards", "generate", "--period", "2023-T2", "--workers", "1"])
    assert result.exit_code == 1
    assert [path.name for path in _paths(result.output)] == ["farsta.pdf"]
    assert "1 av 2 dokument kunde inte skapas" in result.output and "enskede: trasig data" in result.output
