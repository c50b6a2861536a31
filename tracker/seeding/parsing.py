"""One seed file read into validated rows; every problem names the file, entry and line."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tracker.seeding.models import DISTRICTS_TOKEN, SeedBundle

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


def program_of(data: dict[str, Any], bundle: SeedBundle, path: Path) -> str:
    """The slug of the programme a per-programme file is about; it must be in programs.yaml."""
    slug = data.get("program")
    if slug not in bundle.goals:
        raise SeedError(path, data.get(LINE_KEY), f"okänt program {slug!r}")
    return slug


def check_unique(seen: dict[str, int], key: str, path: Path, row: int, line: int | None, what: str) -> None:
    """Refuse a key given twice in a file; `seen` remembers the entry of each key so far."""
    if key in seen:
        raise SeedError(path, line, f"dubblett: {what} {key!r} finns redan i post {seen[key]}", row)
    seen[key] = row


def check_responsible(tokens: list[str], org_slugs: set[str], path: Path, row: int, line: int | None) -> None:
    """Every responsible organisation must be in organisations.yaml (or be all districts)."""
    for token in tokens:
        if token != DISTRICTS_TOKEN and token not in org_slugs:
            raise SeedError(path, line, f"okänd organisation {token!r} i responsible", row)
