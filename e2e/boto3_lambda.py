"""boto3 Lambda flows against a running Virga (AWS_ENDPOINT_URL): Python, bash
(provided.al2023) and, when node is installed, Node.js functions built into
zips here; waiters; invoke with the log tail; unhandled errors; code updates;
an asynchronous failure reaching an SQS on-failure destination; function
output in CloudWatch Logs; list and delete."""
import base64
import hashlib
import io
import json
import shutil
import time
import zipfile

import boto3

from e2e_cases import case, client_error, finish

lam = boto3.client("lambda")
sqs = boto3.client("sqs")
logs = boto3.client("logs")
ROLE = "arn:aws:iam::000000000000:role/e2e-boto3-lambda"


error_code = client_error


def zip_of(files):
    """zip_of returns a deployment package of {name: (text, mode)}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, (text, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
    return buf.getvalue()


def create(name, runtime, handler, package, **extra):
    cfg = lam.create_function(FunctionName=name, Runtime=runtime, Handler=handler, Role=ROLE,
                              Code={"ZipFile": package}, **extra)
    assert cfg["State"] == "Pending" and cfg["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:" + name, cfg
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    return cfg


def invoke(name, event, **extra):
    """invoke returns (response, decoded payload, decoded log tail)."""
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail", **extra)
    body = resp["Payload"].read()
    tail = base64.b64decode(resp.get("LogResult", "")).decode()
    return resp, json.loads(body), tail


PY_V1 = '''import os
def handler(event, context):
    print("python handling", event["name"], context.function_name)
    if event.get("fail"):
        raise ValueError("asked to fail: " + event["name"])
    return {"greeting": "hello " + event["name"], "code": "v1", "remaining": context.get_remaining_time_in_millis() > 0,
            "region": os.environ["AWS_REGION"]}
'''

BASH_BOOTSTRAP = '''#!/bin/bash
set -euo pipefail
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
headers=$(mktemp)
while true; do
  event=$(curl -sS -D "$headers" "$api/next")
  id=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | cut -d' ' -f2 | tr -d '\\r\\n')
  echo "bash handling $event"
  printf '{"echoed":%s,"handler":"%s"}' "$event" "$_HANDLER" | curl -sS -X POST "$api/$id/response" --data-binary @- >/dev/null
done
'''

NODE_HANDLER = '''exports.handler = async (event, context) => {
  console.log("node handling", event.name);
  if (event.fail) throw new TypeError("node failed: " + event.name);
  return { greeting: "hello " + event.name, runtime: process.version.startsWith("v") ? "node" : "?",
           requestId: context.awsRequestId };
};
'''


@case
def python_function_invoke_and_tail():
    create("e2e-boto3-py", "python3.12", "app.handler", zip_of({"app.py": (PY_V1, 0o644)}), Timeout=10)
    got = lam.get_function(FunctionName="e2e-boto3-py")
    assert got["Configuration"]["State"] == "Active" and got["Configuration"]["LastUpdateStatus"] == "Successful", got["Configuration"]
    assert got["Code"]["RepositoryType"] == "S3" and got["Code"]["Location"].startswith("http"), got["Code"]
    resp, body, tail = invoke("e2e-boto3-py", {"name": "boto3"})
    assert resp["StatusCode"] == 200 and "FunctionError" not in resp and resp["ExecutedVersion"] == "$LATEST", resp
    assert body == {"greeting": "hello boto3", "code": "v1", "remaining": True, "region": "us-east-1"}, body
    lines = tail.splitlines()
    assert lines[0].startswith("START RequestId: ") and lines[0].endswith(" Version: $LATEST"), tail
    assert "python handling boto3 e2e-boto3-py" in tail, tail
    assert any(l.startswith("END RequestId: ") for l in lines), tail
    assert lines[-1].startswith("REPORT RequestId: ") and "Init Duration: " in lines[-1], tail
    _, _, tail = invoke("e2e-boto3-py", {"name": "warm"})
    assert "Init Duration" not in tail, "second invoke should reuse the warm instance: " + tail


@case
def python_unhandled_error():
    resp, body, tail = invoke("e2e-boto3-py", {"name": "x", "fail": True})
    assert resp["StatusCode"] == 200 and resp["FunctionError"] == "Unhandled", resp
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "asked to fail: x", body
    assert isinstance(body.get("stackTrace"), list), body
    assert "ValueError" in tail, tail


@case
def request_errors():
    code, status, msg = error_code(lambda: lam.invoke(FunctionName="e2e-boto3-missing", Payload=b"{}"))
    assert (code, status) == ("ResourceNotFoundException", 404), (code, status, msg)
    assert msg == "Function not found: arn:aws:lambda:us-east-1:000000000000:function:e2e-boto3-missing", msg
    code, status, _ = error_code(lambda: lam.invoke(FunctionName="e2e-boto3-py", Payload=b"{not json"))
    assert (code, status) == ("InvalidRequestContentException", 400), (code, status)
    code, status, _ = error_code(lambda: create("e2e-boto3-py", "python3.12", "app.handler", zip_of({"app.py": (PY_V1, 0o644)})))
    assert (code, status) == ("ResourceConflictException", 409), (code, status)


@case
def update_function_code_runs_new_code():
    package = zip_of({"app.py": (PY_V1.replace('"v1"', '"v2"'), 0o644)})
    cfg = lam.update_function_code(FunctionName="e2e-boto3-py", ZipFile=package)
    assert cfg["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode(), cfg
    assert cfg["LastUpdateStatus"] == "InProgress", cfg
    lam.get_waiter("function_updated_v2").wait(FunctionName="e2e-boto3-py", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    _, body, tail = invoke("e2e-boto3-py", {"name": "updated"})
    assert body["code"] == "v2", body
    assert "Init Duration" in tail, "new code should start a new instance: " + tail


@case
def bash_custom_runtime():
    create("e2e-boto3-bash", "provided.al2023", "echo.handler", zip_of({"bootstrap": (BASH_BOOTSTRAP, 0o755)}))
    for n in (1, 2):
        resp, body, tail = invoke("e2e-boto3-bash", {"n": n})
        assert "FunctionError" not in resp and body == {"echoed": {"n": n}, "handler": "echo.handler"}, (resp, body)
        assert 'bash handling {"n": %d}' % n in tail, tail


@case
def node_function():
    if shutil.which("node") is None:
        print("     (node is not installed: skipped)")
        return
    create("e2e-boto3-node", "nodejs20.x", "index.handler", zip_of({"index.js": (NODE_HANDLER, 0o644)}))
    resp, body, tail = invoke("e2e-boto3-node", {"name": "js"})
    assert "FunctionError" not in resp, (resp, body)
    assert body["greeting"] == "hello js" and body["runtime"] == "node" and tail.startswith("START RequestId: " + body["requestId"]), (body, tail)
    assert "node handling js" in tail, tail
    resp, body, _ = invoke("e2e-boto3-node", {"name": "bad", "fail": True})
    assert resp["FunctionError"] == "Unhandled" and body["errorType"] == "TypeError" and body["errorMessage"] == "node failed: bad", body
    lam.delete_function(FunctionName="e2e-boto3-node")


@case
def async_failure_reaches_sqs_destination():
    qurl = sqs.create_queue(QueueName="e2e-boto3-lambda-failures")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=qurl, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    cfg = lam.put_function_event_invoke_config(FunctionName="e2e-boto3-py", MaximumRetryAttempts=0,
                                               DestinationConfig={"OnFailure": {"Destination": qarn}})
    assert cfg["MaximumRetryAttempts"] == 0 and cfg["DestinationConfig"]["OnFailure"]["Destination"] == qarn, cfg
    got = lam.get_function_event_invoke_config(FunctionName="e2e-boto3-py")
    assert got["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:e2e-boto3-py:$LATEST", got
    resp = lam.invoke(FunctionName="e2e-boto3-py", InvocationType="Event", Payload=json.dumps({"name": "later", "fail": True}))
    assert resp["StatusCode"] == 202 and resp["Payload"].read() == b"", resp
    msgs = sqs.receive_message(QueueUrl=qurl, WaitTimeSeconds=10).get("Messages", [])
    assert len(msgs) == 1, msgs
    record = json.loads(msgs[0]["Body"])
    ctx = record["requestContext"]
    assert record["version"] == "1.0" and ctx["condition"] == "RetriesExhausted" and ctx["approximateInvokeCount"] == 1, record
    assert ctx["functionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:e2e-boto3-py:$LATEST", record
    assert record["requestPayload"] == {"name": "later", "fail": True}, record
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}, record
    assert record["responsePayload"]["errorType"] == "ValueError", record
    lam.delete_function_event_invoke_config(FunctionName="e2e-boto3-py")
    sqs.delete_queue(QueueUrl=qurl)


@case
def function_output_in_cloudwatch_logs():
    group = "/aws/lambda/e2e-boto3-py"
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]] == [group]
    deadline = time.time() + 10
    while True:
        events = logs.filter_log_events(logGroupName=group, filterPattern='"python handling boto3"')["events"]
        if events or time.time() > deadline:
            break
        time.sleep(0.2)
    assert len(events) == 1 and events[0]["message"].startswith("python handling boto3 e2e-boto3-py"), events
    stream = events[0]["logStreamName"]
    assert "/[$LATEST]" in stream, stream
    messages = [e["message"] for e in logs.filter_log_events(logGroupName=group, logStreamNames=[stream])["events"]]
    assert any(m.startswith("START RequestId: ") for m in messages) and any(m.startswith("REPORT RequestId: ") for m in messages), messages
    reports = logs.filter_log_events(logGroupName=group, filterPattern="REPORT")["events"]
    assert len(reports) >= 4, [e["message"] for e in reports]


@case
def list_and_delete_functions():
    names = []
    for page in lam.get_paginator("list_functions").paginate():
        names += [f["FunctionName"] for f in page["Functions"] if f["FunctionName"].startswith("e2e-boto3-")]
    assert sorted(names) == ["e2e-boto3-bash", "e2e-boto3-py"], names
    for name in names:
        lam.delete_function(FunctionName=name)
    code, status, _ = error_code(lambda: lam.get_function(FunctionName="e2e-boto3-py"))
    assert (code, status) == ("ResourceNotFoundException", 404), (code, status)


finish("boto3 lambda")
