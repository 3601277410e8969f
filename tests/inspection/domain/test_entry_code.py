"""The signed entry code: sign, verify, forge, tamper, expire, single use, wrong enterprise, key set, QR."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from services.inspection import errors
from services.inspection.domain import entry_code as ec
from services.inspection.domain import qr
from services.inspection.domain.entry_code import new_payload, sign, verify

USCC = "91210102MA0000001" + stdnum_uscc.calc_check_digit("91210102MA0000001")
OTHER = "91210103MA0000002" + stdnum_uscc.calc_check_digit("91210103MA0000002")
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KEY2 = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
KEYS = {"ec-2026-1": KEY.public_key()}
NOW = datetime(2026, 6, 1, 2, 0, 0, 123456, tzinfo=UTC)

PAYLOAD = new_payload(
    code_id="5f0c2d1e-8a51-4c52-9d0e-3b4f9a8c7d61",
    task_id="0b7e1c9a-1d2f-4e3a-8b5c-6d7e8f9a0b1c",
    uscc=USCC,
    cert_nos=["辽A-0012345", "辽A-0012346"],
    item_codes=["SJ-SP-002", "SJ-SP-003", "SJ-TZ-001"],
    now=NOW,
    nonce="q8Zr3kV1nB0xYt2w",
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TestPayload:
    def test_times_are_whole_seconds_and_default_ttl_is_ten_minutes(self) -> None:
        assert PAYLOAD.issued_at == datetime(2026, 6, 1, 2, 0, 0, tzinfo=UTC)
        assert PAYLOAD.expires_at - PAYLOAD.issued_at == timedelta(minutes=10)

    @pytest.mark.parametrize(
        "kw",
        [
            {"cert_nos": []},
            {"item_codes": []},
            {"nonce": "short"},
            {"ttl": timedelta(hours=2)},
            {"ttl": timedelta(0)},
        ],
    )
    def test_incomplete_payloads(self, kw: dict[str, object]) -> None:
        args: dict[str, object] = {
            "code_id": "c",
            "task_id": "t",
            "uscc": USCC,
            "cert_nos": ["辽A-0012345"],
            "item_codes": ["SJ-SP-002"],
            "now": NOW,
            "nonce": "abcdefgh",
        }
        args.update(kw)
        with pytest.raises(errors.InvalidEntryPayload):
            new_payload(**args)  # type: ignore[arg-type]


class TestSignVerify:
    def test_round_trip(self) -> None:
        code = sign(PAYLOAD, KEY, "ec-2026-1")
        got = verify(code, KEYS, NOW)
        assert got == replace(PAYLOAD, kid="ec-2026-1")
        assert (got.code_id, got.uscc, got.cert_nos, got.item_codes, got.kid) == (
            PAYLOAD.code_id,
            USCC,
            ("辽A-0012345", "辽A-0012346"),
            ("SJ-SP-002", "SJ-SP-003", "SJ-TZ-001"),
            "ec-2026-1",
        )
        assert got.expires_at == PAYLOAD.expires_at and got.nonce == PAYLOAD.nonce

    def test_documented_format(self) -> None:
        code = sign(PAYLOAD, KEY, "ec-2026-1")
        header_b64, payload_b64, sig_b64 = code.split(".")
        assert json.loads(unb64(header_b64)) == {"alg": "EdDSA", "kid": "ec-2026-1", "typ": "zhifa-entry"}
        raw = unb64(payload_b64)
        assert "辽A".encode() in raw  # UTF-8, not \\u escapes
        claims = json.loads(raw)
        iat = int(datetime(2026, 6, 1, 2, 0, tzinfo=UTC).timestamp())  # 1780279200
        assert claims == {
            "v": 1,
            "jti": PAYLOAD.code_id,
            "tid": PAYLOAD.task_id,
            "ent": USCC,
            "off": ["辽A-0012345", "辽A-0012346"],
            "itm": ["SJ-SP-002", "SJ-SP-003", "SJ-TZ-001"],
            "iat": iat,
            "exp": iat + 600,
            "nce": "q8Zr3kV1nB0xYt2w",
        }
        # The signature is plain Ed25519 over the ASCII signing input: checkable with the raw key alone.
        KEY.public_key().verify(unb64(sig_b64), f"{header_b64}.{payload_b64}".encode("ascii"))
        assert len(code) < 600

    def test_a_standard_jose_library_verifies_it_from_the_jwks(self) -> None:
        code = sign(PAYLOAD, KEY, "ec-2026-1")
        jwk = ec.public_jwks(KEYS)["keys"][0]
        key = jwt.PyJWK(jwk)
        claims = jwt.decode(code, key.key, algorithms=["EdDSA"], options={"verify_exp": False})
        assert claims["ent"] == USCC

    def test_key_rotation_by_kid(self) -> None:
        keys = {"ec-2026-1": KEY.public_key(), "ec-2026-2": KEY2.public_key()}
        assert verify(sign(PAYLOAD, KEY2, "ec-2026-2"), keys, NOW).kid == "ec-2026-2"
        assert verify(sign(PAYLOAD, KEY, "ec-2026-1"), keys, NOW).kid == "ec-2026-1"


class TestRefusals:
    def invalid(self, code: str) -> errors.CodeInvalid:
        with pytest.raises(errors.CodeInvalid) as err:
            verify(code, KEYS, NOW)
        assert err.value.code == "CODE_INVALID" and err.value.status == 403
        return err.value

    def test_forged_with_another_key_under_a_known_kid(self) -> None:
        self.invalid(sign(PAYLOAD, KEY2, "ec-2026-1"))

    def test_unknown_kid(self) -> None:
        err = self.invalid(sign(PAYLOAD, KEY, "ec-2099-9"))
        assert "密钥未知" in err.detail

    def test_tampered_payload(self) -> None:
        h, p, s = sign(PAYLOAD, KEY, "ec-2026-1").split(".")
        claims = json.loads(unb64(p))
        claims["ent"] = OTHER
        self.invalid(f"{h}.{b64(json.dumps(claims, ensure_ascii=False).encode())}.{s}")
        claims = json.loads(unb64(p))
        claims["exp"] += 3600  # stretch the validity
        self.invalid(f"{h}.{b64(json.dumps(claims).encode())}.{s}")

    def test_tampered_signature(self) -> None:
        h, p, s = sign(PAYLOAD, KEY, "ec-2026-1").split(".")
        sig = bytearray(unb64(s))
        sig[0] ^= 1
        self.invalid(f"{h}.{p}.{b64(bytes(sig))}")

    def test_alg_none_and_other_typs_are_refused(self) -> None:
        _, p, s = sign(PAYLOAD, KEY, "ec-2026-1").split(".")
        none = b64(json.dumps({"alg": "none", "kid": "ec-2026-1", "typ": "zhifa-entry"}).encode())
        self.invalid(f"{none}.{p}.{s}")
        enterprise_code = ec.sign_enterprise_code(USCC, 1, NOW, KEY, "ec-2026-1")
        self.invalid(enterprise_code)  # an enterprise code is not an entry code

    def test_non_canonical_base64_is_refused(self) -> None:
        h, p, s = sign(PAYLOAD, KEY, "ec-2026-1").split(".")
        self.invalid(f"{h}.{p}.{s}=")
        self.invalid(f"{h}.{p}.{s[:-1]}{'A' if s[-1] != 'A' else 'B'}")  # different trailing bits or value

    @pytest.mark.parametrize("junk", ["", "a.b", "a.b.c.d", "...", "x" * 5000, "ä.b.c", "eyJ9.eyJ9.AA"])
    def test_malformed(self, junk: str) -> None:
        self.invalid(junk)

    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=300))
    def test_garbage_never_raises_anything_but_code_invalid(self, junk: str) -> None:
        with pytest.raises(errors.CodeInvalid):
            verify(junk, KEYS, NOW)

    def test_expired_at_exactly_ten_minutes(self) -> None:
        code = sign(PAYLOAD, KEY, "ec-2026-1")
        issued = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
        verify(code, KEYS, issued + timedelta(minutes=9, seconds=59))
        with pytest.raises(errors.CodeExpired) as err:
            verify(code, KEYS, issued + timedelta(minutes=10))  # exp is exclusive
        assert err.value.status == 403 and "2026-06-01 10:10:00" in err.value.detail  # Shanghai time
        verify(code, KEYS, issued + timedelta(minutes=10), leeway=timedelta(seconds=30))

    def test_issued_in_the_future(self) -> None:
        code = sign(PAYLOAD, KEY, "ec-2026-1")
        with pytest.raises(errors.CodeInvalid):
            verify(code, KEYS, NOW - timedelta(minutes=5))
        verify(code, KEYS, NOW - timedelta(seconds=20), leeway=timedelta(seconds=30))

    def test_single_use(self) -> None:
        ec.check_unused(PAYLOAD, None)
        with pytest.raises(errors.CodeUsed) as err:
            ec.check_unused(PAYLOAD, NOW)
        assert (err.value.code, err.value.status) == ("CODE_USED", 409)

    def test_wrong_enterprise(self) -> None:
        ec.check_enterprise(PAYLOAD, USCC.lower())
        with pytest.raises(errors.CodeWrongEnterprise) as err:
            ec.check_enterprise(PAYLOAD, OTHER)
        assert (err.value.code, err.value.status) == ("CODE_WRONG_ENTERPRISE", 403)


class TestKeySet:
    def test_jwks_rendering(self) -> None:
        jwks = ec.public_jwks({"b": KEY2.public_key(), "a": KEY.public_key()})
        assert [k["kid"] for k in jwks["keys"]] == ["a", "b"]
        first = jwks["keys"][0]
        raw = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert first == {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64(raw),
            "kid": "a",
            "use": "sig",
            "alg": "EdDSA",
        }
        assert len(first["x"]) == 43  # 32 bytes → 43 base64url characters without padding

    def test_round_trip_through_jwks(self) -> None:
        keys = ec.public_keys_from_jwks(ec.public_jwks(KEYS))
        assert verify(sign(PAYLOAD, KEY, "ec-2026-1"), keys, NOW).uscc == USCC


#: The order of Ed25519's base point (RFC 8032 §5.1): a signature's S must be below it.
L = 2**252 + 27742317777372353535851937790883648493


def verdicts(key: Ed25519PrivateKey, signature: bytes, message: bytes) -> tuple[bool, bool]:
    """(OpenSSL's verdict, the entry code's verdict) on ``signature`` over ``message`` by ``key``'s public key."""
    public = key.public_key()
    out = []
    for check in (public.verify, lambda sig, msg: ec._check_signature(public, sig, msg)):
        try:
            check(signature, message)
            out.append(True)
        except InvalidSignature:
            out.append(False)
    return out[0], out[1]


