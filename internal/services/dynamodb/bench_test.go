package dynamodb_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/virga-aws/virga/internal/service"
	ddb "github.com/virga-aws/virga/internal/services/dynamodb"
	"github.com/virga-aws/virga/internal/services/dynamodb/api"
)

// benchService returns the service alone, for in-process costs without
// HTTP.
func benchService(b *testing.B) *ddb.Service {
	svc, reg, err := ddb.Build(service.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { reg.Close() })
	_, err = svc.CreateTable(ctx, &api.CreateTableInput{
		TableName: aws.String("bench"), BillingMode: aws.String("PAY_PER_REQUEST"),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: aws.String("S")}, {AttributeName: aws.String("sk"), AttributeType: aws.String("N")}},
		KeySchema:            []api.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: aws.String("HASH")}, {AttributeName: aws.String("sk"), KeyType: aws.String("RANGE")}},
	})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

func benchItem(p, i int) map[string]api.AttributeValue {
	return map[string]api.AttributeValue{
		"pk": {S: aws.String(fmt.Sprint("p", p))}, "sk": {N: aws.String(fmt.Sprint(i))},
		"data": {S: aws.String(strings.Repeat("x", 250))},
	}
}

func BenchmarkPutItem(b *testing.B) {
	svc := benchService(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := svc.PutItem(ctx, &api.PutItemInput{TableName: aws.String("bench"), Item: benchItem(i%100, i)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetItem(b *testing.B) {
	svc := benchService(b)
	for i := 0; i < 1000; i++ {
		svc.PutItem(ctx, &api.PutItemInput{TableName: aws.String("bench"), Item: benchItem(i%10, i)})
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			key := map[string]api.AttributeValue{"pk": {S: aws.String(fmt.Sprint("p", i%10))}, "sk": {N: aws.String(fmt.Sprint(i % 1000))}}
			if _, err := svc.GetItem(ctx, &api.GetItemInput{TableName: aws.String("bench"), Key: key}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkQuery reads one whole partition of 100 items of ~300 bytes.
func BenchmarkQuery(b *testing.B) {
	svc := benchService(b)
	for i := 0; i < 1000; i++ {
		svc.PutItem(ctx, &api.PutItemInput{TableName: aws.String("bench"), Item: benchItem(i%10, i)})
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, err := svc.Query(ctx, &api.QueryInput{TableName: aws.String("bench"), KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: map[string]api.AttributeValue{":p": {S: aws.String("p3")}}})
			if err != nil || *out.Count != 100 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkClientGetItem is GetItem through HTTP and the SDK.
func BenchmarkClientGetItem(b *testing.B) {
	c := newClient(b)
	c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("bench"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}})
	c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bench"), Item: map[string]types.AttributeValue{"pk": s("a"), "v": s(strings.Repeat("x", 250))}})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bench"), Key: map[string]types.AttributeValue{"pk": s("a")}}); err != nil {
			b.Fatal(err)
		}
	}
}
