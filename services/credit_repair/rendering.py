"""Render the 信用修复提示书 as HTML (Jinja2) and PDF (WeasyPrint, CJK fonts from fonts-noto-cjk)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import jinja2

from services.credit_repair.domain import publication
from services.credit_repair.domain.notice import RepairNotice

NOTICE_TEMPLATE = "repair_notice.html"


def _cn_date(day: date | None) -> str:
    return "" if day is None else publication.cn_date(day)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("services.credit_repair", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn_date"] = _cn_date
    return env


def render_notice_html(notice: RepairNotice) -> str:
    """The notice as a self-contained HTML document."""
    return _environment().get_template(NOTICE_TEMPLATE).render(n=notice)


def render_notice_pdf(notice: RepairNotice) -> bytes:
    """The notice as an A4 PDF; needs a CJK font installed (Debian: fonts-noto-cjk)."""
    import weasyprint  # heavy import, only when a PDF is asked for

    pdf = weasyprint.HTML(string=render_notice_html(notice)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
