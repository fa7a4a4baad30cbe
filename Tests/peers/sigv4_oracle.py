"""Signs request descriptions with botocore's SigV4Auth: the oracle for SigV4Signer.

Reads one JSON document on stdin: {"cases": [case, ...]}, where a case is
  {"method", "url", "params": [[key, value], ...] or null, "headers": [[name, value], ...],
   "body_hex", "access_key", "secret_key", "token" or null, "region", "service",
   "timestamp": epoch seconds, "content_sha256": bool, "s3": bool (optional)}
With "params", the query is handed to botocore decoded (it encodes it itself) and "url" carries
no query; otherwise botocore reads the query from "url" as is. When "content_sha256" is true the
X-Amz-Content-SHA256 header is set to the body's SHA-256, computed here. With "s3" true the
request is signed by botocore's S3SigV4Auth (path signed as sent, payload hash header), with the
payload signed as the S3 client does for PutObject.

Writes one JSON object per case and line: {"authorization", "x_amz_date", "canonical_request"}.
"""

import datetime
import hashlib
import json
import sys

import botocore.auth
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class RecordingSigV4Auth(SigV4Auth):
    """SigV4Auth that keeps the canonical request it signed, for diagnosing mismatches."""

    recorded = None

    def canonical_request(self, request):
        self.recorded = super().canonical_request(request)
        return self.recorded


class RecordingS3SigV4Auth(S3SigV4Auth):
    """S3SigV4Auth that keeps the canonical request it signed."""

    recorded = None

    def canonical_request(self, request):
        self.recorded = super().canonical_request(request)
        return self.recorded


def sign(case):
    fixed = datetime.datetime.fromtimestamp(case["timestamp"], tz=datetime.timezone.utc)
    botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed
    body = bytes.fromhex(case["body_hex"])
    params = [tuple(pair) for pair in case["params"]] if case.get("params") else None
    request = AWSRequest(method=case["method"], url=case["url"], data=body, params=params)
    for name, value in case["headers"]:
        request.headers[name] = value  # HTTPHeaders appends: repeated names stay repeated
    if case.get("content_sha256"):
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    auth_class = RecordingS3SigV4Auth if case.get("s3") else RecordingSigV4Auth
    auth = auth_class(credentials, case["service"], case["region"])
    auth.add_auth(request)
    return {
        "authorization": request.headers["Authorization"],
        "x_amz_date": request.headers["X-Amz-Date"],
        "canonical_request": auth.recorded,
    }


def main():
    document = json.load(sys.stdin)
    out = sys.stdout
    for case in document["cases"]:
        out.write(json.dumps(sign(case)) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
