"""The gateway's own static pages (issue #15): the supervisors' console, the API documents and their vendored
libraries — served from local files with strict security headers and cache rules, nothing from a CDN."""

from __future__ import annotations

import gzip
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.static import STATIC_ROOT, build_index
from services.common.embedded import free_port
from services.common.registry import SERVICES
from tests.support.stack import Running, client, running_gateway
from zhifa import vendor

ECHARTS = "/console/vendor/echarts@6.1.0/echarts.min.js"
PAGES = ["/console/", "/docs", "/redoc"]


@pytest.fixture(scope="module")
async def gateway() -> AsyncIterator[Running]:
    nowhere = {name: f"http://127.0.0.1:{free_port()}" for name in SERVICES}  # static pages need no upstream
    async with running_gateway(nowhere) as gw:
        yield gw


def referenced(html: str) -> list[str]:
    """Every script and stylesheet a page loads, and every image it names."""
    return re.findall(r'(?:src|href)="([^"#]+\.(?:js|css|png))"', html)


class TestNothingFromOutside:
    @pytest.mark.parametrize("page", PAGES)
    async def test_every_asset_a_page_loads_is_local_and_served(self, gateway: Running, page: str) -> None:
        # Before issue #15, /docs loaded Swagger UI from a CDN: a blank page on an intranet without internet.
        async with client(gateway.url) as http:
            html = (await http.get(page)).text
            assets = referenced(html)
            assert assets, html
            for asset in assets:
                assert asset.startswith("/") and not asset.startswith("//"), (
                    f"{page} loads {asset} from elsewhere"
                )
                response = await http.get(asset)
                assert response.status_code == 200, (page, asset)

    def test_the_console_modules_import_only_local_files(self) -> None:
        for module in (STATIC_ROOT / "console").rglob("*.js"):
            for target in re.findall(r'from "([^"]+)"', module.read_text(encoding="utf-8")):
                assert target.startswith("./") or target.startswith("../"), (module.name, target)
                assert (module.parent / target).resolve().is_file(), (module.name, target)

    def test_the_vendored_files_match_their_pinned_sums(self) -> None:
        assert vendor.check(vendor.load_manifest()) == []

    def test_a_changed_vendored_file_is_caught(self, tmp_path: Path) -> None:
        manifest = vendor.load_manifest()
        package = manifest["packages"][0]
        folder = tmp_path / f"{package['name']}@{package['version']}"
        folder.mkdir()
        for source in package["files"]:
            (folder / Path(source).name).write_bytes(b"tampered")
        problems = vendor.check({"packages": [package]}, tmp_path)
        assert len(problems) == len(package["files"])
        assert all("sha256 differs" in p for p in problems)


class TestHeaders:
    async def test_the_console_has_a_strict_policy(self, gateway: Running) -> None:
        async with client(gateway.url) as http:
            r = await http.get("/console/")
        assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
        policy = dict(part.strip().split(" ", 1) for part in r.headers["content-security-policy"].split(";"))
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'"  # no inline script, no eval, no other origin
        assert policy["style-src"] == "'self'"
        assert policy["connect-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-cache" and r.headers["etag"]

    async def test_the_documents_allow_no_inline_script(self, gateway: Running) -> None:
        async with client(gateway.url) as http:
            for page in ("/docs", "/redoc"):
                r = await http.get(page)
                policy = r.headers["content-security-policy"]
                assert "script-src 'self';" in policy, policy
                assert "<script>" not in r.text  # the initialisation is a file of its own
                assert r.headers["x-content-type-options"] == "nosniff"

    async def test_vendored_files_are_immutable_and_compressed(self, gateway: Running) -> None:
        raw = (STATIC_ROOT / "vendor" / "echarts@6.1.0" / "echarts.min.js").read_bytes()
        async with client(gateway.url) as http:
            r = await http.get(ECHARTS, headers={"Accept-Encoding": "gzip"})
            plain = await http.get(ECHARTS, headers={"Accept-Encoding": "identity"})
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert r.headers["content-type"] == "text/javascript; charset=utf-8"
        assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
        assert int(r.headers["content-length"]) < len(raw) / 2
        assert r.content == raw  # httpx decodes the gzip: the same bytes as the file
        assert "content-encoding" not in plain.headers and plain.content == raw
        assert gzip.decompress(gzip.compress(raw)) == raw

    async def test_a_known_version_is_revalidated_with_304(self, gateway: Running) -> None:
        async with client(gateway.url) as http:
            first = await http.get("/console/app.js")
            again = await http.get("/console/app.js", headers={"If-None-Match": first.headers["etag"]})
            other = await http.get("/console/app.js", headers={"If-None-Match": '"something-else"'})
        assert first.status_code == 200
        assert again.status_code == 304 and again.content == b""
        assert other.status_code == 200 and other.content == first.content


class TestRouting:
    async def test_console_without_slash_redirects(self, gateway: Running) -> None:
        async with client(gateway.url) as http:
            r = await http.get("/console")
        assert r.status_code == 308 and r.headers["location"] == "/console/"

    @pytest.mark.parametrize(
        "path",
        [
            "/console/nope.js",
            "/console/%2e%2e/%2e%2e/app.py",
            "/console/../static.py",
            "/console/vendor/echarts@6.0.0/echarts.min.js",  # only the pinned version exists
            "/console/vendor/swagger-ui-dist@5.35.0/swagger-ui-bundle.js",  # a documents' library
            "/docs/assets/vendor/echarts@6.1.0/LICENSE",  # licence texts are in the repository, not served
        ],
    )
    async def test_only_indexed_files_are_served(self, gateway: Running, path: str) -> None:
        async with client(gateway.url) as http:
            r = await http.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "NOT_FOUND"

    async def test_only_get_and_head(self, gateway: Running) -> None:
        async with client(gateway.url) as http:
            post = await http.post("/console/app.js", content=b"x")
            head = await http.head("/console/app.js")
        assert post.status_code == 405 and post.headers["allow"] == "GET, HEAD"
        assert head.status_code == 200 and head.content == b""

    async def test_sample_identities_are_offered_in_dev_only(self, gateway: Running) -> None:
        async with client(gateway.url) as http:
            assert (await http.get("/auth/dev-identities")).status_code == 404  # env test
        nowhere = {name: f"http://127.0.0.1:{free_port()}" for name in SERVICES}
        async with running_gateway(nowhere, env="dev") as gw, client(gw.url) as http:
            identities = (await http.get("/auth/dev-identities")).json()
        # The console's users: supervisors (city and district), department heads, administrators.
        assert {(i["role"], i.get("scope"), i.get("dept_head")) for i in identities} == {
            ("supervisor", "city", None),
            ("supervisor", "210102", None),
            ("officer", None, True),
            ("admin", None, None),
        }


def test_the_index_serves_each_vendored_package_under_its_page() -> None:
    index = build_index(STATIC_ROOT)
    assert ECHARTS in index
    assert "/docs/assets/vendor/swagger-ui-dist@5.35.0/swagger-ui-bundle.js" in index
    assert "/docs/assets/vendor/redoc@2.5.2/redoc.standalone.js" in index
    assert not any(url.endswith(("LICENSE", "NOTICE", ".md")) for url in index)
