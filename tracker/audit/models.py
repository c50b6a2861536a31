"""Append-only audit trail: who changed what, when, from what to what."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime


class AuditEvent(SQLModel, table=True):
    """One change; rows are never updated or deleted (guarded in ORM and database)."""

    __append_only__ = True

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor_label: str = Field(max_length=320)
    action: str = Field(max_length=100)
    entity_type: str = Field(max_length=60)
    entity_id: str | None = Field(default=None, max_length=60)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
