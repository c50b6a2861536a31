"""User accounts, roles and the organisations a contact reports for."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime
from tracker.i18n import N_, LabelledEnum

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Role(LabelledEnum):
    admin = "admin", N_("Administratör")
    coordinator = "coordinator", N_("Samordnare")
    contact = "contact", N_("Kontaktperson")
    reader = "reader", N_("Läsare")


ROLE_LABELS = Role.labels()


class UserBase(SQLModel):
    email: str = Field(min_length=3, max_length=320, schema_extra={"pattern": EMAIL_PATTERN})
    name: str = Field(min_length=1, max_length=200)
    role: Role = Field(sa_type=sa.String(20))


class User(UserBase, table=True):
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('admin', 'coordinator', 'contact', 'reader')", name="role"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    password_hash: str = Field(default="", max_length=300)  # "" until the invitation is accepted
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    digest_opt_out: bool = False  # no digest emails (reminders are always sent)

    # Flask-Login's user interface.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]


class UserCreate(UserBase):
    """Validated input for a new user."""

    password: str = Field(min_length=10, max_length=200)


class UserOrganisation(SQLModel, table=True):
    """A contact reports for this organisation."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)
