"""The city's compilation of a grant year as archived documents: a PDF and a Word file, versioned together.

What they say is `outline`; how they look is `pdf` and `docx`.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from tracker import clock
from tracker.archive import service as archive
from tracker.archive.models import ArchivedDocument, DocumentKind
from tracker.archive.service import Rendered, Subject
from tracker.audit import service as audit
from tracker.funds import compilation as compilation_data
from tracker.funds import ledger as ledger_data
from tracker.funds import service
from tracker.funds.compilation import Compilation
from tracker.funds.docx import build_compilation_docx
from tracker.funds.editing import require_coordinator
from tracker.funds.models import FundYear
from tracker.funds.outline import outline
from tracker.funds.pdf import build_compilation_pdf

KINDS = (DocumentKind.funds_compilation, DocumentKind.funds_compilation_docx)


def fingerprint(comp: Compilation) -> str:
    """A checksum of what the documents say: the same data gives the same data version."""
    content = json.dumps([[type(block).__name__, asdict(block)] for block in outline(comp)], sort_keys=True,
                         ensure_ascii=False, default=str)
    return hashlib.sha256(content.encode()).hexdigest()


# --- Archiving --------------------------------------------------------------------------------------------------

def compilation_key(fund_year: FundYear, kind: DocumentKind) -> str:
    """`utvecklingsmedel/2016/sammanstallning` (PDF) and `…/sammanstallning-word` (Word)."""
    name = "sammanstallning-word" if kind == DocumentKind.funds_compilation_docx else "sammanstallning"
    return f"utvecklingsmedel/{fund_year.year}/{name}"


def archive_compilation(session: Session, root: Path, fund_year: FundYear, *, actor: Any,
                        actor_label: str | None = None) -> list[ArchivedDocument]:
    """Build the year's compilation as PDF and Word and archive each as its next version; commits.

    `actor` None is the command line (audited as the system, or as `actor_label`); a user must be a coordinator.
    Both files are built before either is stored, so a failure stores neither.
    """
    if actor is not None:
        require_coordinator(actor)
    data_as_of, generated_on = clock.utcnow(), clock.today()
    comp = compilation_data.build_compilation(
        ledger_data.build_ledger(service.load_year(session, fund_year), today=generated_on))
    data_version = fingerprint(comp)
    pdf, pages = build_compilation_pdf(comp, generated_on=generated_on)
    docx = build_compilation_docx(comp, generated_on=generated_on)
    label = actor_label or getattr(actor, "email", None) or audit.SYSTEM_ACTOR
    documents = []
    for kind, content, page_count in ((KINDS[0], pdf, pages), (KINDS[1], docx, 0)):
        subject = Subject(kind, compilation_key(fund_year, kind), fund_year_id=fund_year.id)
        documents.append(archive.store(
            session, root, subject=subject,
            rendered=Rendered(pdf=content, page_count=page_count, data_version=data_version, data_as_of=data_as_of),
            generated_by_id=getattr(actor, "id", None), generated_by_label=label))
    audit.record(session, actor=actor, actor_label=label, action="funds.compilation_archived", entity=fund_year,
                 after={"year": fund_year.year, "data_version": data_version,
                        "documents": [{"id": d.id, "key": d.key, "version": d.version, "checksum": d.checksum}
                                      for d in documents]})
    session.commit()
    return documents


def compilation_versions(session: Session, fund_year: FundYear) -> list[ArchivedDocument]:
    """Every archived version of the year's compilation, PDF and Word, newest first."""
    return list(session.exec(
        select(ArchivedDocument).where(ArchivedDocument.fund_year_id == fund_year.id,
                                       col(ArchivedDocument.kind).in_([k.value for k in KINDS]))
        .order_by(col(ArchivedDocument.generated_at).desc(), col(ArchivedDocument.id).desc())))

