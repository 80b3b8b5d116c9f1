"""Believing a message that says it comes from Amazon SNS only once it is proven.

Anyone who can reach /sns/events can post an envelope that looks like SNS's, so before
the intake acts on one (starts jobs, or visits its SubscribeURL):

- its TopicArn must be one the operator listed (DELO_SNS_TOPIC_ARNS; none when empty);
- its SigningCertURL must be https on an SNS host of AWS (sns.<region>.amazonaws.com, or
  .amazonaws.com.cn), since the certificate is the only proof and TLS to AWS's own host
  is what vouches for it; the certificate is fetched with a timeout and kept;
- its Signature must verify with that certificate's key over the string SNS signs:
  SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA
  (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html).

A SubscribeURL is visited only for a verified message and only when it is https on an
SNS host too: anything else would let a poster make the intake fetch internal addresses.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# The whole URL, so that the host is exactly an SNS one: the authority ends at the "/"
# after it, and only printable ASCII follows (no spaces, no control characters).
AWS_SNS_URL = re.compile(r"https://sns\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/[\x21-\x7e]*")

# The keys whose "key\nvalue\n" lines, in this order, make the signed string; a key the
# message lacks (a Notification's Subject) is left out.
_CONFIRMATION = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
SIGNED_KEYS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": _CONFIRMATION,
    "UnsubscribeConfirmation": _CONFIRMATION,
}
OPTIONAL_KEYS = {"Subject"}
DIGESTS = {"1": hashes.SHA1, "2": hashes.SHA256}


class Refused(Exception):
    """The answer to give instead: 400 malformed, 403 not proven, 503 AWS unreachable."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def on_aws_sns(url: object) -> bool:
    return isinstance(url, str) and AWS_SNS_URL.fullmatch(url) is not None


def string_to_sign(message: dict) -> bytes:
    keys = SIGNED_KEYS[message["Type"]]
    return "".join(f"{k}\n{message[k]}\n" for k in keys if k in message).encode()


def http_get(url: str, timeout: float = 5.0, via: str | None = None) -> bytes:
    """GET without following redirects (a redirect could lead anywhere). `via` (tests
    only, DELO_SNS_TEST_AWS_URL) stands in for the AWS host: the path and query go there."""
    if via:
        url = via.rstrip("/") + "/" + url.split("/", 3)[3]
    response = httpx.get(url, timeout=timeout, follow_redirects=False)
    response.raise_for_status()
    return response.content


class Verifier:
    """`fetch(url) -> bytes` is the one way out to the network: tests give their own."""

    def __init__(self, topics: set[str], fetch: Callable[[str], bytes] = http_get, max_keys: int = 64):
        self.topics, self.fetch, self.max_keys = topics, fetch, max_keys
        self._keys: dict[str, rsa.RSAPublicKey] = {}  # certificate URL → its key: SNS reuses one for months

    def verify(self, message: object) -> dict:
        """The message, once proven to come from SNS on an allowed topic; else Refused."""
        if not isinstance(message, dict) or message.get("Type") not in SIGNED_KEYS:
            raise Refused(400, "not an SNS message (Type must be Notification, SubscriptionConfirmation "
                               "or UnsubscribeConfirmation)")
        missing = [k for k in SIGNED_KEYS[message["Type"]] if k not in OPTIONAL_KEYS and not isinstance(message.get(k), str)]
        if missing or not all(isinstance(message.get(k), str) for k in ("Signature", "SigningCertURL")):
            raise Refused(400, f"the SNS message lacks {', '.join(missing) or 'its Signature or SigningCertURL'}")
        if message["TopicArn"] not in self.topics:
            raise Refused(403, f"topic {message['TopicArn']} is not one of DELO_SNS_TOPIC_ARNS")
        digest = DIGESTS.get(message.get("SignatureVersion", ""))
        if digest is None:
            raise Refused(400, "SignatureVersion must be 1 or 2")
        if not on_aws_sns(message["SigningCertURL"]):
            raise Refused(403, "SigningCertURL is not an https URL on an Amazon SNS host")
        try:
            signature = base64.b64decode(message["Signature"], validate=True)
        except (binascii.Error, ValueError):
            raise Refused(400, "the Signature is not base64") from None
        try:
            self.public_key(message["SigningCertURL"]).verify(
                signature, string_to_sign(message), padding.PKCS1v15(), digest())
        except InvalidSignature:
            raise Refused(403, "the signature does not match the message") from None
        return message

    def public_key(self, url: str) -> rsa.RSAPublicKey:
        if url not in self._keys:
            try:
                key = x509.load_pem_x509_certificate(self._get(url, "the signing certificate")).public_key()
            except ValueError:
                raise Refused(403, "SigningCertURL does not hold a PEM certificate") from None
            if not isinstance(key, rsa.RSAPublicKey):
                raise Refused(403, "the signing certificate's key is not RSA")
            if len(self._keys) >= self.max_keys:  # bounded: the URLs come from outside
                self._keys.clear()
            self._keys[url] = key
        return self._keys[url]

    def confirm(self, message: dict) -> None:
        """Visit a verified SubscriptionConfirmation's SubscribeURL, if it is AWS's."""
        if not on_aws_sns(message.get("SubscribeURL")):
            raise Refused(403, "SubscribeURL is not an https URL on an Amazon SNS host")
        self._get(message["SubscribeURL"], "SubscribeURL")

    def _get(self, url: str, what: str) -> bytes:
        # AWS answering 4xx means the URL is no good: refused. Unreachable or 5xx is
        # AWS's passing trouble: 503, so that SNS delivers the message again later.
        try:
            return self.fetch(url)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code < 500:
                raise Refused(403, f"{what} answered {exc.response.status_code}") from None
            raise Refused(503, f"{what} answered {exc.response.status_code}; try again later") from None
        except httpx.HTTPError as exc:
            raise Refused(503, f"{what} could not be fetched ({exc.__class__.__name__}); try again later") from None
