"""The proxy runs forwarded transactions alone in moto: a failing TransactWriteItems makes moto put
back a snapshot of every table, which would undo other clients' writes made meanwhile."""

import threading

from streamproxy.harness import moto, proxy_factory  # noqa: F401  (fixtures)


def test_a_failing_transaction_never_undoes_concurrent_writes(proxy_factory):  # noqa: F811
    p = proxy_factory("--shards", "1")
    done = threading.Event()
    failures = []

    def failing_transactions():
        while not done.is_set():
            try:
                p.ddb.transact_write_items(TransactItems=[
                    {"Put": {"TableName": p.table, "Item": {"pk": {"S": f"t{i}"}, "sk": {"S": "x"}}}}
                    for i in range(20)] + [
                    {"ConditionCheck": {"TableName": p.table, "Key": {"pk": {"S": "missing"}, "sk": {"S": "x"}},
                                        "ConditionExpression": "attribute_exists(pk)"}}])
            except p.ddb.exceptions.TransactionCanceledException:
                failures.append(1)

    thread = threading.Thread(target=failing_transactions)
    thread.start()
    try:
        written = 0
        while written < 60 or (len(failures) < 10 and written < 400):
            p.put(f"w{written}", written)
            written += 1
    finally:
        done.set()
        thread.join(30)
    assert len(failures) >= 10
    kept = p.ddb.scan(TableName=p.table, ConsistentRead=True)["Items"]
    assert sorted(int(i["pk"]["S"][1:]) for i in kept if i["pk"]["S"].startswith("w")) == list(range(written))
    assert not [i for i in kept if i["pk"]["S"].startswith("t")]
