"""The tokens that ship as defaults in this repository (workers/config.py, infra/stack.sh,
docker-compose.yml) are known to anyone who has read it: no service takes one unless
DELO_ALLOW_DEFAULT_TOKENS says the stack is a developer's own.

A service with such a token refuses to start, rather than refusing the token per
request: a service that runs but turns every caller away looks like a mistyped token
and is found late, by a browser or by MinIO's growing queue; one that does not start
says why in one line to whoever deployed it, before anything depends on it (MinIO keeps
its events queued meanwhile). The check runs as the app module is imported, so that
uvicorn prints that one line and exits, not a lifespan traceback.
"""

from __future__ import annotations

from workers.config import Settings

DEFAULT_TOKENS = frozenset({"dev-token", "dev-viewer", "dev-operator",
                            "change-me", "change-me-viewer", "change-me-operator"})


def refuse_default_tokens(settings: Settings, *names: str) -> None:
    """SystemExit with one line when a setting of `names` holds a default token."""
    if settings.allow_default_tokens:
        return
    found = [f"DELO_{name.upper()}" for name in names if getattr(settings, name) in DEFAULT_TOKENS]
    if found:
        raise SystemExit(f"delo: {' and '.join(found)} hold(s) a token that ships with delo; set your own, "
                         "or DELO_ALLOW_DEFAULT_TOKENS=true on a developer's own stack")
