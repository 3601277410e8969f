"""Documents render from a service's templates to HTML and to a PDF with the Chinese glyphs embedded."""

from __future__ import annotations

import re
import zlib
from datetime import date
from pathlib import Path

import jinja2
import pytest

from services.common import documents

PAGE = (
    '<html><head><style>body { font-family: "Noto Serif CJK SC"; }</style></head>'
    "<body><h1>{{ title }}</h1><p>{{ day | cn_date }}</p><p>{{ party }}</p></body></html>"
)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    (tmp_path / "t.html").write_text(PAGE, encoding="utf-8")
    return tmp_path


def test_html_is_escaped_and_dates_are_chinese(templates: Path) -> None:
    html = documents.render_html(
        templates, "t.html", title="行政处罚决定书", day=date(2026, 8, 3), party="<b>甲</b>"
    )
    assert "<h1>行政处罚决定书</h1>" in html
    assert "2026年8月3日" in html
    assert "&lt;b&gt;甲&lt;/b&gt;" in html  # autoescaped


def test_an_undefined_name_is_an_error(templates: Path) -> None:
    with pytest.raises(jinja2.UndefinedError):
        documents.render_html(templates, "t.html", title="x", day=None)


async def test_the_pdf_embeds_the_simplified_chinese_font(templates: Path) -> None:
    assert documents.cjk_font_available(), f"install the Debian package {documents.CJK_FONT_PACKAGE}"
    html = documents.render_html(
        templates, "t.html", title="行政处罚决定书", day=date(2026, 8, 3), party="甲"
    )
    pdf = await documents.pdf(html, timeout=60)
    assert pdf.startswith(b"%PDF-")
    # Font dictionaries may sit in compressed object streams: inflate every stream and look there too.
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            chunks.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    blob = b"".join(chunks)
    assert re.search(rb"/FontName\s*/[A-Z]{6}\+Noto-Serif-CJK-SC", blob), "Noto Serif CJK SC not embedded"
