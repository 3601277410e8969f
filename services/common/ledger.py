"""台账 exports: a unit's tables as xlsx with Chinese headers, the file people open in WPS or Excel
(issue #15 item 4).

A service declares a ledger as columns (field of its read model, Chinese header) and hands the rows; money
fields (``*_fen``) are written in yuan as numbers (header says 元), times in China time, enums and ids as
text. openpyxl is imported inside ``xlsx``: a service that never exports does not pay its memory.

Ledgers so far: penalty cases and decisions (``GET /api/v1/penalty/ledgers/cases.xlsx``), risk's 12345 leads
and rectifications (``GET /api/v1/risk/ledgers/{leads,rectifications}.xlsx``), inspection's visits
(``GET /api/v1/inspection/ledgers/visits.xlsx``), credit publications (``GET /api/v1/credit/ledgers/
publications.xlsx``). To add one (supervision matters, review scores), a route returns
``ledger.response(ledger.xlsx(title, COLUMNS, rows), filename)`` from the rows its list use case reads.
"""

from __future__ import annotations

import enum
import io
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from services.common import clock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows in one export: beyond this the unit narrows the query (a year's ledger of a department fits easily).
MAX_ROWS = 50_000


def _cell(field: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.endswith("_fen") and isinstance(value, int):
        return Decimal(value) / 100  # yuan, two decimals
    if isinstance(value, datetime):
        return value.astimezone(clock.CHINA).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return value


def xlsx(title: str, columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """One sheet named ``title``: a header row of the Chinese headers, then one row per item."""
    from openpyxl import Workbook  # lazily: ~15 MiB the idle service does not need
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]  # Excel's limit
    sheet.append([header for _, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(field, row.get(field)) for field, _ in columns])
    for index, (_, header) in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(10, len(header) * 2 + 2)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def response(data: bytes, filename: str) -> Response:
    """The file as a download; the Chinese file name as RFC 6266 ``filename*`` (UTF-8), ASCII fallback."""
    quoted = urllib.parse.quote(filename)
    disposition = f"attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{quoted}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})
