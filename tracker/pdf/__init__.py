"""The kit for the archived PDFs: fonts, styles, flowables and the page frame; pure ReportLab, no Flask.

A builder makes a story of flowables and `document.build_pdf` returns the bytes. Fonts are registered with
ReportLab on first use (`fonts.fonts()`), never at import.
"""
