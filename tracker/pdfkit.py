"""The shared kit for the archived PDFs: fonts, styles, page template, status cells, charts.

Pure ReportLab, no Flask: a builder makes a story of flowables and `build_pdf` returns the bytes."""
# pdfkit: ready
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab import rl_config
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle

from tracker.reporting.models import STATUS_LABELS, STATUS_SYMBOLS, ReportStatus

# Streams stay binary (zlib only): ASCII85 on top costs time and a quarter more bytes for nothing we need.
rl_config.useA85 = 0
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _register_fonts(directory: Path) -> tuple[str, str, str]:
    """Embed DejaVu Sans where the machine has it, else ReportLab's own Vera (fewer symbols)."""
    files = [directory / f"DejaVuSans{suffix}.ttf" for suffix in ("", "-Bold", "-Oblique")]
    if all(path.exists() for path in files):
        names = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique")
    else:
        names, files = ("Vera", "VeraBd", "VeraIt"), ["Vera.ttf", "VeraBd.ttf", "VeraIt.ttf"]
    for name, path in zip(names, files, strict=True):
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(names[0], normal=names[0], bold=names[1], italic=names[2], boldItalic=names[1])
    return names


FONT, FONT_BOLD, FONT_ITALIC = _register_fonts(Path("/usr/share/fonts/truetype/dejavu"))

# Stand-ins for symbols a fallback font lacks; the text label always stands beside the symbol.
SYMBOL_FALLBACKS = {"○": "∘", "◐": "◊", "△": "∆", "●": "•", "✕": "×", "↑": "^", "↓": "v", "↔": "~", "⚠": "!"}


def _symbol_table(*fonts: str) -> dict[str, str]:
    faces = [pdfmetrics.getFont(name).face for name in fonts]
    return {char: char if all(ord(char) in face.charToGlyph for face in faces) else stand_in
            for char, stand_in in SYMBOL_FALLBACKS.items()}


_SYMBOLS = _symbol_table(FONT, FONT_BOLD)


def symbol(char: str) -> str:
    """The symbol, or a stand-in the embedded font can draw."""
    return _SYMBOLS.get(char, char)


(PAGE_WIDTH, PAGE_HEIGHT), MARGIN = A4, 2 * cm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
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


def _style(name: str, size: float, *, font: str = FONT, leading: float | None = None, **kw) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.3, **{"textColor": INK, **kw})


STYLES: dict[str, ParagraphStyle] = {
    "title": _style("title", 22, font=FONT_BOLD, spaceAfter=6),
    "h1": _style("h1", 16, font=FONT_BOLD, spaceBefore=10, spaceAfter=6, keepWithNext=1),
    "h2": _style("h2", 13, font=FONT_BOLD, spaceBefore=10, spaceAfter=4, keepWithNext=1),
    "h3": _style("h3", 11, font=FONT_BOLD, spaceBefore=8, spaceAfter=3, keepWithNext=1),
    "h4": _style("h4", 10, font=FONT_BOLD, spaceBefore=6, spaceAfter=2, keepWithNext=1),
    "body": _style("body", 9.5, spaceAfter=4),
    "label": _style("label", 8.5, font=FONT_BOLD, spaceBefore=3, keepWithNext=1, textColor=MUTED),
    "meta": _style("meta", 8.5, spaceAfter=2, textColor=MUTED),
    "cell": _style("cell", 8.5),
    "cell_head": _style("cell_head", 8.5, font=FONT_BOLD),
    "warning": _style("warning", 9.5, font=FONT_BOLD, textColor=WARN, backColor=WARN_BG, borderColor=WARN,
                      borderWidth=1, borderPadding=(2, 4, 2, 4), spaceBefore=4, spaceAfter=6, keepWithNext=1),
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """User text as ReportLab mini-markup that prints literally; newlines stay line breaks."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\n", "<br/>")


def para(text: str, style: str | ParagraphStyle = "body") -> Paragraph:
    """A paragraph printing `text` literally (user text is never markup)."""
    return Paragraph(escape(text), STYLES[style] if isinstance(style, str) else style)


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


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Plain text broken on spaces and newlines; a word wider than the line is cut where it must be."""
    lines = []
    for line in simpleSplit(text, font, size, width) or [""]:
        while (line_width := pdfmetrics.stringWidth(line, font, size)) > width and len(line) > 1:
            cut = max(1, min(len(line) - 1, int(len(line) * width / line_width)))
            while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


class ColouredText(Flowable):
    """Plain text in one colour, wrapped on words: a cheap table cell that needs no markup parsing."""

    def __init__(self, text: str, color: colors.Color = INK, *, style: str = "cell") -> None:
        super().__init__()
        self.text, self.color, self.style = text, color, STYLES[style]
        self._wrapped_for: float | None = None  # tables wrap a cell several times at one width

    def wrap(self, avail_width, avail_height):
        if avail_width != self._wrapped_for:
            s = self.style
            self._lines = wrap_lines(self.text, s.fontName, s.fontSize, avail_width)
            self.width = max(pdfmetrics.stringWidth(line, s.fontName, s.fontSize) for line in self._lines)
            self.height, self._wrapped_for = len(self._lines) * s.leading, avail_width
        return self.width, self.height

    def draw(self):
        _draw_lines(self.canv, self._lines, self.height, 0, self.style, self.color)


def _draw_lines(canvas: Canvas, lines: list[str], top: float, x: float, style: ParagraphStyle, color) -> None:
    canvas.setFillColor(color)
    canvas.setFont(style.fontName, style.fontSize)
    baseline = top - style.fontSize - (style.leading - style.fontSize) / 2 + 1
    for i, line in enumerate(lines):
        canvas.drawString(x, baseline - i * style.leading, line)


class FactList(Flowable):
    """Label–value pairs beside a rule, like an HTML <dl>; far lighter than a Table, and splits between pairs."""

    def __init__(self, facts: Sequence[tuple[str, str, colors.Color]], *, label_width: float = 2.8 * cm) -> None:
        super().__init__()
        self.facts, self.label_width = list(facts), label_width
        self._rows: list[tuple[list[str], float]] = []

    def wrap(self, avail_width, avail_height):
        if avail_width != self.width or not self._rows:  # kept together with its heading, it is wrapped twice
            s, value_width = STYLES["cell"], avail_width - self.label_width - 6
            lines = [wrap_lines(text, s.fontName, s.fontSize, value_width) for _, text, _ in self.facts]
            self._rows = [(row, len(row) * s.leading + 2) for row in lines]
            self.width, self.height = avail_width, sum(height for _, height in self._rows)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        self.wrap(avail_width, avail_height)
        count = sum(1 for used in accumulate(height for _, height in self._rows) if used <= avail_height)
        if count in (0, len(self.facts)):
            return []
        return [FactList(part, label_width=self.label_width) for part in (self.facts[:count], self.facts[count:])]

    def draw(self):
        canvas, top, x = self.canv, self.height, self.label_width + 6
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        canvas.line(self.label_width, 0, self.label_width, self.height)
        for (label, _, color), (lines, height) in zip(self.facts, self._rows, strict=True):
            _draw_lines(canvas, [label], top - 1, 0, STYLES["cell_head"], MUTED)
            _draw_lines(canvas, lines, top - 1, x, STYLES["cell"], color)
            top -= height


def status_cell(status: ReportStatus | None, label: str | None = None, *, style: str = "cell") -> ColouredText:
    """A status as symbol + text in its colour: never colour alone."""
    return ColouredText(status_text(status, label), STATUS_COLORS[status], style=style)


def data_table(rows: list[list], col_widths: Sequence[float], *, header_rows: int = 1,
               styles: Sequence[tuple] = ()) -> Table:
    """A table in the house look whose header rows repeat on every page it spans."""
    table = Table(rows, colWidths=list(col_widths), repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 8.5, 11), ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *([("FONT", (0, 0), (-1, header_rows - 1), FONT_BOLD, 8.5, 11),
           ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG)] if header_rows else []),
        *styles,
    ]))
    return table


