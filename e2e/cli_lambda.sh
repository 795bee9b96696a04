#!/usr/bin/env bash
# cli_lambda.sh exercises Virga's Lambda with the AWS CLI: a Python function
# and a bash custom runtime (provided.al2023, curl against the Runtime API)
# built into zips here, the function-active-v2 waiter, invoke with the log
# tail, unhandled errors, update-function-code, an asynchronous failure that
# reaches an SQS on-failure destination, list-functions and delete-function.
# Expects AWS_ENDPOINT_URL and E2E_WORK.
set -euo pipefail
work=${E2E_WORK:?}/cli-lambda
mkdir -p "$work/py" "$work/sh"
check() { if [ "$1" != "$2" ]; then echo "check failed: $3: got '$1', want '$2'"; exit 1; fi; }
contains() { case "$1" in *"$2"*) ;; *) echo "check failed: $3: '$2' not in:"; echo "$1"; exit 1;; esac; }
role=arn:aws:iam::000000000000:role/e2e-cli-lambda

# The Python function: greets, prints, and raises when asked to.
cat >"$work/py/app.py" <<'EOF'
def handler(event, context):
    print("python handling", event.get("name"))
    if event.get("fail"):
        raise ValueError("asked to fail: " + event["name"])
    return {"greeting": "hello " + event["name"], "code": "v1"}
EOF
(cd "$work/py" && zip -q "$work/py1.zip" app.py)

aws lambda create-function --function-name e2e-cli-py --runtime python3.12 --handler app.handler \
  --role "$role" --zip-file "fileb://$work/py1.zip" --timeout 10 >/dev/null
aws lambda wait function-active-v2 --function-name e2e-cli-py
state=$(aws lambda get-function --function-name e2e-cli-py --query 'Configuration.[State,LastUpdateStatus]' --output text)
check "$state" "Active	Successful" "get-function state after the waiter"

# invoke_fn NAME PAYLOAD [extra args]: invokes, leaves the response body in
# $work/out.json and prints StatusCode, FunctionError (None if absent),
# ExecutedVersion and LogResult separated by tabs.
invoke_fn() {
  local name=$1 payload=$2
  shift 2
  aws lambda invoke --function-name "$name" --payload "$payload" "$@" \
    --query '[StatusCode,FunctionError,ExecutedVersion,LogResult]' --output text "$work/out.json"
}

res=$(invoke_fn e2e-cli-py '{"name":"cli"}' --log-type Tail)
check "$(cut -f1-3 <<<"$res")" "200	None	\$LATEST" "invoke status, function error, version"
check "$(cat "$work/out.json")" '{"greeting": "hello cli", "code": "v1"}' "invoke response payload"
logs=$(cut -f4 <<<"$res" | base64 -d)
contains "$logs" "START RequestId: " "log tail START line"
contains "$logs" "python handling cli" "log tail handler output"
contains "$logs" "END RequestId: " "log tail END line"
contains "$logs" "REPORT RequestId: " "log tail REPORT line"
contains "$logs" "Billed Duration: " "REPORT line fields"

# An unhandled exception: HTTP 200 with FunctionError and the error document.
res=$(invoke_fn e2e-cli-py '{"name":"oops","fail":true}')
check "$(cut -f1,2 <<<"$res")" "200	Unhandled" "invoke of a raising handler"
err=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["errorType"], d["errorMessage"], sep="|")' "$work/out.json")
check "$err" "ValueError|asked to fail: oops" "error document"

# A payload that is not JSON is refused before the function runs.
if out=$(aws lambda invoke --function-name e2e-cli-py --payload 'not json' "$work/bad.json" 2>&1); then
  echo "invoke with a non-JSON payload succeeded"; exit 1
fi
contains "$out" "InvalidRequestContentException" "non-JSON payload error"

# New code replaces $LATEST; the next invoke runs it.
sed -i 's/"v1"/"v2"/' "$work/py/app.py"
(cd "$work/py" && zip -q "$work/py2.zip" app.py)
sha=$(aws lambda update-function-code --function-name e2e-cli-py --zip-file "fileb://$work/py2.zip" --query CodeSha256 --output text)
want=$(python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1],"rb").read()).digest()).decode())' "$work/py2.zip")
check "$sha" "$want" "update-function-code CodeSha256"
aws lambda wait function-updated-v2 --function-name e2e-cli-py
invoke_fn e2e-cli-py '{"name":"again"}' >/dev/null
check "$(cat "$work/out.json")" '{"greeting": "hello again", "code": "v2"}' "invoke after update-function-code"

