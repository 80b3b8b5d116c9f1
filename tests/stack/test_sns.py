"""delo on AWS S3: the storage server itself notifies the intake (S3 → SNS topic → HTTP
subscription), with no test code between the upload and the intake. Moto signs each SNS
message as AWS does, and the running intake verifies it (its certificate comes through
tests/stack/sns_aws.py, the stand-in for AWS's host). What a forger might post is tried
in tests/unit/test_sns.py; here, against the real service, what must never get through."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
import httpx
import pytest

from tests import scans
from tests.stack.helpers import wait_for_job

pytestmark = pytest.mark.stack


@pytest.fixture
def aws(stack_env):
    endpoint = f"http://{stack_env['DELO_S3_ENDPOINT']}"
    aws = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    return boto3.client("sns", **aws), boto3.client("s3", **aws)


class Listener:
    """A local HTTP server that records what it is sent (or that it is visited)."""

    def __init__(self) -> None:
        self.got: list[tuple[str, bytes]] = []
        outer = self

        class Record(BaseHTTPRequestHandler):
            def do_GET(self):
                self.do_POST()

            def do_POST(self):
                outer.got.append((self.path, self.rfile.read(int(self.headers.get("content-length") or 0))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Record)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.server.shutdown()


def test_s3_notification_through_sns_reaches_the_intake(tmp_path, s3, db, intake, workers, aws, sns_aws) -> None:
    sns, s3_api = aws
    topic = sns.create_topic(Name="delo-scans")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"{intake}/sns/events?token=test-token")
    s3_api.create_bucket(Bucket="aws-scans")
    s3_api.put_bucket_notification_configuration(Bucket="aws-scans", NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})

    key = "drops/aws drop/telegram 1.png"
    s3.put_object("aws-scans", key, open(scans.png(tmp_path / "t.png"), "rb"), -1, part_size=5 * 2**20)
    [job] = wait_for_job(db, key)
    assert (job["bucket"], job["state"], job["drop_name"]) == ("aws-scans", "published", "aws drop")
    assert any(p.startswith("/SimpleNotificationService-") for p in sns_aws.fetched)  # the signature was checked


def test_a_real_sns_message_tampered_with_is_refused(intake, aws, listener, db) -> None:
    """GIVEN a message moto's SNS signed (captured by a second subscriber) WHEN it reaches
    the intake as sent THEN it is taken; WHEN its Message is changed THEN 403, no job."""
    sns, _ = aws
    topic = sns.create_topic(Name="delo-scans")["TopicArn"]
    capture = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"{listener.url}/capture")["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message=json.dumps({"Records": []}))
    sns.unsubscribe(SubscriptionArn=capture)  # moto delivered while publishing
    envelope = json.loads(listener.got[0][1])
    post = lambda body: httpx.post(f"{intake}/sns/events?token=test-token", json=body, timeout=10)  # noqa: E731

    assert post(envelope).status_code == 200
    forged = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": "scans"}, "object": {"key": "forged/evil.png", "size": 1, "eTag": "e"}}}]}
    answer = post({**envelope, "Message": json.dumps(forged)})
    assert answer.status_code == 403 and "signature" in answer.json()["error"]
    assert db.execute("SELECT count(*) AS n FROM jobs WHERE key = 'forged/evil.png'").fetchone()["n"] == 0


def test_sns_needs_the_token_in_its_url(intake) -> None:
    assert httpx.post(f"{intake}/sns/events?token=wrong", json={"Type": "Notification"}).status_code == 401


@pytest.mark.parametrize("cert_host, topic", [
    ("127.0.0.1", "arn:aws:sns:us-east-1:123456789012:delo-scans"),        # a certificate of the poster's own
    ("sns.us-east-1.amazonaws.com", "arn:aws:sns:us-east-1:123456789012:other"),  # a topic not allowed
])
def test_an_unproven_subscription_is_never_visited(intake, listener, cert_host, topic) -> None:
    """GIVEN a SubscriptionConfirmation whose SubscribeURL is an internal address and that
    SNS did not sign for an allowed topic WHEN it reaches the intake THEN 403, nothing visited."""
    envelope = {"Type": "SubscriptionConfirmation", "TopicArn": topic,
                "MessageId": "m", "Token": "abc", "Message": "confirm", "Timestamp": "2026-12-02T05:54:39.096Z",
                "SubscribeURL": f"{listener.url}/confirm?Token=abc", "SignatureVersion": "2",
                "Signature": "AAAA", "SigningCertURL": f"https://{cert_host}/SimpleNotificationService-x.pem"}
    response = httpx.post(f"{intake}/sns/events?token=test-token", json=envelope,
                          headers={"x-amz-sns-message-type": "SubscriptionConfirmation"})
    assert response.status_code == 403 and listener.got == []
