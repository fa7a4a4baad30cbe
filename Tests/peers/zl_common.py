"""Shared helpers of the zl_* test peers (zae-limiter 0.17.0 against a moto server)."""

import json
import os
import urllib.request
import warnings

REGION = "us-east-1"
# moto ignores the signature but reads the region and service from the credential scope.
FAKE_AUTH = (
    "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-target, Signature=" + "0" * 64
)


def setup_environment(endpoint):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    warnings.simplefilter("ignore", DeprecationWarning)


def client(endpoint):
    import boto3

    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)


def create_table(endpoint, name, stream=True):
    """The table zae-limiter itself creates (schema.get_table_definition), stream on."""
    from zae_limiter import schema

    definition = schema.get_table_definition(name)
    if stream:
        definition["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    return client(endpoint).create_table(**definition)["TableDescription"]


def raw_streams_call(endpoint, operation, body, timeout=60):
    """One DynamoDB Streams call over plain HTTP, returning the raw body (DynamoDB JSON)."""
    request = urllib.request.Request(
        endpoint + "/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDBStreams_20120810." + operation,
            "Authorization": FAKE_AUTH,
            "Host": endpoint.split("//", 1)[1],
        },
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def read_stream(endpoint, stream_arn):
    """Every record of the (single, never closing) moto shard, in order."""
    description = json.loads(raw_streams_call(endpoint, "DescribeStream", {"StreamArn": stream_arn}))
    shard_id = description["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = json.loads(
        raw_streams_call(
            endpoint,
            "GetShardIterator",
            {"StreamArn": stream_arn, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"},
        )
    )["ShardIterator"]
    records = []
    while iterator:
        page = json.loads(raw_streams_call(endpoint, "GetRecords", {"ShardIterator": iterator, "Limit": 1000}))
        if not page.get("Records"):
            break
        records.extend(page["Records"])
        iterator = page.get("NextShardIterator")
    return records


def scan_all(endpoint, table):
    ddb = client(endpoint)
    items, kwargs = [], {"TableName": table, "ConsistentRead": True}
    while True:
        page = ddb.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
