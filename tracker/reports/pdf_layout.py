"""Page layout for the programme report's PDF: a cover, a table of contents with page numbers, stacked bars.

`tracker.pdf.document.build_pdf` lays a story out in one pass; a table of contents
needs ReportLab's `multiBuild` (a pass to learn the pages, another to print
them), so this module has a document template of its own in the kit's look.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, PageTemplate, Paragraph
from reportlab.platypus.doctemplate import IndexingFlowable
from reportlab.platypus.tableofcontents import TableOfContents

from tracker.pdf.document import (
    AUTHOR,
    CONTENT_WIDTH,
    LANGUAGE,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    body_frame,
    draw_page_number,
)
from tracker.pdf.fonts import fonts
from tracker.pdf.styles import INK, LINE, MUTED, WARN, escape, para, paragraph_style

BAR = colors.HexColor("#0b4fa0")  # the page's blue; the bar's figure is printed above it


def heading(text: str, style: str, *, toc_level: int | None = None) -> Paragraph:
    """A heading printed literally; with `toc_level` it is listed in the contents and the PDF's bookmarks."""
    paragraph = para(text, style)
    paragraph.toc_level, paragraph.toc_text = toc_level, text
    return paragraph


def contents() -> TableOfContents:
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [paragraph_style("toc0"), paragraph_style("toc1")]
    return toc


class PageTotal(IndexingFlowable):
    """Keeps multiBuild going until every page says the right total in "Sida x (y)".

    Each pass prints the total the previous pass ended with. (The kit's canvas
    holds pages back to count them, which would point the bookmarks and the
    contents' links at the wrong pages.)
    """

    width = height = 0

    def __init__(self):
        super().__init__()
        self.printed: int | None = None
        self.counted: int | None = None

    def isSatisfied(self):  # noqa: N802 (ReportLab's name)
        return self.printed is not None and self.printed == self.counted

    def beforeBuild(self):  # noqa: N802 (ReportLab's name)
        self.printed = self.counted

    def wrap(self, _width, _height):
        return 0, 0

    def draw(self):
        pass


class ReportDocTemplate(BaseDocTemplate):
    """A4 pages in the kit's look; headings with a `toc_level` feed the contents and the outline."""

    def __init__(self, buffer, *, title: str, header: str, footer: str, subject: str):
        super().__init__(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), leftMargin=MARGIN, rightMargin=MARGIN,
                         topMargin=MARGIN, bottomMargin=MARGIN, title=title, author=AUTHOR,
                         subject=subject, lang=LANGUAGE)
        self.header_title, self.header, self.footer = title, header, footer
        self._entries = 0
        self.page_total = PageTotal()
        frame = body_frame()
        self.addPageTemplates([PageTemplate(id="cover", frames=[frame], onPageEnd=self._number),
                               PageTemplate(id="page", frames=[frame], onPage=self._decorate,
                                            onPageEnd=self._number)])

    def beforeDocument(self):  # noqa: N802 (ReportLab's name)
        self._entries = 0  # every pass of multiBuild numbers the bookmarks alike

    def afterFlowable(self, flowable: Flowable):  # noqa: N802 (ReportLab's name)
        level = getattr(flowable, "toc_level", None)
        if level is None:
            return
        self._entries += 1
        key = f"section-{self._entries}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable.toc_text, key, level=level, closed=level > 0)
        self.notify("TOCEntry", (level, escape(flowable.toc_text), self.page, key))

    def afterPage(self):  # noqa: N802 (ReportLab's name)
        self.page_total.counted = self.page

    def _number(self, canvas: Canvas, _doc) -> None:
        canvas.saveState()
        draw_page_number(canvas, self.page, self.page_total.printed or "…")
        canvas.restoreState()

    def _decorate(self, canvas: Canvas, _doc) -> None:
        regular, bold, _italic = fonts()
        canvas.saveState()
        top = PAGE_HEIGHT - MARGIN / 2
        canvas.setFont(bold, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, top, self.header_title)
        canvas.setFont(regular, 8)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top, self.header)
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, top - 4, PAGE_WIDTH - MARGIN, top - 4)
        canvas.line(MARGIN, MARGIN / 2 + 10, PAGE_WIDTH - MARGIN, MARGIN / 2 + 10)
        canvas.drawString(MARGIN, MARGIN / 2, self.footer)
        canvas.restoreState()


