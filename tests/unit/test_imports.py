"""Importing a module changes nothing: no settings read, no client or pool built, no
connection opened, no environment variable set. Settings and clients are made by the
entry points' factories (the services' create_app, Celery's first use of its
configuration, the CLI's commands)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import importlib, os, pkgutil, socket, sys
before = dict(os.environ)
import workers.config as config

made = []
original = config.Settings.__init__
def counting(self, *a, **k):
    made.append(''.join(__import__('traceback').format_stack(limit=6)))
    original(self, *a, **k)
config.Settings.__init__ = counting

def refuse(*a, **k):
    raise AssertionError(f"a connection at import: {a}")
socket.socket.connect = refuse

names = []
for package in ("workers", "services"):
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
        names.append(info.name)
import workers.celery_app as celery_app
assert not celery_app.app.configured, "the Celery app read its configuration at import"
assert not made, "settings built at import:\n" + "\n".join(made)
changed = {k for k in os.environ.keys() | before.keys() if os.environ.get(k) != before.get(k)}
changed.discard("LD_LIBRARY_PATH")  # opencv's own loader adds its bundled libraries: not delo's doing
assert not changed, f"the environment changed at import: {changed}"
print(len(names))
"""


def test_every_module_imports_with_an_empty_environment_and_builds_nothing() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert int(proc.stdout.split()[-1]) >= 40  # every module was reached, not an early stop
