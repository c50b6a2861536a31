"""Write audit events; the trail is append-only."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, SQLModel

from tracker.audit.models import AuditEvent

SYSTEM_ACTOR = "system"


class AppendOnlyError(RuntimeError):
    """Somebody tried to change or delete an append-only row."""


def record(
    session: Session,
    *,
    actor: Any | None,
    action: str,
    entity: SQLModel | None = None,
    entity_type: str | None = None,
    entity_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Add an audit event to the session (committed with the change it describes)."""
    if entity is not None:
        entity_type = entity_type or entity.__tablename__
        entity_id = entity_id if entity_id is not None else getattr(entity, "id", None)
    changes: dict[str, Any] = {}
    if before is not None:
        changes["before"] = _jsonable(before)
    if after is not None:
        changes["after"] = _jsonable(after)
    audit_event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or getattr(actor, "email", None) or SYSTEM_ACTOR,
        action=action,
        entity_type=entity_type or "",
        entity_id=None if entity_id is None else str(entity_id),
        changes=changes,
    )
    session.add(audit_event)
    return audit_event


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Return only the fields that changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        out[key] = value
    return out


@event.listens_for(Session, "before_flush")
def _refuse_append_only_changes(session, _flush_context, _instances) -> None:
    """Refuse, in the ORM too, to flush updates or deletes of append-only rows."""
    for obj in session.deleted:
        if getattr(obj, "__append_only__", False):
            raise AppendOnlyError(f"{type(obj).__name__} is append-only")
    for obj in session.dirty:
        if getattr(obj, "__append_only__", False) and session.is_modified(obj):
            raise AppendOnlyError(f"{type(obj).__name__} is append-only")
