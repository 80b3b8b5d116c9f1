"""The Grafana dashboard (infra/grafana/delo.json) asks only for metrics delo exposes: a
metric renamed in services/dashboard/metrics.py fails here, not on someone's wall."""

from __future__ import annotations

import json
import re
from pathlib import Path

from services.dashboard.metrics import LedgerCollector
from workers.ledger.metrics import Snapshot

DASHBOARD = Path(__file__).resolve().parents[2] / "infra" / "grafana" / "delo.json"


def exposed() -> set[str]:
    """Every sample name /metrics can carry (a histogram's _bucket, _sum, _count; a counter's _total)."""
    names = set()
    for family in LedgerCollector(Snapshot(jobs={}), {"ocr": 0}, 0).collect():  # what an empty ledger exposes
        names.add(family.name)
        names |= {f"{family.name}{suffix}" for suffix in ("_total", "_bucket", "_sum", "_count")
                  if family.type in ("counter", "histogram")}
    return names


def test_every_panel_queries_metrics_delo_exposes() -> None:
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for panel in board["panels"] for t in panel["targets"]]
    asked = {name for expr in exprs for name in re.findall(r"\bdelo_[a-z_]+", expr)}
    assert asked and asked <= exposed(), asked - exposed()
    # and every family delo exposes has a panel
    families = {f.name for f in LedgerCollector(Snapshot(jobs={}), {"ocr": 0}, 0).collect()}
    assert {f for f in families if not any(a == f or a.startswith(f"{f}_") for a in asked)} == set()
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"])
