"""The intake's /sns/events believes only what SNS provably sent: messages signed here
exactly as SNS signs them (a key and self-signed certificate of the test's own, which
the intake "fetches" through a function that never leaves the process)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from services.intake import sns
from workers.config import Settings

TOPIC = "arn:aws:sns:eu-west-1:123456789012:delo-scans"
CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
SUBSCRIBE_URL = f"https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token=2336412f37"
S3_EVENT = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {
    "bucket": {"name": "scans"}, "object": {"key": "drops/d/1.png", "size": 10, "eTag": "abc"}}}]}


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def certificate(key) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def notification(**changes) -> dict:
    return {"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", "TopicArn": TOPIC,
            "Subject": "Amazon S3 Notification", "Message": json.dumps(S3_EVENT),
            "Timestamp": "2026-12-02T05:54:39.096Z", "SignatureVersion": "1", "SigningCertURL": CERT_URL,
            "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe", **changes}


def confirmation(**changes) -> dict:
    return {"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
            "Token": "2336412f37", "TopicArn": TOPIC, "SubscribeURL": SUBSCRIBE_URL,
            "Message": f"You have chosen to subscribe to the topic {TOPIC}.",
            "Timestamp": "2026-12-02T05:54:39.096Z", "SignatureVersion": "1", "SigningCertURL": CERT_URL, **changes}


def signed(key, message: dict) -> dict:
    """Signed as SNS signs: "key\\nvalue\\n" for each signed key the message has, in
    byte order, written out here apart from the intake's own code."""
    keys = {"Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]}.get(
        message["Type"], ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"])
    text = "".join(f"{k}\n{message[k]}\n" for k in keys if k in message)
    digest = hashes.SHA1() if message["SignatureVersion"] == "1" else hashes.SHA256()
    return {**message, "Signature": base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), digest)).decode()}


@pytest.fixture
def intake(monkeypatch, certificate):
    """The intake app without its lifespan (no database): what a verified Notification
    would start is recorded instead; every fetch is recorded and answered here."""
    from services.intake import app as module

    seen = SimpleNamespace(fetched=[], accepted=[])

    def fetch(url: str) -> bytes:
        seen.fetched.append(url)
        if url == CERT_URL:
            return certificate
        if url == SUBSCRIBE_URL:
            return b"<ConfirmSubscriptionResponse/>"
        raise httpx.ConnectError("no such host in the test")

    async def accept(request, body):
        seen.accepted.append(body)
        return JSONResponse({"jobs": [1], "already_known": 0})

    seen.app = app = module.create_app(Settings(intake_token="unit-token"))
    app.state.sns = sns.Verifier({TOPIC}, fetch=fetch)
    monkeypatch.setattr(module, "accept", accept)
    client = TestClient(app)  # not entered: no lifespan
    seen.post = lambda body, token="unit-token": client.post(
        f"/sns/events?token={token}", content=body if isinstance(body, (str, bytes)) else json.dumps(body),
        headers={"Content-Type": "text/plain; charset=UTF-8"})
    yield seen


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_notification_of_an_allowed_topic_starts_its_jobs(intake, key, version) -> None:
    answer = intake.post(signed(key, notification(SignatureVersion=version)))
    assert answer.status_code == 200 and answer.json()["jobs"] == [1]
    assert intake.accepted == [S3_EVENT] and intake.fetched == [CERT_URL]


def test_a_notification_without_subject_is_signed_without_it(intake, key) -> None:
    message = notification()
    del message["Subject"]
    assert intake.post(signed(key, message)).status_code == 200 and intake.accepted == [S3_EVENT]


def test_the_certificate_is_fetched_once(intake, key) -> None:
    for n in range(3):
        assert intake.post(signed(key, notification(MessageId=f"m{n}"))).status_code == 200
    assert intake.fetched == [CERT_URL] and len(intake.accepted) == 3


@pytest.mark.parametrize("tamper", [
    {"Message": json.dumps({"Records": []})},
    {"Subject": "Something else"},
    {"Timestamp": "2027-01-01T00:00:00.000Z"},
    {"MessageId": "another"},
])
def test_a_tampered_message_is_refused(intake, key, tamper) -> None:
    answer = intake.post({**signed(key, notification()), **tamper})
    assert answer.status_code == 403 and "signature" in answer.json()["error"]
    assert intake.accepted == []


