"""Every Kubernetes manifest in infra/k8s, validated offline before anyone applies it: each
overlay built as kustomize builds it (the base's resources, its JSON patches, its
namespace), built-in kinds against Kubernetes' own schemas (kubernetes-validate, strict:
an unknown field is an error), KEDA's against its CRDs' schemas (vendored in
infra/k8s/crds), and what delo's own rules ask of them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonpatch
import jsonschema
import kubernetes_validate
import pytest
import yaml

from workers.config import Settings

K8S = Path(__file__).resolve().parents[2] / "infra" / "k8s"
OVERLAYS = sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml"))


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def build(overlay: str) -> list[dict[str, Any]]:
    """The overlay's resources: the base's files, then each JSON patch on its targets, then
    the namespace (the parts of kustomize these kustomizations use)."""
    folder = K8S / "overlays" / overlay
    own = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    base = K8S / "base"
    kustomization = yaml.safe_load((base / "kustomization.yaml").read_text(encoding="utf-8"))
    assert own["resources"][0] == "../../base"
    docs = [copy.deepcopy(d) for name in kustomization["resources"] for d in _docs(base / name)]
    docs += [d for name in own["resources"][1:] for d in _docs(folder / name)]  # the overlay's own
    for patch in own.get("patches", []):
        targets = [d for d in docs if d["kind"] == patch["target"]["kind"]
                   and d["metadata"]["name"] == patch["target"]["name"]]
        assert len(targets) == 1, patch["target"]
        targets[0].update(jsonpatch.apply_patch(targets[0], yaml.safe_load(patch["patch"])))
    for d in docs:
        d["metadata"]["namespace"] = own["namespace"]
    return docs


def _crd_schema(kind: str) -> dict[str, Any]:
    for path in (K8S / "crds").glob("*.yaml"):
        crd = _docs(path)[0]
        if crd["spec"]["names"]["kind"] == kind:
            [version] = [v for v in crd["spec"]["versions"] if v.get("storage")]
            return version["schema"]["openAPIV3Schema"]
    raise KeyError(kind)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_is_valid(overlay: str) -> None:
    docs = build(overlay)
    assert {d["kind"] for d in docs} >= {"Deployment", "Service", "Job", "ConfigMap", "ScaledObject",
                                          "TriggerAuthentication"}
    for d in docs:
        if d["apiVersion"].startswith("keda.sh/"):
            jsonschema.validate(d, _crd_schema(d["kind"]))
        else:
            kubernetes_validate.validate(d, "1.30.0", strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_delos_own_rules(overlay: str) -> None:
    docs = build(overlay)
    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    pods = [(d["metadata"]["name"], d["spec"]["template"]["spec"]) for d in docs if d["kind"] in ("Deployment", "Job")]
    example = _docs(K8S / "base" / "secret.example.yaml")[0]
    for name, pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True, name  # the image runs as a user, not root
        for c in pod["containers"]:
            assert c["resources"]["requests"] and c["resources"]["limits"]["memory"], name
            assert "livenessProbe" in c or name == "delo-migrate", name
            if c["image"] != "delo":
                continue  # another's image (PgBouncer): its own settings
            secrets = [e["secretRef"]["name"] for e in c.get("envFrom", []) if "secretRef" in e]
            assert secrets == [example["metadata"]["name"]], name  # secrets from the Secret, never inline
            assert not any("value" in e and "TOKEN" in e["name"] for e in c.get("env", [])), name
    # exactly one beat, never two during a rollout
    beat = by[("Deployment", "delo-beat")]
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"]["type"] == "Recreate"
    # an OCR worker's grace period outlasts the slowest page it may be reading
    settings = Settings()
    ocr = by[("Deployment", "delo-worker-ocr")]["spec"]["template"]["spec"]
    assert ocr["terminationGracePeriodSeconds"] > settings.page_timeout_seconds + settings.render_timeout_seconds
    # the probes ask what the image's HEALTHCHECK asks (workers/health.py): for a worker, that
    # it answers over the broker and has its languages; for beat, that it keeps its schedule
    for name in ("delo-worker-ocr", "delo-worker-publish", "delo-beat"):
        container = by[("Deployment", name)]["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"]["exec"]["command"] == ["delo", "health"], name
    # KEDA scales the OCR workers from zero on both OCR queues' length
    scaled = by[("ScaledObject", "delo-worker-ocr")]["spec"]
    assert scaled["minReplicaCount"] == 0 and scaled["maxReplicaCount"] >= 1
    assert scaled["scaleTargetRef"]["name"] == "delo-worker-ocr"
    assert {t["metadata"]["listName"] for t in scaled["triggers"]} == {"ocr", "ocr_bulk"}
    config = by[("ConfigMap", "delo-config")]["data"]
    assert all(t["metadata"]["addressFromEnv"] in config for t in scaled["triggers"])
    # each setting the ConfigMap gives is one delo has (DELO_REDIS_ADDRESS is KEDA's alone)
    assert {k.removeprefix("DELO_").lower() for k in config} <= set(Settings.model_fields) | {"redis_address"}


# The most database connections a pod of each kind holds: a worker process one each (its
# main process none), an intake its two pools (8 + 16), a dashboard its pool (10), beat one.
CONNECTIONS_PER_POD = {"delo-intake": 24, "delo-dashboard": 10, "delo-beat": 1}
POSTGRES_DEFAULT_CONNECTIONS = 100


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_an_overlay_that_could_exhaust_postgres_connections_goes_through_a_pooler(overlay: str) -> None:
    docs = build(overlay)
    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    scaled = {d["spec"]["scaleTargetRef"]["name"]: d["spec"]["maxReplicaCount"] for d in docs
              if d["kind"] == "ScaledObject"}
    most = 0
    for d in docs:
        if d["kind"] != "Deployment" or d["metadata"]["name"] == "delo-pgbouncer":
            continue
        name = d["metadata"]["name"]
        command = d["spec"]["template"]["spec"]["containers"][0]["command"]
        each = int(command[command.index("--concurrency") + 1]) if "--concurrency" in command \
            else CONNECTIONS_PER_POD[name]
        most += each * scaled.get(name, d["spec"]["replicas"])
    pooled = by[("ConfigMap", "delo-config")]["data"].get("DELO_DATABASE_POOLER") == "true"
    assert pooled == (("Deployment", "delo-pgbouncer") in by)  # the setting and the pooler go together
    if most > POSTGRES_DEFAULT_CONNECTIONS:
        assert pooled, f"{overlay}: up to {most} connections"

