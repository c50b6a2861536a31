"""The city's compilation of a grant year as an A4 PDF, structured like 000: plain data in, bytes out.

Renders `outline.outline` with the house kit (fonts, styles, tables, page frame);
the Word file renders the same outline. Texts are Swedish literals and escaped,
so user text prints literally.
"""
from __future__ import annotations

import re
from datetime import date

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from tracker.funds.display import kronor
from tracker.funds.ledger import CheckState
from tracker.funds.outline import Block, Bullets, Chart, Grid, Heading, Labelled, Text, outline, title_of
from tracker.pdf.document import CONTENT_WIDTH, build_pdf
from tracker.pdf.flowables import ColouredText, data_table
from tracker.pdf.fonts import SYMBOL_FALLBACKS, fonts, symbol
from tracker.pdf.styles import INK, LINE, MUTED, STATUS_COLORS, WARN, escape, para, paragraph_style
from tracker.reporting.models import ReportStatus

STATE_COLORS = {CheckState.ok: STATUS_COLORS[ReportStatus.done], CheckState.differs: WARN,
                CheckState.unknown: MUTED, CheckState.missing: WARN}
SERIES_COLORS = [colors.HexColor("#0b4fa0"), colors.HexColor("#1d6b34")]
HEADINGS = {0: "title", 1: "h1", 2: "h2"}
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def build_compilation_pdf(comp, *, generated_on: date) -> tuple[bytes, int]:
    """The compilation as PDF bytes and the number of pages."""
    blocks = outline(comp)
    story: list[Flowable] = []
    for i, block in enumerate(blocks):
        story += _render(block, blocks[i + 1] if i + 1 < len(blocks) else None)
        if i == 1:  # under the title and who made it
            story.append(para(f"Sammanställningen skapad {generated_on.isoformat()}", "meta"))
    pdf = build_pdf(story, title=title_of(comp), header="Socialförvaltningen",
                    footer=f"Skapad {generated_on.isoformat()}", subject=f"Utvecklingsmedel {comp.year}")
    return pdf, len(_PAGE.findall(pdf))


def _render(block: Block, following: Block | None) -> list[Flowable]:
    if isinstance(block, Heading):
        return _heading(block, over_table=isinstance(following, Grid))
    if isinstance(block, Text):
        return [_text(block)]
    if isinstance(block, Labelled):
        return _labelled(block)
    if isinstance(block, Bullets):
        return [Paragraph(escape(item), _bullet_style(), bulletText="•") for item in block.items]
    if isinstance(block, Grid):
        return [_grid(block), Spacer(1, 6)]
    return _chart(block)


def _heading(block: Heading, *, over_table: bool) -> list[Flowable]:
    style = HEADINGS[block.level]
    if block.level == 0:
        return [para(block.text, style)]
    # Kept with a long table, a heading would push both to the next page: reserve room instead.
    return [CondPageBreak(5 * cm if over_table else 3 * cm), para(block.text, f"{style}_over_table" if over_table
                                                                 else style)]


def _text(block: Text) -> Paragraph:
    text = _drawable(block.text)
    if block.style == "lead":
        return Paragraph(f"<b>{escape(text)}</b>", paragraph_style("body"))
    return para(text, block.style)


def _labelled(block: Labelled) -> list[Flowable]:
    """The nämnd's name and its words in one paragraph: it splits anywhere yet never leaves the name alone."""
    label = f'<font name="{fonts().bold}">{escape(block.label)}</font><br/>'
    out: list[Flowable] = [Paragraph(label + escape(block.text), paragraph_style("labelled_text"))]
    if block.facts:
        out.append(para(block.facts, "meta"))
    return out


def _bullet_style() -> ParagraphStyle:
    return ParagraphStyle("bullet", parent=paragraph_style("body"), leftIndent=14, bulletIndent=3)


def _grid(block: Grid) -> Flowable:
    numeric = set(block.numeric)
    header = [Paragraph(escape(column), _header_style(right=i in numeric, compact=block.compact))
              for i, column in enumerate(block.columns)]
    rows: list[list] = [header]
    for r, row in enumerate(block.rows):
        state = block.states[r] if block.states else None
        rows.append([ColouredText(_drawable(cell), STATE_COLORS[state] if state and c == 0 else INK,
                                  style="cell_head" if state and c == 0 else "cell")
                     for c, cell in enumerate(row)])
    styles = [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in numeric]
    if block.compact:
        styles += [("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
    if block.total:
        rows.append([ColouredText(_drawable(cell), style="cell_head") for cell in block.total])
        styles.append(("LINEABOVE", (0, -1), (-1, -1), 1.2, INK))
    return data_table(rows, [share * CONTENT_WIDTH for share in block.widths], styles=styles)


def _header_style(*, right: bool, compact: bool) -> ParagraphStyle:
    style = paragraph_style("cell_head_right" if right else "cell_head")
    return ParagraphStyle(f"{style.name}_compact", parent=style, fontSize=7, leading=9) if compact else style


def _chart(block: Chart) -> list[Flowable]:
    title = para(block.title, "h3")
    caption = para(block.caption, "meta")
    if not block.rows:
        return [CondPageBreak(3 * cm), title, caption]
    return [KeepTogether([title, _bars(block), caption])]


def _bars(block: Chart) -> Drawing:
    """Grouped horizontal bars, one colour per series (named in a legend), each bar with its amount beside it."""
    font = fonts().regular
    labels = [label for label, _values in block.rows]
    series = len(block.series)
    label_width = max(pdfmetrics.stringWidth(label, font, 8) for label in labels) + 8
    group = 10 * series + 6
    legend_height = 16 if series > 1 else 0
    height = group * len(labels)
    drawing = Drawing(CONTENT_WIDTH, height + legend_height + 8)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, legend_height + 4
    chart.width, chart.height = CONTENT_WIDTH - label_width - 80, height
    chart.data = [[values[i] for _label, values in block.rows] for i in range(series)]
    axis = chart.categoryAxis
    axis.categoryNames, axis.reverseDirection, axis.strokeColor, axis.tickLeft = labels, 1, LINE, 0
    axis.labels.fontName, axis.labels.fontSize, axis.labels.boxAnchor, axis.labels.dx = font, 8, "e", -3
    known = [v for values in chart.data for v in values if v is not None]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, max(1, *known)
    chart.valueAxis.visible, chart.barWidth, chart.groupSpacing, chart.barSpacing = 0, 10, 6, 0
    for i in range(series):
        chart.bars[i].fillColor, chart.bars[i].strokeColor = SERIES_COLORS[i], None
    chart.barLabelFormat = kronor
    chart.barLabels.fontName, chart.barLabels.fontSize, chart.barLabels.boxAnchor = font, 7.5, "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    if series > 1:
        legend = Legend()
        legend.x, legend.y, legend.alignment, legend.columnMaximum = label_width, legend_height - 3, "right", 1
        legend.fontName, legend.fontSize, legend.deltax, legend.dxTextSpace = font, 8, 80, 4
        legend.colorNamePairs = list(zip(SERIES_COLORS, block.series, strict=False))
        drawing.add(legend)
    return drawing


def _drawable(text: str) -> str:
    """The text with each status symbol the embedded font lacks replaced by its stand-in."""
    return "".join(symbol(char) if char in SYMBOL_FALLBACKS else char for char in text)
