"""The kit's flowables: coloured text cells, fact lists, status cells, house tables and bar charts."""
from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Table, TableStyle

from tracker.pdf.fonts import fonts
from tracker.pdf.styles import HEAD_BG, INK, LINE, MUTED, STATUS_COLORS, paragraph_style, status_text
from tracker.reporting.models import ReportStatus


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
        self.text, self.color, self.style = text, color, paragraph_style(style)
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
            s, value_width = paragraph_style("cell"), avail_width - self.label_width - 6
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
            _draw_lines(canvas, [label], top - 1, 0, paragraph_style("cell_head"), MUTED)
            _draw_lines(canvas, lines, top - 1, x, paragraph_style("cell"), color)
            top -= height


def status_cell(status: ReportStatus | None, label: str | None = None, *, style: str = "cell") -> ColouredText:
    """A status as symbol + text in its colour: never colour alone."""
    return ColouredText(status_text(status, label), STATUS_COLORS[status], style=style)


def data_table(rows: list[list], col_widths: Sequence[float], *, header_rows: int = 1,
               styles: Sequence[tuple] = ()) -> Table:
    """A table in the house look whose header rows repeat on every page it spans."""
    regular, bold, _italic = fonts()
    table = Table(rows, colWidths=list(col_widths), repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), regular, 8.5, 11), ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *([("FONT", (0, 0), (-1, header_rows - 1), bold, 8.5, 11),
           ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG)] if header_rows else []),
        *styles,
    ]))
    return table


def bar_chart(bars: Sequence[tuple[str, int, colors.Color]], *, width: float = 8 * cm) -> Drawing:
    """Horizontal bars (label, count, colour), first on top, each with its count beside it."""
    font = fonts().regular
    labels, counts, _ = zip(*bars, strict=True)
    label_width = max(pdfmetrics.stringWidth(label, font, 8) for label in labels) + 6
    drawing = Drawing(width, 15 * len(bars) + 8)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = label_width, 4, width - label_width - 24, 15 * len(bars)
    chart.data, chart.categoryAxis.categoryNames = [list(counts)], list(labels)
    axis = chart.categoryAxis
    axis.reverseDirection, axis.strokeColor, axis.tickLeft = 1, LINE, 0
    axis.labels.fontName, axis.labels.fontSize, axis.labels.boxAnchor, axis.labels.dx = font, 8, "e", -3
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, max(1, *counts)
    chart.valueAxis.visible, chart.barWidth, chart.groupSpacing, chart.bars.strokeColor = 0, 10, 5, None
    for i, (_, _, color) in enumerate(bars):
        chart.bars[(0, i)].fillColor = color
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName, chart.barLabels.fontSize, chart.barLabels.boxAnchor, chart.barLabels.dx = font, 8, "w", 3
    drawing.add(chart)
    return drawing
