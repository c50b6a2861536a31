"""User accounts, roles, the organisations a contact reports for, sessions and login attempts."""
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
    publication_opt_out: bool = False  # no emails about new styrkort and reports in the archive

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


class UserSession(SQLModel, table=True):
    """One login on one device, checked on every request: ending it logs that device out.

    The cookie carries a random token; the database keeps only its SHA-256, so a copy of the
    table logs nobody in.
    """

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=20)  # see tracker.accounts.sessions


class LoginAttempt(SQLModel, table=True):
    """A password checked at login, for throttling per account and per address (every worker reads the same rows)."""

    __table_args__ = (
        sa.Index("ix_loginattempt_account_at", "account", "at"),
        sa.Index("ix_loginattempt_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    # A keyed hash of the email as typed: a password typed into the email field is not kept.
    account: str = Field(max_length=64)
    address: str = Field(max_length=64)  # the client's address (from X-Forwarded-For only behind a configured proxy)
    succeeded: bool
