"""Scheduled work of the programme reports: offering the final report when a programme's last tertial has closed."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from tracker.archive.listing import report_programs
from tracker.archive.models import ArchivedDocument, DocumentKind
from tracker.notifications.jobs import counted
from tracker.notifications.models import NotificationKind
from tracker.notifications.reminders import active_coordinators
from tracker.notifications.service import notify, render_email
from tracker.programs.models import Program
from tracker.reports import service


def programmes_due(session: Session) -> list[tuple[Program, Any]]:
    """Programmes whose last tertial has closed and that have no archived final report, with that tertial."""
    archived = set(session.exec(select(ArchivedDocument.program_id)
                                .where(ArchivedDocument.kind == DocumentKind.final).distinct()).all())
    due = []
    for program in report_programs(session):
        if program.id in archived:
            continue
        try:
            _first, last = service.final_range(session, program)
        except service.ReportRangeError:
            continue  # not over yet
        due.append((program, last))
    return due


def offer_final_reports(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """Tell the coordinators once that a programme's final report can be generated."""
    due = programmes_due(session)
    if not due:
        return "Inget program väntar på sin slutrapport."
    coordinators = active_coordinators(session)
    parts = []
    for program, last in due:
        subject = f"Slutrapporten för {program.short_name} kan skapas"
        recorded = 0
        for user in coordinators:
            text, html = render_email("final_report_due", user=user, program=program, period=last, subject=subject)
            recorded += notify(session, user=user, kind=NotificationKind.final_report_due, key=program.slug,
                               subject=subject, text=text, html=html) is not None
        if recorded:
            parts.append(f"{program.short_name}: {counted(recorded, 'avisering registrerad', 'aviseringar registrerade')}.")
        elif coordinators:
            parts.append(f"{program.short_name}: samordnarna har redan fått aviseringen.")
        else:
            parts.append(f"{program.short_name}: ingen aktiv samordnare att avisera.")
    session.commit()
    return "Slutrapport kan skapas – " + " ".join(parts)
