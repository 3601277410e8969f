"""The seal area of an issued document: the seal image or 「（印章）」, and an Ed25519 signature over its SHA-256
(services/common/seal.py)."""

from __future__ import annotations

import base64
import hashlib

from services.common import checkpoints, seal

KEYS = checkpoints.load_keys(checkpoints.dev_key_file("penalty"))
OTHER = checkpoints.load_keys(checkpoints.dev_key_file("risk"))
PAGE = '<html><body><p>行政处罚决定书 沈市监罚〔2026〕123号</p><div class="seal-area"><!--zhifa-seal--></div></body></html>'
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_without_an_image_the_area_reads_seal_and_the_hash_is_of_the_unsealed_page() -> None:
    sealed = seal.seal_html(PAGE, KEYS)
    assert "（印章）" in sealed and "<img" not in sealed
    # the hash printed is SHA-256 of the page as rendered, with the marker unfilled
    expected = hashlib.sha256(PAGE.encode()).hexdigest()
    assert f"电子签章 SHA-256：{expected}" in sealed
    assert seal.digest(sealed) == expected
    assert KEYS.kid in sealed


def test_the_signature_verifies_with_the_published_key_and_not_after_a_change() -> None:
    sealed = seal.seal_html(PAGE, KEYS)
    assert seal.verify_html(sealed, KEYS.public_keys)
    assert not seal.verify_html(sealed.replace("123号", "124号"), KEYS.public_keys)  # the text changed
    assert not seal.verify_html(sealed, {KEYS.kid: OTHER.private_key.public_key()})  # another key
    assert not seal.verify_html(PAGE, KEYS.public_keys)  # never sealed


def test_a_configured_image_is_embedded() -> None:
    sealed = seal.seal_html(PAGE, KEYS, PNG)
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in sealed
    assert "（印章）" not in sealed and seal.verify_html(sealed, KEYS.public_keys)


def test_a_page_without_a_seal_area_is_left_alone() -> None:
    assert seal.seal_html("<p>立案审批表</p>", KEYS) == "<p>立案审批表</p>"


def test_a_record_signed_on_paper_carries_the_electronic_seal_alone() -> None:
    """``stamp=False`` (the 现场检查笔录): neither image nor 「（印章）」, the same hash and a signature that verifies."""
    sealed = seal.seal_html(PAGE, KEYS, PNG, stamp=False)
    assert "（印章）" not in sealed and "<img" not in sealed
    assert f"电子签章 SHA-256：{hashlib.sha256(PAGE.encode()).hexdigest()}" in sealed
    assert seal.verify_html(sealed, KEYS.public_keys)
