package dynamodb_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/virga-aws/virga/internal/service"
	ddb "github.com/virga-aws/virga/internal/services/dynamodb"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
)

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	svc, reg, err := ddb.Build(service.Deps{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateTable(ctx, &api.CreateTableInput{TableName: aws.String("kept"), BillingMode: aws.String("PAY_PER_REQUEST"),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: aws.String("S")}, {AttributeName: aws.String("g"), AttributeType: aws.String("S")}},
		KeySchema:            []api.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: aws.String("HASH")}},
		GlobalSecondaryIndexes: []api.GlobalSecondaryIndex{{IndexName: aws.String("byG"), KeySchema: []api.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: aws.String("HASH")}},
			Projection: &api.Projection{ProjectionType: aws.String("ALL")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, pk := range []string{"a", "b", "c"} {
		if _, err := svc.PutItem(ctx, &api.PutItemInput{TableName: aws.String("kept"), Item: map[string]api.AttributeValue{"pk": {S: aws.String(pk)}, "g": {S: aws.String("x")}}}); err != nil {
			t.Fatal(err)
		}
	}
	svc.DeleteItem(ctx, &api.DeleteItemInput{TableName: aws.String("kept"), Key: map[string]api.AttributeValue{"pk": {S: aws.String("b")}}})
	reg.Close()

	svc, reg, err = ddb.Build(service.Deps{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	out, err := svc.Query(ctx, &api.QueryInput{TableName: aws.String("kept"), IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: map[string]api.AttributeValue{":g": {S: aws.String("x")}}})
	if err != nil || *out.Count != 2 {
		t.Fatalf("after restart: %v %v", err, out)
	}
}
