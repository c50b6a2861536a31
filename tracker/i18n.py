"""Marking UI texts for translation where they cannot be translated yet.

Label dictionaries (STATUS_LABELS, ROLE_LABELS, …) are module-level and are
also used outside requests (PDFs, the CLI), so they stay plain Swedish
strings. `N_` only marks them for `pybabel extract -k N_`; they are
translated where they are shown, e.g. `{{ _(STATUS_LABELS[s]) }}` in a
template or `gettext(label)` in a view.
"""
from __future__ import annotations


def N_(text: str) -> str:
    """Return the text unchanged; it is only marked for extraction into the catalog."""
    return text
