"""moto_server whose tables' streams can be turned off and on again, as on DynamoDB.

Usage: moto_stream_toggle.py -H 127.0.0.1 -p PORT   (the same arguments as moto_server)

moto 5.2 cannot: turning a stream off keeps its stream shard, whose next write then fails
(the stream view type is gone), and turning it on again is refused (StreamAlreadyEnabled,
because the old stream label stays). This wrapper patches two methods before serving:

* UpdateTable StreamEnabled=false: the table stops streaming (writes succeed, nothing is
  recorded) and DescribeTable keeps naming the last stream in LatestStreamArn, as DynamoDB does;
* UpdateTable StreamEnabled=true on a table whose stream is off: a new stream (new label, new
  LatestStreamArn). Enabling an enabled stream is still refused.

moto drops the old stream's records at once; the stream proxy (Tests/peers/stream_proxy.py)
keeps them readable under the old arn, closed, with StreamStatus DISABLED.
"""

from __future__ import annotations

import sys

from moto.dynamodb.exceptions import StreamAlreadyEnabledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

import moto_transactions

_original_set = Table.set_stream_specification


def _streaming(table: Table) -> bool:
    return bool(table.stream_specification and table.stream_specification.get("StreamEnabled"))


def set_stream_specification(self: Table, streams):
    if streams and (streams.get("StreamEnabled") or streams.get("StreamViewType")):
        return _original_set(self, streams)
    # Off: no more stream records; the label (LatestStreamArn) stays.
    self.stream_specification = {"StreamEnabled": False}
    self.stream_shard = None


def update_table_streams(self: DynamoDBBackend, table: Table, stream_specification) -> None:
    enabling = stream_specification.get("StreamEnabled") or stream_specification.get("StreamViewType")
    if enabling and _streaming(table):
        raise StreamAlreadyEnabledException
    table.set_stream_specification(stream_specification)


Table.set_stream_specification = set_stream_specification
DynamoDBBackend.update_table_streams = update_table_streams

if __name__ == "__main__":
    moto_transactions.install()
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
