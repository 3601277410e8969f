"""QR images of entry codes and enterprise codes (PNG bytes and SVG text), rendered in memory with segno (pure:
the same text always gives the same image)."""

from __future__ import annotations

import io
from typing import Any

#: Error correction M (15 %) puts a ~510-character entry code at QR version 18 and tolerates glare on a
#: phone screen; a printed enterprise code is short and uses Q (25 %) against dirt and wear.
ENTRY_ERROR = "m"
PRINT_ERROR = "q"


def _qr(text: str, error: str) -> Any:
    import segno  # on the first QR, not at start-up (docs/architecture.md, heavy imports)

    return segno.make(text, error=error, micro=False)


def qr_png(text: str, *, scale: int = 4, border: int = 4, error: str = ENTRY_ERROR) -> bytes:
    """A PNG image of ``text`` as a (non-micro) QR code."""
    buffer = io.BytesIO()
    _qr(text, error).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def qr_svg(text: str, *, scale: int = 4, border: int = 4, error: str = ENTRY_ERROR) -> str:
    """An SVG document of ``text`` as a (non-micro) QR code."""
    buffer = io.BytesIO()
    _qr(text, error).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def qr_version(text: str, *, error: str = ENTRY_ERROR) -> int:
    """The QR version (1–40) segno picks for ``text``: a size check for tests and docs."""
    version = _qr(text, error).version
    return int(version)
