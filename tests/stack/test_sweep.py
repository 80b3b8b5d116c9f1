"""Recovery without a person (workers/sweep.py): jobs whose messages the broker lost are
sent again, messages a dead worker held go back to their queue, leftovers of an older
attempt change nothing, and the documents stream takes one entry per record content."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
import redis
from kombu import Connection, Exchange, Queue
from kombu.transport.redis import Channel as RedisChannel
from kombu.transport.redis import QoS as RedisQoS

from tests.stack.conftest import wait_until
from tests.stack.helpers import job_row, minio_event, notify, stream_ids, upload, wait_for_job
from tests.stack.test_pipeline import png_bytes
from workers import sweep
from workers.config import Settings
from workers.ledger import jobs as ledger

pytestmark = pytest.mark.stack


def _celery(stack_env):
    from celery import Celery

    return Celery(broker=stack_env["DELO_REDIS_URL"])


def test_a_job_the_broker_never_got_is_sent_again_by_the_sweep(tmp_path, s3, db, workers, stack_env) -> None:
    """GIVEN a job queued in the ledger whose task never reached the broker (the intake's 200
    while Redis was down) WHEN beat's sweep runs THEN it is sent again, as attempt 2, and published."""
    key = "single/never-sent.png"
    obj = upload(s3, key, png_bytes(tmp_path))
    job_id, _ = ledger.create(db, "scans", key, etag=obj["etag"], size=obj["size"], queued=True)
    db.execute("UPDATE jobs SET state_changed_at = now() - interval '1 minute' WHERE id = %s", (job_id,))
    _celery(stack_env).send_task("delo.sweep", queue="publish")
    [job] = wait_for_job(db, key, timeout=60)
    assert (job["state"], job["attempts"]) == ("published", 2)
    # published: its mark is gone from the broker, so the hash does not grow with the ledger
    assert redis.Redis.from_url(stack_env["DELO_REDIS_URL"]).hget(sweep.IN_BROKER, str(job_id)) is None


def test_jobs_whose_attempt_the_broker_holds_are_left_alone(db, stack_env) -> None:
    """A mark for the job's current attempt, or for a dispatch batch not yet run, is alive; a
    mark left by an older attempt, or none, is not."""
    client = redis.Redis.from_url(stack_env["DELO_REDIS_URL"])
    ids = []
    for n, mark in enumerate(("2", sweep.DISPATCHING, "1", None)):
        job_id, _ = ledger.create(db, "scans", f"sweep/alive-{n}.png", etag=f"e{n}", queued=True)
        ledger.transition(db, job_id, "queued")  # attempt 2
        db.execute("UPDATE jobs SET state_changed_at = now() - interval '1 minute' WHERE id = %s", (job_id,))
        if mark:
            client.hset(sweep.IN_BROKER, str(job_id), mark)
        ids.append(job_id)
    lost = set(sweep.lost_jobs(db, client, grace_seconds=10)) & set(ids)
    assert lost == {ids[2], ids[3]}
    # a dispatch batch that has not run in a long while (it gave up) is trusted no more
    assert set(sweep.lost_jobs(db, client, grace_seconds=10, dispatch_within=30)) & set(ids) == {ids[1], ids[2], ids[3]}
    db.execute("UPDATE jobs SET state = 'failed' WHERE id = ANY(%s)", (ids,))  # out of the other tests' way


