#!/usr/bin/env bash
# cli_dynamodb.sh exercises Virga's DynamoDB with the AWS CLI: tables, items,
# queries, batches, transactions, TTL and PartiQL. Expects AWS_ENDPOINT_URL.
set -euo pipefail
check() { if [ "$1" != "$2" ]; then echo "check failed: $3: got '$1', want '$2'"; exit 1; fi; }

aws dynamodb create-table --table-name e2e-cli-music \
  --attribute-definitions AttributeName=Artist,AttributeType=S AttributeName=Song,AttributeType=S \
  --key-schema AttributeName=Artist,KeyType=HASH AttributeName=Song,KeyType=RANGE \
  --billing-mode PAY_PER_REQUEST >/dev/null
aws dynamodb wait table-exists --table-name e2e-cli-music
status=$(aws dynamodb describe-table --table-name e2e-cli-music --query Table.TableStatus --output text)
check "$status" "ACTIVE" "describe-table status"
names=$(aws dynamodb list-tables --query 'TableNames[?starts_with(@, `e2e-cli`)]' --output text)
check "$names" "e2e-cli-music" "list-tables"

aws dynamodb put-item --table-name e2e-cli-music --item '{"Artist":{"S":"A"},"Song":{"S":"s1"},"Plays":{"N":"3"}}'
aws dynamodb batch-write-item --request-items '{"e2e-cli-music":[
  {"PutRequest":{"Item":{"Artist":{"S":"A"},"Song":{"S":"s2"},"Plays":{"N":"10"}}}},
  {"PutRequest":{"Item":{"Artist":{"S":"B"},"Song":{"S":"s1"},"Plays":{"N":"1"}}}}]}' >/dev/null
plays=$(aws dynamodb get-item --table-name e2e-cli-music --key '{"Artist":{"S":"A"},"Song":{"S":"s1"}}' \
  --projection-expression Plays --query Item.Plays.N --output text)
check "$plays" "3" "get-item projection"
plays=$(aws dynamodb update-item --table-name e2e-cli-music --key '{"Artist":{"S":"A"},"Song":{"S":"s1"}}' \
  --update-expression 'ADD Plays :one' --expression-attribute-values '{":one":{"N":"1"}}' \
  --return-values UPDATED_NEW --query Attributes.Plays.N --output text)
check "$plays" "4" "update-item ADD"
count=$(aws dynamodb query --table-name e2e-cli-music --key-condition-expression 'Artist = :a' \
  --filter-expression 'Plays > :p' --expression-attribute-values '{":a":{"S":"A"},":p":{"N":"5"}}' --query Count --output text)
check "$count" "1" "query with filter"
count=$(aws dynamodb scan --table-name e2e-cli-music --select COUNT --query Count --output text)
check "$count" "3" "scan count"

if aws dynamodb put-item --table-name e2e-cli-music --item '{"Artist":{"S":"A"},"Song":{"S":"s1"}}' \
  --condition-expression 'attribute_not_exists(Artist)' 2>"$E2E_WORK/ddb.err"; then
  echo "conditional put should fail"; exit 1
fi
grep -q ConditionalCheckFailedException "$E2E_WORK/ddb.err"

aws dynamodb transact-write-items --transact-items '[
  {"Delete":{"TableName":"e2e-cli-music","Key":{"Artist":{"S":"B"},"Song":{"S":"s1"}}}},
  {"Put":{"TableName":"e2e-cli-music","Item":{"Artist":{"S":"C"},"Song":{"S":"s9"}}}}]'
count=$(aws dynamodb scan --table-name e2e-cli-music --select COUNT --query Count --output text)
check "$count" "3" "count after transaction"

aws dynamodb update-time-to-live --table-name e2e-cli-music --time-to-live-specification Enabled=true,AttributeName=expires >/dev/null
ttl=$(aws dynamodb describe-time-to-live --table-name e2e-cli-music --query TimeToLiveDescription.TimeToLiveStatus --output text)
check "$ttl" "ENABLED" "describe-time-to-live"

aws dynamodb execute-statement --statement "INSERT INTO \"e2e-cli-music\" VALUE {'Artist': 'P', 'Song': 'q', 'Plays': 7}" >/dev/null
plays=$(aws dynamodb execute-statement --statement "SELECT Plays FROM \"e2e-cli-music\" WHERE Artist = ? AND Song = ?" \
  --parameters '[{"S":"P"},{"S":"q"}]' --query 'Items[0].Plays.N' --output text)
check "$plays" "7" "execute-statement SELECT"
errs=$(aws dynamodb batch-execute-statement --statements '[
  {"Statement":"UPDATE \"e2e-cli-music\" SET Plays = 8 WHERE Artist = '"'P'"' AND Song = '"'q'"'"},
  {"Statement":"INSERT INTO \"e2e-cli-music\" VALUE {'"'Artist'"': '"'P'"', '"'Song'"': '"'q'"'}"}]' \
  --query 'Responses[].Error.Code' --output text)
check "$errs" "DuplicateItem" "batch-execute-statement errors"

aws dynamodb delete-table --table-name e2e-cli-music >/dev/null
if aws dynamodb describe-table --table-name e2e-cli-music 2>"$E2E_WORK/ddb.err"; then
  echo "table should be gone"; exit 1
fi
grep -q ResourceNotFoundException "$E2E_WORK/ddb.err"
echo "cli dynamodb: ok"
