"""deploy/k8s: every overlay renders with kustomize, and every object is valid against the Kubernetes
schemas (strict: unknown fields are errors) of a pinned Kubernetes version. Also the shape that the
overlays promise: one replica of everything in dev; in prod a three-node NATS cluster that fsyncs every
write, replicated streams, two or more replicas, disruption budgets, no Secret applied from git."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest

from services.common import nats_auth
from services.common.registry import SERVICES
from tests.deploy import manifests
from tests.deploy.manifests import KUBERNETES_VERSION, NAMESPACE, Rendered, k8s_name

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass", "StorageClass"}


CRD_SCHEMAS = manifests.TESTS / "crd_schemas"


def crd_schemas() -> dict[tuple[str, str], dict[str, object]]:
    """(apiVersion, kind) -> JSON schema, for the custom resources kubernetes-validate does not know
    (tests/deploy/crd_schemas/README.md: written by hand, for the fields the manifests use)."""
    out = {}
    for path in sorted(CRD_SCHEMAS.glob("*.json")):
        group, version, kind = path.stem.split("_")
        out[(f"{group}/{version}", kind)] = json.loads(path.read_text(encoding="utf-8"))
    return out


def schema_errors(objects: list[manifests.Obj]) -> list[str]:
    errors = []
    custom = crd_schemas()
    for obj in objects:
        where = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        schema = custom.get((obj.get("apiVersion", ""), obj.get("kind", "")))
        if schema is not None:
            validator = jsonschema.Draft202012Validator(schema)
            errors += [
                f"{where}: {'.'.join(str(p) for p in e.absolute_path)}: {e.message}"
                for e in validator.iter_errors(obj)
            ]
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{where}: {'.'.join(str(p) for p in e.path)}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError as e:
            errors.append(f"{where}: {e.message}")
    return errors


class TestSchemas:
    def test_every_overlay_renders_something(self, overlays: dict[str, Rendered]) -> None:
        assert {"dev", "prod"} <= set(overlays)
        for rendered in overlays.values():
            kinds = {o["kind"] for o in rendered.objects}
            assert {"Deployment", "Service", "NetworkPolicy", "StatefulSet"} <= kinds, rendered.name

    def test_every_object_of_every_overlay_is_valid(self, overlays: dict[str, Rendered]) -> None:
        for rendered in overlays.values():
            assert schema_errors(rendered.objects) == [], rendered.name

    def test_the_opt_in_components_are_valid_too(self, with_components: Rendered) -> None:
        assert with_components.find("NetworkPolicy", "prometheus-scrape") is not None
        assert schema_errors(with_components.objects) == []

    def test_the_validation_is_not_vacuous(self, overlays: dict[str, Rendered]) -> None:
        # The same check rejects a misspelt field, a wrong type and an unknown kind.
        deployment = overlays["prod"].get("Deployment", "penalty-api")
        misspelt = copy.deepcopy(deployment)
        misspelt["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
        wrong_type = copy.deepcopy(deployment)
        wrong_type["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "8102"
        unknown = {"apiVersion": "v1", "kind": "Deploymnet", "metadata": {"name": "x"}}
        assert len(schema_errors([misspelt, wrong_type, unknown])) == 3

    def test_the_custom_resources_are_validated_strictly_too(self, overlays: dict[str, Rendered]) -> None:
        prod = overlays["prod"]
        used = {(o["apiVersion"], o["kind"]) for o in prod.objects}
        assert set(crd_schemas()) <= used, "a schema in tests/deploy/crd_schemas that nothing uses"
        assert {"PrometheusRule", "PodMonitor", "ScaledObject"} <= {kind for _, kind in used}
        rule = copy.deepcopy(prod.get("PrometheusRule", "zhifa"))
        rule["spec"]["groups"][0]["rules"][0]["fro"] = "5m"
        scaled = copy.deepcopy(prod.of_kind("ScaledObject")[0])
        scaled["spec"]["triggers"][1]["metadata"]["lagThreshhold"] = "100"
        monitor = copy.deepcopy(prod.get("PodMonitor", "zhifa"))
        monitor["spec"]["podMetricsEndpoints"][0]["interval"] = "half a minute"
        assert len(schema_errors([rule, scaled, monitor])) >= 3, schema_errors([rule, scaled, monitor])

    def test_names_are_unique_and_everything_is_in_the_namespace(self, overlays: dict[str, Rendered]) -> None:
        for rendered in overlays.values():
            keys = [(o["kind"], o["metadata"]["name"]) for o in rendered.objects]
            assert len(keys) == len(set(keys)), rendered.name
            for o in rendered.objects:
                if o["kind"] not in CLUSTER_SCOPED:
                    assert o["metadata"].get("namespace") == NAMESPACE, (
                        rendered.name,
                        o["kind"],
                        o["metadata"],
                    )
                assert o["metadata"]["labels"]["app.kubernetes.io/part-of"] == "zhifa", o["metadata"]["name"]

    def test_images_are_tagged_and_no_placeholder_is_left(self, overlays: dict[str, Rendered]) -> None:
        for rendered in overlays.values():
            for _, template in rendered.pod_templates():
                for c in manifests.all_containers(template["spec"]):
                    image = c["image"]
                    assert "@sha256:" in image or re.search(r":[\w.-]+$", image.split("/")[-1]), image
                    assert not image.endswith(":latest"), image
                    assert image.split(":")[0] != "zhifa" or rendered.name == "dev", image


def write_test_certificate(directory: Path) -> None:
    """A self-signed CA-and-server certificate as tls.crt, tls.key and ca.crt (cert-manager's keys)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nats")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("nats")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "tls.crt").write_bytes(pem)
    (directory / "ca.crt").write_bytes(pem)
    (directory / "tls.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


class TestNats:
    def nats_conf(self, rendered: Rendered) -> str:
        return str(rendered.config_map("nats-config")["data"]["nats.conf"])

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_the_nats_configuration_is_accepted_by_nats_server(
        self, overlays: dict[str, Rendered], overlay: str, tmp_path: Path
    ) -> None:
        conf = tmp_path / "nats.conf"
        # The server's TLS files (prod) as the Secret zhifa-nats-tls mounts them, and the passwords from
        # the environment the StatefulSet gives it.
        text = self.nats_conf(overlays[overlay]).replace("/etc/nats-tls/", f"{tmp_path}/")
        write_test_certificate(tmp_path)
        conf.write_text(text, encoding="utf-8")
        sts = overlays[overlay].get("StatefulSet", "nats")
        passwords = {
            e["name"]: "a-test-password"
            for e in sts["spec"]["template"]["spec"]["containers"][0]["env"]
            if e["name"].endswith("_NATS_PASSWORD")
        }
        assert set(passwords) == {nats_auth.password_env(name) for name in SERVICES}
        result = subprocess.run(
            [str(manifests.tool("nats-server")), "-t", "-c", str(conf)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={**os.environ, "SERVER_NAME": "nats-0", **passwords},
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def test_nats_server_rejects_a_misspelt_option(self, tmp_path: Path) -> None:
        conf = tmp_path / "nats.conf"
        conf.write_text("jetstream {\n  sync_intervall: always\n}\n", encoding="utf-8")
        result = subprocess.run(
            [str(manifests.tool("nats-server")), "-t", "-c", str(conf)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode != 0

    def test_prod_is_a_three_node_cluster_that_fsyncs_every_write(
        self, overlays: dict[str, Rendered]
    ) -> None:
        prod = overlays["prod"]
        conf = self.nats_conf(prod)
        jetstream = re.search(r"jetstream\s*\{(.*?)\n\}", conf, re.S)
        assert jetstream is not None
        assert re.search(r"^\s*sync_interval:\s*always\s*$", jetstream.group(1), re.M), (
            "SPEC 1.4: sync_interval"
        )
        sts = prod.get("StatefulSet", "nats")
        assert sts["spec"]["replicas"] == 3
        headless = sts["spec"]["serviceName"]
        routes = re.findall(r"nats://([\w.-]+):6222", conf)
        assert sorted(routes) == [f"nats-{i}.{headless}" for i in range(3)]
        anti = sts["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
        required = anti["requiredDuringSchedulingIgnoredDuringExecution"]
        assert any(
            t["topologyKey"] == "kubernetes.io/hostname"
            and manifests.selector_matches(t["labelSelector"], sts["spec"]["template"]["metadata"]["labels"])
            for t in required
        )
        assert prod.get("PodDisruptionBudget", "nats")["spec"]["maxUnavailable"] == 1

    def test_dev_is_a_single_server_with_jetstream_on_a_volume(self, overlays: dict[str, Rendered]) -> None:
        dev = overlays["dev"]
        sts = dev.get("StatefulSet", "nats")
        assert sts["spec"]["replicas"] == 1
        assert "jetstream" in self.nats_conf(dev)
        assert "cluster" not in re.sub(r"#.*", "", self.nats_conf(dev))
        assert [t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]] == ["data"]

    @pytest.mark.parametrize(("overlay", "replicas"), [("dev", 1), ("prod", 3)])
    def test_services_replicate_streams_over_every_server(
        self, overlays: dict[str, Rendered], overlay: str, replicas: int
    ) -> None:
        rendered = overlays[overlay]
        services = rendered.config_map("zhifa-services")["data"]
        assert services["ZHIFA_NATS_STREAM_REPLICAS"] == str(replicas)
        assert rendered.get("StatefulSet", "nats")["spec"]["replicas"] == replicas
        urls = services["ZHIFA_NATS_URL"].split(",")
        if replicas == 1:
            assert urls == ["nats://nats:4222"]
        else:
            # Production speaks TLS to NATS (issue #11 item 14).
            assert urls == [f"tls://nats-{i}.nats-headless:4222" for i in range(replicas)]


class TestOverlays:
    def test_dev_runs_one_replica_of_everything(self, overlays: dict[str, Rendered]) -> None:
        dev = overlays["dev"]
        for hpa in dev.of_kind("HorizontalPodAutoscaler"):
            assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 1), hpa["metadata"]["name"]
        for d in dev.of_kind("Deployment"):
            assert d["spec"].get("replicas", 1) == 1
        assert dev.config_map("zhifa-common")["data"]["ZHIFA_ENV"] == "dev"

    def test_dev_has_postgres_with_a_volume_and_every_service_database(
        self, overlays: dict[str, Rendered]
    ) -> None:
        dev = overlays["dev"]
        pg = dev.get("StatefulSet", "postgres")
        assert pg["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
        init = dev.config_map("postgres-initdb")["data"]
        created = set(re.findall(r"CREATE DATABASE (\w+);", "\n".join(init.values())))
        assert created == {info.database_name for info in SERVICES.values()}

    def test_prod_runs_two_or_more_of_every_process_with_disruption_budgets(
        self, overlays: dict[str, Rendered]
    ) -> None:
        prod = overlays["prod"]
        minimum = {}  # Deployment -> the least replicas its one autoscaler keeps
        for h in prod.of_kind("HorizontalPodAutoscaler"):
            assert h["spec"]["scaleTargetRef"]["name"] not in minimum
            minimum[h["spec"]["scaleTargetRef"]["name"]] = h["spec"]["minReplicas"]
        for s in prod.of_kind("ScaledObject"):  # KEDA (workers): it creates the HPA itself
            assert s["spec"]["scaleTargetRef"]["name"] not in minimum
            minimum[s["spec"]["scaleTargetRef"]["name"]] = s["spec"]["minReplicaCount"]
        pdbs = prod.of_kind("PodDisruptionBudget")
        for d in prod.of_kind("Deployment"):
            name = d["metadata"]["name"]
            assert name in minimum, f"Deployment {name} has no autoscaler"
            assert minimum[name] >= 2, name
            assert "replicas" not in d["spec"], f"{name}: the autoscaler owns the replica count"
            labels = d["spec"]["template"]["metadata"]["labels"]
            budgets = [p for p in pdbs if manifests.selector_matches(p["spec"]["selector"], labels)]
            assert len(budgets) == 1, name
            assert (
                budgets[0]["spec"].get("maxUnavailable") == 1 or budgets[0]["spec"].get("minAvailable") == 1
            )
        assert prod.config_map("zhifa-common")["data"]["ZHIFA_ENV"] == "prod"

    def test_prod_applies_no_secret_and_no_in_cluster_postgres(self, overlays: dict[str, Rendered]) -> None:
        prod = overlays["prod"]
        assert prod.of_kind("Secret") == []
        assert prod.find("StatefulSet", "postgres") is None
        egress = prod.get("NetworkPolicy", "services-egress-external-postgres")["spec"]["egress"]
        assert [p["port"] for rule in egress for p in rule["ports"]] == [5432]

    def test_every_secret_prod_reads_is_documented_by_a_template_in_base(
        self, overlays: dict[str, Rendered], base: Rendered
    ) -> None:
        templates = {s["metadata"]["name"]: set(manifests.secret_data(s)) for s in base.of_kind("Secret")}
        for _, template in overlays["prod"].pod_templates():
            spec = template["spec"]
            for volume in spec.get("volumes", []):
                if "secret" in volume:
                    assert volume["secret"]["secretName"] in templates, volume
            for c in manifests.all_containers(spec):
                for var in c.get("env", []):
                    ref = var.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        assert ref["key"] in templates.get(ref["name"], set()), ref
        for name, keys in templates.items():
            for key, value in manifests.secret_data(base.get("Secret", name)).items():
                assert "CHANGE-ME" in value, f"base Secret {name}/{key} must hold a placeholder only"
            assert keys

    def test_prod_ingress_serves_the_gateway_over_tls(self, overlays: dict[str, Rendered]) -> None:
        ingresses = overlays["prod"].of_kind("Ingress")
        assert len(ingresses) == 1
        spec = ingresses[0]["spec"]
        assert spec["tls"] and spec["tls"][0]["hosts"] == [spec["rules"][0]["host"]]
        backends = {p["backend"]["service"]["name"] for r in spec["rules"] for p in r["http"]["paths"]}
        assert backends == {"gateway"}

    @pytest.mark.parametrize("overlay", ["dev", "prod"])
    def test_every_service_has_its_objects(self, overlays: dict[str, Rendered], overlay: str) -> None:
        rendered = overlays[overlay]
        for info in SERVICES.values():
            k = k8s_name(info.name)
            worker_autoscaler = "ScaledObject" if overlay == "prod" else "HorizontalPodAutoscaler"
            for kind, name in [
                ("Deployment", f"{k}-api"),
                ("Deployment", f"{k}-worker"),
                ("Service", k),
                ("HorizontalPodAutoscaler", f"{k}-api"),
                (worker_autoscaler, f"{k}-worker"),
                ("PodDisruptionBudget", f"{k}-api"),
                ("NetworkPolicy", f"{k}-from-gateway"),
            ]:
                assert rendered.find(kind, name) is not None, (
                    f"{overlay}: {kind}/{name} missing for {info.name}"
                )