def build_report_pdf(story: list[Flowable], *, title: str, header: str, footer: str, subject: str) -> bytes:
    """Lay the story out twice (contents need the page numbers) and return the PDF."""
    buffer = io.BytesIO()
    doc = ReportDocTemplate(buffer, title=title, header=header, footer=footer, subject=subject)
    doc.multiBuild([doc.page_total, *story])
    return buffer.getvalue()


def stacked_bars(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[tuple[str, colors.Color]], *,
                 width: float = CONTENT_WIDTH, legend_rows: int = 1) -> Drawing:
    """One horizontal bar per row, its parts stacked in the order of `series` (name, colour), with a legend
    in `legend_rows` rows."""
    font = fonts().regular
    label_width = 62
    row_height = 16
    legend_height = 18 * legend_rows
    height = row_height * len(rows)
    drawing = Drawing(width, height + legend_height + 18)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, legend_height + 14
    chart.width, chart.height = width - label_width - 10, height
    chart.data = [[values[i] for _label, values in rows] for i in range(len(series))]
    chart.categoryAxis.categoryNames = [label for label, _values in rows]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.reverseDirection = 1
    chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = font, 8
    chart.categoryAxis.labels.boxAnchor, chart.categoryAxis.labels.dx = "e", -3
    chart.categoryAxis.strokeColor = LINE
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(1, *(sum(values) for _label, values in rows))
    chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = font, 7
    chart.valueAxis.strokeColor = LINE
    chart.barWidth, chart.groupSpacing = 11, 5
    for i, (_name, color) in enumerate(series):
        chart.bars[i].fillColor = color
        chart.bars[i].strokeColor = INK
        chart.bars[i].strokeWidth = 0.3
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = label_width, legend_height - 4
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.columnMaximum = legend_rows
    legend.deltax, legend.dxTextSpace = 95 if legend_rows == 1 else 130, 4
    legend.colorNamePairs = [(color, name) for name, color in series]
    legend.strokeColor = INK
    legend.strokeWidth = 0.3
    drawing.add(legend)
    return drawing


def target_bars(bars: Sequence[tuple[str, float | None, str]], *, target: float, target_label: str,
                low: float = 0, high: float = 100, width: float = CONTENT_WIDTH * 0.75,
                height: float = 4.4 * cm) -> Drawing:
    """Vertical bars (label, per cent or None for no bar, the text above it) with the target as a dashed line
    labelled `target_label` to the right of the bars."""
    regular, bold, _italic = fonts()
    left, right, bottom, top = 36, width - 56, 16, height - 16
    drawing = Drawing(width, height)

    def y(value: float) -> float:
        return bottom + (value - low) / (high - low) * (top - bottom)

    def text(x: float, y_: float, value: str, **style) -> None:
        drawing.add(String(x, y_, value, **{"fontName": regular, "fontSize": 8, "fillColor": INK, **style}))

    for value in sorted({low, 0, high}):
        drawing.add(Line(left, y(value), right, y(value), strokeColor=LINE, strokeWidth=0.5))
        text(left - 4, y(value) - 3, f"{value:g} %", fontSize=7, fillColor=MUTED, textAnchor="end")
    step = (right - left) / max(1, len(bars))
    half = min(36, step / 3)
    for i, (label, value, above) in enumerate(bars):
        middle = left + step * (i + 0.5)
        if value is not None:
            drawing.add(Rect(middle - half, min(y(0), y(value)), 2 * half, abs(y(value) - y(0)), fillColor=BAR,
                             strokeColor=None))
        text(middle, y(max(0, value or 0)) + 3, above, textAnchor="middle")
        text(middle, 4, label, fontName=bold, textAnchor="middle")
    drawing.add(Line(left, y(target), right, y(target), strokeColor=WARN, strokeWidth=1.2, strokeDashArray=[4, 2]))
    text(right + 4, y(target) - 3, target_label, fontSize=7.5, fillColor=WARN)
    return drawing
