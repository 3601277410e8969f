"""The seal area of an issued document and its electronic seal: an image, and a signature over its hash.

A document's template marks its seal area with ``<!--zhifa-seal-->`` (penalty: templates/document.html;
inspection: the 责令改正通知书 and, with the electronic seal alone, the 现场检查笔录).
``seal_html`` fills it when the document is issued:

- the configured seal image (``document_seal_image``, a PNG; embedded as a data URI so the stored HTML and
  its PDF stand alone), else the text 「（印章）」 where the agency stamps the printed copy by hand;
- the electronic seal: ``SHA-256`` of the document as issued *with the marker unfilled* (the UTF-8 bytes of
  the HTML), and an **Ed25519** signature by the service's audit-checkpoint key (services/common/
  checkpoints.py; its public keys are published at ``GET /public/<prefix>/audit/keys`` as a
  JWKS, ``kid`` printed with the signature) over the ASCII message ``zhifa-document-seal/v1\\n<sha256 hex>``.

To verify a document: take its HTML, replace the block between ``<!--zhifa-seal:begin-->`` and
``<!--zhifa-seal:end-->`` (inclusive) with ``<!--zhifa-seal-->``, hash it, and check the signature with the
JWKS key of the printed ``kid`` (``verify_html`` does exactly this). The hash and signature are printed in
full and wrap within the page (CSS ``overflow-wrap: anywhere``). This is the platform's own integrity
seal, not a qualified electronic seal under 电子签名法 第十三条 (which needs a certification service's
certificate); an agency with one plugs it in here.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html as html_lib
import re
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.common import checkpoints

MARKER = "<!--zhifa-seal-->"
BEGIN, END = "<!--zhifa-seal:begin-->", "<!--zhifa-seal:end-->"
CONTEXT = "zhifa-document-seal/v1\n"
_SEALED = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
_SIGNATURE = re.compile(r'data-kid="([^"]+)" data-signature="([A-Za-z0-9_=-]+)"')


def digest(html: str) -> str:
    """SHA-256 (hex) of the document with its seal area unfilled."""
    return hashlib.sha256(_SEALED.sub(MARKER, html).encode()).hexdigest()


def message(sha256_hex: str) -> bytes:
    return (CONTEXT + sha256_hex).encode("ascii")


def seal_html(
    html: str, keys: checkpoints.CheckpointKeys | None, image: bytes | None = None, *, stamp: bool = True
) -> str:
    """The document with its seal area filled (see the module's docstring); unchanged without a marker.
    ``stamp=False``: the electronic seal alone, for a record people sign on paper (现场检查笔录), which bears
    no agency seal."""
    if MARKER not in html:
        return html
    sha = digest(html)
    if not stamp:
        mark = ""
    elif image:
        mark = f'<img class="seal-image" alt="印章" src="data:image/png;base64,{base64.b64encode(image).decode()}">'
    else:
        mark = '<p class="seal">（印章）</p>'
    lines = [f'<p class="e-seal">电子签章 SHA-256：{sha}</p>']
    if keys is not None:
        signature = base64.urlsafe_b64encode(keys.private_key.sign(message(sha))).decode()
        kid = html_lib.escape(keys.kid)
        lines.append(
            f'<p class="e-seal" data-kid="{kid}" data-signature="{signature}">'
            f"签名（Ed25519，密钥 {kid}）：{signature}</p>"
        )
    return html.replace(MARKER, BEGIN + mark + "".join(lines) + END, 1)


def verify_html(html: str, public_keys: dict[str, Ed25519PublicKey]) -> bool:
    """Whether the document's printed signature verifies over its hash with the key of its ``kid``."""
    found = _SIGNATURE.search(html)
    if found is None or found[1] not in public_keys:
        return False
    try:
        public_keys[found[1]].verify(base64.urlsafe_b64decode(found[2]), message(digest(html)))
    except (InvalidSignature, ValueError):
        return False
    return True


@functools.cache
def _image(path: Path) -> bytes:
    return path.read_bytes()


@functools.cache
def _keys(key_file: Path | None, kid: str, previous: Path | None, service: str) -> checkpoints.CheckpointKeys:
    path = key_file or checkpoints.dev_key_file(service)
    return checkpoints.load_keys(path, kid, previous)


def seal_with_settings(html: str, settings: Any, *, stamp: bool = True) -> str:
    """``seal_html`` with the service's checkpoint key and configured seal image (both read once)."""
    keys = _keys(
        settings.audit_checkpoint_key_file,
        settings.audit_checkpoint_key_id,
        settings.audit_checkpoint_previous_keys_file,
        settings.service_name,
    )
    image = _image(settings.document_seal_image) if settings.document_seal_image else None
    return seal_html(html, keys, image, stamp=stamp)
