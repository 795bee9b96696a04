"""boto3 DynamoDB flows against a running Virga (AWS_ENDPOINT_URL): the Table
resource, batch_writer, the conditions module, conditional writes,
transactions and PartiQL."""
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key

from e2e_cases import case, client_error, finish

ddb = boto3.resource("dynamodb")
client = boto3.client("dynamodb")


def error_code(call):
    code, _, message = client_error(call)
    return code, message


table = ddb.create_table(
    TableName="e2e-orders",
    KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "order", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"}, {"AttributeName": "order", "AttributeType": "N"}],
    BillingMode="PAY_PER_REQUEST",
)
table.wait_until_exists()


@case
def batch_writer_and_key_queries():
    with table.batch_writer() as batch:
        for i in range(60):
            batch.put_item(Item={"customer": "c%d" % (i % 3), "order": i, "total": Decimal(i) / 4,
                                 "status": "open" if i % 2 else "shipped", "tags": {"a", "b"}})
    assert table.item_count == 60 or client.describe_table(TableName="e2e-orders")["Table"]["ItemCount"] == 60
    items = table.query(KeyConditionExpression=Key("customer").eq("c0") & Key("order").between(10, 30))["Items"]
    assert [int(i["order"]) for i in items] == [12, 15, 18, 21, 24, 27, 30], items
    items = table.query(KeyConditionExpression=Key("customer").eq("c1"), ScanIndexForward=False, Limit=3)["Items"]
    assert [int(i["order"]) for i in items] == [58, 55, 52], items


@case
def attr_filters_and_scan_pagination():
    resp = table.query(KeyConditionExpression=Key("customer").eq("c2"),
                       FilterExpression=Attr("status").eq("open") & Attr("total").gt(Decimal(5)) & Attr("tags").contains("a"))
    assert all(i["status"] == "open" and i["total"] > 5 for i in resp["Items"]) and resp["Count"] < resp["ScannedCount"], resp
    seen, kwargs = 0, {"Limit": 7, "FilterExpression": Attr("status").begins_with("ship") | Attr("missing").exists()}
    while True:
        page = table.scan(**kwargs)
        seen += page["Count"]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert seen == 30, seen


@case
def conditional_put_fails():
    table.put_item(Item={"customer": "solo", "order": 1, "v": 1}, ConditionExpression=Attr("customer").not_exists())
    code, msg = error_code(lambda: table.put_item(Item={"customer": "solo", "order": 1, "v": 2},
                                                  ConditionExpression=Attr("customer").not_exists()))
    assert (code, msg) == ("ConditionalCheckFailedException", "The conditional request failed"), (code, msg)
    table.update_item(Key={"customer": "solo", "order": 1}, UpdateExpression="SET v = v + :d",
                      ExpressionAttributeValues={":d": 5}, ConditionExpression=Attr("v").eq(1))
    assert table.get_item(Key={"customer": "solo", "order": 1})["Item"]["v"] == 6


@case
def transaction_commits_and_cancels():
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": "e2e-orders", "Item": {"customer": {"S": "tx"}, "order": {"N": "1"}}}},
        {"Update": {"TableName": "e2e-orders", "Key": {"customer": {"S": "solo"}, "order": {"N": "1"}},
                    "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"N": "7"}}}},
    ])
    try:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": "e2e-orders", "Item": {"customer": {"S": "tx"}, "order": {"N": "2"}}}},
            {"ConditionCheck": {"TableName": "e2e-orders", "Key": {"customer": {"S": "solo"}, "order": {"N": "1"}},
                                "ConditionExpression": "v = :x", "ExpressionAttributeValues": {":x": {"N": "0"}}}},
        ])
        raise AssertionError("transaction should have been cancelled")
    except client.exceptions.TransactionCanceledException as e:
        reasons = [r["Code"] for r in e.response["CancellationReasons"]]
        assert reasons == ["None", "ConditionalCheckFailed"], reasons
    assert "Item" not in table.get_item(Key={"customer": "tx", "order": 2})
    got = client.transact_get_items(TransactItems=[{"Get": {"TableName": "e2e-orders", "Key": {"customer": {"S": "solo"}, "order": {"N": "1"}}}}])
    assert got["Responses"][0]["Item"]["v"] == {"N": "7"}, got


@case
def partiql_statements():
    client.execute_statement(Statement="INSERT INTO \"e2e-orders\" VALUE {'customer': 'pq', 'order': 1, 'note': ?}",
                             Parameters=[{"S": "hello"}])
    code, _ = error_code(lambda: client.execute_statement(Statement="INSERT INTO \"e2e-orders\" VALUE {'customer': 'pq', 'order': 1}"))
    assert code == "DuplicateItemException", code
    client.execute_statement(Statement="UPDATE \"e2e-orders\" SET note = 'bye' WHERE customer = 'pq' AND \"order\" = 1")
    rows = client.execute_statement(Statement="SELECT note FROM \"e2e-orders\" WHERE customer = ?", Parameters=[{"S": "pq"}])["Items"]
    assert rows == [{"note": {"S": "bye"}}], rows


@case
def legacy_parameters():
    table.put_item(Item={"customer": "legacy", "order": 1, "n": 1}, Expected={"customer": {"Exists": False}})
    code, _ = error_code(lambda: table.put_item(Item={"customer": "legacy", "order": 1}, Expected={"n": {"Value": 2}}))
    assert code == "ConditionalCheckFailedException", code
    code, msg = error_code(lambda: table.put_item(Item={"customer": "legacy", "order": 1}, Expected={"n": {"Value": 1}},
                                                  ConditionExpression=Attr("n").eq(1)))
    assert code == "ValidationException" and msg.startswith("Can not use both expression and non-expression parameters"), msg


client.delete_table(TableName="e2e-orders")
finish("boto3 dynamodb")
