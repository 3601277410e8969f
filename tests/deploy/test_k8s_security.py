"""Security properties of every rendered workload (non-root, read-only root file system, no privilege
escalation, no capabilities, limits, probes) and of the network policies (default deny; a service's API
admits the gateway only; NATS and PostgreSQL admit the services only; services never reach each
other)."""

from __future__ import annotations

from typing import Any

import pytest

from services.common.registry import GATEWAY_PORT, SERVICES
from tests.deploy import manifests
from tests.deploy.manifests import Allowed, Rendered, k8s_name

GATEWAY_LABELS = {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "gateway"}
SERVICE_PORTS = {info.port for info in SERVICES.values()}


def workload_violations(rendered: Rendered) -> list[str]:
    """Every breach of the workload security rules in one render (empty when all hold)."""
    problems: list[str] = []
    for workload, template in rendered.pod_templates():
        where = f"{rendered.name} {workload['kind']}/{workload['metadata']['name']}"
        spec = template["spec"]
        pod_sc = spec.get("securityContext", {})
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(flag):
                problems.append(f"{where}: {flag}")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: service account token mounted")
        if pod_sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{where}: no RuntimeDefault seccomp profile")
        if any("hostPath" in v for v in spec.get("volumes", [])):
            problems.append(f"{where}: hostPath volume")
        for c in manifests.all_containers(spec):
            at = f"{where} container {c['name']}"
            sc = c.get("securityContext", {})
            if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
                problems.append(f"{at}: runAsNonRoot not set")
            if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
                problems.append(f"{at}: runs as uid 0")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{at}: root file system writable")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{at}: privilege escalation allowed")
            if sc.get("privileged"):
                problems.append(f"{at}: privileged")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []) or sc.get("capabilities", {}).get(
                "add"
            ):
                problems.append(f"{at}: capabilities not all dropped")
            resources = c.get("resources", {})
            for bound in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(bound, {}):
                        problems.append(f"{at}: no {resource} {bound}")
            if workload["kind"] in manifests.LONG_RUNNING_KINDS and c not in spec.get("initContainers", []):
                for probe in ("livenessProbe", "readinessProbe"):
                    if probe not in c:
                        problems.append(f"{at}: no {probe}")
    return problems


