package dynamodb_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	ddb "github.com/virga-aws/virga/internal/services/dynamodb"
)

// The HTTP benchmarks replay requests an aws-sdk-go-v2 client sent (the
// workloads of internal/bench/ddb.go: string keys pk and sk, partition
// p-00 of 100 items with a 256-byte data string and a number n) through
// the server's handler, so they measure everything the server does per
// request (routing, decoding, validation, binding, the handler, encoding,
// the response) and nothing the client does.

// benchTable starts a server, creates the workload table and, with fill,
// writes partition p-00.
func benchTable(b *testing.B, fill bool) (*server.Server, *dynamodb.Client, *servertest.Recorder) {
	srv := servertest.Start(b, server.Options{}, ddb.New)
	cfg := servertest.Config(b, srv, "", "")
	rec := &servertest.Recorder{Next: http.DefaultClient}
	cfg.HTTPClient = rec
	c := dynamodb.NewFromConfig(cfg, noCRC)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("bench"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
	})
	if err != nil {
		b.Fatal(err)
	}
	if fill {
		for i := 0; i < 100; i++ {
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bench"), Item: workloadItem(fmt.Sprintf("s-%03d", i))}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return srv, c, rec
}

// recorded returns the request the client sent during call, to be served
// by h.
func recorded(rec *servertest.Recorder, h http.Handler, call func() error) (*servertest.Replay, error) {
	if err := call(); err != nil {
		return nil, err
	}
	return rec.Last(h), nil
}

func workloadItem(sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s("p-00"), "sk": s(sk), "data": s(strings.Repeat("x", 256)), "n": n("42")}
}

// BenchmarkHTTPQuery is the ddb-query workload's request (one partition
// of 100 items) served by the handler.
func BenchmarkHTTPQuery(b *testing.B) {
	srv, c, rec := benchTable(b, true)
	rp, err := recorded(rec, srv.Handler(), func() error {
		out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("bench"), KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p-00")}})
		if err == nil && len(out.Items) != 100 {
			err = fmt.Errorf("%d items", len(out.Items))
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	rp.Run(b, -1)
}

// BenchmarkHTTPGetItem is the ddb-get workload's request.
func BenchmarkHTTPGetItem(b *testing.B) {
	srv, c, rec := benchTable(b, true)
	rp, err := recorded(rec, srv.Handler(), func() error {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bench"), Key: map[string]types.AttributeValue{"pk": s("p-00"), "sk": s("s-042")}})
		if err == nil && out.Item == nil {
			err = fmt.Errorf("no item")
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	rp.Run(b, -1)
}

// BenchmarkHTTPPutItem is the ddb-put workload's request (overwriting one
// item).
func BenchmarkHTTPPutItem(b *testing.B) {
	srv, c, rec := benchTable(b, false)
	rp, err := recorded(rec, srv.Handler(), func() error {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bench"), Item: workloadItem("s-000")})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	rp.Run(b, -1)
}

// BenchmarkHTTPLimit is the reference for the HTTP benchmarks: the
// GetItem request served by a handler doing what ../shared/limit does
// (read the body, write a fixed item), so that the others' excess over it
// is the server's own work.
func BenchmarkHTTPLimit(b *testing.B) {
	srv, c, rec := benchTable(b, true)
	rp, err := recorded(rec, srv.Handler(), func() error {
		_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bench"), Key: map[string]types.AttributeValue{"pk": s("p-00"), "sk": s("s-042")}})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	item := []byte(`{"Item":{"data":{"S":"` + strings.Repeat("x", 256) + `"},"n":{"N":"42"},"pk":{"S":"p-00"},"sk":{"S":"s-042"}}}`)
	rp.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		h := w.Header()
		h.Set("x-amz-request-id", "0000000000000000")
		h.Set("Content-Type", "application/x-amz-json-1.0")
		h.Set("Content-Length", strconv.Itoa(len(item)))
		w.Write(item)
	})
	rp.Run(b, -1)
}

// BenchmarkClientQuery is the ddb-query workload end to end: the SDK
// client, HTTP over loopback and the server.
func BenchmarkClientQuery(b *testing.B) {
	_, c, _ := benchTable(b, true)
	in := &dynamodb.QueryInput{TableName: aws.String("bench"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p-00")}}
	b.ReportAllocs()
	for b.Loop() {
		out, err := c.Query(ctx, in)
		if err != nil || len(out.Items) != 100 {
			b.Fatal(err)
		}
	}
}