def test_a_signature_by_another_key_is_refused(intake) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert intake.post(signed(other, notification())).status_code == 403 and intake.accepted == []


def test_a_topic_outside_the_allow_list_is_refused(intake, key) -> None:
    answer = intake.post(signed(key, notification(TopicArn="arn:aws:sns:eu-west-1:999999999999:other")))
    assert answer.status_code == 403 and "DELO_SNS_TOPIC_ARNS" in answer.json()["error"]
    assert intake.accepted == [] and intake.fetched == []


def test_an_empty_allow_list_accepts_no_topic(intake, key, monkeypatch) -> None:
    monkeypatch.setattr(intake.app.state.sns, "topics", set())
    assert intake.post(signed(key, notification())).status_code == 403 and intake.accepted == []


@pytest.mark.parametrize("url", [
    "https://evil.example/SimpleNotificationService-1.pem",
    "http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem",      # not TLS
    "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem",
    "https://sns.eu-west-1.amazonaws.com@evil.example/cert.pem",
    "https://sns.eu-west-1.amazonaws.com:8443/cert.pem",
    "https://s3.eu-west-1.amazonaws.com/bucket/cert.pem",                    # AWS, but not SNS
    "https://127.0.0.1/cert.pem",
])
def test_a_certificate_off_aws_sns_is_refused_and_never_fetched(intake, key, url) -> None:
    answer = intake.post(signed(key, notification(SigningCertURL=url)))
    assert answer.status_code == 403 and "SigningCertURL" in answer.json()["error"]
    assert intake.fetched == [] and intake.accepted == []


def test_a_subscription_is_confirmed_on_aws(intake, key) -> None:
    answer = intake.post(signed(key, confirmation()))
    assert answer.status_code == 200 and answer.json() == {"confirmed": TOPIC}
    assert intake.fetched == [CERT_URL, SUBSCRIBE_URL]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/confirm?Token=abc",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "https://169.254.169.254/latest/meta-data/",
    "http://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription",
    "https://sns.eu-west-1.amazonaws.com.evil.example/?Action=ConfirmSubscription",
])
def test_a_subscribe_url_off_aws_sns_is_refused_and_never_fetched(intake, key, url) -> None:
    answer = intake.post(signed(key, confirmation(SubscribeURL=url)))
    assert answer.status_code == 403 and "SubscribeURL" in answer.json()["error"]
    assert url not in intake.fetched


def test_an_unsigned_confirmation_is_never_visited(intake) -> None:
    answer = intake.post({**confirmation(), "Signature": base64.b64encode(b"x" * 256).decode()})
    assert answer.status_code == 403 and SUBSCRIBE_URL not in intake.fetched


@pytest.mark.parametrize("body", [
    "not json", "[]", '"a string"', "{}", json.dumps({"Type": "Notification"}),
    json.dumps({"Type": "Hello", "TopicArn": TOPIC}),
    json.dumps({**notification(), "Signature": "%%% not base64 %%%"}),
    json.dumps({**notification(SignatureVersion="3"), "Signature": "AAAA"}),
    json.dumps({**notification(Message=["a list"]), "Signature": "AAAA"}),
])
def test_a_malformed_message_is_a_400(intake, body) -> None:
    answer = intake.post(body)
    assert answer.status_code == 400 and answer.json()["error"]
    assert intake.fetched == [] and intake.accepted == []


def test_aws_unreachable_is_a_503_for_sns_to_retry(intake, key, monkeypatch) -> None:
    """Not a refusal: SNS retries a 5xx later, and drops a 4xx (the message would be lost)."""
    def down(url):
        raise httpx.ConnectTimeout("timed out")
    monkeypatch.setattr(intake.app.state.sns, "fetch", down)
    assert intake.post(signed(key, notification())).status_code == 503 and intake.accepted == []


def test_the_token_in_the_url_is_still_needed(intake, key) -> None:
    assert intake.post(signed(key, notification()), token="wrong").status_code == 401 and intake.accepted == []

