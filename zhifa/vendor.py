"""``make vendor``: the browser libraries the gateway serves itself, fetched at pinned versions and checked.

The supervisors' console draws its charts with Apache ECharts and the API documents use Swagger UI and ReDoc.
A government intranet has no internet, so none of them may come from a CDN: their minified files are
committed under ``gateway/static/vendor/<package>@<version>/``, and ``gateway/static/vendor/manifest.json``
pins each package's version, licence and the SHA-256 of every file taken from it.

``python -m zhifa.vendor`` fetches each package with the ordinary ``npm pack`` (the registry npm is configured
with), extracts the listed files, and refuses any whose sum differs from the manifest. ``--check`` only
verifies the committed files (no network; a test runs it). After changing a version in the manifest,
``--update`` fetches it and writes the new sums (review the diff: the sums are the pin).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "gateway" / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def package_dir(package: dict[str, Any], vendor: Path = VENDOR) -> Path:
    return vendor / f"{package['name']}@{package['version']}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check(manifest: dict[str, Any], vendor: Path = VENDOR) -> list[str]:
    """Problems with the committed files: missing, altered, or present without being in the manifest."""
    problems: list[str] = []
    expected: set[Path] = set()
    for package in manifest["packages"]:
        folder = package_dir(package, vendor)
        for source, digest in package["files"].items():
            target = folder / Path(source).name
            expected.add(target)
            if not target.is_file():
                problems.append(f"{target.relative_to(vendor)}: missing")
            elif sha256(target.read_bytes()) != digest:
                problems.append(f"{target.relative_to(vendor)}: sha256 differs from the manifest")
    for path in vendor.rglob("*"):
        if path.is_file() and path.parent != vendor and path not in expected:
            problems.append(f"{path.relative_to(vendor)}: not in the manifest")
    return problems


def fetch(package: dict[str, Any], workdir: Path) -> dict[str, bytes]:
    """The package's listed files, from the tarball ``npm pack`` downloads (npm checks its integrity)."""
    spec = f"{package['name']}@{package['version']}"
    out = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    tarball = workdir / out[-1]
    files: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for source in package["files"]:
            member = tar.extractfile(f"package/{source}")
            if member is None:
                raise SystemExit(f"{spec}: {source} is not a file of the package")
            files[source] = member.read()
    return files


def refresh(manifest: dict[str, Any], *, update: bool, vendor: Path = VENDOR) -> list[str]:
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="zhifa-vendor-") as tmp:
        for package in manifest["packages"]:
            files = fetch(package, Path(tmp))
            spec = f"{package['name']}@{package['version']}"
            for source, data in files.items():
                if update:
                    package["files"][source] = sha256(data)
                elif sha256(data) != package["files"][source]:
                    problems.append(f"{spec}: {source}: sha256 differs from the manifest; nothing written")
            if problems:
                continue
            folder = package_dir(package, vendor)
            for stale in vendor.glob(f"{package['name']}@*"):
                if stale != folder:
                    shutil.rmtree(stale)
            folder.mkdir(parents=True, exist_ok=True)
            for source, data in files.items():
                (folder / Path(source).name).write_bytes(data)
            print(f"{spec}: {len(files)} files")
    if update and not problems:
        text = io.StringIO()
        json.dump(manifest, text, ensure_ascii=False, indent=2)
        MANIFEST.write_text(text.getvalue() + "\n", encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="verify the committed files only (no network)")
    mode.add_argument("--update", action="store_true", help="fetch and write new sums (after a version bump)")
    args = parser.parse_args(argv)
    manifest = load_manifest()
    if args.check:
        problems = check(manifest)
    else:
        problems = refresh(manifest, update=args.update) or check(load_manifest())
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
