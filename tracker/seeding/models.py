"""What the seed has created, so that it never recreates or overwrites."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime


class SeedRecord(SQLModel, table=True):
    """The seed created entity `kind` for seed key `key` (once, ever)."""

    __table_args__ = (sa.UniqueConstraint("kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    key: str = Field(max_length=200)
    entity_id: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
