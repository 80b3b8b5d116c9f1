"""The image (infra/Dockerfile), its lock file and docker-compose.yml, checked for what a
user relies on without building them (no Docker engine runs here; CI also runs
`docker-compose config`): a pinned base, the lock installed hash-checked, a HEALTHCHECK,
the tesseract models delo is configured to read, pinned images, and every delo service
waiting for what it needs."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from workers.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "infra" / "Dockerfile").read_text(encoding="utf-8")
LOCK = ROOT / "infra" / "requirements.lock"


def _pins() -> dict[str, tuple[str, str | None, int]]:
    """The lock's entries: name → (version, marker, number of hashes)."""
    pins: dict[str, tuple[str, str | None, int]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text(encoding="utf-8")):
        head = re.match(r"([A-Za-z0-9._-]+)==([^ ;\\\n]+)(?: ; ([^\\\n]+))?", entry)
        if head:
            name, version, marker = head.groups()
            if marker is None or Marker(marker).evaluate():  # this machine's Python and platform
                pins[canonicalize_name(name)] = (version, marker, entry.count("--hash=sha256:"))
    return pins


def test_the_lock_pins_every_dependency_within_what_pyproject_asks() -> None:
    pins = _pins()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for line in project["dependencies"]:
        wanted = Requirement(line)
        assert canonicalize_name(wanted.name) in pins, f"{wanted.name} is not in the lock: run `make lock`"
        version = pins[canonicalize_name(wanted.name)][0]
        assert wanted.specifier.contains(version, prereleases=True), f"{wanted.name} {version} vs {wanted.specifier}"
    assert all(hashes for _, _, hashes in pins.values())  # the image installs with --require-hashes


def test_the_tests_run_the_versions_the_image_ships() -> None:
    # `make venv` installs with the lock's versions as constraints
    differ = {}
    for name, (version, _, _) in _pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # needed only where the lock's marker says (not on this Python)
        if installed != version:
            differ[name] = (installed, version)
    assert not differ, f"installed vs locked: {differ} (make venv)"


def test_the_image_is_built_in_two_stages_from_a_pinned_base_and_the_lock() -> None:
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)", DOCKERFILE, re.M)
    assert base and re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base.group(1))  # a patch release, not a moving tag
    stages = re.findall(r"^FROM (\S+)", DOCKERFILE, re.M)
    assert stages == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]
    assert "pip install --require-hashes -r /tmp/requirements.lock" in DOCKERFILE
    assert "pip install --no-deps /src" in DOCKERFILE  # delo itself adds nothing the lock does not hold
    runtime = DOCKERFILE.split("\nFROM ")[-1]
    assert "COPY --from=build /opt/delo /opt/delo" in runtime and "pip install" not in runtime
    assert re.search(r"^USER 10001$", runtime, re.M)
    assert re.search(r'^HEALTHCHECK .*CMD \["delo", "health"\]$', runtime, re.M)


def test_the_image_has_the_tesseract_models_delo_reads_with() -> None:
    languages = re.search(r'^ARG TESSERACT_LANGUAGES="([^"]+)"', DOCKERFILE, re.M)
    assert languages
    installed = set(languages.group(1).split())
    assert set(Settings().ocr_languages.split("+")) <= installed
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    arg = compose["x-delo"]["build"]["args"]["TESSERACT_LANGUAGES"]
    assert arg == "${TESSERACT_LANGUAGES:-" + languages.group(1) + "}"


def test_compose_pins_its_images_and_each_delo_service_waits_for_what_it_needs() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    for name, service in services.items():
        if "build" not in service:  # delo's own image is built here; the others are pulled
            image = service["image"]
            assert ":" in image and not image.endswith((":latest", ":7-alpine")), f"{name}: {image}"
        for needed, how in (service.get("depends_on") or {}).items():
            if how["condition"] == "service_healthy":
                assert "healthcheck" in services[needed], f"{name} waits for {needed}, which has no healthcheck"
    assert re.fullmatch(r"minio/minio:RELEASE\.\d{4}-\d\d-\d\dT[\d-]+Z", services["minio"]["image"])
    assert re.fullmatch(r"minio/mc:RELEASE\.\d{4}-\d\d-\d\dT[\d-]+Z", services["minio-setup"]["image"])
    long_running = [n for n, s in services.items() if "build" in s and s.get("restart") != "no"]
    assert set(long_running) == {"intake", "dashboard", "worker-ocr", "worker-publish", "beat"}
    for name in long_running:
        waits = services[name]["depends_on"]
        assert waits["migrate"]["condition"] == "service_completed_successfully", name
        assert waits["minio-setup"]["condition"] == "service_completed_successfully", name
        assert {"postgres", "redis", "redis-stream"} <= set(waits), name
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
