"""docs/operations.md stays true: every ``zhifa`` command in it parses with the real CLI, every object it
names exists in the manifests, every metric the code exports is explained, and the topics operators
need are covered."""

from __future__ import annotations

import importlib
import re
import shlex
import tomllib
from typing import Any

import pytest

from tests.deploy import manifests
from tests.deploy.manifests import Rendered

DOC = manifests.ROOT / "docs" / "operations.md"
KIND_OF = {
    "deployment": "Deployment",
    "job": "Job",
    "statefulset": "StatefulSet",
    "svc": "Service",
    "hpa": "HorizontalPodAutoscaler",
}


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def shell_lines() -> list[str]:
    """Commands of the ```sh blocks, continuation lines joined."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", doc(), re.S):
        lines += [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]
    return [line for line in lines if not line.startswith("#")]


def zhifa_invocations() -> list[list[str]]:
    """argv (after ``zhifa``) of every zhifa command in the shell blocks, including ``kubectl exec -- zhifa``."""
    out = []
    for line in shell_lines():
        inner = re.findall(r"\$\(([^)]*)\)", line)  # command substitutions: TOKEN=$(zhifa token ...)
        for segment in [*re.split(r"\s(?:\||&&|;)\s", re.sub(r"\$\([^)]*\)", "X", line)), *inner]:
            words = shlex.split(segment, comments=True)
            starts = [i for i, w in enumerate(words) if w == "zhifa" and (i == 0 or words[i - 1] == "--")]
            if starts:
                out.append(words[starts[0] + 1 :])
    return out


@pytest.fixture(scope="module")
def cli_group() -> Any:
    import typer

    scripts = tomllib.loads((manifests.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    module = importlib.import_module(scripts["zhifa"].partition(":")[0])
    return typer.main.get_command(module.app)


class TestOperationsDoc:
    def test_it_covers_what_operators_do(self) -> None:
        headings = set(re.findall(r"^#+ (.+)$", doc(), re.M))
        for topic in (
            "Deploy",
            "Migrate",
            "Scale",
            "Rotate the keys",
            "Back up and restore PostgreSQL",
            "Recover a NATS stream",
            "Metrics",
            "Alerts worth setting",
            "Secrets",
            "Docker Compose",
        ):
            assert topic in headings, topic
        for alert in ("Outbox backlog", "Dead letters", "Consumer lag", "5xx rate"):
            assert f"| {alert} |" in doc(), alert

    def test_every_exported_metric_is_explained(self) -> None:
        source = (manifests.ROOT / "services" / "common" / "metrics.py").read_text(encoding="utf-8")
        names = set(re.findall(r'"(zhifa_[a-z_]+)"', source))
        assert names, "no metric found in services/common/metrics.py"
        for name in names:
            assert f"`{name}`" in doc(), f"{name} is not explained in docs/operations.md"

    def test_every_zhifa_command_parses_with_the_cli(self, cli_group: Any) -> None:
        invocations = zhifa_invocations()
        assert {argv[0] for argv in invocations} >= {"keys", "migrate", "outbox", "token"}
        for argv in invocations:
            command, args = cli_group, list(argv)
            while hasattr(command, "commands") and args and args[0] in command.commands:
                command = command.commands[args.pop(0)]
            assert not hasattr(command, "commands"), f"zhifa {' '.join(argv)}: no such command"
            command.make_context(" ".join(argv[: len(argv) - len(args)]), args)

    def test_every_object_it_names_exists(self, overlays: dict[str, Rendered], base: Rendered) -> None:
        everything = [*overlays["prod"].objects, *overlays["dev"].objects, *base.objects]
        names = {(o["kind"], o["metadata"]["name"]) for o in everything}
        pods = {
            f"{o['metadata']['name']}-{i}"
            for o in everything
            if o["kind"] == "StatefulSet"
            for i in range(o["spec"]["replicas"])
        }
        secrets = {n for kind, n in names if kind == "Secret"} | {"zhifa-tls"}
        checked = 0
        for line in shell_lines():
            if not line.startswith(("kubectl", "for d in", "zhifa")):
                continue
            for kind, name in re.findall(r"\b(deployment|job|statefulset|svc|pod)/([a-z0-9-]+)", line):
                assert (name in pods) if kind == "pod" else (KIND_OF[kind], name) in names, f"{kind}/{name}"
                checked += 1
            for name in re.findall(r"secret generic ([a-z0-9-]+)", line) + re.findall(
                r"get secret ([a-z0-9-]+)", line
            ):
                assert name in secrets, name
                checked += 1
            if match := re.search(r"(?:scale|patch) (deployment|hpa) ((?:[a-z0-9][a-z0-9-]* ?)+)", line):
                for name in match.group(2).split():
                    assert (KIND_OF[match.group(1)], name) in names, name
                    checked += 1
            if match := re.search(r"for d in ([a-z0-9 -]+); do", line):
                for name in match.group(1).split():
                    assert ("Deployment", name) in names, name
                    checked += 1
            if match := re.search(r"delete pvc data-([a-z0-9-]+)", line):
                assert match.group(1) in pods
                checked += 1
        assert checked > 20

    def test_the_secret_table_matches_the_templates(self, base: Rendered) -> None:
        rows = re.findall(r"^\| `(zhifa-[a-z-]+)` \| ([^|]+) \|", doc(), re.M)
        documented = {name: set(re.findall(r"`([A-Za-z_.-]+)`", keys)) for name, keys in rows}
        templates = {s["metadata"]["name"]: set(manifests.secret_data(s)) for s in base.of_kind("Secret")}
        assert set(documented) == set(templates)
        for name, keys in documented.items():
            assert templates[name] == keys, name