def test_messages_no_live_worker_holds_go_back_to_their_queue(stack_env) -> None:
    """GIVEN messages in kombu's unacked hash: one a worker that stopped answering held, one a
    live worker holds, one delivered a moment ago WHEN the sweep looks THEN only the first goes
    back to its queue, at its head."""
    queue = Queue("t-orphans", Exchange("t-orphans"), routing_key="t-orphans")
    with Connection(stack_env["DELO_REDIS_URL"]) as conn:
        channel = conn.default_channel
        assert isinstance(channel, RedisChannel)
        queue(channel).declare()
        client, qos = channel.client, channel.qos
        assert isinstance(qos, RedisQoS)
        old, now = time.time() - 60, time.time()
        for tag, at in (("t-dead", old), ("t-held", old), ("t-fresh", now)):
            payload = {"body": tag, "headers": {}, "properties": {"delivery_info": {}, "delivery_tag": tag}}
            client.hset(qos.unacked_key, tag, json.dumps([payload, "t-orphans", "t-orphans"]))
            client.zadd(qos.unacked_index_key, {tag: at})
        client.sadd(f"{sweep.WORKER}live@host", "t-held")
        client.expire(f"{sweep.WORKER}live@host", 30)
        try:
            assert sweep.orphaned_messages(client, qos, lost_after_seconds=20) == ["t-dead"]
            settings = Settings(worker_lost_after_seconds=20, sweep_every_seconds=10, visibility_timeout_seconds=600)
            client.set(sweep.LOCK, "1")  # another sweep running: this one does nothing
            assert sweep.sweep(_NoJobs(), client, qos, settings, resend=lambda job_id: None) == \
                {"skipped": "another sweep is running"}
            client.delete(sweep.LOCK)
            result = sweep.sweep(_NoJobs(), client, qos, settings, resend=lambda job_id: None)
            assert result == {"restored_messages": 1, "resent_jobs": 0}
            assert not client.exists(sweep.LOCK)
            assert [json.loads(m)["body"] for m in client.lrange("t-orphans", 0, -1)] == ["t-dead"]
            assert set(client.hkeys(qos.unacked_key)) >= {b"t-held", b"t-fresh"}
            assert not client.hexists(qos.unacked_key, "t-dead")
        finally:
            client.hdel(qos.unacked_key, "t-held", "t-fresh")
            client.zrem(qos.unacked_index_key, "t-held", "t-fresh")
            client.delete("t-orphans", f"{sweep.WORKER}live@host")


class _NoJobs:
    """A ledger with no job in flight, for the part of the sweep that reads the broker."""

    def execute(self, *_):
        return SimpleNamespace(fetchall=lambda: [])


