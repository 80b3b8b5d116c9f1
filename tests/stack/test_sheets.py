"""A drop of one image per sheet read as one file through the stack (workers/sheets.py):
each image's job joins its drop, the sweep makes the file's job once the sheets are all
in, and the documents found across the images are published with the images named."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from celery import Celery
from PIL import Image

from tests import scans
from tests.stack.helpers import minio_event, notify, source_uri, upload, wait_for_job
from workers.pipeline import record_id

pytestmark = pytest.mark.stack

DROP = "sheets-347"
FOLDER = f"drops/{DROP}/"


def sweep_now(stack_env) -> None:
    """What beat sends every few seconds (the tests run no beat)."""
    Celery(broker=stack_env["DELO_REDIS_URL"]).send_task("delo.sweep", queue="publish")


def test_a_drop_of_sheets_is_read_as_one_file(tmp_path, s3, db, intake, workers, stack_env, dashboard) -> None:
    """GIVEN a conversation's last page on sheet 47, uploaded and read alone before the
    drop's manifest said `"sheets": true`, then a telegram on sheets 48 and 49 WHEN the
    sweep finds the sheets all in THEN one file job reads the three images as one source
    and publishes two records (the telegram's naming both its images), the record sheet
    47 had alone is withdrawn, and the sheets' jobs say they joined; WHEN a sheet is
    uploaded again THEN the file is read again as a new version, with the same record ids."""
    head, tail = scans.TELEGRAM.split("Ваша телеграмма")
    images = {"0047.png": scans.PAGE_TWO, "0048.png": head, "0049.png": "Ваша телеграмма" + tail}
    data = {name: scans.png(tmp_path / name, text).read_bytes() for name, text in images.items()}

    notify(intake, minio_event(upload(s3, FOLDER + "0047.png", data["0047.png"])))
    [alone] = wait_for_job(db, FOLDER + "0047.png")
    assert alone["state"] == "published"
    manifest = {"sheets": True, "files": list(images), "archive": "ГА РФ", "fond": "7", "opis": "12", "delo": "347"}
    notify(intake, minio_event(upload(s3, FOLDER + "manifest.json", json.dumps(manifest).encode())))
    for name in ("0048.png", "0049.png"):
        notify(intake, minio_event(upload(s3, FOLDER + name, data[name])))
    for name in ("0048.png", "0049.png"):
        [joined] = wait_for_job(db, FOLDER + name, states=("joined", "failed"))
        assert joined["state"] == "joined", joined

    sweep_now(stack_env)
    [file_job] = wait_for_job(db, FOLDER, timeout=180)
    assert file_job["state"] == "published", file_job
    assert file_job["page_count"] == 3
    uri = source_uri(FOLDER)
    rows = db.execute("SELECT id, record FROM documents WHERE source_uri = %s ORDER BY id", (uri,)).fetchall()
    records = {r["id"]: r["record"] for r in rows}
    assert set(records) == {record_id(uri), record_id(uri, 2)}
    first, telegram = records[record_id(uri)], records[record_id(uri, 2)]
    assert first["document"]["images"] == ["0047.png"]
    assert telegram["document"]["images"] == ["0048.png", "0049.png"] and telegram["document"]["pages"] == [2, 3]
    assert telegram["source"]["images"] == list(images) and telegram["source"]["drop"] == DROP
    assert telegram["record"]["document_type"] == "telegram"
    # the record sheet 47 had when it was read alone is withdrawn: no page is published twice
    assert db.execute("SELECT count(*) AS n FROM documents WHERE source_uri = %s",
                      (source_uri(FOLDER + "0047.png"),)).fetchone()["n"] == 0

    viewer = {"Authorization": "Bearer test-viewer"}
    joined_id = db.execute("SELECT id FROM jobs WHERE key = %s", (FOLDER + "0048.png",)).fetchone()["id"]
    shown = httpx.get(f"{dashboard}/jobs/{joined_id}", headers=viewer).text
    assert f'<a href="/jobs/{file_job["id"]}">job {file_job["id"]}</a>' in shown
    shown = httpx.get(f"{dashboard}/jobs/{file_job['id']}", headers=viewer).text
    assert "Document 2 of 2" in shown and "0048.png, 0049.png" in shown
    drop = httpx.get(f"{dashboard}/drops/{DROP}", headers=viewer).text
    assert "sheets joined" in drop and "(the sheets as one file)" in drop

    # sheet 49 scanned again (the same page, saved anew): it joins, and the file is read
    # again as a new version
    again = io.BytesIO()
    Image.open(io.BytesIO(data["0049.png"])).save(again, format="PNG", dpi=(300, 300), optimize=True)
    notify(intake, minio_event(upload(s3, FOLDER + "0049.png", again.getvalue())))
    wait_for_job(db, FOLDER + "0049.png", states=("joined", "failed"), count=2)
    sweep_now(stack_env)
    jobs = wait_for_job(db, FOLDER, count=2, timeout=180)
    assert [j["state"] for j in jobs] == ["published", "published"] and jobs[0]["version"] != jobs[1]["version"]
    assert {r["id"] for r in db.execute("SELECT id FROM documents WHERE source_uri = %s", (uri,))} == set(records)
