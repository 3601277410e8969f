"""The spreadsheet form of the case import: the template (Chinese headers, one case per row, one column per
step's date and contents) and reading a filled-in file into the rows of the JSON import.

A cell is converted only as far as its column says (dates, 是/否, yuan to fen, Chinese labels to codes); what
cannot be converted is passed on as written, so the row's own check refuses it with the column's name. A
file that is not a readable xlsx, or whose first row is not the template's header, is refused whole (422).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from services.penalty.domain import procedure as p
from services.penalty.errors import ImportFileInvalid, ImportTooLarge
from services.penalty.schemas import imports as si

SHEET = "案件"
GUIDE = "填写说明"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Convert = Callable[[Any], Any]


def _text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _day(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


def _fen(value: Any) -> Any:
    """Yuan as written (up to two decimals) to integer fen; anything else as written."""
    try:
        fen = Decimal(_text(value)) * 100
    except InvalidOperation:
        return _text(value)
    return int(fen) if fen == fen.to_integral_value() else _text(value)


def _count(value: Any) -> Any:
    """A whole number as written (60, 60.0 or "60"); anything else as written."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text.isdecimal() else text


_YES = {"是", "有", "true", "1", "y", "yes"}
_NO = {"否", "无", "false", "0", "n", "no"}


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    return True if text in _YES else False if text in _NO else _text(value)


def _list(value: Any) -> Any:
    return [part for part in re.split(r"[、,，;；\s]+", _text(value)) if part]


def _choice(labels: Mapping[str, str]) -> Convert:
    def convert(value: Any) -> Any:
        text = _text(value)
        return labels.get(text, text)

    return convert


def _kinds(value: Any) -> Any:
    by_label = {label: kind.value for kind, label in p.KIND_LABELS.items()}
    return [by_label.get(part, part) for part in _list(value)]


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    path: tuple[str | int, ...]
    convert: Convert = _text
    required: bool = False
    note: str = ""


_PARTY_KINDS = {
    "法人或者其他组织": "organisation",
    "单位": "organisation",
    "公民": "individual",
    "个人": "individual",
}
_PROCEDURES = {"普通程序": "general", "简易程序": "simple"}
_HARM = {"无": "none", "未造成危害后果": "none", "轻微": "minor", "一般": "ordinary", "严重": "serious"}
_CORRECTION = {
    "及时改正": "in_time",
    "责令后改正": "after_order",
    "经责令后改正": "after_order",
    "拒不改正": "refused",
}
_DELIVERY = {
    "当场交付": "on_the_spot",
    "直接送达": "direct",
    "留置送达": "left_at_address",
    "邮寄送达": "postal",
    "委托送达": "entrusted",
    "电子送达": "electronic",
    "公告送达": "announcement",
}


def _labels(choices: Mapping[str, str]) -> str:
    return "、".join(choices)