class TestSignatureBackend:
    """Entry codes are verified through libsodium (PyNaCl), at half OpenSSL's CPU, with OpenSSL's verdicts."""

    def test_libsodium_verifies_the_codes(self) -> None:
        assert ec.SIGNATURE_BACKEND == "libsodium"

    def test_the_same_verdicts_as_openssl_on_mutated_signatures(self) -> None:
        message = sign(PAYLOAD, KEY, "ec-2026-1").rsplit(".", 1)[0].encode("ascii")
        good = KEY.sign(message)
        s = int.from_bytes(good[32:], "little")
        mutants = [
            good[:i] + bytes([good[i] ^ (1 << bit)]) + good[i + 1 :] for i in range(64) for bit in (0, 7)
        ]
        mutants += [
            good[:32] + (s + L).to_bytes(32, "little"),  # the same S, not reduced: malleated
            bytes([1]) + bytes(63),  # R the neutral point (small order), S = 0
            bytes(64),
            good[:63],
            good + b"\x00",
            b"",
            KEY2.sign(message),  # a good signature by another key
        ]
        assert verdicts(KEY, good, message) == (True, True)
        assert verdicts(KEY, good, message + b".") == (False, False)
        assert verdicts(KEY2, good, message) == (False, False)
        for mutant in mutants:
            assert verdicts(KEY, mutant, message) == (False, False), mutant.hex()

    def test_openssl_alone_verifies_the_same_codes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(ec, "_sodium_open", None)  # as without PyNaCl installed
        assert verify(sign(PAYLOAD, KEY, "ec-2026-1"), KEYS, NOW).kid == "ec-2026-1"
        with pytest.raises(errors.CodeInvalid):
            verify(sign(PAYLOAD, KEY2, "ec-2026-1"), KEYS, NOW)