def test_a_worker_tells_which_messages_it_holds(workers, stack_env, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test stack's workers write their heartbeat (a set of delivery tags) only while
    they hold something; the key they write to expires when they stop."""
    client = redis.Redis.from_url(stack_env["DELO_REDIS_URL"])
    beat = sweep.Heartbeat(stack_env["DELO_REDIS_URL"], "t-heart@host", lost_after_seconds=6)
    monkeypatch.setattr(beat, "held", lambda: ["7", "8"])
    beat.beat()
    assert client.smembers(f"{sweep.WORKER}t-heart@host") == {b"7", b"8"}
    assert 0 < client.ttl(f"{sweep.WORKER}t-heart@host") <= 6
    monkeypatch.setattr(beat, "held", lambda: [])
    beat.beat()
    assert not client.exists(f"{sweep.WORKER}t-heart@host")


def test_a_leftover_task_of_an_older_attempt_changes_nothing(tmp_path, s3, db, intake, workers, stack_env) -> None:
    """GIVEN a published job WHEN a start task of its first attempt arrives again (a message
    the broker kept while the job was sent again) THEN the job and its history stay as they were."""
    key = "single/leftover.png"
    notify(intake, minio_event(upload(s3, key, png_bytes(tmp_path))))
    [job] = wait_for_job(db, key)
    before = ledger.events(db, job["id"])
    db.execute("UPDATE jobs SET attempts = 2 WHERE id = %s", (job["id"],))
    db.execute("UPDATE jobs SET state = 'queued' WHERE id = %s", (job["id"],))
    _celery(stack_env).send_task("delo.start", kwargs={"job_id": job["id"], "attempt": 1}, queue="ocr")
    leftover = f"job {job['id']}: a leftover task (attempt 1, job at attempt 2".encode()
    wait_until(lambda: leftover in workers.log.read_bytes(), timeout=30, what="the leftover task")
    assert job_row(db, job["id"])["state"] == "queued" and ledger.events(db, job["id"]) == before
    db.execute("UPDATE jobs SET state = 'published' WHERE id = %s", (job["id"],))


def test_the_stream_takes_one_entry_per_record_content(stack_env) -> None:
    from workers.config import get_settings
    from workers.publish import stream_entry

    stream = redis.Redis.from_url(stack_env["DELO_STREAM_REDIS_URL"])
    settings = get_settings().model_copy(update={"documents_stream": "t-stream"})
    record = {"id": "r1", "source": {"uri": "s3://scans/a.png", "version": "v1"}, "text": "Текст",
              "record": {"document_type": "letter", "date": None}, "warnings": [], "ocr": {"pages": [{"seconds": 1.0}]}}
    try:
        assert stream_entry(stream, settings, record) is True
        # a duplicate delivery: the OCR's timings differ, nothing a reader sees does
        assert stream_entry(stream, settings, {**record, "ocr": {"pages": [{"seconds": 2.0}]}}) is False
        assert stream_entry(stream, settings, {**record, "text": "Другой текст"}) is True
        assert stream_entry(stream, settings, record, force=True) is True  # `delo republish`
        assert stream_ids(stream, "t-stream") == [b"r1"] * 3
    finally:
        stream.delete("t-stream", "t-stream:digests")


def test_republish_rebuilds_a_lost_stream_and_bucket_from_the_database(tmp_path, s3, db, intake, workers,
                                                                       stack_env) -> None:
    """GIVEN a published record WHEN the stream's Redis and the records bucket lose it and an
    operator runs `delo republish --drop` THEN both hold it again, and only that drop's records."""
    import subprocess

    from tests.stack.conftest import BIN
    from tests.stack.helpers import source_uri
    from workers.pipeline import record_id

    key = "drops/t-republish/0001.png"
    notify(intake, minio_event(upload(s3, key, png_bytes(tmp_path))))
    [job] = wait_for_job(db, key)
    assert job["state"] == "published"
    doc_id = record_id(source_uri(key))
    stream = redis.Redis.from_url(stack_env["DELO_STREAM_REDIS_URL"])
    stream.flushdb()  # the stream's Redis restarted empty
    s3.remove_object("records", f"{doc_id}.json")
    proc = subprocess.run([str(BIN / "delo"), "republish", "--drop", "t-republish", "--json"],
                          capture_output=True, text=True, env=stack_env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"republished": 1}
    assert stream_ids(stream, "delo:documents") == [doc_id.encode()]
    assert json.loads(s3.get_object("records", f"{doc_id}.json").read())["id"] == doc_id
    nothing = subprocess.run([str(BIN / "delo"), "republish"], capture_output=True, text=True, env=stack_env, timeout=60)
    assert nothing.returncode == 2 and "--since, --drop, or --all" in nothing.stderr


def test_a_chord_completed_with_a_page_twice_sends_its_job_again(tmp_path, s3, db, workers, stack_env) -> None:
    """GIVEN a job reading 2 pages WHEN its parse task gets page 1 twice and no page 2 (a
    duplicate delivery completed the chord early) THEN the job runs again as a new attempt,
    and is published from its source, not from the pages it got."""
    key = "single/page-twice.png"
    obj = upload(s3, key, png_bytes(tmp_path))
    job_id, _ = ledger.create(db, "scans", key, etag=obj["etag"], size=obj["size"], queued=True)
    ledger.transition(db, job_id, "ocr", page_count=2)
    source = {"content_type": "image/png", "sha256": "0" * 64}
    _celery(stack_env).send_task("delo.parse", args=[[{"number": 1}, {"number": 1}]],
                                 kwargs={"job_id": job_id, "source": source, "attempt": 1}, queue="parse")
    [job] = wait_for_job(db, key, timeout=60)
    assert (job["state"], job["attempts"], job["page_count"]) == ("published", 2, 1)


def test_a_parse_delivered_again_after_its_worker_died_finishes_the_job(tmp_path, s3, db, workers, stack_env) -> None:
    """GIVEN a job left in `parsing` by a worker child killed while parsing WHEN Celery
    delivers the same parse task again (acks late, rejected on worker lost) THEN it runs
    and the job is published, not skipped as a leftover (the chaos suite found this)."""
    from workers.config import get_settings
    from workers.ocr import stage

    key = "single/parse-again.png"
    path = tmp_path / "p.png"
    path.write_bytes(png_bytes(tmp_path))
    obj = upload(s3, key, path.read_bytes())
    source = stage.open_source(path, get_settings(), name=key)
    page = stage.read_page(source, 1, get_settings()).as_task()
    job_id, _ = ledger.create(db, "scans", key, etag=obj["etag"], size=obj["size"], queued=True)
    ledger.transition(db, job_id, "ocr", page_count=1)
    ledger.transition(db, job_id, "parsing")  # where the killed child left it
    _celery(stack_env).send_task("delo.parse", args=[[page]],
                                 kwargs={"job_id": job_id, "source": source.meta(), "attempt": 1}, queue="parse")
    [job] = wait_for_job(db, key, timeout=60)
    assert (job["state"], job["attempts"]) == ("published", 1)
