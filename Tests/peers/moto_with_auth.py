"""A moto server that verifies SigV4 signatures, with one IAM user allowed everything.

Usage: moto_with_auth.py --keys-file PATH

Starts moto (DynamoDB, DynamoDB Streams, IAM…) on 127.0.0.1 with IAM authentication on,
creates the user through its first three unauthenticated calls, writes
{"AccessKeyId": …, "SecretAccessKey": …} to PATH, then prints the port as the first line of
stdout and serves until killed. Every later request must be signed with that key pair.
"""

import argparse
import json
import os
import socket
import threading

# Must be set before moto is imported: the first three calls create the user, the rest are
# authenticated and their signatures checked.
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

import moto_transactions  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys-file", required=True)
    args = parser.parse_args()
    port = free_port()
    moto_transactions.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="zael")
    iam.put_user_policy(UserName="zael", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="zael")["AccessKey"]
    with open(args.keys_file, "w") as f:
        json.dump({"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}, f)
    print(port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
