"""Nämnder and bolag: the organisations that are responsible for commitments."""
from __future__ import annotations

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


class Organisation(OrganisationBase, table=True):
    __table_args__ = (
        sa.CheckConstraint("kind IN ('district', 'committee', 'company')", name="kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200, unique=True)


class OrganisationCreate(OrganisationBase):
    """Validated input for a new organisation."""
