"""What the seed files hold (validated input), and what the seed has created so that it never recreates it."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlmodel
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session, SQLModel, select

from tracker.clock import utcnow
from tracker.db import UTCDateTime
from tracker.organisations.models import OrganisationCreate
from tracker.periods.service import Deadline, parse_period_code
from tracker.programs.models import ProgramBase

DISTRICTS_TOKEN = "@stadsdelsnamnderna"  # in `responsible`: every district


class SeedRecord(SQLModel, table=True):
    """The seed created entity `kind` for seed key `key` (once, ever)."""

    __table_args__ = (sa.UniqueConstraint("kind", "key"),)

    id: int | None = sqlmodel.Field(default=None, primary_key=True)
    kind: str = sqlmodel.Field(max_length=40)
    key: str = sqlmodel.Field(max_length=200)
    entity_id: int
    created_at: datetime = sqlmodel.Field(default_factory=utcnow, sa_type=UTCDateTime)


class SeedLedger:
    """The SeedRecord table, read once per run: what the seed has created, and what this run creates."""

    def __init__(self, session: Session):
        self.session = session
        self.records: dict[tuple[str, str], int] = {
            (r.kind, r.key): r.entity_id for r in session.exec(select(SeedRecord))}
        self.created: Counter[str] = Counter()

    def known(self, kind: str, key: str) -> int | None:
        """The id of what the seed once created under this key (None: never created)."""
        return self.records.get((kind, key))

    def remember(self, kind: str, key: str, entity_id: int, *, created: bool) -> None:
        """Record the key as done, for good; `created` False when an existing entity was adopted."""
        self.session.add(SeedRecord(kind=kind, key=key, entity_id=entity_id))
        self.records[(kind, key)] = entity_id
        if created:
            self.created[kind] += 1


# The seed files' entries

class StrictSeed(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganisationSeed(OrganisationCreate):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    successor: str | None = Field(default=None, min_length=1, max_length=80)  # slug of who took over its work


class GoalSeed(StrictSeed):
    code: str = Field(min_length=1, max_length=20)
    number: int | None = Field(default=None, ge=1, le=99)
    title: str = Field(min_length=1, max_length=500)


class ProgramSeed(ProgramBase):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ActivitySeed(StrictSeed):
    key: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")
    goal: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=1000)
    description: str | None = Field(default=None, max_length=5000)
    recipients: str | None = Field(default=None, max_length=500)
    time_frame: str = Field(min_length=1, max_length=200)
    responsible: list[str] = Field(min_length=1)
    target_groups: list[str] = Field(default_factory=list)
    partners: list[str] = Field(default_factory=list)
    note: str | None = Field(default=None, max_length=5000)

    @field_validator("time_frame", mode="before")
    @classmethod
    def _year_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class DeadlineSeed(StrictSeed):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    next_year: bool = False

    def deadline(self) -> Deadline:
        return Deadline(self.month, self.day, self.next_year)


class PeriodsSeed(StrictSeed):
    first: str
    last: str
    deadlines: dict[int, DeadlineSeed]

    @field_validator("first", "last")
    @classmethod
    def _code(cls, value: str) -> str:
        parse_period_code(value)
        return value


@dataclass
class Located:
    """A validated seed row with where it came from."""

    value: Any
    path: Path
    row: int
    line: int | None


@dataclass
class SeedBundle:
    """Every seed file, validated and cross-checked, before anything is written."""

    organisations: list[Located] = field(default_factory=list)
    programs: list[Located] = field(default_factory=list)
    goals: dict[str, list[Located]] = field(default_factory=dict)  # program slug → goals
    activities: dict[str, list[Located]] = field(default_factory=dict)  # program slug → rows
    periods: Located | None = None
    effect_goals: dict[str, list[Located]] = field(default_factory=dict)  # program slug → effect goals
    fund_years: list[Located] = field(default_factory=list)  # development funds, see tracker.funds.seeding
