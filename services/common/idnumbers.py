"""统一社会信用代码 (GB 32100-2015: 18 characters, the last a check character) and 居民身份证号 (GB 11643-1999:
18 characters, a birth date, the last a check digit, X for 10), checked by python-stdnum.

python-stdnum is imported when a number is first checked, not at start-up (~1 MiB: ``stdnum.util`` imports
pydoc; services/common/lazy.py ``HEAVY``). Each service words its own refusal from :class:`InvalidNumber`."""

from __future__ import annotations


class InvalidNumber(ValueError):
    """Not a valid number. ``kind`` says why, in python-stdnum's terms: ``InvalidLength``, ``InvalidFormat``,
    ``InvalidChecksum`` or ``InvalidComponent`` (a birth date or region that does not exist)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def uscc(value: str) -> str:
    """The compact, upper-case USCC; :class:`InvalidNumber` when it is not one."""
    from stdnum.cn import uscc as check
    from stdnum.exceptions import ValidationError

    try:
        return str(check.validate(value))
    except ValidationError as exc:
        raise InvalidNumber(type(exc).__name__, str(exc)) from exc


def is_valid_uscc(value: str) -> bool:
    try:
        uscc(value)
    except InvalidNumber:
        return False
    return True


def ric(value: str) -> str:
    """The compact 居民身份证号 (upper-case X); :class:`InvalidNumber` when it is not one."""
    from stdnum.cn import ric as check
    from stdnum.exceptions import ValidationError

    try:
        return str(check.validate(value))
    except ValidationError as exc:
        raise InvalidNumber(type(exc).__name__, str(exc)) from exc
