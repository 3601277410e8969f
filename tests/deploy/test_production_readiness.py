"""The prod overlay answers issue #11's edge and Kubernetes items (10-18), read from the rendered
manifests: internal endpoints off the Ingress (11), the gateway's trusted proxies (12), the Ingress body
limit (13), NATS users, permissions and TLS (14), migrations before any pod serves (15), monitoring that
matches docs/operations.md and lag-based worker autoscaling (16), every image overridable (17)."""

from __future__ import annotations

import importlib
import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.settings import GatewaySettings
from services.common import nats_auth
from services.common.app import durable_consumers
from services.common.listeners import ADMIN_PORT_OFFSET, GATEWAY_ADMIN_ONLY, INTERNAL_PATHS
from services.common.registry import GATEWAY_PORT, SERVICES
from tests.deploy import manifests
from tests.deploy.manifests import Rendered, k8s_name

DOC = manifests.ROOT / "docs" / "operations.md"


def zhifa_deployments(rendered: Rendered) -> list[dict[str, Any]]:
    return [
        d
        for d in rendered.of_kind("Deployment")
        if d["spec"]["template"]["metadata"]["labels"].get("zhifa/tier") in ("service", "gateway")
    ]


def size_bytes(text: str) -> int:
    """nginx size syntax: 64m, 512k, 1g, or bytes."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", text)
    assert match, text
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2).lower()]
    return int(match.group(1)) * factor


class TestInternalEndpoints:
    """Item 11: /metrics, /docs, /openapi.json, /readyz, /healthz are not reachable through the Ingress."""

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_the_ingress_routes_api_prefixes_to_the_public_port_only(
        self, overlays: dict[str, Rendered], overlay: str
    ) -> None:
        (ingress,) = overlays[overlay].of_kind("Ingress")
        paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
        assert {p["path"] for p in paths if p["pathType"] == "Prefix"} == {"/api/", "/public/", "/console/"}
        for p in paths:
            assert p["backend"]["service"] == {"name": "gateway", "port": {"name": "http"}}, p
            for internal in INTERNAL_PATHS:
                routed = internal == p["path"] or (
                    p["pathType"] == "Prefix" and internal.startswith(p["path"].rstrip("/") + "/")
                )
                assert not routed, f"{internal} is routed by {p['path']}"
        service = overlays[overlay].get("Service", "gateway")
        assert [(p["name"], p["targetPort"]) for p in service["spec"]["ports"]] == [("http", "http")]
        assert GATEWAY_ADMIN_ONLY == INTERNAL_PATHS  # the gateway refuses all of them on that port

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_every_process_has_an_admin_port_that_probes_use(
        self, overlays: dict[str, Rendered], overlay: str
    ) -> None:
        deployments = zhifa_deployments(overlays[overlay])
        assert len(deployments) == 1 + 2 * len(SERVICES)
        for d in deployments:
            (c,) = d["spec"]["template"]["spec"]["containers"]
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            argv = manifests.command_line(c)
            assert manifests.option(argv, "--admin-port") == str(ports["admin"])
            assert ports["admin"] == ports["http"] + ADMIN_PORT_OFFSET
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert c[probe]["httpGet"]["port"] == "admin", (d["metadata"]["name"], probe)
        gateway = overlays[overlay].container("Deployment", "gateway")
        assert {p["containerPort"] for p in gateway["ports"]} == {
            GATEWAY_PORT,
            GATEWAY_PORT + ADMIN_PORT_OFFSET,
        }


class TestEdgeSettings:
    def test_the_ingress_admits_the_largest_body_the_gateway_accepts(
        self, overlays: dict[str, Rendered]
    ) -> None:
        # Item 13: ingress-nginx defaults to 1 MiB; the gateway accepts 2 MiB, and 64 MiB on .../bulk.
        for rendered in overlays.values():
            (ingress,) = rendered.of_kind("Ingress")
            annotations = ingress["metadata"].get("annotations", {})
            limit = annotations.get("nginx.ingress.kubernetes.io/proxy-body-size")
            assert limit is not None and limit != "0", "no body limit (0 = unlimited) or nginx's 1 MiB"
            gateway_env = rendered.env(rendered.container("Deployment", "gateway"))
            defaults = GatewaySettings(env="test")
            largest = max(
                int(gateway_env.get("ZHIFA_GATEWAY_MAX_BODY_BYTES") or defaults.max_body_bytes),
                int(gateway_env.get("ZHIFA_GATEWAY_BULK_MAX_BODY_BYTES") or defaults.bulk_max_body_bytes),
            )
            assert size_bytes(limit) >= largest
            assert size_bytes(limit) <= 2 * largest, "far above what the gateway accepts"

    def test_the_gateway_knows_which_proxies_to_trust(self, overlays: dict[str, Rendered]) -> None:
        # Item 12 (the setting is read by the gateway, issue #11 edge work): valid CIDRs, none of them "any".
        for rendered in overlays.values():
            value = rendered.config_map("zhifa-gateway")["data"]["ZHIFA_GATEWAY_TRUSTED_PROXIES"]
            networks = [ipaddress.ip_network(part.strip()) for part in value.split(",") if part.strip()]
            assert networks and all(n.prefixlen > 0 for n in networks), value


class TestNatsSecurity:
    """Item 14."""

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_the_server_runs_the_permission_model_of_the_code(
        self, overlays: dict[str, Rendered], overlay: str
    ) -> None:
        rendered = overlays[overlay]
        conf = rendered.config_map("nats-config")["data"]["nats.conf"]
        assert nats_auth.prod_authorization_block() in conf
        assert conf.count("authorization {") == 1 and "no_auth_user" not in conf
        sts = rendered.get("StatefulSet", "nats")
        env = {e["name"]: e for e in sts["spec"]["template"]["spec"]["containers"][0]["env"]}
        for name, info in SERVICES.items():
            ref = env[nats_auth.password_env(name)]["valueFrom"]["secretKeyRef"]
            # The server and the service read one and the same Secret key.
            for role in ("api", "worker"):
                service_env = {
                    e["name"]: e for e in rendered.container("Deployment", f"{k8s_name(name)}-{role}")["env"]
                }
                assert service_env[f"{info.env_prefix}NATS_PASSWORD"]["valueFrom"]["secretKeyRef"] == ref
                assert service_env[f"{info.env_prefix}NATS_USER"]["value"] == nats_auth.user_name(name)

    def test_a_service_may_publish_only_its_own_streams_subjects(self) -> None:
        for name, info in SERVICES.items():
            allowed = nats_auth.permissions(name)["publish"]["allow"]
            subjects = [s for s in allowed if not s.startswith("$JS.")]
            assert subjects == [f"{info.subject_prefix}.>"], subjects
            for other in SERVICES.values():
                if other.name != name:
                    assert not any(other.stream in s for s in allowed if "STREAM.INFO" not in s), (
                        name,
                        other,
                    )
            assert not any("DELETE" in s or "PURGE" in s or s in (">", "$JS.API.>") for s in allowed)

    def test_prod_speaks_tls_to_nats(self, overlays: dict[str, Rendered]) -> None:
        prod = overlays["prod"]
        conf = prod.config_map("nats-config")["data"]["nats.conf"]
        top = re.search(r"^tls \{(.*?)^\}", conf, re.M | re.S)
        cluster = re.search(r"^cluster \{.*?^  tls \{(.*?)^  \}", conf, re.M | re.S)
        assert top and cluster, "TLS for the clients and for the cluster routes"
        sts = prod.get("StatefulSet", "nats")
        volumes = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
        mounts = {
            m["mountPath"]: m["name"]
            for m in sts["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        }
        for key in ("tls.crt", "tls.key", "ca.crt"):
            path = re.search(rf'"(/[^"]+)/{re.escape(key)}"', top.group(1))
            assert path, key
            assert volumes[mounts[path.group(1)]]["secret"]["secretName"] == "zhifa-nats-tls"
        services = prod.config_map("zhifa-services")["data"]
        assert all(u.startswith("tls://") for u in services["ZHIFA_NATS_URL"].split(","))
        assert services["ZHIFA_NATS_TLS_CA_FILE"].endswith("/ca.crt")


class TestMigrationsFirst:
    """Item 15: no pod serves before its database is migrated; nothing to run by hand."""

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_every_service_pod_migrates_in_its_init_container(
        self, overlays: dict[str, Rendered], overlay: str
    ) -> None:
        rendered = overlays[overlay]
        assert rendered.of_kind("Job") == [], "a migration Job is a manual step before every rollout"
        for name in SERVICES:
            for role in ("api", "worker"):
                deployment = f"{k8s_name(name)}-{role}"
                spec = manifests.pod_template(rendered.get("Deployment", deployment))["spec"]
                (init,) = spec["initContainers"]
                assert manifests.command_line(init) == ["zhifa", "migrate", name]
                (main,) = spec["containers"]
                # the same environment, plus the owner's URL (issue #13): only the migration has it
                owner = f"{SERVICES[name].env_prefix}DATABASE_OWNER_URL"
                init_env, main_env = rendered.env(init), rendered.env(main)
                assert owner in init_env and owner not in main_env, deployment
                assert {k: v for k, v in init_env.items() if k != owner} == main_env, deployment
                assert init["image"] == main["image"]
                assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"


class TestMonitoring:
    """Item 16."""

    def doc_alerts(self) -> dict[str, tuple[str, str, str, str]]:
        text = DOC.read_text(encoding="utf-8")
        section = text[text.index("## Alerts worth setting") : text.index("## Docker Compose")]
        rows = re.findall(r"^\| ([^|`]+?) \| `(\w+)` \| `(.+?)` \| (\w+) \| (\w+) \|", section, re.M)
        return {rule: (title, expr, for_, severity) for title, rule, expr, for_, severity in rows}

    def test_the_prometheus_rule_is_the_table_of_the_operations_doc(
        self, overlays: dict[str, Rendered]
    ) -> None:
        documented = self.doc_alerts()
        assert len(documented) >= 10
        rule = overlays["prod"].get("PrometheusRule", "zhifa")
        installed = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
        assert set(installed) == set(documented)
        for name, (title, expr, for_, severity) in documented.items():
            r = installed[name]
            assert " ".join(r["expr"].split()) == " ".join(expr.split()), name
            assert r["for"] == for_ and r["labels"]["severity"] == severity, name
            assert name == "Zhifa" + "".join(
                w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", title) if w
            )

    def test_every_expression_is_promql(self, overlays: dict[str, Rendered]) -> None:
        import promql_parser

        rule = overlays["prod"].get("PrometheusRule", "zhifa")
        for r in (r for g in rule["spec"]["groups"] for r in g["rules"]):
            promql_parser.parse(r["expr"])  # raises on a syntax error
        with pytest.raises(ValueError):
            promql_parser.parse("max by (service (zhifa_outbox_pending) > 1000")

    def test_alerts_use_metrics_that_exist(self, overlays: dict[str, Rendered]) -> None:
        exported = set(
            re.findall(
                r'"(zhifa_[a-z_]+)"',
                (manifests.ROOT / "services" / "common" / "metrics.py").read_text(encoding="utf-8"),
            )
        )
        rule = overlays["prod"].get("PrometheusRule", "zhifa")
        for r in (r for g in rule["spec"]["groups"] for r in g["rules"]):
            for metric in re.findall(r"\b(zhifa_[a-z_]+?)(?:_bucket)?\b", r["expr"]):
                assert metric in exported, (r["alert"], metric)

    def test_pod_monitors_scrape_every_process_on_its_admin_port_and_the_nats_exporter(
        self, overlays: dict[str, Rendered]
    ) -> None:
        prod = overlays["prod"]
        monitors = prod.of_kind("PodMonitor")
        for d in [*zhifa_deployments(prod), prod.get("StatefulSet", "nats")]:
            template = d["spec"]["template"]
            matching = [
                m
                for m in monitors
                if manifests.selector_matches(m["spec"]["selector"], template["metadata"]["labels"])
            ]
            assert len(matching) == 1, d["metadata"]["name"]
            ports = {p["name"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
            for endpoint in matching[0]["spec"]["podMetricsEndpoints"]:
                assert endpoint["port"] in ports, (d["metadata"]["name"], endpoint)
                assert endpoint["port"] != "http"
        exporter = prod.container("StatefulSet", "nats", "exporter")
        assert "-jsz=all" in exporter["args"] and exporter["args"][-1] == "http://localhost:8222"

    def test_workers_scale_on_the_lag_of_every_consumer_they_run(self, overlays: dict[str, Rendered]) -> None:
        prod = overlays["prod"]
        hpa_targets = {h["spec"]["scaleTargetRef"]["name"] for h in prod.of_kind("HorizontalPodAutoscaler")}
        headless = prod.get("Service", "nats-headless")
        for name in SERVICES:
            k = k8s_name(name)
            scaled = prod.get("ScaledObject", f"{k}-worker")
            assert scaled["spec"]["scaleTargetRef"]["name"] == f"{k}-worker"
            assert f"{k}-worker" not in hpa_targets, "KEDA owns the worker's autoscaler"
            settings = importlib.import_module(f"services.{name}.settings")
            cls = getattr(settings, name.title().replace("_", "") + "Settings")
            app = importlib.import_module(f"services.{name}.app").create_app(cls(env="test"), role="worker")
            lag = [t["metadata"] for t in scaled["spec"]["triggers"] if t["type"] == "nats-jetstream"]
            assert sorted((t["stream"], t["consumer"]) for t in lag) == sorted(durable_consumers(app)), name
            for t in lag:
                host, port = t["natsServerMonitoringEndpoint"].split(":")
                assert host.split(".")[:2] == [headless["metadata"]["name"], manifests.NAMESPACE]
                assert int(port) in [p["port"] for p in headless["spec"]["ports"]]
                assert t["account"] == "$G"  # the users live in NATS's default account
            assert any(t["type"] == "cpu" for t in scaled["spec"]["triggers"])


class TestImages:
    """Item 17: every image, not only zhifa's, can come from a mirror."""

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_every_image_is_named_in_the_overlay_images_list(
        self, overlays: dict[str, Rendered], overlay: str
    ) -> None:
        kustomization = yaml.safe_load((manifests.OVERLAYS / overlay / "kustomization.yaml").read_text())
        listed = {i["name"] for i in kustomization["images"]}
        sources: set[str] = set()
        for path in [
            *(manifests.K8S / "base").rglob("*.yaml"),
            *(manifests.OVERLAYS / overlay).rglob("*.yaml"),
            *(manifests.COMPONENTS).rglob("*.yaml"),
        ]:
            sources |= set(re.findall(r"^\s+image: ([^\s:@]+)", path.read_text(encoding="utf-8"), re.M))
        used_here = {
            c["image"]
            for _, t in overlays[overlay].pod_templates()
            for c in manifests.all_containers(t["spec"])
        }
        for name in sources:
            if any(image.split("/")[-1].split(":")[0] == name.split("/")[-1] for image in used_here):
                assert name in listed, (
                    f"{overlay}: image {name} is not in images: (not overridable in one place)"
                )

    def test_no_registry_host_is_written_but_placeholders(self) -> None:
        files = [*manifests.K8S.rglob("*.yaml"), manifests.COMPOSE_FILE, manifests.DEPLOY / "Dockerfile"]
        for path in files:
            for host in re.findall(
                r"(?:newName|image):\s*\$?\{?[A-Z_]*:?-?([a-z0-9.-]+\.[a-z]{2,})/", path.read_text()
            ):
                assert ".example." in host or host.endswith(".example"), (path, host)

    def test_the_dockerfile_takes_mirrors_as_build_arguments(self) -> None:
        text = (manifests.DEPLOY / "Dockerfile").read_text(encoding="utf-8")
        for arg in ("PYTHON_IMAGE", "PIP_INDEX_URL", "APT_MIRROR"):
            assert re.search(rf"^ARG {arg}=", text, re.M), arg
        assert re.search(r'^ARG PIP_INDEX_URL=""$', text, re.M) and re.search(
            r'^ARG APT_MIRROR=""$', text, re.M
        )
        compose = manifests.COMPOSE_FILE.read_text(encoding="utf-8")
        assert "${ZHIFA_NATS_IMAGE:-nats:" in compose and "${ZHIFA_POSTGRES_IMAGE:-postgres:" in compose


def test_paths_are_not_left_to_chance() -> None:
    # The helper above must find what it looks for, or its checks would pass on nothing.
    assert size_bytes("64m") == 64 * 1024 * 1024 and size_bytes("512k") == 512 * 1024
    assert Path(DOC).exists()
