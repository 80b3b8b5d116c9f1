"""delo on AWS S3: the storage server itself notifies the intake (S3 → SNS topic → HTTP
subscription), with no test code between the upload and the intake."""

from __future__ import annotations

import boto3
import pytest

from tests import scans
from tests.stack.helpers import wait_for_job

pytestmark = pytest.mark.stack


def test_s3_notification_through_sns_reaches_the_intake(tmp_path, s3, db, intake, workers, stack_env) -> None:
    endpoint = f"http://{stack_env['DELO_S3_ENDPOINT']}"
    aws = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    sns, s3_api = boto3.client("sns", **aws), boto3.client("s3", **aws)
    topic = sns.create_topic(Name="delo-scans")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"{intake}/sns/events?token=test-token")
    s3_api.create_bucket(Bucket="aws-scans")
    s3_api.put_bucket_notification_configuration(Bucket="aws-scans", NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})

    key = "drops/aws drop/telegram 1.png"
    s3.put_object("aws-scans", key, open(scans.png(tmp_path / "t.png"), "rb"), -1, part_size=5 * 2**20)
    [job] = wait_for_job(db, key)
    assert (job["bucket"], job["state"], job["drop_name"]) == ("aws-scans", "published", "aws drop")


def test_sns_needs_the_token_in_its_url(intake) -> None:
    import httpx

    assert httpx.post(f"{intake}/sns/events?token=wrong", json={"Type": "Notification"}).status_code == 401


def test_subscription_is_confirmed(intake) -> None:
    """GIVEN SNS's SubscriptionConfirmation WHEN it reaches the intake THEN the intake visits SubscribeURL."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    import httpx

    visits = []

    class Confirm(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            visits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Confirm)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        envelope = {"Type": "SubscriptionConfirmation", "TopicArn": "arn:aws:sns:us-east-1:1:delo-scans",
                    "SubscribeURL": f"http://127.0.0.1:{server.server_port}/confirm?Token=abc"}
        response = httpx.post(f"{intake}/sns/events?token=test-token", json=envelope,
                              headers={"x-amz-sns-message-type": "SubscriptionConfirmation"})
        assert response.status_code == 200 and visits == ["/confirm?Token=abc"]
    finally:
        server.shutdown()
