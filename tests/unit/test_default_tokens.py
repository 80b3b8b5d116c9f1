"""The tokens that ship with delo are refused unless DELO_ALLOW_DEFAULT_TOKENS says the
stack is a developer's own: the services will not start on one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from services.tokens import DEFAULT_TOKENS, refuse_default_tokens
from workers.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def shipped_tokens() -> set[str]:
    """Every default a *_TOKEN setting gets anywhere in the repository: `${X_TOKEN:-value}`
    in the shell and compose files, `*_token: str = "value"` in the settings."""
    found = set()
    for name in ("infra/stack.sh", "docker-compose.yml"):
        found |= set(re.findall(r"_TOKEN:-([^}]+)\}", (ROOT / name).read_text()))
    found |= set(re.findall(r'_token: str = "([^"]+)"', (ROOT / "workers/config.py").read_text()))
    return found


def test_every_token_the_repository_ships_is_known_as_a_default() -> None:
    shipped = shipped_tokens()
    assert {"dev-token", "change-me"} <= shipped  # the parse found them
    assert shipped <= DEFAULT_TOKENS


@pytest.mark.parametrize("changes, refused", [
    ({"intake_token": "dev-token"}, "DELO_INTAKE_TOKEN"),
    ({"intake_token": "change-me"}, "DELO_INTAKE_TOKEN"),
    ({"intake_token": "s3cret", "dashboard_operator_token": "dev-operator"}, "DELO_DASHBOARD_OPERATOR_TOKEN"),
    ({"intake_token": "s3cret", "dashboard_viewer_token": "change-me-viewer"}, "DELO_DASHBOARD_VIEWER_TOKEN"),
])
def test_a_default_token_stops_the_service_with_one_line(changes, refused) -> None:
    settings = Settings(**changes)
    with pytest.raises(SystemExit) as stop:
        refuse_default_tokens(settings, "intake_token", "dashboard_viewer_token", "dashboard_operator_token")
    message = str(stop.value.code)
    assert refused in message and "DELO_ALLOW_DEFAULT_TOKENS" in message and "\n" not in message


def test_own_tokens_or_a_developers_stack_start() -> None:
    names = ("intake_token", "dashboard_viewer_token", "dashboard_operator_token")
    refuse_default_tokens(Settings(intake_token="s3cret", dashboard_viewer_token="v1", dashboard_operator_token="o1"), *names)
    refuse_default_tokens(Settings(intake_token="s3cret"), *names)  # the dashboard's unset: nobody gets in
    refuse_default_tokens(Settings(intake_token="dev-token", dashboard_operator_token="dev-operator",
                                   allow_default_tokens=True), *names)


def start(module: str, **env: str) -> subprocess.CompletedProcess:
    """uvicorn serving `module` on a free port, with only `env` of delo's settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DELO_")}
    return subprocess.run([sys.executable, "-m", "uvicorn", "--factory", f"{module}:create_app", "--port", "0"], cwd=ROOT,
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("module, env", [
    ("services.intake.app", {}),  # the settings' own default, dev-token
    ("services.dashboard.app", {"DELO_DASHBOARD_OPERATOR_TOKEN": "change-me-operator"}),
])
def test_the_services_refuse_to_start_on_a_default_token(module, env) -> None:
    proc = start(module, **env)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "DELO_ALLOW_DEFAULT_TOKENS" in proc.stderr
