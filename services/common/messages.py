"""Chinese messages for pydantic's validation errors, keyed by the error's ``type`` and filled from its ``ctx``
(bounds, patterns, allowed values), so a user reads "至少 1 项" where pydantic says "List should have at least
1 item after validation, not 0". English callers (``Accept-Language: en``) get pydantic's own message.

Pure: no I/O and no web framework, so domain code that validates with pydantic can use it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# type -> message; ``{name}`` is filled from the error's ctx.
_ZH: dict[str, str] = {
    "missing": "缺少必填字段",
    "missing_argument": "缺少必填参数",
    "extra_forbidden": "不允许的字段",
    "unexpected_keyword_argument": "不允许的字段",
    "no_such_attribute": "不允许的字段",
    "json_invalid": "JSON 格式错误",
    "json_type": "应为 JSON 字符串",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "dataclass_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为数组",
    "tuple_type": "应为数组",
    "set_type": "应为数组",
    "frozen_set_type": "应为数组",
    "iterable_type": "应为数组",
    "string_type": "应为字符串",
    "string_sub_type": "应为字符串",
    "string_unicode": "应为有效的 Unicode 字符串",
    "string_too_short": "长度至少 {min_length} 个字符",
    "string_too_long": "长度最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求（应匹配 {pattern}）",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_parsing_size": "整数超出可处理的范围",
    "int_from_float": "应为整数，不能带小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_type": "应为布尔值 true 或 false",
    "bool_parsing": "应为布尔值 true 或 false",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_digits": "数字总位数不得超过 {max_digits} 位",
    "decimal_max_places": "小数不得超过 {decimal_places} 位",
    "decimal_whole_digits": "整数部分不得超过 {whole_digits} 位",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "enum": "取值应为以下之一：{expected}",
    "literal_error": "取值应为以下之一：{expected}",
    "union_tag_invalid": "类型标记 {tag} 无效，应为以下之一：{expected_tags}",
    "union_tag_not_found": "缺少类型标记字段 {discriminator}",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，不能带时刻",
    "date_past": "应为过去的日期",
    "date_future": "应为将来的日期",
    "datetime_type": "应为时间（ISO 8601）",
    "datetime_parsing": "时间格式错误，应为 ISO 8601，例如 2026-05-01T09:30:00+08:00",
    "datetime_from_date_parsing": "时间格式错误，应为 ISO 8601，例如 2026-05-01T09:30:00+08:00",
    # services/common/fields.py FIRST_DAY / LAST_DAY
    "date_out_of_range": "日期超出范围，应在 {first} 至 {last} 之间",
    "datetime_out_of_range": "时间超出范围，应在 {first} 至 {last} 之间（按 UTC 计）",
    "datetime_object_invalid": "时间无效",
    "datetime_past": "应为过去的时间",
    "datetime_future": "应为将来的时间",
    "timezone_aware": "时间必须带时区，例如 2026-05-01T09:30:00+08:00",
    "timezone_naive": "时间不得带时区",
    "timezone_offset": "时区偏移应为 {tz_expected} 秒",
    "time_type": "应为时刻（HH:MM:SS）",
    "time_parsing": "时刻格式错误，应为 HH:MM:SS",
    "time_delta_type": "应为时长",
    "time_delta_parsing": "时长格式错误",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "uuid_version": "应为第 {expected_version} 版 UUID",
    "url_type": "应为网址",
    "url_parsing": "网址格式错误",
    "url_syntax_violation": "网址格式错误",
    "url_too_long": "网址最长 {max_length} 个字符",
    "url_scheme": "网址协议应为 {expected_schemes}",
    "bytes_type": "应为字节串",
    "bytes_too_short": "长度至少 {min_length} 字节",
    "bytes_too_long": "长度最多 {max_length} 字节",
    "none_required": "应为 null",
    "is_instance_of": "类型不符",
    "callable_type": "类型不符",
    "frozen_field": "该字段不可修改",
    "frozen_instance": "该对象不可修改",
    "recursion_loop": "数据嵌套过深",
    "value_error": "取值无效",
    "assertion_error": "取值无效",
}
_FALLBACK = "取值无效"


def _ctx(value: Any) -> str:
    text = str(value)
    # pydantic writes alternatives as "'a', 'b' or 'c'"
    return text.replace("' or '", "'、'").replace(", ", "、") if "'" in text else text


def validation_message(error: Mapping[str, Any], *, english: bool = False) -> str:
    """The message for one pydantic error (an item of ``ValidationError.errors()``)."""
    msg = str(error.get("msg", ""))
    kind = str(error.get("type", ""))
    if kind in ("value_error", "assertion_error"):
        # Our own validators raise with a Chinese message; pydantic prefixes it.
        own = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if _CJK.search(own):
            return own
        return msg if english else _FALLBACK
    if english:
        return msg
    if _CJK.search(msg):  # a custom error type raised with a Chinese message (PydanticCustomError)
        return msg
    template = _ZH.get(kind)
    if template is None:
        return _FALLBACK
    ctx = {k: _ctx(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):  # the caller dropped the context
        return _FALLBACK
