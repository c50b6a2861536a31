"""Telling readers and contacts that new styrkort and reports are in the archive.

A notice is about a *document set*: the styrkort of one programme and tertial, or one programme
report (a halvtidsrapport up to a tertial, an årlig sammanställning, a slutrapport). Its key names
the set, never a version, so a regeneration or one organisation's styrkort made again notifies
nobody twice, while the next tertial's set is new. Readers hear of a tertial's styrkort once every
responsible organisation's is archived (one organisation's made first, to check it, does not tell
leadership the tertial is out) and get every link of the set; a contact hears of their own
organisations' styrkort as soon as one is there (and of nothing else: the archive gives contacts
only their own styrkort). Coordinators and admins make the documents and are not told. Funds
compilations are not announced. The notice has titles and links only, no figures.

Emails link with the app's address (BASE_URL) and the page's path, as the other areas' emails do:
generation runs in jobs and commands, with no request to build URLs from.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlmodel import Session, col, func, select

from tracker.accounts.models import Role, User, UserOrganisation
from tracker.archive.models import DOCUMENT_KIND_LABELS, ArchivedDocument, DocumentKind
from tracker.notifications.models import NotificationKind
from tracker.notifications.service import notify, render_email
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Program

log = logging.getLogger(__name__)

REPORT_KINDS = (DocumentKind.midterm, DocumentKind.annual, DocumentKind.final)
ANNOUNCED_KINDS = frozenset({DocumentKind.scorecard, *REPORT_KINDS})
ARCHIVE_PATH = "/arkiv/"


def download_path(document_id: int) -> str:
    return f"/arkiv/dokument/{document_id}"  # archive.download


@dataclass(frozen=True)
class DocumentSet:
    """What one notice is about: a kind of document of one programme up to one tertial."""

    kind: DocumentKind
    program: Program
    period: ReportingPeriod  # the styrkort's tertial, a report's last

    @property
    def key(self) -> str:
        """The notification key (at most 8 + 80 + 8 characters: it fits Notification.key)."""
        if self.kind == DocumentKind.final:
            return f"final:{self.program.slug}"
        return f"{self.kind}:{self.program.slug}/{self.period.code}"

    @property
    def subject(self) -> str:
        name, period = self.program.short_name, self.period.label
        return {DocumentKind.scorecard: f"Nya styrkort: {name}, {period}",
                DocumentKind.midterm: f"Ny halvtidsrapport: {name}, till och med {period}",
                DocumentKind.annual: f"Ny årlig sammanställning: {name}, {self.period.year}",
                DocumentKind.final: f"Ny slutrapport: {name}"}[self.kind]

    def intro(self, *, own: bool = False) -> str:
        """The notice's first sentence; `own` for a contact's own organisations' styrkort."""
        name, period = self.program.name, self.period.label
        if self.kind == DocumentKind.scorecard:
            whose = "Styrkort för din organisation" if own else "Styrkorten"
            return f"{whose} för {period} i {name} finns nu i arkivet."
        return {DocumentKind.midterm: f"Halvtidsrapporten för {name}, till och med {period}, finns nu i arkivet.",
                DocumentKind.annual: (f"Den årliga sammanställningen för {self.period.year} i {name}, "
                                      f"till och med {period}, finns nu i arkivet."),
                DocumentKind.final: f"Slutrapporten för {name} finns nu i arkivet."}[self.kind]


class Link(NamedTuple):
    title: str
    path: str
    organisation_id: int | None


def announce(session: Session, documents: list[ArchivedDocument]) -> int:
    """Notify each reader and contact once about a set of newly archived documents; returns how many.

    Runs after the documents are committed and commits its own work. It never fails
    the generation: a problem is logged and rolled back, and since nothing was
    recorded, the next generation of the same set announces it.
    """
    announced = [d for d in documents if DocumentKind(d.kind) in ANNOUNCED_KINDS]
    if not announced:
        return 0
    if not has_app_context():  # emails need the app's templates and address
        log.warning("Nya dokument i arkivet annonserades inte: ingen app-kontext.")
        return 0
    try:
        readers = session.exec(select(User).where(User.role == Role.reader, col(User.active))
                               .order_by(User.id)).all()
        recorded = sum(_announce_set(session, document_set, new, readers=readers)
                       for document_set, new in _sets(session, announced))
        session.commit()
    except Exception:  # noqa: BLE001  (the documents are archived; the notices can wait for the next run)
        session.rollback()
        log.exception("Aviseringar om nya dokument i arkivet kunde inte registreras.")
        return 0
    return recorded