COLUMNS: tuple[Column, ...] = (
    Column(
        "原案件编号",
        ("source_case_no",),
        required=True,
        note="原办案系统的案件编号；与部门代码一起识别案件，重复导入不会重复建案",
    ),
    Column("部门代码", ("dept_code",), required=True, note="如 SJ（市场监管）"),
    Column("区县代码", ("district_code",), required=True, note="六位行政区划代码，如 210102"),
    Column("当事人类型", ("party", "kind"), _choice(_PARTY_KINDS), True, _labels(_PARTY_KINDS)),
    Column("当事人名称", ("party", "name"), required=True),
    Column("统一社会信用代码", ("party", "uscc"), note="法人或者其他组织必填"),
    Column("居民身份证号码", ("party", "id_number"), note="公民必填"),
    Column("当事人地址", ("party", "address")),
    Column("法定代表人", ("party", "legal_representative")),
    Column("裁量基准编码", ("benchmark_code",), required=True, note="如 SY-SJ-0004"),
    Column("程序", ("procedure",), _choice(_PROCEDURES), note=_labels(_PROCEDURES) + "；空白为普通程序"),
    Column("案由", ("summary",), note="空白为裁量基准的违法行为名称"),
    Column("简要案情", ("facts_brief",), required=True),
    Column("执法证号", ("officers",), _list, True, "承办人员的执法证号，以顿号分隔，不少于两人"),
    Column("立案审批人", ("approved_by",), required=True),
    Column("立案日期", ("filed_on",), _day, True, "日期，如 2024-09-02"),
    Column("调查开始日期", ("investigated_on",), _day, note="空白为立案日期"),
    Column("违法行为发生日期", ("facts", "violation_date"), _day, True),
    Column("危害后果", ("facts", "harm"), _choice(_HARM), note=_labels(_HARM) + "；空白为一般"),
    Column("改正情况", ("facts", "correction"), _choice(_CORRECTION), note=_labels(_CORRECTION)),
    Column("初次违法", ("facts", "first_offence"), _flag, note="是/否"),
    Column("货值金额（元）", ("facts", "base_amounts", "goods_value"), _fen),
    Column("违法所得（元）", ("facts", "base_amounts", "illegal_gains"), _fen),
    Column("告知书文号", ("notice", "document_number")),
    Column("告知日期", ("notice", "served_on"), _day, note="告知书送达日期"),
    Column("告知听证权利", ("notice", "hearing_offered"), _flag, note="是/否；空白为依法应否告知"),
    Column("陈述申辩日期", ("statement", "received_on"), _day),
    Column("陈述申辩内容", ("statement", "content")),
    Column("复核意见", ("statement", "review_opinion")),
    Column("陈述申辩是否采纳", ("statement", "adopted"), _flag),
    Column("放弃权利日期", ("waiver", "declared_on"), _day),
    Column("放弃陈述申辩", ("waiver", "statement"), _flag),
    Column("放弃听证", ("waiver", "hearing"), _flag),
    Column("听证申请日期", ("hearing", "requested_on"), _day),
    Column("听证通知日期", ("hearing", "notified_on"), _day),
    Column("听证日期", ("hearing", "held_on"), _day),
    Column("听证主持人", ("hearing", "presider")),
    Column("法制审核日期", ("legal_review", "reviewed_on"), _day),
    Column("法制审核人", ("legal_review", "reviewer")),
    Column("法制审核意见", ("legal_review", "opinion")),
    Column("集体讨论日期", ("collective_discussion", "held_on"), _day),
    Column("集体讨论参加人", ("collective_discussion", "participants"), _list),
    Column("集体讨论记录编号", ("collective_discussion", "minutes_ref")),
    Column("决定书文号", ("decision", "document_number")),
    Column("决定日期", ("decision", "decided_on"), _day),
    Column("处罚种类", ("decision", "penalty", "kinds"), _kinds, note="如 警告、罚款，以顿号分隔"),
    Column("罚款金额（元）", ("decision", "penalty", "fine_fen"), _fen),
    Column("没收违法所得（元）", ("decision", "penalty", "confiscation_fen"), _fen),
    Column(
        "限制期限（月）",
        ("decision", "penalty", "restriction_months"),
        _count,
        note=f"限制开展生产经营活动、限制从业的期限，以月计，1至{p.MAX_RESTRICTION_MONTHS}；"
        "仅在处罚种类含其一时填写，不设期限的不填",
    ),
    Column("超出裁量幅度的理由", ("decision", "outside_range_reason")),
    Column("送达日期", ("delivery", "delivered_on"), _day),
    Column("送达方式", ("delivery", "method"), _choice(_DELIVERY), note=_labels(_DELIVERY)),
    Column("受送达人", ("delivery", "recipient")),
    Column("公示日期", ("published_on",), _day),
    Column("缴款日期", ("payments", 0, "paid_on"), _day),
    Column("缴纳罚款（元）", ("payments", 0, "fine_fen"), _fen),
    Column("加处罚款（元）", ("payments", 0, "surcharge_fen"), _fen),
    Column("执行完毕日期", ("execution", "executed_on"), _day),
    Column("执行情况", ("execution", "note")),
)
BY_HEADER = {c.header: c for c in COLUMNS}
# The header a row's field is reported under (``decision.penalty.fine_fen`` → 罚款金额（元）).
HEADER_OF = {".".join(str(x) for x in c.path): c.header for c in COLUMNS}

# One filled-in example: a 2024 case (the 国庆 holiday falls in its statement period).
EXAMPLE: dict[str, Any] = {
    "原案件编号": "沈市监案〔2024〕0931号",
    "部门代码": "SJ",
    "区县代码": "210102",
    "当事人类型": "法人或者其他组织",
    "当事人名称": "沈阳东陵客运有限公司",
    "统一社会信用代码": "91210100MACQTKPQ79",
    "当事人地址": "辽宁省沈阳市铁西区沈辽路288号1层",  # required: 行政处罚法 第五十九条第一款第一项
    "法定代表人": "于某某",
    "裁量基准编码": "SY-SJ-0004",
    "程序": "普通程序",
    "简要案情": "当事人销售无标签的预包装食品。",
    "执法证号": "辽A-7000001、辽A-7000002",
    "立案审批人": "分管副局长",
    "立案日期": date(2024, 9, 2),
    "违法行为发生日期": date(2024, 8, 20),
    "货值金额（元）": 3000,
    "告知书文号": "沈市监罚告〔2024〕0931号",
    "告知日期": date(2024, 9, 27),
    "决定书文号": "沈市监罚〔2024〕0931号",
    "决定日期": date(2024, 10, 11),
    "处罚种类": "罚款",
    "罚款金额（元）": 27500,
    "送达日期": date(2024, 10, 14),
    "送达方式": "直接送达",
    "受送达人": "沈阳东陵客运有限公司",
}


