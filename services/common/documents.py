"""Official documents: HTML from Jinja2 templates, PDF from WeasyPrint with the CJK fonts embedded.

Every service that issues documents (决定书, 信用修复提示书, 监督意见书 …) renders them the same way: its own
templates in ``services/<name>/templates/``, then the kernel's (``KERNEL_TEMPLATES``: the shared stylesheets
``document-base.css``, what every document shares; ``document.css``, the GB/T 9704 layout of the enforcement
documents; ``notice.css``, that of notices and supervision documents; a template includes one with
``{% include "document.css" %}`` and adds its own few rules), autoescaped,
undefined names an error, dates in the Chinese form (``cn_date``), and PDFs produced off the event loop, one
at a time per process.

Chinese glyphs come from Noto Serif CJK SC / Noto Sans CJK SC (Debian ``fonts-noto-cjk``, installed by the
Makefile on fresh machines). WeasyPrint finds them through fontconfig and embeds the subset it uses;
without them it silently falls back to a font without CJK glyphs and the PDF shows empty boxes, so
``cjk_font_available`` lets health checks and tests notice.
"""

from __future__ import annotations

import asyncio
import functools
import shutil
import subprocess
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from services.common.dates import cn_date

if TYPE_CHECKING:
    import jinja2

KERNEL_TEMPLATES = Path(__file__).resolve().parent / "templates"
CJK_FONT_PACKAGE = "fonts-noto-cjk"
CJK_FONT_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")

# WeasyPrint (pango, fontconfig) is not documented as thread-safe: one rendering at a time per process.
_PDF_LOCK = threading.Lock()


def _cn_date_or_blank(day: date | None) -> str:
    return "" if day is None else cn_date(day)


@functools.cache
def environment(templates: Path) -> jinja2.Environment:
    """The template environment of one templates folder (and the kernel's, searched after it): autoescaped,
    undefined names are errors. Jinja is imported on the first document, not at start-up
    (docs/architecture.md, heavy imports)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([templates, KERNEL_TEMPLATES]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn_date"] = _cn_date_or_blank
    return env


def render_html(templates: Path, template: str, **values: object) -> str:
    """A self-contained HTML page from ``template`` in the ``templates`` folder."""
    return environment(templates).get_template(template).render(**values)


def html_to_pdf(html: str, base_url: Path | None = None) -> bytes:
    """PDF bytes for an HTML page (blocking; see ``pdf``)."""
    import weasyprint  # imported lazily: pango and fontconfig cost ~0.5 s and ~30 MiB at start-up

    with _PDF_LOCK:
        pdf = weasyprint.HTML(string=html, base_url=str(base_url) if base_url else None).write_pdf()
    assert pdf is not None
    return bytes(pdf)


async def pdf(html: str, *, base_url: Path | None = None, timeout: float | None = None) -> bytes:
    """PDF bytes rendered in a worker thread, so the event loop keeps serving; ``TimeoutError`` past
    ``timeout`` seconds."""
    return await asyncio.wait_for(asyncio.to_thread(html_to_pdf, html, base_url), timeout)


def cjk_font_available() -> bool:
    """True when fontconfig knows a Noto CJK family the stylesheets ask for."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    result = subprocess.run(
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False, timeout=10
    )
    return any(family in result.stdout for family in CJK_FONT_FAMILIES)