def bar_chart(bars: Sequence[tuple[str, int, colors.Color]], *, width: float = 8 * cm) -> Drawing:
    """Horizontal bars (label, count, colour), first on top, each with its count beside it."""
    labels, counts, _ = zip(*bars, strict=True)
    label_width = max(pdfmetrics.stringWidth(label, FONT, 8) for label in labels) + 6
    drawing = Drawing(width, 15 * len(bars) + 8)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = label_width, 4, width - label_width - 24, 15 * len(bars)
    chart.data, chart.categoryAxis.categoryNames = [list(counts)], list(labels)
    axis = chart.categoryAxis
    axis.reverseDirection, axis.strokeColor, axis.tickLeft = 1, LINE, 0
    axis.labels.fontName, axis.labels.fontSize, axis.labels.boxAnchor, axis.labels.dx = FONT, 8, "e", -3
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, max(1, *counts)
    chart.valueAxis.visible, chart.barWidth, chart.groupSpacing, chart.bars.strokeColor = 0, 10, 5, None
    for i, (_, _, color) in enumerate(bars):
        chart.bars[(0, i)].fillColor = color
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName, chart.barLabels.fontSize, chart.barLabels.boxAnchor, chart.barLabels.dx = FONT, 8, "w", 3
    drawing.add(chart)
    return drawing


class NumberedCanvas(Canvas):
    """The two-pass canvas: pages are held until the end so each can say "Sida x (y)"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(MUTED)
            self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN / 2, f"Sida {number} ({len(self._pages)})")
            super().showPage()
        super().save()


def build_pdf(story: list[Flowable], *, title: str, header: str, footer: str = "", subject: str = "",
              author: str = "Stockholms stad") -> bytes:
    """Lay out the story on A4 pages with `title` and `header` on top and page numbers below."""
    def decorate(canvas: Canvas, _doc) -> None:
        top, right = PAGE_HEIGHT - MARGIN / 2, PAGE_WIDTH - MARGIN
        canvas.saveState()
        canvas.setFillColor(MUTED)
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        canvas.setFont(FONT, 8)
        canvas.drawRightString(right, top, header)
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.setFont(FONT_BOLD, 8)
        canvas.drawString(MARGIN, top, title)
        canvas.lines([(MARGIN, top - 4, right, top - 4), (MARGIN, MARGIN / 2 + 10, right, MARGIN / 2 + 10)])
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=A4, title=title, author=author, subject=subject, lang="sv-SE")
    frame = Frame(MARGIN, MARGIN, CONTENT_WIDTH, PAGE_HEIGHT - 2 * MARGIN, 0, 0, 0, 0, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    doc.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()
