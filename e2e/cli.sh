#!/usr/bin/env bash
# cli.sh exercises Virga with the AWS CLI: S3 (multipart cp of 100 MiB,
# sync, presign + curl), SQS and STS. Expects AWS_ENDPOINT_URL and E2E_WORK.
set -euo pipefail
work=${E2E_WORK:?}
check() { if [ "$1" != "$2" ]; then echo "check failed: $3: got '$1', want '$2'"; exit 1; fi; }

# STS
acct=$(aws sts get-caller-identity --query Account --output text)
check "$acct" "000000000000" "sts get-caller-identity account"
acct=$(AWS_ACCESS_KEY_ID=111122223333 aws sts get-caller-identity --query Account --output text)
check "$acct" "111122223333" "12-digit access key selects the account"

# S3: bucket, 100 MiB multipart upload, download, compare.
aws s3 mb s3://e2e-cli-bucket
head -c $((100 * 1024 * 1024)) /dev/urandom > "$work/big.bin"
aws s3 cp "$work/big.bin" s3://e2e-cli-bucket/big.bin --only-show-errors
etag=$(aws s3api head-object --bucket e2e-cli-bucket --key big.bin --query ETag --output text)
case "$etag" in *-*) ;; *) echo "expected a multipart ETag, got $etag"; exit 1;; esac
aws s3 cp s3://e2e-cli-bucket/big.bin "$work/big.out" --only-show-errors
cmp "$work/big.bin" "$work/big.out"

# S3 sync of a directory tree, then sync back.
mkdir -p "$work/tree/a/b" "$work/tree2"
for i in 1 2 3; do echo "file $i" > "$work/tree/a/f$i.txt"; echo "deep $i" > "$work/tree/a/b/d$i.txt"; done
aws s3 sync "$work/tree" s3://e2e-cli-bucket/tree --only-show-errors
count=$(aws s3api list-objects-v2 --bucket e2e-cli-bucket --prefix tree/ --query 'length(Contents)' --output text)
check "$count" "6" "synced object count"
aws s3 sync s3://e2e-cli-bucket/tree "$work/tree2" --only-show-errors
diff -r "$work/tree" "$work/tree2"

# Presigned GET through curl.
url=$(aws s3 presign s3://e2e-cli-bucket/tree/a/f1.txt --expires-in 300)
body=$(curl -sf "$url")
check "$body" "file 1" "presigned GET body"

# Errors keep AWS's codes.
if out=$(aws s3api head-bucket --bucket e2e-missing-bucket 2>&1); then echo "head-bucket on a missing bucket succeeded"; exit 1; fi
case "$out" in *404*) ;; *) echo "unexpected head-bucket error: $out"; exit 1;; esac

# SQS send / receive / delete. AWS CLI v1 pins SQS in us-east-1 to
# queue.amazonaws.com unless --endpoint-url is given (its update_endpoint_url
# customization ignores AWS_ENDPOINT_URL), so SQS commands pass it.
sqs() { aws --endpoint-url "$AWS_ENDPOINT_URL" sqs "$@"; }
qurl=$(sqs create-queue --queue-name e2e-cli-queue --query QueueUrl --output text)
sqs send-message --queue-url "$qurl" --message-body "hello from the cli" >/dev/null
msg=$(sqs receive-message --queue-url "$qurl" --wait-time-seconds 1 --query 'Messages[0].[Body,ReceiptHandle]' --output text)
check "$(echo "$msg" | cut -f1)" "hello from the cli" "sqs message body"
sqs delete-message --queue-url "$qurl" --receipt-handle "$(echo "$msg" | cut -f2)"
n=$(sqs get-queue-attributes --queue-url "$qurl" --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)
check "$n" "0" "queue empty after delete"
if out=$(sqs get-queue-url --queue-name e2e-no-such-queue 2>&1); then echo "get-queue-url on a missing queue succeeded"; exit 1; fi
case "$out" in *QueueDoesNotExist*|*NonExistentQueue*) ;; *) echo "unexpected error: $out"; exit 1;; esac
echo "cli flows ok"
