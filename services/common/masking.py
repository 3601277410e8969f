"""Personal data shown to people who may not see it in full (SPEC §1.6, 个人信息保护法 第五十一条).

One set of rules for every service, written once:

- a natural person's name keeps its first character and stars the rest, one star per character and at
  least one (张伟 → 张*, 欧阳明辉 → 欧***); an empty name stays empty (there is nothing to mask, and a lone
  star would suggest a name that does not exist);
- a 居民身份证号 keeps the first four characters (province and city) and the last four, with ten stars
  between (2101**********1234), and only a valid number is masked: anything else raises ``ValueError``,
  so a mistyped value is never published looking like a masked number.

Organisations are named in full: their names and USCCs are public by law (企业信息公示暂行条例 第六条).
"""

from __future__ import annotations

import re

from services.common import idnumbers

MASKED_RIC = re.compile(r"^\d{4}\*{10}\d{3}[\dX]$")


def mask_name(name: str) -> str:
    """A person's name for display to others: the first character kept, the rest starred."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_ric(number: str) -> str:
    """A valid 居民身份证号 as ``2101**********1234``; ``ValueError`` for anything that is not one."""
    try:
        compact = idnumbers.ric(number)
    except idnumbers.InvalidNumber as exc:
        raise ValueError("not a valid resident identity card number") from exc
    return compact[:4] + "*" * 10 + compact[-4:]


def is_masked_ric(value: str) -> bool:
    """Whether ``value`` has the shape ``mask_ric`` produces."""
    return bool(MASKED_RIC.match(value))


def mask_phone(phone: str) -> str:
    """A telephone number for display to others: a mobile number keeps its first three and last four digits
    (138****5678); any other keeps its last four, the rest starred; an empty one stays empty."""
    digits = phone.strip()
    if not digits:
        return ""
    if len(digits) == 11 and digits.isdigit():
        return digits[:3] + "****" + digits[-4:]
    keep = digits[-4:] if len(digits) > 4 else digits[-1:]
    return "*" * max(len(digits) - len(keep), 1) + keep
