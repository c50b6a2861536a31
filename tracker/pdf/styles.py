"""The house look: colours, paragraph styles, and how user text, dates and statuses are printed."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from tracker.clock import STOCKHOLM
from tracker.pdf.fonts import fonts, symbol
from tracker.reporting.models import STATUS_LABELS, STATUS_SYMBOLS, ReportStatus

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#4a4a4a")  # 8.9:1 on white
LINE = colors.HexColor("#b0b0b0")
HEAD_BG = colors.HexColor("#e9ecef")
WARN = colors.HexColor("#a00000")  # 8.6:1 on white, 7.6:1 on WARN_BG
WARN_BG = colors.HexColor("#fdecea")

# The HTML page's status colours; each keeps text contrast of at least 6.5:1 on white.
STATUS_COLORS: dict[ReportStatus | None, colors.Color] = {None: MUTED, **{
    ReportStatus(status): colors.HexColor(value) for status, value in {
        "not_started": "#4a4a4a", "in_progress": "#0b4fa0", "deviation": "#8a3b00", "done": "#1d6b34",
        "cancelled": "#5b3b7a"}.items()}}


@cache
def _styles() -> dict[str, ParagraphStyle]:
    regular, bold, _italic = fonts()

    def make(name: str, size: float, *, font: str = regular, leading: float | None = None, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.3,
                              **{"textColor": INK, **kw})

    styles = {
        "title": make("title", 22, font=bold, spaceAfter=6),
        "h1": make("h1", 16, font=bold, spaceBefore=10, spaceAfter=6, keepWithNext=1),
        "h2": make("h2", 13, font=bold, spaceBefore=10, spaceAfter=4, keepWithNext=1),
        "h3": make("h3", 11, font=bold, spaceBefore=8, spaceAfter=3, keepWithNext=1),
        "h4": make("h4", 10, font=bold, spaceBefore=6, spaceAfter=2, keepWithNext=1),
        "body": make("body", 9.5, spaceAfter=4),
        "label": make("label", 8.5, font=bold, spaceBefore=3, keepWithNext=1, textColor=MUTED),
        "meta": make("meta", 8.5, spaceAfter=2, textColor=MUTED),
        "cell": make("cell", 8.5),
        "cell_head": make("cell_head", 8.5, font=bold),
        "warning": make("warning", 9.5, font=bold, textColor=WARN, backColor=WARN_BG, borderColor=WARN,
                        borderWidth=1, borderPadding=(2, 4, 2, 4), spaceBefore=4, spaceAfter=6, keepWithNext=1),
        "toc0": make("toc0", 10, font=bold, leading=14, spaceBefore=4),
        "toc1": make("toc1", 9, leading=12, leftIndent=14),
    }
    return styles | {
        "cell_head_right": ParagraphStyle("cell_head_right", parent=styles["cell_head"], alignment=TA_RIGHT),
        # Kept with a table longer than the page, a heading would push both to a new page: reserve room instead.
        "h1_over_table": ParagraphStyle("h1_over_table", parent=styles["h1"], keepWithNext=0),
        "h2_over_table": ParagraphStyle("h2_over_table", parent=styles["h2"], keepWithNext=0),
        "labelled_text": ParagraphStyle("labelled_text", parent=styles["body"], spaceBefore=4),
    }


def paragraph_style(name: str) -> ParagraphStyle:
    """The house paragraph style `name`; the fonts are registered on first use."""
    return _styles()[name]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """User text as ReportLab mini-markup that prints literally; newlines stay line breaks."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\n", "<br/>")


def para(text: str, style: str = "body") -> Paragraph:
    """A paragraph printing `text` literally (user text is never markup)."""
    return Paragraph(escape(text), paragraph_style(style))


def format_date(value: date) -> str:
    return value.isoformat()


def format_datetime(value: datetime) -> str:
    """Stockholm wall-clock time, e.g. 2023-09-05 14:02; a naive value is taken as UTC."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def status_text(status: ReportStatus | None, label: str | None = None) -> str:
    """Symbol and label, e.g. "● Genomförd"; None is "– Ej rapporterad"."""
    if status is None:
        return f"– {label or 'Ej rapporterad'}"
    return f"{symbol(STATUS_SYMBOLS[status])} {label or STATUS_LABELS[status]}"


def status_markup(status: ReportStatus | None, label: str | None = None) -> str:
    """The status as coloured mini-markup, for use inside a Paragraph."""
    return f'<font color="{STATUS_COLORS[status].hexval()}">{escape(status_text(status, label))}</font>'
