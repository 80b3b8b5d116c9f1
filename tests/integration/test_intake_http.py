"""The intake's answers, as MinIO sees them: 401 without the token, 413 past the size an
event can have, 2xx for whatever it ignores (MinIO retries a non-2xx for ever and a stuck
event blocks the ones behind it), 503 while the ledger is away (MinIO keeps the event).

The database is left empty (no migration): an event that would touch the ledger's
tables fails loudly here, so a 200 with no jobs proves nothing was written."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

TOKEN = "intake-http-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMIT = 2048


def event(name: str, bucket: str, key: str) -> dict:
    """An S3 notification as MinIO writes one (keys URL-escaped, `+` for a space)."""
    return {"EventName": name, "Key": f"{bucket}/{key}",
            "Records": [{"eventVersion": "2.0", "eventSource": "minio:s3", "eventName": name,
                         "s3": {"bucket": {"name": bucket},
                                "object": {"key": key, "size": 1234, "eTag": "0f0e0d0c0b0a", "sequencer": "1"}}}]}


@pytest.fixture
def intake(service, database):
    app = service("intake", DELO_DATABASE_URL=database, DELO_INTAKE_TOKEN=TOKEN, DELO_MAX_EVENT_BYTES=str(LIMIT),
                  DELO_REDIS_URL=idle_redis())
    with TestClient(app) as client:
        yield client


def idle_redis() -> str:
    """A Redis database no worker listens on: nothing here sends a task."""
    from tests.integration.conftest import REDIS

    return f"{REDIS}/14"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                                     {"Authorization": f"Basic {TOKEN}"}], ids=["none", "wrong", "bare", "basic"])
def test_an_event_without_the_token_is_refused(intake, headers) -> None:
    answer = intake.post("/minio/events", json=event("s3:ObjectCreated:Put", "scans", "a.png"), headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_an_event_for_another_bucket_is_answered_and_ignored(intake) -> None:
    answer = intake.post("/minio/events", json=event("s3:ObjectCreated:Put", "records", "x.json"), headers=AUTH)
    assert (answer.status_code, answer.json()) == (200, {"jobs": [], "already_known": 0, "other_buckets": 1})


@pytest.mark.parametrize("name", ["s3:ObjectRemoved:Delete", "s3:ObjectAccessed:Get", "s3:TestEvent"])
def test_an_event_that_creates_nothing_is_answered_and_ignored(intake, name) -> None:
    answer = intake.post("/minio/events", json=event(name, "scans", "single/a.png"), headers=AUTH)
    assert (answer.status_code, answer.json()) == (200, {"jobs": [], "already_known": 0})


@pytest.mark.parametrize("body", [
    "[]", '"a string"', "17", "{}",
    '{"Records": "not a list"}',
    '{"Records": [null, 5, "x", [], {"s3": []}, {"eventName": 7}]}',
    '{"Records": [{"eventName": "s3:ObjectCreated:Put", "s3": {"bucket": {"name": "scans"}, "object": {"key": 42}}}]}',
    '{"Records": [{"eventName": "s3:ObjectCreated:Put", "s3": {"bucket": {"name": ""}, "object": {"key": "a.png"}}}]}',
], ids=["list", "string", "number", "empty", "records-not-a-list", "junk-records", "numeric-key", "no-bucket"])
def test_a_malformed_body_is_answered_2xx_and_starts_nothing(intake, body: str) -> None:
    answer = intake.post("/minio/events", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert (answer.status_code, answer.json()) == (200, {"jobs": [], "already_known": 0})


@pytest.mark.parametrize("body", ["{not json", "\xff\xfe", "<xml/>", "null"], ids=["broken", "bytes", "xml", "null"])
def test_a_body_that_is_not_json_is_answered_2xx(intake, body: str) -> None:
    """(`null` is JSON, but no event: it is answered as a body that is not one.)"""
    answer = intake.post("/minio/events", content=body.encode("latin-1"), headers=AUTH)
    assert (answer.status_code, answer.json()) == (200, {"ignored": "body is not JSON"})


def padded(size: int) -> bytes:
    """An ignorable event of exactly `size` bytes."""
    body = event("s3:ObjectRemoved:Delete", "scans", "a.png")
    body["pad"] = ""
    body["pad"] = "x" * (size - len(json.dumps(body).encode()))
    return json.dumps(body).encode()


def test_a_body_at_the_limit_is_read_and_one_past_it_is_refused(intake) -> None:
    at_limit = intake.post("/minio/events", content=padded(LIMIT), headers=AUTH)
    assert (at_limit.status_code, at_limit.json()) == (200, {"jobs": [], "already_known": 0})
    past = intake.post("/minio/events", content=padded(LIMIT + 1), headers=AUTH)
    assert past.status_code == 413


def test_a_body_past_the_limit_without_a_length_is_refused(intake) -> None:
    """GIVEN a chunked body (no Content-Length) WHEN it grows past the limit THEN 413."""
    def chunks():
        for _ in range(4):
            yield b"x" * LIMIT

    answer = intake.post("/minio/events", content=chunks(), headers=AUTH)
    assert answer.status_code == 413


def test_the_token_is_checked_before_the_size(intake) -> None:
    answer = intake.post("/minio/events", content=padded(LIMIT * 4), headers={"Authorization": "Bearer wrong"})
    assert answer.status_code == 401


def test_healthz_needs_no_token(intake) -> None:
    answer = intake.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"ok": True})


def test_with_the_ledger_away_an_event_is_answered_503(service, database) -> None:
    """GIVEN the intake started on a ledger that then goes away (its database dropped, every
    connection cut) WHEN an upload's event comes THEN 503, so that MinIO keeps the event."""
    from tests.integration.conftest import drop_database

    app = service("intake", DELO_DATABASE_URL=database, DELO_INTAKE_TOKEN=TOKEN, DELO_REDIS_URL=idle_redis())
    with TestClient(app) as client:
        drop_database(database)
        answer = client.post("/minio/events", json=event("s3:ObjectCreated:Put", "scans", "single/a.png"), headers=AUTH)
        assert answer.status_code == 503
        assert answer.json()["error"] == "STORE_UNAVAILABLE"
        assert client.get("/healthz").status_code == 503
