"""Reading organisations."""
from __future__ import annotations

from sqlmodel import Session, func, select

from tracker.organisations.models import Organisation
from tracker.programs.models import Commitment


def get_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.slug == slug)).first()


def list_with_commitment_counts(session: Session) -> list[tuple[Organisation, int]]:
    """Every organisation with its number of active commitments (one query)."""
    count = func.count(Commitment.id).filter(Commitment.active)
    rows = session.exec(
        select(Organisation, count)
        .outerjoin(Commitment, Commitment.organisation_id == Organisation.id)
        .group_by(Organisation.id)
        .order_by(Organisation.kind, Organisation.name)
    ).all()
    return [(org, n) for org, n in rows]
