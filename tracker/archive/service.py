"""The archive: every generated document is kept as a numbered version, recorded with its checksum.

Layout under the archive root (TRACKER_SCORECARD_DIR, default `scorecards/`):

    <programme>/<year>-T<n>/<org-slug>.pdf              the newest version, for browsing the folder
    <programme>/<year>-T<n>/versioner/<org-slug>.v3.pdf  every version, never changed
    utvecklingsmedel/<year>/sammanstallning.pdf          a grant year's compilation (and its
    utvecklingsmedel/<year>/sammanstallning-word.docx    Word file), versioned the same way

The database row points at the version file, so a download always gives the
bytes that were generated then, checked against the recorded checksum.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from tracker.archive.models import ArchivedDocument, DocumentKind
from tracker.clock import utcnow

VERSIONS_FOLDER = "versioner"
MIDTERM_NAME = "halvtidsrapport"
ANNUAL_NAME = "arlig-sammanstallning-{year}"
FINAL_NAME = "slutrapport"


class ArchiveError(Exception):
    """A document cannot be stored or read back; the message is Swedish, for the user."""


@dataclass(frozen=True)
class Rendered:
    """A rendered document and what it was built from (`pdf` holds the file's bytes, a Word file for a .docx kind)."""

    pdf: bytes
    page_count: int
    data_version: str
    data_as_of: datetime


@dataclass(frozen=True)
class Subject:
    """Which document: the key (without version) and what it belongs to."""

    kind: DocumentKind
    key: str
    program_id: int | None = None  # a programme document: its programme and (last) tertial
    period_id: int | None = None
    first_period_id: int | None = None
    organisation_id: int | None = None
    fund_year_id: int | None = None  # a funds document: its grant year


def scorecard_key(program_slug: str, period_code: str, org_slug: str) -> str:
    return f"{program_slug}/{period_code}/{org_slug}"


def report_key(kind: DocumentKind, program_slug: str, last_code: str) -> str:
    """E.g. `program-mot-vald-2021-2025/2025-T3/slutrapport`: filed under the report's last tertial."""
    names = {DocumentKind.midterm: MIDTERM_NAME, DocumentKind.final: FINAL_NAME}
    name = names.get(DocumentKind(kind)) or ANNUAL_NAME.format(year=last_code[:4])
    return f"{program_slug}/{last_code}/{name}"


WORD_SUFFIX = ".docx"
MIMETYPES = {".pdf": "application/pdf",
             WORD_SUFFIX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def suffix_of(kind: DocumentKind) -> str:
    """The file type of a kind of document: every kind is a PDF but the compilation's Word file."""
    return WORD_SUFFIX if kind == DocumentKind.funds_compilation_docx else ".pdf"


def mimetype_of(document: ArchivedDocument) -> str:
    return MIMETYPES[suffix_of(DocumentKind(document.kind))]


def latest_path(key: str, suffix: str = ".pdf") -> Path:
    return Path(f"{key}{suffix}")


def version_path(key: str, version: int, suffix: str = ".pdf") -> Path:
    folder, name = key.rsplit("/", 1)
    return Path(folder) / VERSIONS_FOLDER / f"{name}.v{version}{suffix}"


def latest_path_of(document: ArchivedDocument) -> Path:
    """Where the newest version of the document's key is kept for browsing the folder."""
    return latest_path(document.key, suffix_of(DocumentKind(document.kind)))


def store(session: Session, root: Path, *, subject: Subject, rendered: Rendered, generated_by_id: int | None,
          generated_by_label: str, job_id: int | None = None, attempts: int = 3) -> ArchivedDocument:
    """Record the next version of the document and write its files; commits.

    Two generations of the same document at once both succeed, one as the next
    version (the unique key + version decides). If the record cannot be
    committed, the file written for it is removed again.
    """
    suffix = suffix_of(subject.kind)
    for attempt in range(attempts):
        version = (session.exec(select(func.max(ArchivedDocument.version))
                                .where(ArchivedDocument.key == subject.key)).one() or 0) + 1
        document = ArchivedDocument(
            key=subject.key, version=version, kind=subject.kind, program_id=subject.program_id,
            period_id=subject.period_id, first_period_id=subject.first_period_id,
            organisation_id=subject.organisation_id, fund_year_id=subject.fund_year_id,
            path=str(version_path(subject.key, version, suffix)),
            checksum=hashlib.sha256(rendered.pdf).hexdigest(), size_bytes=len(rendered.pdf),
            page_count=rendered.page_count, data_version=rendered.data_version, data_as_of=rendered.data_as_of,
            generated_at=utcnow(), generated_by_id=generated_by_id, generated_by_label=generated_by_label,
            job_id=job_id,
        )
        session.add(document)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            if attempt == attempts - 1:
                raise
            continue
        target = root / document.path
        _write_atomically(target, rendered.pdf)
        try:
            session.commit()
        except Exception:
            target.unlink(missing_ok=True)
            raise
        _write_atomically(root / latest_path(subject.key, suffix), rendered.pdf)
        return document
    raise AssertionError("unreachable")


def _write_atomically(target: Path, data: bytes) -> None:
    """Write to a temporary file beside the target and rename it over: readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read(root: Path, document: ArchivedDocument) -> bytes:
    """The document's bytes, checked against the recorded checksum."""
    path = root / document.path
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArchiveError(f"Filen {document.path} saknas i arkivet.") from None
    if hashlib.sha256(data).hexdigest() != document.checksum:
        raise ArchiveError(f"Filen {document.path} har ändrats sedan den skapades (kontrollsumman stämmer inte).")
    return data


def get(session: Session, document_id: int) -> ArchivedDocument | None:
    return session.get(ArchivedDocument, document_id)


def versions(session: Session, keys: Iterable[str]) -> dict[str, list[ArchivedDocument]]:
    """Every version of each document, newest first."""
    keys = list(keys)
    out: dict[str, list[ArchivedDocument]] = {key: [] for key in keys}
    if keys:
        for document in session.exec(select(ArchivedDocument).where(ArchivedDocument.key.in_(keys))
                                     .order_by(ArchivedDocument.key, ArchivedDocument.version.desc())):
            out[document.key].append(document)
    return out


def download_name(document: ArchivedDocument) -> str:
    """A file name that says what the file is, e.g. `farsta-2023-T2-v2.pdf`, `sammanstallning-word-2016-v1.docx`."""
    folder, name = document.key.rsplit("/", 1)
    return f"{name}-{folder.rsplit('/', 1)[-1]}-v{document.version}{suffix_of(DocumentKind(document.kind))}"
