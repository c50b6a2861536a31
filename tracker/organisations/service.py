"""Reading organisations."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Activity, Commitment
from tracker.reporting.models import ReportState, ReportStatus, StatusReport
from tracker.seeding.service import DEMO_SLUG_PREFIX


def get_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.slug == slug)).first()


def list_with_commitment_counts(session: Session) -> list[tuple[Organisation, int]]:
    """Every organisation with its number of active commitments on active activities (one query)."""
    count = func.count(Commitment.id).filter(Commitment.active, Activity.active)
    rows = session.exec(
        select(Organisation, count)
        .outerjoin(Commitment, Commitment.organisation_id == Organisation.id)
        .outerjoin(Activity, Commitment.activity_id == Activity.id)
        .group_by(Organisation.id)
        .order_by(Organisation.kind, Organisation.name)
    ).all()
    return [(org, n) for org, n in rows]


def real_and_demo(rows: list[tuple[Organisation, int]]) -> tuple[list[tuple[Organisation, int]],
                                                                 list[tuple[Organisation, int]]]:
    """Split organisation rows into the real ones and the synthetic demo ones (slugs with DEMO_SLUG_PREFIX)."""
    real = [(org, n) for org, n in rows if not org.slug.startswith(DEMO_SLUG_PREFIX)]
    demo = [(org, n) for org, n in rows if org.slug.startswith(DEMO_SLUG_PREFIX)]
    return real, demo


@dataclass(frozen=True)
class LatestStatus:
    """A commitment's status in the latest tertial it has a submitted report for."""

    status: ReportStatus | None
    year: int
    number: int

    @property
    def period_label(self) -> str:
        return f"Tertial {self.number} {self.year}"

    @property
    def period_code(self) -> str:
        return f"{self.year}-T{self.number}"


def latest_statuses(session: Session, organisation_id: int) -> dict[int, LatestStatus]:
    """Each of the organisation's commitments with its latest submitted status (one query).

    Drafts are work in progress and are not shown as a commitment's status.
    """
    rank = func.row_number().over(
        partition_by=StatusReport.commitment_id,
        order_by=(ReportingPeriod.year.desc(), ReportingPeriod.number.desc()),
    ).label("rank")
    ranked = (
        select(StatusReport.commitment_id, StatusReport.status, ReportingPeriod.year, ReportingPeriod.number, rank)
        .join(ReportingPeriod, StatusReport.period_id == ReportingPeriod.id)
        .join(Commitment, StatusReport.commitment_id == Commitment.id)
        .where(Commitment.organisation_id == organisation_id, StatusReport.state == ReportState.submitted)
        .subquery()
    )
    rows = session.exec(
        select(ranked.c.commitment_id, ranked.c.status, ranked.c.year, ranked.c.number).where(ranked.c.rank == 1)
    ).all()
    return {
        commitment_id: LatestStatus(ReportStatus(status) if status else None, year, number)
        for commitment_id, status, year, number in rows
    }
