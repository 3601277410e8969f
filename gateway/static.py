"""Static files the gateway serves itself: the supervisors' console (``/console/``), the API documents
(``/docs`` Swagger UI, ``/redoc`` ReDoc) and the vendored libraries they load.

Everything comes from ``gateway/static/`` — nothing from a CDN, so both work on an intranet with no internet.
Only files present at start-up are served (an index of known paths: no path is ever joined from the URL), with
GET and HEAD only. Vendored libraries live under versioned paths (``<package>@<version>/``) and are cached
for a year as immutable; the console's and the documents' own files are revalidated (``no-cache`` + ETag).
Text is gzip-compressed once, on first request, off the event loop.

Every answer carries a strict Content-Security-Policy (scripts from this origin only, no inline script),
``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and refuses framing. The console's
policy also forbids inline styles; the documents' allows them (Swagger UI and ReDoc set styles at run time)
and ReDoc's search worker (``blob:``).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

STATIC_ROOT = Path(__file__).resolve().parent / "static"

CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"

CONTENT_TYPES = {
    ".html": b"text/html; charset=utf-8",
    ".js": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
    ".json": b"application/json",
    ".png": b"image/png",
    ".svg": b"image/svg+xml",
    ".ico": b"image/x-icon",
    ".txt": b"text/plain; charset=utf-8",
}
COMPRESSIBLE = frozenset({".html", ".js", ".css", ".json", ".svg", ".txt"})

# The gateway's own pages and where their files come from: URL prefix -> (folder, vendor packages served
# under <prefix>vendor/, policy). Route labels for the metrics are these prefixes (bounded cardinality).
CONSOLE_PREFIX = "/console/"
DOCS_ASSETS_PREFIX = "/docs/assets/"
PAGES = {"/console/": "console/index.html", "/docs": "docs/swagger.html", "/redoc": "docs/redoc.html"}


@dataclass(frozen=True, slots=True)
class Asset:
    path: Path
    content_type: bytes
    cache_control: bytes
    csp: str


@dataclass
class Loaded:
    body: bytes
    etag: bytes
    gzipped: bytes | None = None


@dataclass
class StaticFiles:
    root: Path = STATIC_ROOT
    assets: dict[str, Asset] = field(default_factory=dict)
    _loaded: dict[str, Loaded] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.assets = build_index(self.root)

    @staticmethod
    def route(path: str) -> str | None:
        """The metrics label of a path this module answers, or None."""
        if path in ("/console", "/docs", "/redoc"):
            return path
        if path.startswith(CONSOLE_PREFIX):
            return CONSOLE_PREFIX
        if path.startswith(DOCS_ASSETS_PREFIX):
            return DOCS_ASSETS_PREFIX
        return None

    async def respond(
        self, path: str, method: str, headers: dict[bytes, bytes]
    ) -> tuple[int, bytes, bytes, list[tuple[bytes, bytes]]] | None:
        """(status, body, content type, headers) for a static path; None when no such file exists."""
        if path == "/console":
            return 308, b"", b"text/plain; charset=utf-8", [(b"location", b"/console/")]
        asset = self.assets.get(path)
        if asset is None:
            return None
        common = [
            (b"content-security-policy", asset.csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]
        if method not in ("GET", "HEAD"):
            return 405, b"", b"text/plain; charset=utf-8", [*common, (b"allow", b"GET, HEAD")]
        loaded = await self._load(path, asset)
        out = [
            *common,
            (b"cache-control", asset.cache_control),
            (b"etag", loaded.etag),
            (b"vary", b"Accept-Encoding"),
        ]
        if loaded.etag in _etags(headers.get(b"if-none-match", b"")):
            return 304, b"", asset.content_type, out
        body = loaded.body
        if asset.path.suffix in COMPRESSIBLE and b"gzip" in headers.get(b"accept-encoding", b""):
            if loaded.gzipped is None:
                loaded.gzipped = await asyncio.to_thread(gzip.compress, loaded.body, 6, mtime=0)
            if len(loaded.gzipped) < len(body):
                body = loaded.gzipped
                out.append((b"content-encoding", b"gzip"))
        return 200, body, asset.content_type, out

    async def _load(self, path: str, asset: Asset) -> Loaded:
        loaded = self._loaded.get(path)
        if loaded is None:
            body = await asyncio.to_thread(asset.path.read_bytes)
            loaded = Loaded(body, b'"' + hashlib.sha256(body).hexdigest()[:20].encode() + b'"')
            self._loaded[path] = loaded
        return loaded


def _etags(value: bytes) -> set[bytes]:
    return {v.strip().removeprefix(b"W/") for v in value.split(b",") if v.strip()}


def build_index(root: Path) -> dict[str, Asset]:
    """Every URL path served, mapped to its file: the pages, the console's and documents' own files, and
    each vendored package under the page that uses it (manifest ``serve``: console or docs)."""
    index: dict[str, Asset] = {}

    def add(url: str, path: Path, csp: str, cache: bytes) -> None:
        content_type = CONTENT_TYPES.get(path.suffix)
        if content_type is not None and path.is_file():
            index[url] = Asset(path, content_type, cache, csp)

    for url, relative in PAGES.items():
        add(url, root / relative, CONSOLE_CSP if url == CONSOLE_PREFIX else DOCS_CSP, REVALIDATE)
    for prefix, folder, csp in (
        (CONSOLE_PREFIX, "console", CONSOLE_CSP),
        (DOCS_ASSETS_PREFIX, "docs", DOCS_CSP),
    ):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix != ".html":
                add(prefix + path.relative_to(root / folder).as_posix(), path, csp, REVALIDATE)
    manifest = json.loads((root / "vendor" / "manifest.json").read_text(encoding="utf-8"))
    for package in manifest["packages"]:
        prefix, csp = (
            (CONSOLE_PREFIX, CONSOLE_CSP) if package["serve"] == "console" else (DOCS_ASSETS_PREFIX, DOCS_CSP)
        )
        folder = f"{package['name']}@{package['version']}"
        for source in package["files"]:
            name = Path(source).name
            add(f"{prefix}vendor/{folder}/{name}", root / "vendor" / folder / name, csp, IMMUTABLE)
    return index
