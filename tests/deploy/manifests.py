"""Helpers for the deployment tests: render the kustomize overlays, read the objects, resolve what a
container sees (environment, mounts), match label selectors and network policies.

Everything here reads rendered YAML; nothing talks to a cluster.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
OVERLAYS = K8S / "overlays"
COMPONENTS = K8S / "components"
COMPOSE_FILE = DEPLOY / "compose.yaml"
NAMESPACE = "zhifa"

# The Kubernetes version whose OpenAPI schemas the manifests are validated against (strictly: unknown
# fields are errors). The oldest minor the manifests promise to run on; every API they use is GA there.
KUBERNETES_VERSION = "1.33.0"

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod")
LONG_RUNNING_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")

Obj = dict[str, Any]


def tool(name: str) -> Path:
    """A console script of the test environment (kubectl, hadolint, nats-server, ...)."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return here
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install the dev extra (pip install -e '.[dev]')")
    return Path(found)


def k8s_name(service: str) -> str:
    """Kubernetes object names allow no underscore: credit_repair -> credit-repair."""
    return service.replace("_", "-")


def render(path: Path) -> list[Obj]:
    """``kubectl kustomize <path>``, parsed; raises with kustomize's message when it fails."""
    result = subprocess.run(
        [str(tool("kubectl")), "kustomize", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {path} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def overlay_dirs() -> list[Path]:
    return sorted(p for p in OVERLAYS.iterdir() if (p / "kustomization.yaml").exists())


def component_dirs() -> list[Path]:
    if not COMPONENTS.exists():
        return []
    return sorted(p for p in COMPONENTS.iterdir() if (p / "kustomization.yaml").exists())


@dataclass
class Rendered:
    """The objects of one rendered overlay."""

    name: str
    objects: list[Obj]

    def of_kind(self, kind: str) -> list[Obj]:
        return [o for o in self.objects if o["kind"] == kind]

    def find(self, kind: str, name: str) -> Obj | None:
        for o in self.objects:
            if o["kind"] == kind and o["metadata"]["name"] == name:
                return o
        return None

    def get(self, kind: str, name: str) -> Obj:
        found = self.find(kind, name)
        assert found is not None, f"{self.name}: no {kind} {name}"
        return found

    def config_map(self, prefix: str) -> Obj:
        """A generated ConfigMap by its name before the content hash (zhifa-common -> zhifa-common-abc123)."""
        matches = [
            c for c in self.of_kind("ConfigMap") if generated_name_matches(c["metadata"]["name"], prefix)
        ]
        assert len(matches) == 1, (
            f"{self.name}: ConfigMap {prefix}: {[c['metadata']['name'] for c in matches]}"
        )
        return matches[0]

    def workloads(self) -> Iterator[Obj]:
        return (o for o in self.objects if o["kind"] in WORKLOAD_KINDS)

    def pod_templates(self) -> Iterator[tuple[Obj, Obj]]:
        """(workload, pod template) for every workload."""
        for w in self.workloads():
            yield w, pod_template(w)

    def container(self, kind: str, name: str, container: str | None = None) -> Obj:
        """The one container of a workload, or the container (or init container) of that name."""
        spec = pod_template(self.get(kind, name))["spec"]
        containers = spec["containers"]
        if container is None:
            assert len(containers) == 1, f"{kind}/{name} has {len(containers)} containers"
            return containers[0]  # type: ignore[no-any-return]
        return next(c for c in all_containers(spec) if c["name"] == container)

    def env(self, container: Obj) -> dict[str, str | None]:
        """Name -> value of every variable the container gets (envFrom resolved; Secret refs are None
        unless the Secret is in the render, in which case its value)."""
        out: dict[str, str | None] = {}
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                cm = self.get("ConfigMap", source["configMapRef"]["name"])
                out.update({f"{source.get('prefix', '')}{k}": v for k, v in cm.get("data", {}).items()})
            if "secretRef" in source:
                secret = self.find("Secret", source["secretRef"]["name"])
                for k, v in secret_data(secret).items() if secret else ():
                    out[f"{source.get('prefix', '')}{k}"] = v
        for var in container.get("env", []):
            if "value" in var:
                out[var["name"]] = var["value"]
            elif "secretKeyRef" in var.get("valueFrom", {}):
                ref = var["valueFrom"]["secretKeyRef"]
                secret = self.find("Secret", ref["name"])
                out[var["name"]] = secret_data(secret).get(ref["key"]) if secret else None
            elif "configMapKeyRef" in var.get("valueFrom", {}):
                ref = var["valueFrom"]["configMapKeyRef"]
                out[var["name"]] = self.get("ConfigMap", ref["name"]).get("data", {}).get(ref["key"])
            else:
                out[var["name"]] = None
        return out

    def all_pod_labels(self) -> list[tuple[str, dict[str, str]]]:
        """(workload kind/name, pod labels) of every pod the render can create."""
        return [
            (f"{w['kind']}/{w['metadata']['name']}", dict(t["metadata"].get("labels", {})))
            for w, t in self.pod_templates()
        ]


def generated_name_matches(name: str, prefix: str) -> bool:
    return re.fullmatch(re.escape(prefix) + r"(-[a-z0-9]{10})?", name) is not None


def secret_data(secret: Obj) -> dict[str, str]:
    import base64

    data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    data.update(secret.get("stringData") or {})
    return data


def pod_template(workload: Obj) -> Obj:
    kind = workload["kind"]
    if kind == "Pod":
        return workload
    if kind == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]  # type: ignore[no-any-return]
    return workload["spec"]["template"]  # type: ignore[no-any-return]


def all_containers(pod_spec: Obj) -> list[Obj]:
    return [*pod_spec.get("initContainers", []), *pod_spec.get("containers", [])]


def command_line(container: Obj) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


def option(argv: list[str], name: str) -> str | None:
    """The value of ``--name value`` or ``--name=value`` in an argv."""
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


# ---- label selectors and network policies ---------------------------------------------------------


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Kubernetes label selector semantics; an empty selector matches everything."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def policies_for(policies: list[Obj], labels: Mapping[str, str], direction: str) -> list[Obj]:
    """The NetworkPolicies that select a pod with these labels for this direction (Ingress/Egress)."""
    out = []
    for p in policies:
        spec = p["spec"]
        types = spec.get("policyTypes") or (["Ingress", "Egress"] if "egress" in spec else ["Ingress"])
        if direction in types and selector_matches(spec.get("podSelector", {}), labels):
            out.append(p)
    return out


@dataclass(frozen=True)
class Allowed:
    """One way in (or out) that a policy opens: a peer (None = any source/destination) and ports
    (None = all ports)."""

    policy: str
    peer: Mapping[str, Any] | None
    ports: tuple[Any, ...] | None


def allowed(policies: list[Obj], labels: Mapping[str, str], direction: str) -> list[Allowed]:
    """Every rule that admits traffic to (Ingress) or from (Egress) a pod with these labels."""
    rules_key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    out = []
    for p in policies_for(policies, labels, direction):
        for rule in p["spec"].get(rules_key) or []:
            ports = tuple(pt.get("port") for pt in rule["ports"]) if rule.get("ports") else None
            peers = rule.get(peers_key)
            if not peers:
                out.append(Allowed(p["metadata"]["name"], None, ports))
            else:
                out.extend(Allowed(p["metadata"]["name"], peer, ports) for peer in peers)
    return out


def peer_pods(peer: Mapping[str, Any] | None, pods: list[tuple[str, dict[str, str]]]) -> list[str] | None:
    """The pods of the render a peer admits, or None when it admits sources beyond them (any source, an
    IP block, another namespace)."""
    if peer is None or "ipBlock" in peer or "namespaceSelector" in peer:
        return None
    if "podSelector" not in peer:
        return None
    return [name for name, labels in pods if selector_matches(peer["podSelector"], labels)]


def load_compose() -> Obj:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def interpolate_defaults(text: str) -> str:
    """Compose interpolation with every variable unset: ``${VAR:-default}`` -> default, ``${VAR}`` -> ''."""
    text = re.sub(r"\$\{[A-Za-z0-9_]+:?-([^}]*)\}", r"\1", text)
    return re.sub(r"\$\{[A-Za-z0-9_]+\}", "", text)
