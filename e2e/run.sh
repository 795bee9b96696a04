#!/usr/bin/env bash
# run.sh builds Virga, starts it on a random loopback port, and runs the
# end-to-end scripts (AWS CLI and boto3) against it. It prints
# "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill -9 ${pid:-0} 2>/dev/null; rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/virga" ./cmd/virga || exit 1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$work/virga" --listen "127.0.0.1:$port" --log-level warn >"$work/virga.log" 2>&1 &
pid=$!
disown "$pid"
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/_virga/health" >/dev/null && break
  sleep 0.05
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
export E2E_WORK="$work"
passed=0 failed=0
for script in e2e/cli.sh e2e/boto3_flows.py e2e/cli_dynamodb.sh e2e/boto3_dynamodb.py \
  e2e/cli_lambda.sh e2e/boto3_lambda.py; do
  echo "== $script"
  case "$script" in
    *.sh) bash "$script" ;;
    *.py) python3 "$script" ;;
  esac
  if [ $? -eq 0 ]; then passed=$((passed+1)); else failed=$((failed+1)); echo "FAILED: $script"; tail -20 "$work/virga.log"; fi
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
