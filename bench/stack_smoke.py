"""Against a running `make stack`: upload a sample scan to `scans`, send MinIO's event to
the intake, and time until its record is in the `records` bucket (the promise: < 30 s).

    .venv/bin/python bench/stack_smoke.py [SCAN]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.stack.helpers import minio_event, upload  # noqa: E402
from workers.config import get_settings  # noqa: E402
from workers.ledger.jobs import source_uri  # noqa: E402
from workers.pipeline import record_id  # noqa: E402
from workers.stores import objectstore  # noqa: E402


def main() -> None:
    scan = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "samples" / "scans" / "01-telegram.png"
    settings = get_settings()
    s3 = objectstore.client(settings)
    key = f"drops/smoke/{time.strftime('%Y%m%dT%H%M%S')}-{scan.name}"
    started = time.monotonic()
    obj = upload(s3, key, scan.read_bytes())
    answer = httpx.post("http://127.0.0.1:8080/minio/events", json=minio_event(obj),
                        headers={"Authorization": f"Bearer {settings.intake_token}"})
    answer.raise_for_status()
    name = f"{record_id(source_uri(settings.scans_bucket, key))}.json"
    while time.monotonic() - started < 30:
        try:
            s3.stat_object(settings.records_bucket, name)
        except Exception:
            time.sleep(0.2)
            continue
        print(f"{key}: record {name} in `{settings.records_bucket}` {time.monotonic() - started:.1f} s after the upload")
        return
    raise SystemExit(f"{key}: no record within 30 s")


if __name__ == "__main__":
    main()
