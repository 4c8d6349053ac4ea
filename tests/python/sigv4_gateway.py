"""A stand-in for SageMaker's managed MLflow endpoint, for tests: it checks every request's AWS
SigV4 signature with botocore (AWS's own Python implementation), as the real endpoint would,
requires the tracking-server ARN header, and forwards what passes to a real `mlflow server`.

    python sigv4_gateway.py <port> <upstream-uri> <arn> <region> <access-key> <secret-key> <log.jsonl>

Port 0 lets the system pick one; the bound port is printed on stdout once the socket listens.
Each request appends one JSON line to the log: method, path, whether the signature was valid
(and why not), the signed headers. A request that fails the check gets 403 and never reaches
MLflow. `expected_authorization` is also imported by mlpipe-aws's signer test.
"""

import hashlib
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "sagemaker-mlflow"
ARN_HEADER = "x-mlflow-sm-tracking-server-arn"


# Headers every request must sign, whatever its SignedHeaders claims: SageMaker's endpoint routes on
# the ARN header and checks the payload hash; a client that left one out must fail the check.
REQUIRED_SIGNED = ("host", "x-amz-date", "x-amz-content-sha256", ARN_HEADER)


def expected_authorization(method, url, headers, body, key, secret, token, region):
    """The Authorization header botocore computes for the request at the time of its X-Amz-Date,
    over the headers the request says it signed plus every one of REQUIRED_SIGNED it carries (so
    an unsigned required header gives a different SignedHeaders list and fails the comparison)."""
    lower = {k.lower(): v for k, v in headers.items()}
    signed = set(lower["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";"))
    signed |= {k for k in REQUIRED_SIGNED if k in lower}
    request = AWSRequest(method=method, url=url, data=body, headers={k: lower[k] for k in signed if k != "host"})
    request.context["timestamp"] = lower["x-amz-date"]
    auth = SigV4Auth(Credentials(key, secret, token), SERVICE, region)
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    signature = auth.signature(string_to_sign, request)
    scope = "/".join([lower["x-amz-date"][:8], region, SERVICE, "aws4_request"])
    return (
        f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
        f"SignedHeaders={auth.signed_headers(auth.headers_to_sign(request))}, Signature={signature}"
    )


def main():
    port, upstream, arn, region, key, secret, log_path = sys.argv[1:8]
    upstream = urllib.parse.urlsplit(upstream)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_one(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            url = f"http://{headers.get('host')}{self.path}"
            problem = None
            signed = []
            if "authorization" not in headers:
                problem = "no Authorization header"
            elif headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
                problem = "x-amz-content-sha256 is not the body's SHA-256"
            elif headers.get(ARN_HEADER) != arn:
                problem = f"{ARN_HEADER} is {headers.get(ARN_HEADER)!r}, not {arn!r}"
            else:
                signed = headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
                try:
                    want = expected_authorization(self.command, url, headers, body, key, secret, None, region)
                except Exception as err:  # a malformed Authorization header
                    want = f"unreadable: {err}"
                if headers["authorization"] != want:
                    problem = f"signature mismatch: got {headers['authorization']!r}, botocore computes {want!r}"
                elif ARN_HEADER not in signed:
                    problem = f"{ARN_HEADER} is not signed"
            with lock, open(log_path, "a") as log:
                entry = {"method": self.command, "path": self.path, "valid": problem is None, "problem": problem}
                log.write(json.dumps({**entry, "signed": signed}) + "\n")
            if problem is not None:
                answer = json.dumps({"error_code": "ACCESS_DENIED", "message": problem}).encode()
                self.send_response(403)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                return
            forwarded = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            conn.request(self.command, self.path, body=body or None, headers=forwarded)
            response = conn.getresponse()
            data = response.read()
            self.send_response(response.status)
            for k, v in response.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one

    server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    # The bound port, for a caller that passed 0: the socket listens from here on.
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
