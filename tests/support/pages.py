"""Every document stays inside its page's type area, checked on the pixels of its PDF (issue #15 item 5).

``ink_outside_type_area`` rasterises each page of a PDF with PDFium (pypdfium2, a different engine from the
WeasyPrint that wrote it) and returns the pages where a non-white pixel lies outside the type area: the
page less the margins its stylesheet's ``@page`` rule declares (``page_margins`` reads them from the
document's own HTML, so a changed stylesheet moves the check with it). Text, table borders, the seal image
and the QR code all count; the only ink allowed in a margin is the page number of an ``@page``
``@bottom-*`` margin box, in the middle half of the bottom margin between the side margins. A line that
does not wrap crosses the right margin; a block taller than the page crosses the bottom one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: Pixels darker than this (0 black … 255 white) are ink; anti-aliased edges of glyphs stay below it.
INK_BELOW = 200
#: Pixels per inch of the check: 1 px is ~0.2 mm, finer than any overflow worth reporting.
DPI = 120
#: Slack at the edge of the type area (anti-aliasing and a border's half width straddle the edge).
TOLERANCE_MM = 0.5

_PAGE_RULE = re.compile(r"@page\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_MARGIN_BOX = re.compile(r"@[a-z-]+\s*\{[^{}]*\}")
_MARGIN = re.compile(r"(?<![-\w])margin\s*:\s*([^;}]+)")
_MM = re.compile(r"^(\d+(?:\.\d+)?)mm$")


@dataclass(frozen=True)
class Margins:
    """An ``@page`` rule's margins in millimetres, and whether it has a margin box in the bottom margin."""

    top: float
    right: float
    bottom: float
    left: float
    footer: bool


def page_margins(html: str) -> Margins:
    """The margins of the document's ``@page`` rules (the last ``margin`` declared wins, as in the cascade);
    an error when none is declared or a value is not in mm (the check would be guessing)."""
    values: list[float] | None = None
    footer = False
    for rule in _PAGE_RULE.findall(html):
        footer = footer or "@bottom-" in rule
        for declared in _MARGIN.findall(_MARGIN_BOX.sub("", rule)):
            parts = declared.split()
            found = [_MM.match(p) for p in parts]
            if not 1 <= len(parts) <= 4 or not all(found):
                raise ValueError(f"@page margin {declared!r}: expected 1 to 4 lengths in mm")
            values = [float(m[1]) for m in found if m]
    if values is None:
        raise ValueError("the document declares no @page margin")
    # CSS shorthand: 1 value all sides; 2 vertical, horizontal; 3 top, horizontal, bottom; 4 clockwise.
    top, right, bottom, left = {
        1: lambda v: (v[0], v[0], v[0], v[0]),
        2: lambda v: (v[0], v[1], v[0], v[1]),
        3: lambda v: (v[0], v[1], v[2], v[1]),
        4: lambda v: (v[0], v[1], v[2], v[3]),
    }[len(values)](values)
    return Margins(top, right, bottom, left, footer)


def ink_outside_type_area(pdf: bytes, margins: Margins, *, dpi: int = DPI) -> list[str]:
    """One line per page with ink outside the type area of ``margins`` (none: every page is inside)."""
    import pypdfium2

    px = dpi / 25.4  # pixels per millimetre
    out = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for number, page in enumerate(document, start=1):
            gray = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            width, height = gray.size
            ink = gray.point(lambda v: 255 if v < INK_BELOW else 0)
            left, right = margins.left * px, width - margins.right * px
            top, bottom = margins.top * px, height - margins.bottom * px
            if margins.footer:  # the page number: the middle half of the bottom margin, inside the sides
                quarter = margins.bottom * px / 4
                ink.paste(0, (round(left), round(bottom + quarter), round(right), round(height - quarter)))
            box = ink.getbbox()
            slack = TOLERANCE_MM * px
            if box is None or (
                box[0] >= left - slack
                and box[1] >= top - slack
                and box[2] <= right + slack
                and box[3] <= bottom + slack
            ):
                continue
            found = ", ".join(f"{v / px:.1f}" for v in box)
            area = ", ".join(f"{v / px:.1f}" for v in (left, top, right, bottom))
            out.append(f"page {number}: ink spans ({found}) mm, the type area is ({area}) mm")
    finally:
        document.close()
    return out


def outside(html: str, base_url: Path | None = None) -> list[str]:
    """``ink_outside_type_area`` of ``html`` printed as the services print it (services/common/documents.py),
    with the margins its own stylesheet declares."""
    from services.common import documents

    return ink_outside_type_area(documents.html_to_pdf(html, base_url), page_margins(html))


def page_count(pdf: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()
