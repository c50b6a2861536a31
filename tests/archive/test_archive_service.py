"""The archive keeps every version of a document, byte for byte, with its checksum."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.archive.conftest import fake_rendered
from tracker.archive import service as archive
from tracker.archive.models import ArchivedDocument, DocumentKind
from tracker.archive.service import Subject
from tracker.audit.service import AppendOnlyError


def _subject(setup) -> Subject:
    key = archive.scorecard_key(setup.program.slug, setup.period.code, setup.farsta.slug)
    return Subject(DocumentKind.scorecard, key, setup.program.id, setup.period.id,
                   organisation_id=setup.farsta.id)


def _store(session, root, setup, text_: str) -> ArchivedDocument:
    return archive.store(session, root, subject=_subject(setup), rendered=fake_rendered(text_),
                         generated_by_id=None, generated_by_label="test")


def test_store_writes_the_version_file_and_the_latest_copy(session, tmp_path, archive_setup):
    document = _store(session, tmp_path, archive_setup, "första")

    assert document.version == 1
    assert document.path == "program-mot-vald/2023-T2/versioner/farsta.v1.pdf"
    assert (tmp_path / document.path).read_bytes() == "%PDF-1.4 första".encode()
    assert (tmp_path / "program-mot-vald/2023-T2/farsta.pdf").read_bytes() == "%PDF-1.4 första".encode()
    assert document.checksum == hashlib.sha256("%PDF-1.4 första".encode()).hexdigest()
    assert document.size_bytes == len("%PDF-1.4 första".encode())
    assert list((tmp_path / "program-mot-vald/2023-T2").glob(".tmp-*")) == []


def test_regenerating_keeps_the_earlier_version(session, tmp_path, archive_setup):
    first = _store(session, tmp_path, archive_setup, "första")
    second = _store(session, tmp_path, archive_setup, "andra")

    assert (first.version, second.version) == (1, 2)
    assert archive.read(tmp_path, first) == "%PDF-1.4 första".encode()
    assert archive.read(tmp_path, second) == b"%PDF-1.4 andra"
    assert (tmp_path / "program-mot-vald/2023-T2/farsta.pdf").read_bytes() == b"%PDF-1.4 andra"
    versions = archive.versions(session, [first.key])[first.key]
    assert [d.version for d in versions] == [2, 1]


def test_a_changed_or_missing_file_is_refused_with_a_message(session, tmp_path, archive_setup):
    document = _store(session, tmp_path, archive_setup, "original")
    (tmp_path / document.path).write_bytes(b"%PDF-1.4 manipulerad")
    with pytest.raises(archive.ArchiveError, match="kontrollsumman stämmer inte"):
        archive.read(tmp_path, document)
    (tmp_path / document.path).unlink()
    with pytest.raises(archive.ArchiveError, match="saknas i arkivet"):
        archive.read(tmp_path, document)


def test_archived_documents_are_append_only(session, tmp_path, archive_setup):
    document = _store(session, tmp_path, archive_setup, "original")
    document.checksum = "0" * 64
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE archiveddocument SET checksum = 'x' WHERE id = :id"), {"id": document.id})
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM archiveddocument WHERE id = :id"), {"id": document.id})
    session.rollback()


def test_a_failed_commit_leaves_no_file_behind(session, tmp_path, archive_setup, monkeypatch):
    def refuse():
        raise RuntimeError("databasen svarar inte")

    monkeypatch.setattr(session, "commit", refuse)
    with pytest.raises(RuntimeError):
        _store(session, tmp_path, archive_setup, "försök")
    assert list(tmp_path.rglob("*.pdf")) == []


def test_download_names_say_what_the_file_is(session, tmp_path, archive_setup):
    document = _store(session, tmp_path, archive_setup, "x")
    assert archive.download_name(document) == "farsta-2023-T2-v1.pdf"
    key = archive.report_key(DocumentKind.annual, "program-mot-vald", "2023-T3")
    assert key == "program-mot-vald/2023-T3/arlig-sammanstallning-2023"
