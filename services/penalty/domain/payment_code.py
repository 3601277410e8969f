"""缴款码: the reference a party quotes (or scans) when paying a fine, so the payment is matched to its decision
(行政处罚法 第六十七条第三款: paid at the designated bank or through the electronic payment system)."""

from __future__ import annotations


def iso7064_mod11_10(digits: str) -> str:
    """The check digit of ISO/IEC 7064 MOD 11,10 (GB/T 17710): a digit 0-9, catching every single-digit
    error and every adjacent transposition. p = 10; per digit: s = (p + d) mod 10, 0 read as 10,
    p = 2s mod 11; the check digit c makes (p + c) mod 10 = 1."""
    if not digits.isdigit() or not digits.isascii():
        raise ValueError("digits only")
    p = 10
    for ch in digits:
        s = (p + int(ch)) % 10 or 10
        p = (2 * s) % 11
    return str((11 - p) % 10)


def payment_code(district_code: str, year: int, case_id: int) -> str:
    """缴款码: 20 digits = the 6-digit district (行政区划代码) + the 4-digit year of the decision + 9 digits of
    the case (its UUID as an integer, mod 10^9, zero-padded) + an ISO 7064 MOD 11,10 check digit (a
    district code that is not 6 digits is written 000000).

    Deterministic: the same decision prints the same code whenever it is rendered. The payment platform
    (财政非税收入收缴) registers it against the decision when it is served; a mistyped code fails its check
    digit before it reaches the platform."""
    district = district_code if len(district_code) == 6 and district_code.isdigit() else "000000"
    body = f"{district}{year:04d}{case_id % 10**9:09d}"
    return body + iso7064_mod11_10(body)
