"""Reading S3 event bodies: what MinIO and AWS send, and what a broken sender might."""

from __future__ import annotations

import pytest

from services.intake.events import Created, created_objects

GOOD = {"Records": [{"eventName": "s3:ObjectCreated:Put", "s3": {
    "bucket": {"name": "scans"}, "object": {"key": "drops%2Fa+b.png", "eTag": '"e1"', "size": 10, "versionId": "v1"}}}]}


def test_a_minio_record_gives_its_object() -> None:
    assert created_objects(GOOD) == [Created("scans", "drops/a b.png", "e1", "v1", 10)]


@pytest.mark.parametrize("body", [
    [], "text", 5, None,                                   # not an object at all
    {"Records": "x"}, {"Records": {"a": 1}}, {"Records": [None, 3, "s"]},
    {"Records": [{"eventName": "s3:ObjectCreated:Put", "s3": {"bucket": {"name": "scans"}, "object": {"key": 7}}}]},
    {"Records": [{"eventName": 5, "s3": {}}]},
    {"Records": [{"eventName": "s3:ObjectCreated:Put", "s3": "x"}]},
    {"Records": [{"eventName": "s3:ObjectRemoved:Delete", "s3": {"bucket": {"name": "scans"}, "object": {"key": "x"}}}]},
])
def test_malformed_or_foreign_bodies_give_nothing(body) -> None:
    """GIVEN a body that holds no object-created record WHEN read THEN nothing, never an error."""
    assert created_objects(body) == []


def test_a_size_that_is_not_a_count_is_left_unknown() -> None:
    body = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "scans"},
                                                                  "object": {"key": "k", "size": "big", "eTag": 5}}}]}
    assert created_objects(body) == [Created("scans", "k", "", None, None)]
