package bench

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	lambdasvc "github.com/virga-aws/virga/internal/services/lambda"
)

// lambdaTestRuntimes returns the echo runtimes this machine can run.
func lambdaTestRuntimes(t *testing.T) []string {
	runtimes := []string{"go"}
	if _, err := exec.LookPath("python3"); err == nil {
		runtimes = append(runtimes, "python")
	} else {
		t.Log("python3 not installed: lambda-invoke-python not run")
	}
	return runtimes
}

// TestLambdaWorkloads runs lambda-invoke-go and lambda-invoke-python against
// Virga's Lambda in-process: every cell must run without errors (an
// invocation whose response is not its event counts as an error), and the
// functions must be gone afterwards.
func TestLambdaWorkloads(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, lambdasvc.New)
	opts := RunOptions{
		Targets:     []Target{{"virga", srv.URL()}},
		Concurrency: []int{1, 3},
		Duration:    80 * time.Millisecond,
		Warmup:      5 * time.Millisecond,
	}
	for _, rt := range lambdaTestRuntimes(t) {
		w, ok := LookupWorkload("lambda-invoke-" + rt)
		if !ok {
			t.Fatalf("no workload lambda-invoke-%s", rt)
		}
		opts.Workloads = append(opts.Workloads, w)
	}
	rep := Run(context.Background(), opts, io.Discard)
	if len(rep.Results) != 2*len(opts.Workloads) {
		t.Fatalf("got %d results, want %d", len(rep.Results), 2*len(opts.Workloads))
	}
	for _, r := range rep.Results {
		where := fmt.Sprintf("%s, c=%d", r.Workload, r.Concurrency)
		if r.Status != StatusOK || r.Ops == 0 || r.Errors != 0 {
			t.Errorf("%s: status %s, %d ops, %d errors %v, reason %q; want ok without errors",
				where, statusWord(r.Status), r.Ops, r.Errors, r.ErrorKinds, r.Reason)
		}
	}
	if len(rep.Notes) > 0 {
		t.Errorf("notes %q, want a clean teardown", rep.Notes)
	}
	client := lambda.NewFromConfig(servertest.Config(t, srv, "test", ""))
	fns, err := client.ListFunctions(context.Background(), &lambda.ListFunctionsInput{})
	if err != nil || len(fns.Functions) != 0 {
		t.Errorf("functions left after the run: %v %v", fns, err)
	}
}

// TestLambdaWorkloadsWithoutLambda checks that the limit server and moto
// are not applicable and that a target without Lambda fails in setup's
// first call, before the Go function is built.
func TestLambdaWorkloadsWithoutLambda(t *testing.T) {
	other := httptest.NewServer(&fakeLimit{})
	defer other.Close()
	w, _ := LookupWorkload("lambda-invoke-go")
	for _, target := range []string{LimitTarget, MotoTarget} {
		if w.Unsupported[target] == "" {
			t.Errorf("lambda-invoke-go does not mark %s unsupported", target)
		}
	}
	opts := RunOptions{
		Targets:     []Target{{LimitTarget, other.URL}, {"other", other.URL}},
		Workloads:   []Workload{w},
		Concurrency: []int{1},
		Duration:    10 * time.Millisecond,
	}
	rep := Run(context.Background(), opts, io.Discard)
	if len(rep.Results) != 2 {
		t.Fatalf("got %d results, want 2", len(rep.Results))
	}
	if r := rep.Results[0]; r.Status != StatusNotApplicable {
		t.Errorf("limit: status %s, want n/a", statusWord(r.Status))
	}
	if r := rep.Results[1]; r.Status != StatusFailed || !strings.HasPrefix(r.Reason, "setup: ListFunctions: HTTP 404") {
		t.Errorf("other: status %s, reason %q; want failed in ListFunctions", statusWord(r.Status), r.Reason)
	}
}