# A custom runtime in bash: bootstrap polls the Runtime API with curl and
# runs the handler function named by _HANDLER from function.sh.
cat >"$work/sh/bootstrap" <<'EOF'
#!/bin/bash
set -euo pipefail
source "$LAMBDA_TASK_ROOT/${_HANDLER%%.*}.sh"
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
headers=$(mktemp)
while true; do
  event=$(curl -sS -D "$headers" "$api/next")
  id=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | cut -d' ' -f2 | tr -d '\r\n')
  "${_HANDLER#*.}" "$event" >"$headers.out"
  curl -sS -X POST "$api/$id/response" --data-binary "@$headers.out" >/dev/null
done
EOF
cat >"$work/sh/function.sh" <<'EOF'
handler() {
  echo "bash handling $1" >&2
  printf '{"echoed":%s,"function":"%s"}' "$1" "$AWS_LAMBDA_FUNCTION_NAME"
}
EOF
chmod 755 "$work/sh/bootstrap"
(cd "$work/sh" && zip -q "$work/sh.zip" bootstrap function.sh)
aws lambda create-function --function-name e2e-cli-bash --runtime provided.al2023 --handler function.handler \
  --role "$role" --zip-file "fileb://$work/sh.zip" >/dev/null
aws lambda wait function-active-v2 --function-name e2e-cli-bash
res=$(invoke_fn e2e-cli-bash '{"n":1}' --log-type Tail)
check "$(cut -f1,2 <<<"$res")" "200	None" "bash runtime invoke"
check "$(cat "$work/out.json")" '{"echoed":{"n":1},"function":"e2e-cli-bash"}' "bash runtime response"
logs=$(cut -f4 <<<"$res" | base64 -d)
contains "$logs" 'bash handling {"n":1}' "bash runtime log tail"
contains "$logs" "Init Duration: " "first invoke is a cold start"
res=$(invoke_fn e2e-cli-bash '{"n":2}' --log-type Tail)
check "$(cat "$work/out.json")" '{"echoed":{"n":2},"function":"e2e-cli-bash"}' "bash runtime second response"
case "$(cut -f4 <<<"$res" | base64 -d)" in *"Init Duration"*) echo "second invoke was not warm"; exit 1;; esac

# Asynchronous failure with no retries lands in the on-failure SQS
# destination. AWS CLI v1's sqs commands ignore AWS_ENDPOINT_URL (see cli.sh).
sqs() { aws --endpoint-url "$AWS_ENDPOINT_URL" sqs "$@"; }
qurl=$(sqs create-queue --queue-name e2e-cli-lambda-failures --query QueueUrl --output text)
qarn=$(sqs get-queue-attributes --queue-url "$qurl" --attribute-names QueueArn --query Attributes.QueueArn --output text)
cfg=$(aws lambda put-function-event-invoke-config --function-name e2e-cli-py --maximum-retry-attempts 0 \
  --destination-config "{\"OnFailure\":{\"Destination\":\"$qarn\"}}" \
  --query '[MaximumRetryAttempts,DestinationConfig.OnFailure.Destination]' --output text)
check "$cfg" "0	$qarn" "put-function-event-invoke-config"
status=$(aws lambda invoke --function-name e2e-cli-py --invocation-type Event --payload '{"name":"async","fail":true}' \
  --query StatusCode --output text "$work/async.json")
check "$status" "202" "async invoke status"
body=$(sqs receive-message --queue-url "$qurl" --wait-time-seconds 10 --query 'Messages[0].Body' --output text)
record=$(python3 -c '
import json, sys
r = json.loads(sys.argv[1])
print(r["version"], r["requestContext"]["condition"], r["requestContext"]["approximateInvokeCount"],
      r["requestContext"]["functionArn"], r["requestPayload"]["name"], r["responseContext"]["functionError"],
      r["responsePayload"]["errorType"], r["responsePayload"]["errorMessage"], sep="|")' "$body")
check "$record" "1.0|RetriesExhausted|1|arn:aws:lambda:us-east-1:000000000000:function:e2e-cli-py:\$LATEST|async|Unhandled|ValueError|asked to fail: async" "on-failure destination record"

names=$(aws lambda list-functions --query 'Functions[?starts_with(FunctionName, `e2e-cli-`)].[FunctionName,Runtime]' --output text | sort)
check "$names" "e2e-cli-bash	provided.al2023
e2e-cli-py	python3.12" "list-functions"

aws lambda delete-function --function-name e2e-cli-py >/dev/null
aws lambda delete-function --function-name e2e-cli-bash >/dev/null
if out=$(aws lambda get-function --function-name e2e-cli-py 2>&1); then echo "get-function after delete succeeded"; exit 1; fi
contains "$out" "ResourceNotFoundException" "get-function after delete"
contains "$out" "Function not found: arn:aws:lambda:us-east-1:000000000000:function:e2e-cli-py" "not-found message"
sqs delete-queue --queue-url "$qurl"
echo "cli lambda: ok"
