"""Which styrkort a tertial needs, and generating them (serially and over worker processes)."""
from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlmodel import select

from tracker.archive import generation
from tracker.archive import service as archive
from tracker.archive.models import ArchivedDocument
from tracker.organisations.models import Organisation
from tracker.reporting.models import StatusReport


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_a_tertial_needs_a_styrkort_for_each_responsible_organisation(session, archive_setup, make_program):
    make_program("slutat", start_year=2019, end_year=2020)  # not running in 2023: no styrkort
    subjects = generation.scorecard_subjects(session, period=archive_setup.period)
    assert [s.key for s in subjects] == ["program-mot-vald/2023-T2/enskede", "program-mot-vald/2023-T2/farsta"]


def test_an_organisation_without_commitments_asked_for_by_name_gets_one_that_says_so(session, archive_setup, tmp_path):
    nobody = session.exec(select(Organisation).where(Organisation.slug == "inget-ansvar")).one()
    subjects = generation.scorecard_subjects(session, period=archive_setup.period, organisation=nobody)
    assert [s.key for s in subjects] == ["program-mot-vald/2023-T2/inget-ansvar"]
    [document] = generation.generate(session, tmp_path, subjects, generated_by_id=None, generated_by_label="test")
    text = _text(archive.read(tmp_path, document))
    assert "Nämnd utan åtaganden" in text
    assert "har inga åtaganden" in text


def test_generate_archives_readable_pdfs_with_their_data_version(session, archive_setup, tmp_path):
    subjects = generation.scorecard_subjects(session, period=archive_setup.period)
    seen = []
    documents = generation.generate(session, tmp_path, subjects, generated_by_id=None, generated_by_label="test",
                                    progress=seen.append)
    assert len(seen) == 2
    farsta = next(d for d in documents if d.key.endswith("/farsta"))
    text = _text(archive.read(tmp_path, farsta))
    assert "Farsta stadsdelsnämnd" in text and "Tertial 2 2023" in text
    assert "Två utbildningar är genomförda i år." in text
    assert farsta.page_count == len(PdfReader(BytesIO(archive.read(tmp_path, farsta))).pages)
    again = generation.generate(session, tmp_path, subjects[1:], generated_by_id=None, generated_by_label="test")
    assert again[0].version == 2
    assert again[0].data_version == farsta.data_version  # same data, same data version


def test_the_data_version_changes_with_the_data(session, archive_setup, tmp_path):
    subject = generation.scorecard_subjects(session, period=archive_setup.period, organisation=archive_setup.farsta)
    [before] = generation.generate(session, tmp_path, subject, generated_by_id=None, generated_by_label="test")
    report = session.exec(select(StatusReport)).one()
    report.comment = "Tre utbildningar är genomförda."
    session.commit()
    [after] = generation.generate(session, tmp_path, subject, generated_by_id=None, generated_by_label="test")
    assert after.data_version != before.data_version


def test_one_failing_document_does_not_stop_the_others(session, archive_setup, tmp_path, enskede_fails):
    subjects = generation.scorecard_subjects(session, period=archive_setup.period)
    with pytest.raises(generation.GenerationFailed, match="1 av 2 dokument kunde inte skapas.*enskede.*trasig data"):
        generation.generate(session, tmp_path, subjects, generated_by_id=None, generated_by_label="test")
    assert [d.key for d in session.exec(select(ArchivedDocument))] == ["program-mot-vald/2023-T2/farsta"]


def test_worker_processes_generate_the_same_documents(session, archive_setup, tmp_path):
    subjects = generation.scorecard_subjects(session, period=archive_setup.period)
    serial = generation.generate(session, tmp_path / "serial", subjects, generated_by_id=None,
                                 generated_by_label="test")
    parallel = generation.generate(session, tmp_path / "parallel", subjects, generated_by_id=None,
                                   generated_by_label="test", workers=2)
    assert sorted((d.key, d.data_version) for d in parallel) == sorted((d.key, d.data_version) for d in serial)
    for document in parallel:
        assert "Tertial 2 2023" in _text(archive.read(tmp_path / "parallel", document))
