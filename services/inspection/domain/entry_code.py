"""The signed entry code (检查码, SPEC §2.3) and the enterprise code (企业码, SPEC §2.1).

Entry code format, ``zhifa-entry`` version 1
--------------------------------------------
An entry code is a JWS in Compact Serialization (RFC 7515 §7.1) signed with EdDSA over Ed25519 (RFC 8037),
so any JOSE library on a phone can verify it offline with the key set published at
``GET /visits/entry-codes/keys``::

    code          = B64(header) "." B64(payload) "." B64(signature)
    B64           = base64url without padding (RFC 7515 §2); only [A-Za-z0-9_-]
    header        = {"alg":"EdDSA","kid":"<key id>","typ":"zhifa-entry"}
    payload       = UTF-8 JSON object, keys sorted, no blanks (non-ASCII characters as UTF-8, not \\u escapes)
    signature     = Ed25519(private key of kid, ASCII(B64(header) "." B64(payload)))   (64 bytes)

Payload members (all required):

=======  ================  ============================================================
member   type              meaning
=======  ================  ============================================================
``v``    integer           format version, 1
``jti``  string            code id (unique; the single-use key)
``tid``  string            task id
``ent``  string            enterprise USCC (18 characters)
``off``  array of string   certificate numbers of the inspecting officers, e.g. 辽A-0012345
``itm``  array of string   inspection item codes, e.g. SJ-SP-001
``iat``  integer           issued at, seconds since 1970-01-01T00:00:00Z
``exp``  integer           expires at (exclusive), seconds since the epoch; default iat + 600
``nce``  string            nonce, at least 8 base64url characters
=======  ================  ============================================================

Verification, in order (an app verifying offline does steps 1–5; the service also does 6–7):

1. at most 4096 characters; three segments; each segment canonical base64url → else ``CODE_INVALID``;
2. header is a JSON object with ``alg`` exactly ``EdDSA`` and ``typ`` exactly ``zhifa-entry`` (no other
   algorithm is ever accepted) and a ``kid`` present in the key set → else ``CODE_INVALID``;
3. the Ed25519 signature verifies over the ASCII signing input → else ``CODE_INVALID``;
4. the payload has every member with its type, ``v == 1``, ``iat < exp`` → else ``CODE_INVALID``;
5. ``iat <= now + leeway`` (not issued in the future) → else ``CODE_INVALID``; ``now < exp + leeway`` →
   else ``CODE_EXPIRED``;
6. the code names the enterprise checking in → else ``CODE_WRONG_ENTERPRISE`` (``check_enterprise``);
7. the code id has not been used → else ``CODE_USED`` (``check_unused``).

The enterprise comes before single use: another enterprise holding a used code must learn nothing about it
(``CODE_USED`` says when it was used).

A typical code (UUID code and task ids, two officers, three items) is about 510 characters: a version-18 QR
code (89×89 modules) at error correction level M, version 15 at level L — shown on the officer's phone screen
and scanned by the enterprise's phone, which handles that size easily. Each further officer or item adds about
20 characters.

Keys are Ed25519 key pairs identified by ``kid``; several public keys may be published at once, so a new key
can sign while codes signed by the previous one are still verifiable (rotation). ``public_jwks`` renders the
set as a JWKS (RFC 7517) of OKP keys (RFC 8037): ``{"kty":"OKP","crv":"Ed25519","x":B64(raw public key),
"kid":...,"use":"sig","alg":"EdDSA"}``.

The enterprise code (企业码) uses the same envelope with ``typ`` ``zhifa-enterprise`` and payload members
``v`` (1), ``ent`` (USCC), ``ser`` (serial, integer ≥ 1; re-issuing a lost or compromised code increments
it and older serials are refused) and ``iat``; it has no expiry because it is printed at the entrance.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.common.clock import CHINA
from services.inspection.domain.registry import validate_uscc
from services.inspection.errors import (
    CodeExpired,
    CodeInvalid,
    CodeUsed,
    CodeWrongEnterprise,
    EnterpriseCodeInvalid,
    EnterpriseCodeRevoked,
    EntryRefused,
    InvalidEntryPayload,
)

# libsodium (PyNaCl) verifies an Ed25519 signature in ~42 us of CPU, OpenSSL (cryptography) in ~86 us: the
# check-in verifies one entry code per request (docs/benchmarks.md). Without PyNaCl, OpenSSL verifies.
_sodium_open: Callable[[bytes, bytes], bytes] | None
try:
    from nacl.bindings import crypto_sign_open
    from nacl.exceptions import BadSignatureError

    _sodium_open = crypto_sign_open
except ImportError:  # pragma: no cover - PyNaCl is a dependency
    _sodium_open = None

FORMAT_VERSION = 1
ENTRY_TYP = "zhifa-entry"
ENTERPRISE_TYP = "zhifa-enterprise"
ALG = "EdDSA"
DEFAULT_TTL = timedelta(minutes=10)
MAX_TTL = timedelta(hours=1)
MAX_CODE_LENGTH = 4096
_B64 = re.compile(r"[A-Za-z0-9_-]*")
_NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_KID = re.compile(r"[A-Za-z0-9._-]{1,64}")


CODE_REFUSALS: tuple[type[EntryRefused], ...] = (CodeInvalid, CodeExpired, CodeUsed, CodeWrongEnterprise)


# ---------------------------------------------------------------------------------------------------------
# Payloads


@dataclass(frozen=True, slots=True)
class EntryPayload:
    code_id: str
    task_id: str
    uscc: str
    cert_nos: tuple[str, ...]
    item_codes: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime
    nonce: str
    kid: str = ""  # set by ``verify``: which key signed it

    def claims(self) -> dict[str, Any]:
        return {
            "v": FORMAT_VERSION,
            "jti": self.code_id,
            "tid": self.task_id,
            "ent": self.uscc,
            "off": list(self.cert_nos),
            "itm": list(self.item_codes),
            "iat": _epoch(self.issued_at),
            "exp": _epoch(self.expires_at),
            "nce": self.nonce,
        }


def new_payload(
    *,
    code_id: str,
    task_id: str,
    uscc: str,
    cert_nos: Sequence[str],
    item_codes: Sequence[str],
    now: datetime,
    nonce: str,
    ttl: timedelta = DEFAULT_TTL,
) -> EntryPayload:
    """A payload issued at ``now`` (whole seconds) and valid for ``ttl`` (default 10 minutes, at most 1 hour).

    ``code_id`` and ``nonce`` come from the caller (uuid4 and ``secrets.token_urlsafe(12)``): the domain reads
    no randomness.
    """
    problems: list[tuple[str, str]] = []  # (Chinese, English)
    if not code_id or not task_id:
        problems.append(("检查码编号和任务编号不能为空", "the code id and the task id are required"))
    if not cert_nos:
        problems.append(("检查码须列明执法人员的执法证号", "the code names the officers' certificates"))
    if not item_codes:
        problems.append(("检查码须列明检查事项", "the code names the items inspected"))
    if not _NONCE.fullmatch(nonce):
        problems.append(("随机数须为8至64个base64url字符", "the nonce is 8 to 64 base64url characters"))
    if not timedelta(0) < ttl <= MAX_TTL:
        minutes = int(MAX_TTL.total_seconds() // 60)
        problems.append(
            (
                f"检查码有效期须大于0且不超过{minutes}分钟",
                f"a code lives more than 0 and at most {minutes} minutes",
            )
        )
    if problems:
        raise InvalidEntryPayload(
            "；".join(zh for zh, _ in problems),
            detail_en="; ".join(en for _, en in problems),
            extra={"problems": [zh for zh, _ in problems]},
        )
    issued = datetime.fromtimestamp(_epoch(now), UTC)
    return EntryPayload(
        code_id=code_id,
        task_id=task_id,
        uscc=validate_uscc(uscc),
        cert_nos=tuple(dict.fromkeys(cert_nos)),
        item_codes=tuple(dict.fromkeys(item_codes)),
        issued_at=issued,
        expires_at=issued + timedelta(seconds=int(ttl.total_seconds())),
        nonce=nonce,
    )


def sign(payload: EntryPayload, private_key: Ed25519PrivateKey, kid: str) -> str:
    """The compact entry code for ``payload``, signed by ``private_key`` under key id ``kid``."""
    if payload.expires_at <= payload.issued_at:
        raise InvalidEntryPayload(
            "检查码失效时间须晚于签发时间", detail_en="A code expires after it is issued"
        )
    return _sign_jws({"alg": ALG, "kid": _check_kid(kid), "typ": ENTRY_TYP}, payload.claims(), private_key)


def verify(
    code: str,
    public_keys_by_kid: Mapping[str, Ed25519PublicKey],
    now: datetime,
    *,
    leeway: timedelta = timedelta(0),
) -> EntryPayload:
    """The verified payload, or ``CODE_INVALID`` / ``CODE_EXPIRED`` (steps 1–5 of the module docstring)."""
    kid, claims = _verify_jws(code, public_keys_by_kid, ENTRY_TYP, CodeInvalid)
    try:
        payload = _entry_from_claims(claims)
    except (KeyError, TypeError, ValueError) as exc:
        raise CodeInvalid(
            "检查码内容不完整或格式错误，不得据此入企检查",
            detail_en="The entry code's content is incomplete or malformed: no entry on it",
        ) from exc
    payload = replace(payload, kid=kid)
    now_s = _epoch(now)
    if _epoch(payload.issued_at) > now_s + int(leeway.total_seconds()):
        raise CodeInvalid(
            "检查码签发时间晚于当前时间，请核对设备时间后重新扫码",
            detail_en="The entry code was issued in the future: check the phones' clocks and scan again",
            extra={"code_id": payload.code_id, "issued_at": payload.issued_at.isoformat()},
        )
    if now_s >= _epoch(payload.expires_at) + int(leeway.total_seconds()):
        raise CodeExpired(
            f"检查码已于{_in_china(payload.expires_at)}过期，请执法人员重新申领检查码",
            detail_en=f"The entry code expired at {_in_china(payload.expires_at)} (China time); the officers "
            "request a new one",
            extra={"code_id": payload.code_id, "expires_at": payload.expires_at.isoformat()},
        )
    return payload


def check_unused(payload: EntryPayload, used_at: datetime | None) -> None:
    """``CODE_USED`` when the code id was already checked in (``used_at`` from the service's store)."""
    if used_at is not None:
        raise CodeUsed(
            f"检查码 {payload.code_id} 已于{_in_china(used_at)}使用，每个检查码只能使用一次",
            detail_en=f"Entry code {payload.code_id} was used at {_in_china(used_at)} (China time); a code is "
            "used once",
            extra={"code_id": payload.code_id, "used_at": used_at.isoformat()},
        )


def check_enterprise(payload: EntryPayload, uscc: str) -> None:
    """``CODE_WRONG_ENTERPRISE`` unless the code names the enterprise that scanned it."""
    if payload.uscc != uscc.strip().upper():
        raise CodeWrongEnterprise(
            "该检查码不是为本企业签发的，本企业有权拒绝检查并可向执法监督机构反映",
            detail_en="This entry code was not issued for this enterprise, which may refuse the inspection and "
            "report it to the enforcement supervisors",
            extra={"code_id": payload.code_id, "code_uscc": payload.uscc, "uscc": uscc},
        )


def _entry_from_claims(claims: Mapping[str, Any]) -> EntryPayload:
    if claims["v"] != FORMAT_VERSION or isinstance(claims["v"], bool):
        raise ValueError("unsupported version")
    strings = {k: claims[k] for k in ("jti", "tid", "ent", "nce")}
    if not all(isinstance(v, str) and v for v in strings.values()):
        raise TypeError("string members")
    lists = {k: claims[k] for k in ("off", "itm")}
    for values in lists.values():
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise TypeError("array members")
    iat, exp = claims["iat"], claims["exp"]
    for value in (iat, exp):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**40:
            raise TypeError("time members")
    if not iat < exp:
        raise ValueError("iat must precede exp")
    return EntryPayload(
        code_id=strings["jti"],
        task_id=strings["tid"],
        uscc=strings["ent"],
        cert_nos=tuple(lists["off"]),
        item_codes=tuple(lists["itm"]),
        issued_at=datetime.fromtimestamp(iat, UTC),
        expires_at=datetime.fromtimestamp(exp, UTC),
        nonce=strings["nce"],
    )


# ---------------------------------------------------------------------------------------------------------
# Enterprise code (企业码)


@dataclass(frozen=True, slots=True)
class EnterpriseCode:
    uscc: str
    serial: int
    issued_at: datetime
    kid: str = ""


def sign_enterprise_code(
    uscc: str, serial: int, issued_at: datetime, private_key: Ed25519PrivateKey, kid: str
) -> str:
    if serial < 1:
        raise InvalidEntryPayload("企业码序号从1开始", detail_en="Enterprise code serials start at 1")
    claims = {"v": FORMAT_VERSION, "ent": validate_uscc(uscc), "ser": serial, "iat": _epoch(issued_at)}
    return _sign_jws({"alg": ALG, "kid": _check_kid(kid), "typ": ENTERPRISE_TYP}, claims, private_key)


def verify_enterprise_code(
    code: str, public_keys_by_kid: Mapping[str, Ed25519PublicKey], current_serial: int | None = None
) -> EnterpriseCode:
    """The verified enterprise code; ``ENTERPRISE_CODE_REVOKED`` when ``current_serial`` is newer."""
    kid, claims = _verify_jws(code, public_keys_by_kid, ENTERPRISE_TYP, EnterpriseCodeInvalid)
    try:
        v, uscc, serial, iat = claims["v"], claims["ent"], claims["ser"], claims["iat"]
        if v != FORMAT_VERSION or not isinstance(uscc, str):
            raise ValueError("version or uscc")
        for value in (serial, iat):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**40:
                raise TypeError("integer members")
        result = EnterpriseCode(uscc, serial, datetime.fromtimestamp(iat, UTC), kid)
    except (KeyError, TypeError, ValueError) as exc:
        raise EnterpriseCodeInvalid(
            "企业码内容不完整或格式错误", detail_en="The enterprise code's content is incomplete or malformed"
        ) from exc
    if current_serial is not None and serial != current_serial:
        raise EnterpriseCodeRevoked(
            f"该企业码（第{serial}版）已作废，请企业使用最新企业码（第{current_serial}版）",
            detail_en=f"This enterprise code (serial {serial}) is superseded; the enterprise shows its current "
            f"code (serial {current_serial})",
            extra={"uscc": uscc, "serial": serial, "current_serial": current_serial},
        )
    return result


# ---------------------------------------------------------------------------------------------------------
# Key set


def public_jwks(public_keys_by_kid: Mapping[str, Ed25519PublicKey]) -> dict[str, list[dict[str, str]]]:
    """The public keys as a JWKS of OKP/Ed25519 keys, sorted by kid (for ``GET /visits/entry-codes/keys``)."""
    keys = []
    for kid in sorted(public_keys_by_kid):
        raw = public_keys_by_kid[kid].public_bytes(Encoding.Raw, PublicFormat.Raw)
        keys.append({"kty": "OKP", "crv": "Ed25519", "x": _b64e(raw), "kid": kid, "use": "sig", "alg": ALG})
    return {"keys": keys}


def public_keys_from_jwks(jwks: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """The inverse of ``public_jwks``: Ed25519 public keys by kid (other key types are skipped)."""
    out: dict[str, Ed25519PublicKey] = {}
    for key in jwks.get("keys", []):
        if key.get("kty") == "OKP" and key.get("crv") == "Ed25519" and "kid" in key:
            out[str(key["kid"])] = Ed25519PublicKey.from_public_bytes(_b64d(str(key["x"])))
    return out


# ---------------------------------------------------------------------------------------------------------
# JWS plumbing


def _sign_jws(header: Mapping[str, Any], claims: Mapping[str, Any], key: Ed25519PrivateKey) -> str:
    signing_input = _b64e(_json(header)) + "." + _b64e(_json(claims))
    return signing_input + "." + _b64e(key.sign(signing_input.encode("ascii")))


def _verify_jws(
    code: str,
    keys: Mapping[str, Ed25519PublicKey],
    typ: str,
    error: type[EntryRefused],
) -> tuple[str, dict[str, Any]]:
    entry = error is CodeInvalid
    invalid = "检查码无效或已被篡改，不得据此入企检查" if entry else "企业码无效或已被篡改"
    invalid_en = (
        "The entry code is invalid or was tampered with: no entry on it"
        if entry
        else "The enterprise code is invalid or was tampered with"
    )
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH:
        raise error(invalid, detail_en=invalid_en)
    code = code.strip()
    parts = code.split(".")
    if len(parts) != 3 or not all(parts) or not all(_B64.fullmatch(p) for p in parts):
        raise error(invalid, detail_en=invalid_en)
    try:
        header = orjson.loads(_b64d(parts[0]))  # UTF-8 checked by orjson (ValueError, as json's)
        signature = _b64d(parts[2])
        if not isinstance(header, dict) or header.get("alg") != ALG or header.get("typ") != typ:
            raise ValueError("header")
        kid = header.get("kid")
        if not isinstance(kid, str) or kid not in keys:
            raise error(
                "检查码的签名密钥未知，不得据此入企检查" if entry else "企业码的签名密钥未知",
                detail_en="The code's signing key is unknown" + (": no entry on it" if entry else ""),
                extra={"kid": kid if isinstance(kid, str) else None},
            )
        _check_signature(keys[kid], signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
        claims = orjson.loads(_b64d(parts[1]))
        if not isinstance(claims, dict):
            raise ValueError("claims")
    except EntryRefused:
        raise
    except (
        InvalidSignature,
        ValueError,
        TypeError,
        UnicodeDecodeError,
        binascii.Error,
        RecursionError,
    ) as exc:
        raise error(invalid, detail_en=invalid_en) from exc
    return kid, claims


#: Which library verifies the signatures: "libsodium" (PyNaCl), or "openssl" (cryptography) without PyNaCl.
SIGNATURE_BACKEND = "openssl" if _sodium_open is None else "libsodium"


def _check_signature(key: Ed25519PublicKey, signature: bytes, message: bytes) -> None:
    """RFC 8032 Ed25519 verification of ``signature`` over ``message`` by ``key``; ``InvalidSignature`` if not.

    Through libsodium when PyNaCl is there (the check-in verifies one code per request: half the CPU), else
    through OpenSSL. Both verify cofactorless and refuse a non-canonical S; libsodium also refuses an R or a
    public key of small order, which no signature made with one of the service's keys ever has (R = rB with
    r a hash reduced mod L; the keys are generated), so the same codes pass and fail with either
    (tests/inspection/domain/test_entry_code.py compares them on mutated signatures)."""
    if _sodium_open is None:
        key.verify(signature, message)
        return
    if len(signature) != 64:  # libsodium reads the first 64 bytes of signature + message as the signature
        raise InvalidSignature
    try:
        _sodium_open(signature + message, key.public_bytes_raw())
    except BadSignatureError as exc:
        raise InvalidSignature from exc


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    """Strict base64url: the alphabet only, no padding, and canonical (re-encodes to the same text)."""
    if not _B64.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64e(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return int(moment.timestamp())


def _check_kid(kid: str) -> str:
    if not _KID.fullmatch(kid):
        raise InvalidEntryPayload(
            "密钥编号（kid）须为1至64个字母、数字或 . _ -",
            detail_en="A key id (kid) is 1 to 64 letters, digits or . _ -",
        )
    return kid


def _in_china(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
