"""The yearly input rows: what each goal's form shows, and reading what was sent.

The rules (what figures are valid, who may save) live in `editing`; these
classes only carry state to the templates. Field names are plain (`numerator`,
`note`, …); ids are made unique per goal (`g12-numerator`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from tracker.effect_goals import display
from tracker.effect_goals.models import EffectGoal, Measurement
from tracker.organisations.models import Organisation

# The yearly input: one row (a component that replaces itself) per goal.

FIGURES = ("numerator", "denominator")
TEXTS = ("source", "note")


@dataclass
class Notice:
    kind: str  # saved, error, conflict
    text: str


@dataclass
class MeasurementEditor:
    goal: EffectGoal
    organisation: Organisation
    year: int
    values: dict[str, str]  # what the form shows: the saved figures, or what the user sent
    version: int | None
    saved: Measurement | None = None
    errors: dict[str, str] = field(default_factory=dict)
    notice: Notice | None = None
    conflict: Measurement | None = None
    names: dict[int, str] = field(default_factory=dict)

    @property
    def dom_id(self) -> str:
        return f"goal-{self.goal.id}"

    def field_id(self, name: str) -> str:
        return f"g{self.goal.id}-{name}"

    @property
    def fields(self) -> tuple[str, ...]:
        figures = FIGURES if self.goal.denominator_label is not None else FIGURES[:1]
        return figures + TEXTS

    @property
    def first_error(self) -> str | None:
        return next((name for name in self.fields if name in self.errors), None)

    @property
    def target(self) -> str:
        return display.target_text(self.goal, _)

    def name_of(self, user_id: int | None) -> str:
        return self.names.get(user_id, _("okänd användare")) if user_id else _("okänd användare")


def values_of(measurement: Measurement | None) -> dict[str, str]:
    """The saved figures as the form shows them (empty where nothing is saved)."""
    if measurement is None:
        return {name: "" for name in FIGURES + TEXTS}
    return {name: "" if getattr(measurement, name) is None else str(getattr(measurement, name))
            for name in FIGURES + TEXTS}


def sent_values(form) -> dict[str, str]:
    """What the user sent, to show back unchanged when it was not saved."""
    return {name: form.get(name, "") for name in FIGURES + TEXTS}


def parse_year(raw: str | None) -> int | None:
    """A year from a form or query ("" is None); ValueError if it is not a year."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise ValueError(raw)
    return int(raw)


def default_year(years: list[int], this_year: int) -> int | None:
    """Figures for a year are reported the year after: last year's, if the programmes cover it."""
    earlier = [y for y in years if y < this_year]
    return max(earlier) if earlier else max(years, default=None)