class TestWorkloads:
    def test_every_workload_of_every_overlay_is_locked_down(self, overlays: dict[str, Rendered]) -> None:
        for rendered in overlays.values():
            assert workload_violations(rendered) == []

    def test_the_check_sees_a_breach(self, overlays: dict[str, Rendered]) -> None:
        import copy

        workload = copy.deepcopy(overlays["prod"].get("Deployment", "risk-api"))
        container = workload["spec"]["template"]["spec"]["containers"][0]
        container["securityContext"]["readOnlyRootFilesystem"] = False
        del container["resources"]["limits"]
        del container["readinessProbe"]
        found = workload_violations(Rendered("probe", [workload]))
        assert len(found) == 4, found  # writable root, no cpu limit, no memory limit, no readiness probe

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_zhifa_processes_probe_healthz_and_readyz_and_write_only_to_tmp(
        self, overlays: dict[str, Rendered], overlay: str
    ) -> None:
        rendered = overlays[overlay]
        for d in rendered.of_kind("Deployment"):
            spec = d["spec"]["template"]["spec"]
            (c,) = spec["containers"]
            assert c["command"] == ["zhifa"], d["metadata"]["name"]
            # On the admin port: the public one refuses the internal paths (issue #11 item 11).
            assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "admin"}
            assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "admin"}
            assert c["startupProbe"]["httpGet"]["path"] == "/healthz"
            tmp = [m for m in c["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert tmp, f"{d['metadata']['name']}: no writable /tmp"
            volume = next(v for v in spec["volumes"] if v["name"] == tmp[0]["name"])
            assert "emptyDir" in volume
            assert spec["securityContext"]["runAsUser"] == 10001  # the image's user (deploy/Dockerfile)

    def test_the_namespace_enforces_the_restricted_pod_security_standard(
        self, overlays: dict[str, Rendered]
    ) -> None:
        for rendered in overlays.values():
            labels = rendered.get("Namespace", manifests.NAMESPACE)["metadata"]["labels"]
            assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def ingress_sources(rendered: Rendered, labels: dict[str, str]) -> list[Allowed]:
    return manifests.allowed(rendered.of_kind("NetworkPolicy"), labels, "Ingress")


def only_pods(rule: Allowed, rendered: Rendered, wanted: dict[str, str]) -> bool:
    """The rule admits pods of this render only, all of them carrying the wanted labels, and at least one."""
    pods = manifests.peer_pods(rule.peer, rendered.all_pod_labels())
    if not pods:
        return False
    by_name = dict(rendered.all_pod_labels())
    return all(manifests.selector_matches({"matchLabels": wanted}, by_name[p]) for p in pods)


METRICS_SCRAPER = {"namespaceSelector": {"matchLabels": {"zhifa/metrics-scraper": "true"}}}
AUTOSCALER = {"namespaceSelector": {"matchLabels": {"zhifa/autoscaler": "true"}}}


def is_scrape_rule(rule: Allowed) -> bool:
    """Prometheus's way in (component monitoring): the admin port only, where no API answers."""
    return rule.peer == METRICS_SCRAPER and rule.ports == ("admin",)


def gateway_only_violations(rendered: Rendered) -> list[str]:
    """Where a service pod admits anything but the gateway on the service's own port (or Prometheus on the
    admin port)."""
    problems = []
    for workload, template in rendered.pod_templates():
        labels = template["metadata"].get("labels", {})
        service = next(
            (s for s in SERVICES.values() if labels.get("app.kubernetes.io/name") == k8s_name(s.name)), None
        )
        if service is None:
            continue
        where = f"{rendered.name} {workload['kind']}/{workload['metadata']['name']}"
        if not manifests.policies_for(rendered.of_kind("NetworkPolicy"), labels, "Ingress"):
            problems.append(f"{where}: no ingress policy selects it (open to all)")
        rules = [r for r in ingress_sources(rendered, labels) if not is_scrape_rule(r)]
        for rule in rules:
            if not only_pods(rule, rendered, GATEWAY_LABELS):
                problems.append(f"{where}: {rule.policy} admits {rule.peer or 'any source'}")
            if rule.ports != (service.port,):
                problems.append(f"{where}: {rule.policy} opens ports {rule.ports}")
        component = labels.get("app.kubernetes.io/component")
        if component == "api" and not rules:
            problems.append(f"{where}: the gateway cannot reach it")
        if component != "api" and rules:
            problems.append(
                f"{where}: a {component} pod accepts connections ({sorted({r.policy for r in rules})})"
            )
    return problems


class TestNetworkPolicies:
    def test_everything_is_denied_by_default(self, overlays: dict[str, Rendered]) -> None:
        for rendered in overlays.values():
            deny = [
                p
                for p in rendered.of_kind("NetworkPolicy")
                if p["spec"]["podSelector"] == {}
                and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
                and not p["spec"].get("ingress")
                and not p["spec"].get("egress")
            ]
            assert deny, f"{rendered.name}: no default-deny policy"

    def test_every_service_admits_only_the_gateway(self, overlays: dict[str, Rendered]) -> None:
        for rendered in overlays.values():
            assert gateway_only_violations(rendered) == []

    def test_the_check_sees_a_policy_that_admits_more(self, overlays: dict[str, Rendered]) -> None:
        rendered = overlays["prod"]
        leak: dict[str, Any] = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "leak", "namespace": "zhifa"},
            "spec": {
                "podSelector": {"matchLabels": {"zhifa/tier": "service"}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": {}}]}],
            },
        }
        found = gateway_only_violations(Rendered("leaky", [*rendered.objects, leak]))
        assert any("leak admits" in p for p in found), found

    def test_prometheus_reaches_the_admin_ports_only(self, overlays: dict[str, Rendered]) -> None:
        # Metrics moved off the API port (issue #11 item 11): scraping no longer opens the service APIs.
        prod = overlays["prod"]
        policy = prod.get("NetworkPolicy", "prometheus-scrape")
        (rule,) = policy["spec"]["ingress"]
        assert rule["from"] == [METRICS_SCRAPER] and rule["ports"] == [{"protocol": "TCP", "port": "admin"}]
        for _, template in prod.pod_templates():
            labels = template["metadata"]["labels"]
            if labels.get("zhifa/tier") in ("service", "gateway"):
                (c,) = template["spec"]["containers"]
                admin = next(p for p in c["ports"] if p["name"] == "admin")["containerPort"]
                assert admin not in SERVICE_PORTS | {GATEWAY_PORT}
        assert gateway_only_violations(prod) == []

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_nats_and_postgres_admit_only_the_services(
        self, overlays: dict[str, Rendered], overlay: str
    ) -> None:
        rendered = overlays[overlay]
        service_tier = {"zhifa/tier": "service"}
        for name, port in (("nats", 4222), ("postgres", 5432)):
            labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": name}
            rules = ingress_sources(rendered, labels)
            on_client_port = [r for r in rules if r.ports and port in r.ports]
            assert on_client_port, f"{name}: the services cannot reach it"
            for rule in rules:
                if rule.ports == (6222,) and name == "nats":  # cluster routes between the servers
                    assert only_pods(rule, rendered, labels), rule
                    continue
                if name == "nats" and (rule.peer, rule.ports) in (
                    (METRICS_SCRAPER, (7777,)),  # the exporter sidecar (component monitoring)
                    (AUTOSCALER, (8222,)),  # KEDA reads consumer lag (component keda)
                ):
                    continue
                assert rule.ports == (port,), rule
                assert only_pods(rule, rendered, service_tier), rule
        assert all(
            p.get("app.kubernetes.io/name") != "gateway"
            for p in [
                dict(labels)
                for _, labels in rendered.all_pod_labels()
                if labels.get("zhifa/tier") == "service"
            ]
        )

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_services_reach_the_bus_and_database_but_never_each_other(
        self, overlays: dict[str, Rendered], overlay: str
    ) -> None:
        rendered = overlays[overlay]
        for _, template in rendered.pod_templates():
            labels = template["metadata"]["labels"]
            if labels.get("zhifa/tier") != "service":
                continue
            egress = manifests.allowed(rendered.of_kind("NetworkPolicy"), labels, "Egress")
            assert egress, labels
            for rule in egress:
                assert rule.ports is not None, f"{rule.policy}: egress on every port"
                assert not set(rule.ports) & (SERVICE_PORTS | {GATEWAY_PORT}), rule

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_the_gateway_is_reached_from_the_ingress_controller_only(
        self, overlays: dict[str, Rendered], overlay: str
    ) -> None:
        rules = [r for r in ingress_sources(overlays[overlay], GATEWAY_LABELS) if not is_scrape_rule(r)]
        assert rules
        for rule in rules:
            assert rule.peer is not None and set(rule.peer) == {"namespaceSelector"}, rule
            assert rule.peer["namespaceSelector"] == {"matchLabels": {"zhifa/ingress-controller": "true"}}
            assert rule.ports == (GATEWAY_PORT,)