def template() -> bytes:
    """The import template: the header row, one example row, and a sheet explaining every column."""
    import openpyxl  # on the first template, not at start-up (docs/architecture.md, heavy imports)
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([c.header for c in COLUMNS])
    sheet.append([EXAMPLE.get(c.header) for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        if isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"
    guide = book.create_sheet(GUIDE)
    guide.append(["列名", "是否必填", "说明"])
    for c in COLUMNS:
        guide.append([c.header, "必填" if c.required else "", c.note])
    guide.append([])
    guide.append(
        [
            "说明",
            "",
            f"每行一个案件，只填写已经发生的步骤；日期为原办案系统记载的实际日期。每次最多{si.MAX_ROWS}行。",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_UNREADABLE = (
    "无法读取上传的文件：须为 Excel 2007 及以上版本的 .xlsx 文件（不支持 .xls、.csv 或已损坏的文件），"
    "请下载导入模板填写后上传"
)


def read(data: bytes, *, content_type: str | None) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a filled-in template as (spreadsheet row number, row of the JSON import)."""
    if (content_type or "").split(";")[0].strip().lower() != MEDIA_TYPE:
        raise ImportFileInvalid(
            f"请以 Content-Type: {MEDIA_TYPE} 上传填写好的导入模板（.xlsx 文件）",
            detail_en=f"Send the filled-in template as {MEDIA_TYPE}",
        )
    if not data:
        raise ImportFileInvalid(
            "上传的文件为空，请上传填写好的导入模板（.xlsx）", detail_en="The file is empty"
        )
    import openpyxl  # on the first upload, not at start-up

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None)
        if header is None:
            raise ImportFileInvalid("文件中没有内容：第1行须为导入模板的表头", detail_en="The sheet is empty")
        columns = _columns(header)
        rows: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(lines, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(rows) == si.MAX_ROWS:
                raise ImportTooLarge(
                    f"一次最多导入{si.MAX_ROWS}个案件，请分批导入",
                    detail_en=f"At most {si.MAX_ROWS} cases per import: split the file",
                    extra={"max_rows": si.MAX_ROWS},
                )
            rows.append((number, _row(columns, values)))
        book.close()
    except (ImportFileInvalid, ImportTooLarge):
        raise
    except Exception as exc:  # openpyxl reports a broken file with many exception types (zip, XML, keys)
        raise ImportFileInvalid(_UNREADABLE, detail_en="The file is not a readable .xlsx workbook") from exc
    return rows


def _columns(header: tuple[Any, ...]) -> list[Column | None]:
    names = [str(h).strip() if h is not None else "" for h in header]
    unknown = [n for n in names if n and n not in BY_HEADER]
    missing = [c.header for c in COLUMNS if c.required and c.header not in names]
    if unknown or missing:
        parts = []
        if missing:
            parts.append("缺少必填列「" + "」「".join(missing) + "」")
        if unknown:
            parts.append("无法识别的列「" + "」「".join(unknown) + "」")
        raise ImportFileInvalid(
            "第1行表头与导入模板不一致：" + "；".join(parts) + "。请下载导入模板，按模板的列名填写",
            detail_en="The first row is not the template's header",
            extra={"missing": missing, "unknown": unknown},
        )
    return [BY_HEADER.get(n) for n in names]


def _row(columns: list[Column | None], values: tuple[Any, ...]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column, value in zip(columns, values, strict=False):
        if column is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        _put(row, column.path, column.convert(value))
    payments = row.pop("payments", None)
    if payments:
        row["payments"] = [payments[i] for i in sorted(payments)]
    return row


def _put(row: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    target: dict[Any, Any] = row
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def header_of(loc: Sequence[str]) -> str | None:
    """The template column a row error's location refers to, if it has one."""
    return HEADER_OF.get(".".join(loc))
