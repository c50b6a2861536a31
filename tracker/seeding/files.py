"""Read and validate the seed files; every problem names the file, row and field."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tracker.organisations.models import OrganisationCreate
from tracker.periods.service import Deadline, parse_period_code
from tracker.programs.models import ProgramBase

DISTRICTS_TOKEN = "@stadsdelsnamnderna"
LINE_KEY = "__line__"


class SeedError(Exception):
    """A seed file is wrong; nothing was loaded."""

    def __init__(self, path: Path, line: int | None, problem: str, row: int | None = None):
        where = f"{path.name}"
        if row is not None:
            where += f", post {row}"
        if line is not None:
            where += f" (rad {line})"
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.row, self.problem = path, line, row, problem


class StrictSeed(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganisationSeed(OrganisationCreate):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
    organisations: list[Located] = field(default_factory=list)
    programs: list[Located] = field(default_factory=list)
    goals: dict[str, list[Located]] = field(default_factory=dict)  # program slug → goals
    activities: dict[str, list[Located]] = field(default_factory=dict)  # program slug → rows
    periods: Located | None = None
    effect_goals: dict[str, list[Located]] = field(default_factory=dict)  # program slug → effect goals


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SeedError(path, mark.line + 1 if mark else None, f"ogiltig YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise SeedError(path, None, "filen är inte UTF-8") from exc
    if not isinstance(data, dict):
        raise SeedError(path, 1, "filen ska innehålla en YAML-mappning")
    return data


def validate(model: type[BaseModel], raw: Any, path: Path, row: int | None, line: int | None = None):
    if not isinstance(raw, dict):
        raise SeedError(path, line, "posten ska vara en mappning (nyckel: värde)", row)
    line = raw.get(LINE_KEY, line)
    data = _without_lines(raw)
    try:
        return model.model_validate(data), line
    except ValidationError as exc:
        raise SeedError(path, line, _describe(exc), row) from None


def _without_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [_without_lines(v) for v in value]
    return value


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = ".".join(str(p) for p in error["loc"]) or "posten"
        if error["type"] == "extra_forbidden":
            parts.append(f"okänt fält '{location}'")
        elif error["type"] == "missing":
            parts.append(f"fältet '{location}' saknas")
        else:
            parts.append(f"fältet '{location}': {error['msg']} (värde: {error.get('input')!r})")
    return "; ".join(parts)


def rows(data: dict[str, Any], key: str, path: Path) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise SeedError(path, data.get(LINE_KEY), f"listan '{key}' saknas")
    return value


def to_deadline(seed: DeadlineSeed) -> Deadline:
    return Deadline(seed.month, seed.day, seed.next_year)
