"""A recording stand-in for the boto3 `Table` (and its `meta.client`) that zae-limiter 0.17.0's
shard_count propagation calls, for zl_propagation_vectors.py: every request kept as the
low-level client would send it, GetItem answered from a scripted store, every write's outcome
drawn from the case's random generator."""

from types import SimpleNamespace

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

SERIALIZER = TypeSerializer()
DESERIALIZER = TypeDeserializer()


def typed(value):
    return SERIALIZER.serialize(value)


def typed_map(values):
    return {k: typed(v) for k, v in values.items()}


def native(item):
    return {k: DESERIALIZER.deserialize(v) for k, v in item.items()}


class RecordingTable:
    """The part of a boto3 `Table` (and its `meta.client`) that propagation uses."""

    def __init__(self, name, rng, store, stats):
        self.name = name
        self.meta = SimpleNamespace(client=self)
        self.rng = rng
        self.store = store
        self.stats = stats
        self.requests = []
        self.responses = []
        self.skipped = 0
        self.in_repair = False

    def _params(self, **params):
        return {k: v for k, v in params.items() if v is not None}

    def get_item(self, Key, ConsistentRead=None, ProjectionExpression=None):
        self.requests.append(
            {
                "op": "GetItem",
                "params": self._params(
                    TableName=self.name,
                    Key=typed_map(Key),
                    ConsistentRead=ConsistentRead,
                    ProjectionExpression=ProjectionExpression,
                ),
            }
        )
        item = self.store.get(Key["PK"])
        if item is not None and ProjectionExpression is not None:
            self.in_repair = True
            item = {k: v for k, v in item.items() if k in ProjectionExpression.split(",")}
        self.responses.append({"op": "GetItem", "item": item})
        return {} if item is None else {"Item": native(item)}

    def _write_outcome(self):
        if self.in_repair:
            weights = {"ok": 80, "ccf": 12, "InternalServerError": 8}
        else:
            weights = {"ok": 85.4, "ccf": 14, "InternalServerError": 0.6}
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def update_item(self, Key, UpdateExpression, ConditionExpression=None, ExpressionAttributeNames=None,
                    ExpressionAttributeValues=None):
        self.requests.append(
            {
                "op": "UpdateItem",
                "params": self._params(
                    TableName=self.name,
                    Key=typed_map(Key),
                    UpdateExpression=UpdateExpression,
                    ConditionExpression=ConditionExpression,
                    ExpressionAttributeNames=ExpressionAttributeNames,
                    ExpressionAttributeValues=(
                        typed_map(ExpressionAttributeValues) if ExpressionAttributeValues else None
                    ),
                ),
            }
        )
        outcome = self._write_outcome()
        self.responses.append({"op": "UpdateItem", "outcome": outcome})
        self.stats[f"update_{outcome}"] = self.stats.get(f"update_{outcome}", 0) + 1
        if outcome == "ok":
            return {}
        if outcome == "ccf":
            self.skipped += 1
            raise ClientError(
                {"Error": {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}},
                "UpdateItem",
            )
        raise ClientError({"Error": {"Code": outcome, "Message": "scripted"}}, "UpdateItem")

    def transact_write_items(self, TransactItems):
        actions = []
        for action in TransactItems:
            ((kind, body),) = action.items()
            body = dict(body)
            if "Item" in body:
                body["Item"] = typed_map(body["Item"])
            if "Key" in body:
                body["Key"] = typed_map(body["Key"])
            if "ExpressionAttributeValues" in body:
                body["ExpressionAttributeValues"] = typed_map(body["ExpressionAttributeValues"])
            actions.append({kind: body})
        self.requests.append({"op": "TransactWriteItems", "params": {"TransactItems": actions}})
        roll = self.rng.random()
        n = len(TransactItems)
        if roll < 0.70:
            self.responses.append({"op": "TransactWriteItems", "outcome": "ok", "reasons": []})
            self.stats["transact_ok"] = self.stats.get("transact_ok", 0) + 1
            return {}
        if roll < 0.98:
            shape = self.rng.choice(["put", "owner", "donor", "mixed", "conflict"])
            reasons = ["None"] * n
            if shape == "put":
                reasons[0] = "ConditionalCheckFailed"
            elif shape == "owner":
                reasons[-1] = "ConditionalCheckFailed"
            elif shape == "donor" and n > 2:
                reasons[self.rng.randrange(1, n - 1)] = "ConditionalCheckFailed"
            elif shape == "mixed":
                reasons = [self.rng.choice(["None", "ConditionalCheckFailed"]) for _ in range(n)]
                reasons[self.rng.randrange(n)] = "ConditionalCheckFailed"
            else:
                reasons[self.rng.randrange(n)] = "TransactionConflict"
            if reasons == ["None"] * n:
                reasons[0] = "ConditionalCheckFailed"
            self.responses.append({"op": "TransactWriteItems", "outcome": "canceled", "reasons": reasons})
            self.stats[f"transact_canceled_{shape}"] = self.stats.get(f"transact_canceled_{shape}", 0) + 1
            self.skipped += 1
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                    "CancellationReasons": [{"Code": r} for r in reasons],
                },
                "TransactWriteItems",
            )
        self.responses.append({"op": "TransactWriteItems", "outcome": "InternalServerError", "reasons": []})
        self.stats["transact_error"] = self.stats.get("transact_error", 0) + 1
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "scripted"}}, "TransactWriteItems")