// TestLambdaCold runs the lambda-cold measurement against Virga in-process:
// every first Invoke reports an Init Duration, which it must contain.
func TestLambdaCold(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, lambdasvc.New)
	o := LambdaColdOptions{URL: srv.URL(), N: 2, Runtimes: lambdaTestRuntimes(t)}
	rep, err := LambdaCold(context.Background(), o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != len(o.Runtimes) {
		t.Fatalf("got %d runtimes, want %d", len(rep.Results), len(o.Runtimes))
	}
	for _, r := range rep.Results {
		if len(r.Cold) != 2 || len(r.Init) != 2 || len(r.Warm) != 2 {
			t.Fatalf("%s: %d cold, %d init, %d warm times; want 2 each", r.Runtime, len(r.Cold), len(r.Init), len(r.Warm))
		}
		for i := range r.Cold {
			if r.Init[i] <= 0 || r.Cold[i] <= r.Init[i] || r.Warm[i] <= 0 {
				t.Errorf("%s %d: cold invoke %v, Init Duration %v, warm %v; want 0 < Init Duration < cold invoke and warm > 0",
					r.Runtime, i, r.Cold[i], r.Init[i], r.Warm[i])
			}
		}
	}
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\n| go (provided.al2023) | 2 | ") {
		t.Errorf("Markdown lacks the go row:\n%s", b.String())
	}
	client := lambda.NewFromConfig(servertest.Config(t, srv, "test", ""))
	fns, err := client.ListFunctions(context.Background(), &lambda.ListFunctionsInput{})
	if err != nil || len(fns.Functions) != 0 {
		t.Errorf("functions left after lambda-cold: %v %v", fns, err)
	}
}

func TestParseLogTail(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cold := "START RequestId: r Version: $LATEST\nhello\nEND RequestId: r\n" +
		"REPORT RequestId: r\tDuration: 1.25 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 32 MB\tInit Duration: 12.50 ms\t\n"
	got, err := parseLogTail(enc(cold))
	if err != nil || got.Duration != 1250*time.Microsecond || got.Init != 12500*time.Microsecond {
		t.Errorf("parseLogTail(cold) = %+v, %v; want Duration 1.25ms, Init 12.5ms", got, err)
	}
	warm := "REPORT RequestId: r\tDuration: 0.40 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 32 MB\t"
	got, err = parseLogTail(enc(warm))
	if err != nil || got.Duration != 400*time.Microsecond || got.Init != 0 {
		t.Errorf("parseLogTail(warm) = %+v, %v; want Duration 0.4ms, no Init", got, err)
	}
	for _, bad := range []string{"%%%", enc("START RequestId: r\n"), enc("REPORT RequestId: r\tDuration: fast\t")} {
		if _, err := parseLogTail(bad); err == nil {
			t.Errorf("parseLogTail(%q) succeeded, want an error", bad)
		}
	}
}

func TestParseLambdaColdArgs(t *testing.T) {
	o, err := ParseLambdaColdArgs([]string{"-url", "http://127.0.0.1:4566/", "-runtimes", "python, go,python"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "http://127.0.0.1:4566" || o.N != 20 || !slices.Equal(o.Runtimes, []string{"python", "go"}) {
		t.Errorf("parsed %+v, want the URL without its slash, n 20, runtimes [python go]", o)
	}
	o, err = ParseLambdaColdArgs([]string{"-url", "http://h:1"}, io.Discard)
	if err != nil || !slices.Equal(o.Runtimes, []string{"go"}) {
		t.Errorf("default runtimes %v, %v; want [go]", o.Runtimes, err)
	}
	bad := [][]string{
		{},
		{"-url", "h:1"},
		{"-url", "http://h:1", "-n", "0"},
		{"-url", "http://h:1", "-runtimes", "java"},
		{"-url", "http://h:1", "extra"},
	}
	for _, args := range bad {
		if _, err := ParseLambdaColdArgs(args, io.Discard); err == nil {
			t.Errorf("ParseLambdaColdArgs(%q) succeeded, want an error", args)
		}
	}
}

func TestLambdaEchoPayload(t *testing.T) {
	if n := len(lambdaEchoPayload); n < 90 || n > 110 || lambdaEchoPayload[0] != '"' || lambdaEchoPayload[n-1] != '"' {
		t.Errorf("lambdaEchoPayload %s (%d bytes), want a JSON string of about 100 bytes", lambdaEchoPayload, n)
	}
	pkg, err := pythonEchoZip(context.Background())
	if err != nil || len(pkg) == 0 {
		t.Errorf("pythonEchoZip = %d bytes, %v", len(pkg), err)
	}
}
