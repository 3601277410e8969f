"""The settings and the context built from them: the development entry-code key is refused outside dev (by
path and by content), a real key is accepted, and retired public keys stay in the published key set during a
rotation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from services.common.settings import DEV_ENTRY_CODE_KEY
from services.inspection.domain import entry_code
from services.inspection.settings import InspectionSettings, load_keys

PROD = {
    "env": "prod",
    "jwks_file": None,
    "jwks_url": "https://auth.zhifa.shenyang.gov.cn/jwks.json",
    "database_url": "postgresql+asyncpg://zhifa_inspection:Xq7-rotated@pg.internal:5432/zhifa_inspection",
    # Production refuses NATS without credentials or TLS (services/common/settings.py).
    "nats_url": "tls://nats.zhifa.svc:4222",
    "nats_user": "zhifa-inspection",
    "nats_password": "Lk2-rotated",
    # and its own audit-checkpoint key (issue #13; only its presence is checked here)
    "audit_checkpoint_key_file": Path("/etc/zhifa/audit-checkpoint-key/audit-checkpoint-key.pem"),
}


def write_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return key


def test_the_development_key_is_refused_outside_dev(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="development entry-code key"):
        InspectionSettings(**PROD, entry_code_key_file=DEV_ENTRY_CODE_KEY)
    copy = tmp_path / "entry-code-key.pem"
    copy.write_bytes(DEV_ENTRY_CODE_KEY.read_bytes())  # mounted elsewhere, same key
    with pytest.raises(ValidationError, match="development entry-code key"):
        InspectionSettings(**PROD, entry_code_key_file=copy)
    assert InspectionSettings(env="dev").entry_code_key_file == DEV_ENTRY_CODE_KEY


def test_a_real_key_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "entry-code-key.pem"
    write_key(path)
    settings = InspectionSettings(**PROD, entry_code_key_file=path)
    assert settings.entry_code_key_file == path


def test_ratios_are_basis_points_and_the_unknown_class_must_have_one() -> None:
    with pytest.raises(ValidationError):
        InspectionSettings(sampling_ratios_bp={"A": 500, "B": 12000})
    with pytest.raises(ValidationError):
        InspectionSettings(sampling_ratios_bp={"A": 500}, sampling_unknown_class="B")


def test_rotation_keeps_retired_keys_verifiable(tmp_path: Path) -> None:
    old_path, new_path = tmp_path / "old.pem", tmp_path / "new.pem"
    write_key(old_path)
    write_key(new_path)
    old = load_keys(old_path)
    assert old.kid.startswith("ec-") and old.kid == load_keys(old_path).kid  # derived, stable
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(old.jwks))
    new = load_keys(new_path, previous_jwks_file=previous)
    assert set(new.public_keys) == {old.kid, new.kid}
    assert {k["kid"] for k in new.jwks["keys"]} == {old.kid, new.kid}
    printed = entry_code.sign_enterprise_code(
        "91210102MALF0FGQ49", 1, datetime(2026, 5, 1, tzinfo=UTC), old.private_key, old.kid
    )
    assert entry_code.verify_enterprise_code(printed, new.public_keys).uscc == "91210102MALF0FGQ49"
    named = load_keys(new_path, "2026-11")
    assert named.kid == "2026-11" and list(named.public_keys) == ["2026-11"]
