package bench

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	ddb "github.com/virga-aws/virga/internal/services/dynamodb"
)

// TestDynamoDBWorkloads runs ddb-put, ddb-get and ddb-query against Virga's
// DynamoDB in-process: every cell must run without errors (ddb-get and
// ddb-query count a missing item or a short partition as errors), and the
// workloads' tables must be gone afterwards, bar onlyClientRace's
// exception.
func TestDynamoDBWorkloads(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, ddb.New)
	opts := RunOptions{
		Targets:     []Target{{"virga", srv.URL()}},
		Concurrency: []int{1, 3},
		Duration:    60 * time.Millisecond,
		Warmup:      5 * time.Millisecond,
	}
	for _, name := range []string{"ddb-put", "ddb-get", "ddb-query"} {
		w, ok := LookupWorkload(name)
		if !ok {
			t.Fatalf("no workload %s", name)
		}
		opts.Workloads = append(opts.Workloads, w)
	}
	rep := Run(context.Background(), opts, io.Discard)
	if len(rep.Results) != 3*2 {
		t.Fatalf("got %d results, want 6", len(rep.Results))
	}
	for _, r := range rep.Results {
		where := fmt.Sprintf("%s, c=%d", r.Workload, r.Concurrency)
		if r.Status != StatusOK || r.Ops == 0 || !onlyClientRace(&r) {
			t.Errorf("%s: status %s, %d ops, %d errors %v, reason %q; want ok without errors (bar a few of the SDK race)",
				where, statusWord(r.Status), r.Ops, r.Errors, r.ErrorKinds, r.Reason)
		}
	}
	client := dynamodb.NewFromConfig(servertest.Config(t, srv, "test", ""))
	tables, err := client.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 0 {
		t.Errorf("tables left after the run: %v %v", tables, err)
	}
}

// TestDynamoDBItemShape checks the benchmark item against the limit
// server's: about 300 bytes, keys pk/sk in partition p-00.
func TestDynamoDBItemShape(t *testing.T) {
	item := ddbItem(ddbPartition, ddbSortKey(7))
	if got := ddbSortKey(7); got != "s-007" {
		t.Errorf("ddbSortKey(7) = %q, want s-007", got)
	}
	if len(item) != 4 || len(ddbData) != 256 {
		t.Errorf("item %v, data %d bytes; want pk, sk, data (256 bytes), n", item, len(ddbData))
	}
}
