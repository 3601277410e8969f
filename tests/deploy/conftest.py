"""Fixtures of the deployment tests: every overlay rendered once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.deploy import manifests
from tests.deploy.manifests import Rendered


@pytest.fixture(scope="session")
def overlays() -> dict[str, Rendered]:
    """overlay name -> its rendered objects, for every directory under deploy/k8s/overlays."""
    found = manifests.overlay_dirs()
    assert found, "no overlay under deploy/k8s/overlays"
    return {p.name: Rendered(p.name, manifests.render(p)) for p in found}


@pytest.fixture(scope="session")
def base() -> Rendered:
    return Rendered("base", manifests.render(manifests.K8S / "base"))


@pytest.fixture(scope="session")
def with_components(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The prod overlay with every component of deploy/k8s/components it does not include yet added, as an
    operator would."""
    work: Path = tmp_path_factory.mktemp("kustomize")
    rel = lambda p: os.path.relpath(p, work)  # noqa: E731
    prod = (manifests.OVERLAYS / "prod" / "kustomization.yaml").read_text(encoding="utf-8")
    components = [rel(p) for p in manifests.component_dirs() if f"components/{p.name}\n" not in prod]
    (work / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources: [{rel(manifests.OVERLAYS / 'prod')}]\n"
        f"components: [{', '.join(components)}]\n",
        encoding="utf-8",
    )
    return Rendered("prod+components", manifests.render(work))
