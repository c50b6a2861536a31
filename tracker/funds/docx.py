"""The city's compilation of a grant year as an editable Word file: plain data in, bytes out.

The same outline as the PDF (`outline.outline`), in Word's own heading styles
and real tables, so that officials can edit it into the tjänsteutlåtande. A
chart becomes a table of its values: Word keeps them editable, and no figure
is only in a picture.
"""
from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table

from tracker.funds.display import kronor
from tracker.funds.outline import Block, Bullets, Chart, Grid, Heading, Labelled, Text, outline, title_of
from tracker.pdf.document import AUTHOR, LANGUAGE

WIDTH_CM = 17.0  # A4 less 2 cm margins


def build_compilation_docx(comp, *, generated_on: date) -> bytes:
    """The compilation as .docx bytes."""
    document = Document()
    _set_up(document, comp, generated_on)
    for i, block in enumerate(outline(comp)):
        _render(document, block)
        if i == 1:  # under the title and who made it
            _meta(document, f"Sammanställningen skapad {generated_on.isoformat()}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_up(document, comp, generated_on: date) -> None:
    """A4 with the PDF's margins, Swedish proofing, the title in the file's properties and a footer."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    properties = document.core_properties
    properties.title, properties.author, properties.language = title_of(comp), AUTHOR, LANGUAGE
    properties.subject = f"Utvecklingsmedel {comp.year}"
    normal = document.styles["Normal"]
    normal.font.size = Pt(10)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGE)
    normal.element.get_or_add_rPr().append(language)
    footer = section.footer.paragraphs[0]
    footer.text = f"{title_of(comp)} · Skapad {generated_on.isoformat()}"
    footer.runs[0].font.size = Pt(8)


def _render(document, block: Block) -> None:
    if isinstance(block, Heading):
        document.add_heading(block.text, level=block.level)
    elif isinstance(block, Text):
        _text(document, block)
    elif isinstance(block, Labelled):
        label = document.add_paragraph()
        label.add_run(block.label).bold = True
        label.paragraph_format.space_after = Pt(0)
        label.paragraph_format.keep_with_next = True
        document.add_paragraph(block.text)
        if block.facts:
            _meta(document, block.facts)
    elif isinstance(block, Bullets):
        for item in block.items:
            document.add_paragraph(item, style="List Bullet")
    elif isinstance(block, Grid):
        _table(document, block.columns, block.rows, block.widths, total=block.total, numeric=set(block.numeric))
        document.add_paragraph()
    else:
        _chart(document, block)


def _text(document, block: Text) -> None:
    if block.style == "meta":
        _meta(document, block.text)
    else:
        document.add_paragraph().add_run(block.text).bold = block.style == "lead"


def _meta(document, text: str) -> None:
    run = document.add_paragraph().add_run(text)
    run.italic, run.font.size = True, Pt(9)


def _table(document, columns: list[str], rows: list[list[str]], widths: list[float], *, total: list[str] | None,
           numeric: set[int]) -> Table:
    """A real Word table: a header row that repeats on every page, amounts right-aligned, the total in bold."""
    body = [*rows, total] if total else rows
    table = document.add_table(rows=1 + len(body), cols=len(columns))
    table.style, table.alignment = "Table Grid", WD_TABLE_ALIGNMENT.LEFT
    header = table.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    for r, values in enumerate([columns, *body]):
        bold = r == 0 or (total is not None and r == len(body))
        for c, value in enumerate(values):
            cell = table.rows[r].cells[c]
            cell.width = Cm(WIDTH_CM * widths[c])
            paragraph = cell.paragraphs[0]
            paragraph.add_run(value).bold = bold
            if c in numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


def _chart(document, block: Chart) -> None:
    document.add_heading(block.title, level=3)
    if block.rows:
        columns = ["", *block.series]
        rows = [[label, *(kronor(value) for value in values)] for label, values in block.rows]
        share = 0.6 / len(block.series)
        _table(document, columns, rows, [0.4, *([share] * len(block.series))], total=None,
               numeric=set(range(1, len(columns))))
    _meta(document, block.caption)