def _sets(session: Session, documents: list[ArchivedDocument]) -> list[tuple[DocumentSet, list[ArchivedDocument]]]:
    """The document sets among the documents, each with its documents of this generation."""
    grouped: dict[tuple, list[ArchivedDocument]] = defaultdict(list)
    for document in documents:
        grouped[DocumentKind(document.kind), document.program_id, document.period_id].append(document)
    programs = _by_id(session, Program, {program_id for _, program_id, _ in grouped})
    periods = _by_id(session, ReportingPeriod, {period_id for _, _, period_id in grouped})
    return [(DocumentSet(kind, programs[program_id], periods[period_id]), new)
            for (kind, program_id, period_id), new in sorted(grouped.items(), key=lambda item: item[1][0].id)]


def _announce_set(session: Session, document_set: DocumentSet, new: list[ArchivedDocument], *,
                  readers: list[User]) -> int:
    """Notify the readers (a styrkort set once it is complete) and the contacts concerned; how many were new."""
    links = _links(session, document_set, new)
    recorded = 0
    if document_set.kind != DocumentKind.scorecard or _complete(session, document_set, links):
        for reader in readers:
            recorded += _notify(session, reader, document_set, links, own=False)
    # Contacts are told of their own organisations' styrkort: the archive gives them nothing else.
    if document_set.kind == DocumentKind.scorecard:
        concerned = {document.organisation_id for document in new}
        for contact, organisation_ids in _contacts(session, concerned):
            own = [link for link in links if link.organisation_id in organisation_ids]
            recorded += _notify(session, contact, document_set, own, own=True)
    return recorded


def _links(session: Session, document_set: DocumentSet, new: list[ArchivedDocument]) -> list[Link]:
    """The set's documents: every archived styrkort of the programme and tertial (newest version of each,
    by organisation), or the report just made."""
    if document_set.kind != DocumentKind.scorecard:
        newest = max(new, key=lambda document: document.version)
        title = f"{DOCUMENT_KIND_LABELS[document_set.kind]} – {document_set.program.name}"
        return [Link(title, download_path(newest.id), None)]
    newest_ids = (select(func.max(ArchivedDocument.id))
                  .where(ArchivedDocument.kind == DocumentKind.scorecard,
                         ArchivedDocument.program_id == document_set.program.id,
                         ArchivedDocument.period_id == document_set.period.id)
                  .group_by(ArchivedDocument.key))
    rows = session.exec(
        select(ArchivedDocument.id, ArchivedDocument.organisation_id, Organisation.name)
        .join(Organisation, col(Organisation.id) == ArchivedDocument.organisation_id)
        .where(col(ArchivedDocument.id).in_(newest_ids)).order_by(Organisation.name)
    ).all()
    return [Link(f"Styrkort – {name}", download_path(document_id), organisation_id)
            for document_id, organisation_id, name in rows]


def _complete(session: Session, document_set: DocumentSet, links: list[Link]) -> bool:
    """Whether every organisation responsible in the programme and tertial has its styrkort archived."""
    from tracker.archive.generation import scorecard_subjects  # generation imports this module

    responsible = {subject.organisation_id for subject in scorecard_subjects(session, period=document_set.period)
                   if subject.program_id == document_set.program.id}
    return responsible <= {link.organisation_id for link in links}


def _contacts(session: Session, organisation_ids: set[int]) -> list[tuple[User, set[int]]]:
    """The active contacts of the organisations, each with which of them they report for."""
    rows = session.exec(
        select(User, UserOrganisation.organisation_id)
        .join(UserOrganisation, col(UserOrganisation.user_id) == User.id)
        .where(User.role == Role.contact, col(User.active),
               col(UserOrganisation.organisation_id).in_(organisation_ids or {-1}))
        .order_by(User.id)
    ).all()
    contacts: dict[int, tuple[User, set[int]]] = {}
    for user, organisation_id in rows:
        contacts.setdefault(user.id, (user, set()))[1].add(organisation_id)
    return list(contacts.values())


def _notify(session: Session, user: User, document_set: DocumentSet, links: list[Link], *, own: bool) -> int:
    if not links:
        return 0
    base_url = current_app.config["BASE_URL"]
    text, html = render_email("documents_published", user=user, subject=document_set.subject,
                              intro=document_set.intro(own=own), links=links, base_url=base_url,
                              archive_path=ARCHIVE_PATH, contact=user.role == Role.contact)
    return notify(session, user=user, kind=NotificationKind.documents_published, key=document_set.key,
                  subject=document_set.subject, text=text, html=html) is not None


def _by_id(session: Session, model, ids: set[int]) -> dict:
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids or {-1})))}
