"""The page frame every archived PDF shares: A4, margins, "Sida x (y)", and the one-pass document builder."""
from __future__ import annotations

import io

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from tracker.pdf.fonts import fonts
from tracker.pdf.styles import LINE, MUTED

# Streams stay binary (zlib only): ASCII85 on top costs time and a quarter more bytes for nothing we need.
rl_config.useA85 = 0

(PAGE_WIDTH, PAGE_HEIGHT), MARGIN = A4, 2 * cm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
AUTHOR, LANGUAGE = "Stockholms stad", "sv-SE"


def body_frame() -> Frame:
    """The page's one frame: everything inside the margins, no padding."""
    return Frame(MARGIN, MARGIN, CONTENT_WIDTH, PAGE_HEIGHT - 2 * MARGIN, 0, 0, 0, 0, id="body")


def draw_page_number(canvas: Canvas, number: int, total: int | str) -> None:
    """"Sida x (y)" at the foot of the page, on the right."""
    canvas.setFont(fonts().regular, 8)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN / 2, f"Sida {number} ({total})")


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
            draw_page_number(self, number, len(self._pages))
            super().showPage()
        super().save()


def build_pdf(story: list[Flowable], *, title: str, header: str, footer: str = "", subject: str = "",
              author: str = AUTHOR) -> bytes:
    """Lay out the story on A4 pages with `title` and `header` on top and page numbers below."""
    regular, bold, _italic = fonts()

    def decorate(canvas: Canvas, _doc) -> None:
        top, right = PAGE_HEIGHT - MARGIN / 2, PAGE_WIDTH - MARGIN
        canvas.saveState()
        canvas.setFillColor(MUTED)
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        canvas.setFont(regular, 8)
        canvas.drawRightString(right, top, header)
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.setFont(bold, 8)
        canvas.drawString(MARGIN, top, title)
        canvas.lines([(MARGIN, top - 4, right, top - 4), (MARGIN, MARGIN / 2 + 10, right, MARGIN / 2 + 10)])
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=A4, title=title, author=author, subject=subject, lang=LANGUAGE)
    doc.addPageTemplates([PageTemplate(id="page", frames=[body_frame()], onPage=decorate)])
    doc.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()
