"""EdDSA tokens without PyJWT (services/common/jws.py, services/common/auth.py): every check PyJWT made is
still made, tokens interoperate with PyJWT both ways, and the key files and key sets read as before.

PyJWT (a test dependency here) is the independent implementation the tokens are compared with; the
malformed tokens are put together by hand (base64url, JSON, an Ed25519 signature) so that no code under
test builds them.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.common import jws
from services.common.auth import (
    TokenExpired,
    TokenInvalid,
    TokenVerifier,
    load_jwks,
    load_private_key,
    mint_token,
)
from services.common.devtokens import dev_signing_key
from services.common.settings import DEV_JWKS_FILE, DEV_JWT_PRIVATE_KEY, CommonSettings

settings = CommonSettings()
LEEWAY = 30  # seconds: the verifier's default (ZHIFA_JWT_LEEWAY_S), passed explicitly below


def verifier() -> TokenVerifier:
    return TokenVerifier(
        issuer=settings.jwt_issuer, audience=settings.jwt_audience, jwks_file=DEV_JWKS_FILE, leeway=LEEWAY
    )


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "x",
        "role": "admin",
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def by_hand(payload: Any, header: dict[str, Any] | None = None) -> str:
    """A compact JWS signed with the dev key, assembled without jws.py or PyJWT."""
    key, kid = dev_signing_key()
    head = {"alg": "EdDSA", "typ": "JWT", "kid": kid} if header is None else header
    signing_input = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


async def refusal(token: str) -> TokenInvalid:
    with pytest.raises(TokenInvalid) as refused:
        await verifier().verify(f"Bearer {token}")
    return refused.value


class TestInteroperability:
    async def test_a_token_pyjwt_signs_is_accepted(self) -> None:
        key, kid = dev_signing_key()
        token = jwt.encode(claims(), key, algorithm="EdDSA", headers={"kid": kid})
        assert (await verifier().verify(f"Bearer {token}")).role == "admin"

    def test_a_token_the_platform_mints_verifies_with_pyjwt(self) -> None:
        key, kid = dev_signing_key()
        token = mint_token(
            key, kid=kid, issuer=settings.jwt_issuer, audience=settings.jwt_audience, sub="s", role="admin"
        )
        assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "typ": "JWT", "kid": kid}
        decoded = jwt.decode(
            token,
            key.public_key(),
            algorithms=["EdDSA"],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
        )
        assert decoded["sub"] == "s" and decoded["exp"] - decoded["iat"] == 3600  # the default ttl_seconds

    async def test_an_audience_list_that_names_the_platform_is_accepted(self) -> None:
        token = by_hand(claims(aud=["someone-else", settings.jwt_audience]))
        assert (await verifier().verify(f"Bearer {token}")).role == "admin"


class TestRefusals:
    @pytest.mark.parametrize("name", ["iss", "aud", "sub", "exp", "iat", "role"])
    async def test_each_required_claim(self, name: str) -> None:
        refused = await refusal(by_hand(claims(**{name: None})))
        assert refused.code == "TOKEN_INVALID" and name in refused.detail

    @pytest.mark.parametrize(
        "aud",
        [["someone-else"], [], "", {"aud": "zhifa"}, [1]],
        ids=["list", "empty list", "empty", "object", "int"],
    )
    async def test_an_audience_that_is_not_the_platform(self, aud: Any) -> None:
        refused = await refusal(by_hand(claims(aud=aud)))
        assert "aud" in refused.detail

    async def test_an_issuer_that_is_not_a_string(self) -> None:
        assert "iss" in (await refusal(by_hand(claims(iss=[settings.jwt_issuer])))).detail

    @pytest.mark.parametrize("name", ["sub", "jti"])
    async def test_sub_and_jti_must_be_strings(self, name: str) -> None:
        assert name in (await refusal(by_hand(claims(**{name: 12345})))).detail

    async def test_a_kid_that_is_not_a_string(self) -> None:
        await refusal(by_hand(claims(), header={"alg": "EdDSA", "kid": 1}))

    async def test_a_critical_extension(self) -> None:
        _, kid = dev_signing_key()
        await refusal(by_hand(claims(), header={"alg": "EdDSA", "kid": kid, "crit": ["exp"], "exp": 1}))

    async def test_a_detached_payload(self) -> None:
        _, kid = dev_signing_key()
        await refusal(by_hand(claims(), header={"alg": "EdDSA", "kid": kid, "b64": False, "crit": ["b64"]}))

    async def test_an_algorithm_other_than_eddsa_even_with_a_good_signature(self) -> None:
        _, kid = dev_signing_key()
        assert "EdDSA" in (await refusal(by_hand(claims(), header={"alg": "Ed25519", "kid": kid}))).detail

    async def test_a_payload_that_is_not_an_object(self) -> None:
        await refusal(by_hand(["iss", "aud"]))

    async def test_a_changed_payload(self) -> None:
        head, _, signature = by_hand(claims()).split(".")
        other = b64(json.dumps(claims(role="admin", sub="someone else")).encode())
        refused = await refusal(f"{head}.{other}.{signature}")
        assert refused.detail == "访问令牌签名无效"

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda s: s + "===",  # three padding characters
            lambda s: s[:-1] + "!",  # outside the base64url alphabet
            lambda s: s[:-1] + "+",  # standard base64, not base64url
            lambda s: s + "A",  # a length of 4n + 1 encodes no bytes
        ],
        ids=["padding", "junk", "plus", "length"],
    )
    async def test_a_signature_segment_that_is_not_strict_base64url(self, mangle: Any) -> None:
        head, body, signature = by_hand(claims()).split(".")
        await refusal(f"{head}.{body}.{mangle(signature)}")

    def test_a_non_canonical_encoding_is_refused(self) -> None:
        # "AB" decodes to the byte 0x00 with four stray bits set (B = 000001); the canonical form is "AA".
        assert jws.b64url_decode("AA") == b"\x00"
        with pytest.raises(jws.Malformed):
            jws.b64url_decode("AB")


class TestTimesAndLeeway:
    """The leeway (30 s here) applies to exp, nbf and iat as PyJWT applied it."""

    async def test_expired_within_the_leeway_is_accepted(self) -> None:
        now = int(time.time())
        # expired 10 s ago; refused only once exp <= now - 30, i.e. 20 s from now
        await verifier().verify(f"Bearer {by_hand(claims(iat=now - 600, exp=now - 10))}")

    async def test_expired_beyond_the_leeway_is_token_expired(self) -> None:
        now = int(time.time())
        with pytest.raises(TokenExpired):  # now - 40 <= now - 30
            await verifier().verify(f"Bearer {by_hand(claims(iat=now - 600, exp=now - 40))}")

    async def test_not_before_within_the_leeway_is_accepted(self) -> None:
        now = int(time.time())
        # nbf 10 s ahead: refused only when nbf > now + 30
        await verifier().verify(f"Bearer {by_hand(claims(nbf=now + 10, iat=now + 10, exp=now + 610))}")

    @pytest.mark.parametrize("name", ["nbf", "iat"])
    async def test_not_yet_valid_beyond_the_leeway(self, name: str) -> None:
        now = int(time.time())
        # 60 s ahead > now + 30; exp keeps the lifetime (exp - iat) at 600 s
        token = by_hand(claims(**{name: now + 60}, exp=now + 660))
        assert "尚未生效" in (await refusal(token)).detail


class TestKeys:
    def test_the_dev_key_file_reads_as_cryptography_reads_it(self) -> None:
        ours = load_private_key(DEV_JWT_PRIVATE_KEY)
        theirs = serialization.load_pem_private_key(DEV_JWT_PRIVATE_KEY.read_bytes(), password=None)
        assert isinstance(theirs, Ed25519PrivateKey)
        assert ours.private_bytes_raw() == theirs.private_bytes_raw()

    def test_a_pkcs8_ed25519_key_is_read_without_the_serialization_package(self) -> None:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        read = jws.ed25519_pkcs8(pem)
        assert read is not None and read.private_bytes_raw() == key.private_bytes_raw()

    def test_another_kind_of_key_file_is_a_value_error(self, tmp_path: Any) -> None:
        ec = generate_private_key(SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        assert jws.ed25519_pkcs8(ec) is None  # not the Ed25519 layout: cryptography's loader decides
        (tmp_path / "ec.pem").write_bytes(ec)
        with pytest.raises(ValueError, match="not an Ed25519 private key"):
            load_private_key(tmp_path / "ec.pem")

    def test_a_key_set_keeps_only_public_ed25519_keys(self) -> None:
        key = Ed25519PrivateKey.generate()
        x = b64(key.public_key().public_bytes_raw())
        jwks = {
            "keys": [
                {"kty": "OKP", "crv": "Ed25519", "kid": "good", "x": x},
                {"kty": "OKP", "crv": "Ed25519", "kid": "private", "x": x, "d": b64(key.private_bytes_raw())},
                {"kty": "OKP", "crv": "Ed448", "kid": "ed448", "x": x},
                {"kty": "OKP", "crv": "Ed25519", "kid": "short", "x": x[:20]},
                {"kty": "OKP", "crv": "Ed25519", "x": x},  # no kid
            ]
        }
        keys = load_jwks(jwks)
        assert list(keys) == ["good"]
        assert keys["good"].public_bytes_raw() == key.public_key().public_bytes_raw()
