"""Amounts of money as a Chinese document writes them: 大写 (壹仟陆佰壹拾元零伍角整) beside the figures."""

from __future__ import annotations

from services.common.money import format_yuan

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def _integer_capital(n: int) -> str:
    if n == 0:
        return "零"
    text = str(n)
    if len(text) > 16:
        raise ValueError("amount too large for Chinese capitals")
    out: list[str] = []
    zero_pending = False
    group_has_digit = False
    for i, ch in enumerate(text):
        position = len(text) - 1 - i  # 0 = 个位
        digit = int(ch)
        if digit == 0:
            zero_pending = True
        else:
            if zero_pending and out:
                out.append("零")
            zero_pending = False
            out.append(_DIGITS[digit] + _SMALL_UNITS[position % 4])
            group_has_digit = True
        if position % 4 == 0:
            if group_has_digit and position > 0:
                out.append(_GROUP_UNITS[position // 4])
            group_has_digit = False
    return "".join(out)


def rmb_capital(fen: int) -> str:
    """An amount in fen written in Chinese capitals: 5_000_000 -> '伍万元整', 168_032 -> '壹仟陆佰捌拾元零叁角贰分'."""
    if fen < 0:
        raise ValueError("amount must not be negative")
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "零元整"
    parts: list[str] = []
    if yuan:
        parts.append(_integer_capital(yuan) + "元")
    if jiao:
        if yuan and yuan % 10 == 0:
            parts.append("零")
        parts.append(_DIGITS[jiao] + "角")
    elif cents and yuan:
        parts.append("零")
    if cents:
        parts.append(_DIGITS[cents] + "分")
    else:
        parts.append("整")
    return "".join(parts)


def money_text(fen: int) -> str:
    """'人民币50,000.00元（大写：伍万元整）'."""
    return f"人民币{format_yuan(fen)}元（大写：{rmb_capital(fen)}）"
