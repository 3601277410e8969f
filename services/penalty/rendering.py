"""Render penalty documents to HTML (Jinja2, autoescaped) and PDF (WeasyPrint, CJK fonts embedded).

Chinese glyphs come from Noto Serif CJK SC / Noto Sans CJK SC, installed by the Debian package
``fonts-noto-cjk`` (the Makefile installs it on fresh machines). WeasyPrint finds them through fontconfig and
embeds the subset it uses in the PDF; without them it silently falls back to a font without CJK glyphs and the
PDF shows empty boxes, so ``cjk_font_available`` lets health checks and tests notice.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import jinja2

from services.penalty.domain.documents import Document, FilingApproval

TEMPLATES_DIR = Path(__file__).parent / "templates"
CJK_FONT_PACKAGE = "fonts-noto-cjk"  # Debian/Ubuntu package providing Noto Sans/Serif CJK
CJK_FONT_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")

Renderable = Document | FilingApproval


@functools.cache
def environment() -> jinja2.Environment:
    """The template environment: autoescape on for every template, undefined names are errors."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(document: Renderable) -> str:
    """The document as a self-contained HTML page (styles inlined)."""
    return environment().get_template(document.template).render(doc=document)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes for an HTML page rendered by ``render_html``."""
    import weasyprint  # imported lazily: loading pango and fontconfig costs ~0.5 s at start-up

    return weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf()  # type: ignore[no-any-return]


def render_pdf(document: Renderable) -> bytes:
    """The document as PDF, Chinese fonts embedded."""
    return html_to_pdf(render_html(document))


def cjk_font_available() -> bool:
    """True when fontconfig knows a Noto CJK family the stylesheet asks for."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    result = subprocess.run(
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False, timeout=10
    )
    return any(family in result.stdout for family in CJK_FONT_FAMILIES)
