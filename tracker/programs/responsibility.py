"""Who is responsible for an activity: organisations assigned and unassigned, recorded in the audit log.

A commitment is deactivated, never deleted, so that its reports are kept
and come back when the organisation is made responsible again.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.organisations.models import Organisation
from tracker.programs.editing import ProgramError
from tracker.programs.models import Activity, Commitment
from tracker.programs.service import report_count, responsible_organisations


class ConfirmationNeeded(ProgramError):
    """Unassigning would leave reports behind: the coordinator must confirm first."""

    def __init__(self, message: str, *, reports: int):
        super().__init__(message)
        self.reports = reports


def assign(session: Session, *, activity: Activity, organisation: Organisation, actor: Any) -> Commitment:
    """Make an organisation responsible for an activity (reactivates an old commitment)."""
    return assign_many(session, activity=activity, organisations=[organisation], actor=actor)[0]


def assign_many(
    session: Session, *, activity: Activity, organisations: list[Organisation], actor: Any
) -> list[Commitment]:
    """Make each organisation responsible for the activity; one query, one flush."""
    existing = {
        c.organisation_id: c
        for c in session.exec(select(Commitment).where(Commitment.activity_id == activity.id))
    }
    changed, result = [], []
    for organisation in organisations:
        commitment = existing.get(organisation.id)
        if commitment is None:
            commitment = Commitment(activity_id=activity.id, organisation_id=organisation.id)
            existing[organisation.id] = commitment
        elif commitment.active:
            result.append(commitment)
            continue
        else:
            commitment.active, commitment.deactivated_at = True, None
        session.add(commitment)
        changed.append((commitment, organisation))
        result.append(commitment)
    session.flush()
    for commitment, organisation in changed:
        audit.record(session, actor=actor, action="commitment.assigned", entity=commitment,
                     after={"activity_id": activity.id, "organisation": organisation.slug})
    return result


def assign_by_slugs(session: Session, *, activity: Activity, slugs: list[str], actor: Any) -> list[Organisation]:
    """Make the organisations with these slugs responsible; returns those that were not already."""
    if not activity.active:
        raise ProgramError(_("Aktiviteten är avslutad. Återaktivera den innan du lägger till ansvariga."),
                           field="organisation")
    wanted = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    if not wanted:
        raise ProgramError(_("Välj minst en organisation."), field="organisation")
    found = {o.slug: o for o in session.exec(select(Organisation).where(Organisation.slug.in_(wanted)))}
    unknown = [s for s in wanted if s not in found]
    if unknown:
        raise ProgramError(_("Okänd organisation: %(organisations)s.", organisations=", ".join(unknown)),
                           field="organisation")
    inactive = [found[s].short_name for s in wanted if not found[s].active]
    if inactive:
        raise ProgramError(_("Inaktiva organisationer kan inte bli ansvariga: %(organisations)s.",
                             organisations=", ".join(inactive)), field="organisation")
    already = {o.id for o in responsible_organisations(session, activity)}
    organisations = [found[s] for s in wanted]
    try:
        assign_many(session, activity=activity, organisations=organisations, actor=actor)
    except IntegrityError:
        raise ProgramError(_("Någon annan ändrade de ansvariga samtidigt. Ladda om sidan och försök igen."),
                           field="organisation") from None
    return [o for o in organisations if o.id not in already]


def unassign(
    session: Session, *, activity: Activity, organisation: Organisation, actor: Any, confirmed: bool = False
) -> int:
    """End an organisation's responsibility for an activity; returns how many reports it keeps.

    The commitment is deactivated, never deleted. When it has reports the
    coordinator must confirm (ConfirmationNeeded says how many there are).
    """
    commitment = session.exec(
        select(Commitment).where(Commitment.activity_id == activity.id,
                                 Commitment.organisation_id == organisation.id, Commitment.active)
    ).first()
    if commitment is None:
        raise ProgramError(_("%(org)s är inte ansvarig för aktiviteten.", org=organisation.short_name),
                           field="organisation")
    count = report_count(session, commitment)
    if count and not confirmed:
        raise ConfirmationNeeded(
            ngettext("%(num)d rapport finns; de sparas och åtagandet avaktiveras. %(org)s kan göras ansvarig igen "
                     "senare och får då tillbaka sina rapporter.",
                     "%(num)d rapporter finns; de sparas och åtagandet avaktiveras. %(org)s kan göras ansvarig igen "
                     "senare och får då tillbaka sina rapporter.", count, org=organisation.short_name),
            reports=count,
        )
    deactivate_commitment(session, commitment=commitment, actor=actor)
    session.flush()
    return count


def deactivate_commitment(session: Session, *, commitment: Commitment, actor: Any) -> None:
    """End an organisation's responsibility; its reports are kept."""
    if not commitment.active:
        return
    commitment.active, commitment.deactivated_at = False, utcnow()
    session.add(commitment)
    audit.record(session, actor=actor, action="commitment.deactivated", entity=commitment,
                 before={"active": True}, after={"active": False})
