package bench

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The DynamoDB workloads use the table and item shape the limit server
// fakes (../shared/limit): string keys "pk" and "sk", partition "p-00",
// sort keys "s-000" to "s-099", a 256-byte "data" string and a number "n"
// (about 300 bytes an item), so one client runs against every target.
const (
	ddbPartitionItems = 100
	ddbPartition      = "p-00"
)

var ddbData = strings.Repeat("x", 256)

// ddbSortKey is the sort key of item i of a partition.
func ddbSortKey(i int) string { return fmt.Sprintf("s-%03d", i) }

// ddbItem is the benchmark item (pk, sk).
func ddbItem(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk},
		"data": &types.AttributeValueMemberS{Value: ddbData}, "n": &types.AttributeValueMemberN{Value: "42"},
	}
}

// ddbClient returns a DynamoDB client for env. Response CRC32 checks are
// off so that the client does the same work against every target, as
// NewAWSConfig's checksum settings do for S3.
func ddbClient(env Env) *dynamodb.Client {
	return dynamodb.NewFromConfig(env.Config, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
}

// ddbSetup creates the workload's table and, with fill, writes partition
// p-00's 100 items.
func ddbSetup(ctx context.Context, env Env, fill bool) (*dynamodb.Client, string, error) {
	client := ddbClient(env)
	table := "vb-" + env.RunID
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   &table,
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		return nil, "", fmt.Errorf("CreateTable: %w", err)
	}
	if !fill {
		return client, table, nil
	}
	for start := 0; start < ddbPartitionItems; start += 25 {
		var writes []types.WriteRequest
		for i := start; i < start+25 && i < ddbPartitionItems; i++ {
			writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: ddbItem(ddbPartition, ddbSortKey(i))}})
		}
		out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: writes}})
		if err != nil {
			return nil, "", fmt.Errorf("BatchWriteItem: %w", err)
		}
		if len(out.UnprocessedItems) > 0 {
			return nil, "", fmt.Errorf("BatchWriteItem: %d unprocessed items", len(out.UnprocessedItems[table]))
		}
	}
	return client, table, nil
}

func ddbTeardown(client *dynamodb.Client, table string) func(context.Context) error {
	return func(ctx context.Context) error {
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &table}); err != nil {
			return fmt.Errorf("DeleteTable: %w", err)
		}
		return nil
	}
}

// ddbPut is the Setup of ddb-put: every iteration puts one ~300-byte item;
// worker w cycles through 100 sort keys of its own partition "p-<w>".
func ddbPut(ctx context.Context, env Env) (*Prepared, error) {
	client, table, err := ddbSetup(ctx, env, false)
	if err != nil {
		return nil, err
	}
	return &Prepared{
		NewIteration: func(worker int) Iteration {
			item := ddbItem(fmt.Sprintf("p-%02d", worker), ddbSortKey(0))
			keys := make([]types.AttributeValue, ddbPartitionItems)
			for i := range keys {
				keys[i] = &types.AttributeValueMemberS{Value: ddbSortKey(i)}
			}
			in := &dynamodb.PutItemInput{TableName: &table, Item: item}
			i := 0
			return func(ctx context.Context) error {
				item["sk"] = keys[i%ddbPartitionItems]
				i++
				_, err := client.PutItem(ctx, in)
				return err
			}
		},
		Teardown: ddbTeardown(client, table),
	}, nil
}

// ddbGet is the Setup of ddb-get: every iteration gets one item of
// partition p-00 by its full key.
func ddbGet(ctx context.Context, env Env) (*Prepared, error) {
	client, table, err := ddbSetup(ctx, env, true)
	if err != nil {
		return nil, err
	}
	return &Prepared{
		NewIteration: func(worker int) Iteration {
			keys := make([]map[string]types.AttributeValue, ddbPartitionItems)
			for i := range keys {
				keys[i] = map[string]types.AttributeValue{
					"pk": &types.AttributeValueMemberS{Value: ddbPartition}, "sk": &types.AttributeValueMemberS{Value: ddbSortKey(i)}}
			}
			in := &dynamodb.GetItemInput{TableName: &table}
			i := worker
			return func(ctx context.Context) error {
				in.Key = keys[i%ddbPartitionItems]
				i++
				out, err := client.GetItem(ctx, in)
				if err == nil && out.Item == nil {
					return errNoItem
				}
				return err
			}
		},
		Teardown: ddbTeardown(client, table),
	}, nil
}

// ddbQuery is the Setup of ddb-query: every iteration queries the whole
// partition p-00, 100 items of ~300 bytes in one page.
func ddbQuery(ctx context.Context, env Env) (*Prepared, error) {
	client, table, err := ddbSetup(ctx, env, true)
	if err != nil {
		return nil, err
	}
	return &Prepared{
		NewIteration: func(int) Iteration {
			in := &dynamodb.QueryInput{
				TableName:                 &table,
				KeyConditionExpression:    aws.String("pk = :p"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: ddbPartition}},
			}
			return func(ctx context.Context) error {
				out, err := client.Query(ctx, in)
				if err == nil && len(out.Items) != ddbPartitionItems {
					return errShortQuery
				}
				return err
			}
		},
		Teardown: ddbTeardown(client, table),
	}, nil
}

var (
	errNoItem     = fmt.Errorf("GetItem returned no item")
	errShortQuery = fmt.Errorf("Query returned fewer than %d items", ddbPartitionItems)
)
