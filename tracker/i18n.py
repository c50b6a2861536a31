"""Marking UI texts for translation where they cannot be translated yet.

Label dictionaries (STATUS_LABELS, ROLE_LABELS, …) are module-level and are
also used outside requests (PDFs, the CLI), so they stay plain Swedish
strings. `N_` only marks them for `pybabel extract -k N_`; they are
translated where they are shown, e.g. `{{ _(STATUS_LABELS[s]) }}` in a
template or `gettext(label)` in a view.
"""
from __future__ import annotations

from enum import StrEnum


def N_(text: str) -> str:
    """Return the text unchanged; it is only marked for extraction into the catalog."""
    return text


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry their Swedish label (marked with `N_`): `Role.admin.label`.

    The value and its label are declared together, so no label dictionary can miss a member.
    """

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[LabelledEnum, str]:
        """Every member and its label, in declaration order."""
        return {member: member.label for member in cls}
