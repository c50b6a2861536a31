"""Filtering the compact rows of Mina åtaganden and the organisation reporting page (GET `goal` and `state`)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tracker.i18n import N_

# A report's state in the tertial as the rows show it and the filter chooses it; "missing": no report saved.
ROW_STATES = {"missing": N_("Ej rapporterad"), "draft": N_("Utkast"), "submitted": N_("Inlämnad")}


@dataclass(frozen=True)
class RowFilter:
    """Which commitments a list shows: one goal's, in one state; None lets everything through."""

    goal: int | None = None
    state: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> RowFilter:
        """The filter of a query string; values it does not know are ignored (the list shows all)."""
        raw_goal = str(args.get("goal") or "").strip()
        goal = int(raw_goal) if raw_goal.isdigit() and len(raw_goal) < 10 else None
        state = args.get("state")
        return cls(goal=goal, state=state if state in ROW_STATES else None)

    @property
    def active(self) -> bool:
        return self.goal is not None or self.state is not None

    def matches(self, *, goal: int, state: str) -> bool:
        return (self.goal is None or self.goal == goal) and (self.state is None or self.state == state)


@dataclass(frozen=True)
class GoalChoice:
    id: int
    number: int | None
    title: str
    program: str


def goal_choices(sections: Iterable[Any]) -> list[GoalChoice]:
    """The goals of the sections' commitments, once each, in the order the lists show them."""
    seen: dict[int, GoalChoice] = {}
    for section in sections:
        for goal, _editors in section.goals:
            seen.setdefault(goal.goal.id, GoalChoice(goal.goal.id, goal.goal.number, goal.goal.title,
                                                     goal.program.short_name))
    return list(seen.values())
