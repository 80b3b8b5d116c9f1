"""The HTTP services in-process (FastAPI's TestClient: no port, no network), against a
PostgreSQL database of their own on the machine's server, configured only the way an
operator configures them: DELO_* environment variables, read when the app is made.

Today the service modules build their settings (and the dashboard its broker client) as
they are imported, and the Celery app reads its configuration once, on first use: so
each test imports the services, the Celery app and the tasks afresh, and afterwards
puts back whatever modules the process had before. Without that, a test here would
fix the broker of every later in-process Celery call (a stack test's task would go
to this test's Redis), and a second configuration could not be made in one process.
"""

from __future__ import annotations

import importlib
import os
import sys
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from fastapi import FastAPI

PG_ADMIN = os.environ.get("DELO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("DELO_TEST_REDIS", "redis://127.0.0.1:6379")
# modules holding configuration made at import or on first use
ISOLATED = ("services", "workers.celery_app", "workers.tasks")


def _isolated(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in ISOLATED)


def create_database() -> str:
    name = f"delo_http_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return psycopg.conninfo.make_conninfo(PG_ADMIN, dbname=name)


def drop_database(url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database() -> Iterator[str]:
    """An empty database of the test's own, dropped afterwards."""
    url = create_database()
    yield url
    drop_database(url)


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FastAPI]]:
    """service("intake", DELO_X="…", …): the service's app made under exactly these
    settings (every other DELO_ variable unset), from freshly imported modules."""
    import workers

    saved_modules = {n: m for n, m in sys.modules.items() if _isolated(n)}
    saved_attrs = {a: getattr(workers, a) for a in ("celery_app", "tasks") if hasattr(workers, a)}
    for name in saved_modules:
        del sys.modules[name]

    def make(name: str, **env: str) -> FastAPI:
        for key in [k for k in os.environ if k.startswith("DELO_")]:
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        from workers.config import get_settings

        get_settings.cache_clear()
        module = importlib.import_module(f"services.{name}.app")
        factory = getattr(module, "create_app", None)  # `uvicorn --factory …:create_app`
        return factory() if factory else module.app

    yield make
    from workers.config import get_settings

    for name in [n for n in sys.modules if _isolated(n)]:
        del sys.modules[name]
    sys.modules.update(saved_modules)
    for attr in ("celery_app", "tasks"):
        if attr in saved_attrs:
            setattr(workers, attr, saved_attrs[attr])
        elif hasattr(workers, attr):
            delattr(workers, attr)
    monkeypatch.undo()  # the environment first, then settings read from it again
    get_settings.cache_clear()
