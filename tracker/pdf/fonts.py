"""The embedded fonts, registered on first use, and the symbols they can draw."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")

# Stand-ins for symbols a fallback font lacks; the text label always stands beside the symbol.
SYMBOL_FALLBACKS = {"○": "∘", "◐": "◊", "△": "∆", "●": "•", "✕": "×", "↑": "^", "↓": "v", "↔": "~", "⚠": "!",
                    "✓": "+", "✗": "×"}


class Fonts(NamedTuple):
    regular: str
    bold: str
    italic: str


def register_fonts(directory: Path) -> Fonts:
    """Embed DejaVu Sans where the machine has it, else ReportLab's own Vera (fewer symbols)."""
    files = [directory / f"DejaVuSans{suffix}.ttf" for suffix in ("", "-Bold", "-Oblique")]
    if all(path.exists() for path in files):
        names = Fonts("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique")
    else:
        names, files = Fonts("Vera", "VeraBd", "VeraIt"), ["Vera.ttf", "VeraBd.ttf", "VeraIt.ttf"]
    for name, path in zip(names, files, strict=True):
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(names.regular, normal=names.regular, bold=names.bold, italic=names.italic,
                                  boldItalic=names.bold)
    return names


@cache
def fonts() -> Fonts:
    """The house fonts, registered with ReportLab the first time a PDF needs them (reading a TTF is slow)."""
    return register_fonts(DEJAVU)


def symbol_table(*names: str) -> dict[str, str]:
    """Each symbol, or its stand-in where one of the fonts lacks it."""
    faces = [pdfmetrics.getFont(name).face for name in names]
    return {char: char if all(ord(char) in face.charToGlyph for face in faces) else stand_in
            for char, stand_in in SYMBOL_FALLBACKS.items()}


@cache
def _symbols() -> dict[str, str]:
    return symbol_table(fonts().regular, fonts().bold)


def symbol(char: str) -> str:
    """The symbol, or a stand-in the embedded font can draw."""
    return _symbols().get(char, char)
