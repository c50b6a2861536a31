"""Nämnder and bolag: the organisations that are responsible for commitments."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.i18n import N_, LabelledEnum

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class OrgKind(LabelledEnum):
    district = "district", N_("Stadsdelsnämnd")
    committee = "committee", N_("Facknämnd")
    company = "company", N_("Bolag")


ORG_KIND_LABELS = OrgKind.labels()


class OrganisationBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field(min_length=1, max_length=100)
    slug: str = Field(min_length=1, max_length=80, schema_extra={"pattern": SLUG_PATTERN})
    kind: OrgKind = Field(sa_type=sa.String(20))
    active: bool = True
    note: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)
    # Nämnder are merged and renamed: the days the organisation existed (None: open-ended).
    valid_from: date | None = None
    valid_to: date | None = None

    def existed_in(self, year: int) -> bool:
        """Whether the organisation existed at some time during the year."""
        return ((self.valid_from is None or self.valid_from.year <= year)
                and (self.valid_to is None or self.valid_to.year >= year))


class Organisation(OrganisationBase, table=True):
    __table_args__ = (
        sa.CheckConstraint("kind IN ('district', 'committee', 'company')", name="kind"),
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="validity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200, unique=True)
    successor_id: int | None = Field(default=None, foreign_key="organisation.id")  # who took over its work


class OrganisationCreate(OrganisationBase):
    """Validated input for a new organisation."""
