"""A stand-in for AWS's SNS host (https://sns.<region>.amazonaws.com) in the stack tests.

Moto's SNS signs each message for real and names its certificate by an AWS URL; the
intake, given DELO_SNS_TEST_AWS_URL, checks that URL as AWS's and then fetches its path
from here. Moto serves the certificate only to a request it can route to SNS, which it
does by the credential scope of an Authorization header, so this adds one."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

MOTO_ROUTE = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, "
                               "SignedHeaders=host, Signature=0"}


class AwsStandIn:
    def __init__(self, moto: str):
        self.fetched: list[str] = []
        outer = self

        class Relay(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.fetched.append(self.path)
                answer = httpx.get(moto + self.path, headers=MOTO_ROUTE, timeout=10)
                self.send_response(answer.status_code)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