class TestEnterpriseCode:
    def test_round_trip_and_revocation_by_serial(self) -> None:
        code = ec.sign_enterprise_code(USCC, 2, NOW, KEY, "ec-2026-1")
        got = ec.verify_enterprise_code(code, KEYS, current_serial=2)
        assert (got.uscc, got.serial) == (USCC, 2)
        with pytest.raises(errors.EnterpriseCodeRevoked):
            ec.verify_enterprise_code(code, KEYS, current_serial=3)

    def test_entry_code_is_not_an_enterprise_code(self) -> None:
        with pytest.raises(errors.EnterpriseCodeInvalid):
            ec.verify_enterprise_code(sign(PAYLOAD, KEY, "ec-2026-1"), KEYS)


class TestQr:
    def test_png_and_svg(self) -> None:
        code = sign(PAYLOAD, KEY, "ec-2026-1")
        assert qr.qr_png(code).startswith(b"\x89PNG\r\n\x1a\n")
        svg = qr.qr_svg(code)
        assert svg.lstrip().startswith("<svg") and "</svg>" in svg
        assert 480 < len(code) < 540
        # ~510 characters in byte mode: version 18 (89×89 modules) at level M, 15 at level L
        assert qr.qr_version(code) == 18 and qr.qr_version(code, error="l") == 15
