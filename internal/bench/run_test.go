package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestRunAgainstLimitLikeServer(t *testing.T) {
	limit := &fakeLimit{}
	limitServer := httptest.NewServer(limit)
	defer limitServer.Close()
	flaky := &fakeLimit{failObjectPut: true}
	flakyServer := httptest.NewServer(flaky)
	defer flakyServer.Close()

	opts := RunOptions{
		Targets:     []Target{{LimitTarget, limitServer.URL}, {"flaky", flakyServer.URL}},
		Concurrency: []int{1, 2},
		Duration:    70 * time.Millisecond,
		Warmup:      5 * time.Millisecond,
	}
	for _, name := range []string{"s3-put-4k", "s3-get-4k", "sqs-send-recv-del"} {
		w, _ := LookupWorkload(name)
		opts.Workloads = append(opts.Workloads, w)
	}
	rep := Run(context.Background(), opts, io.Discard)
	if len(rep.Results) != 3*2*2 {
		t.Fatalf("got %d results, want 12 (3 workloads × 2 levels × 2 targets)", len(rep.Results))
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		where := fmt.Sprintf("%s, c=%d, %s", r.Workload, r.Concurrency, r.Target)
		switch {
		case r.Target == LimitTarget && r.Workload == "sqs-send-recv-del":
			if r.Status != StatusNotApplicable {
				t.Errorf("%s: status %v, want n/a", where, statusWord(r.Status))
			}
		case r.Target == LimitTarget:
			if r.Status != StatusOK || r.Ops == 0 || !onlyClientRace(r) || r.Latency.Quantile(0.5) <= 0 || r.Elapsed < opts.Duration {
				t.Errorf("%s: status %s, %d ops, %d errors (%v), p50 %v, elapsed %v; want ok, some ops, no errors",
					where, statusWord(r.Status), r.Ops, r.Errors, r.ErrorKinds, r.Latency.Quantile(0.5), r.Elapsed)
			}
			if got := limitShare(r, rep.Results); got != "100%" {
				t.Errorf("%s: limit share %q, want 100%%", where, got)
			}
		case r.Workload == "s3-put-4k":
			want := "PutObject: HTTP 500 InternalError"
			if r.Status != StatusOK || r.Ops != 0 || r.Errors == 0 || r.ErrorKinds[want] != r.Errors {
				t.Errorf("%s: status %s, %d ops, %d errors %v; want every iteration counted as %q",
					where, statusWord(r.Status), r.Ops, r.Errors, r.ErrorKinds, want)
			}
		case r.Workload == "s3-get-4k":
			if r.Status != StatusFailed || r.Reason != "setup: PutObject: HTTP 500 InternalError" {
				t.Errorf("%s: status %s, reason %q; want failed in setup's PutObject", where, statusWord(r.Status), r.Reason)
			}
		default:
			if r.Status != StatusFailed || !strings.Contains(r.Reason, "CreateQueue: HTTP 400 InvalidAction") {
				t.Errorf("%s: status %s, reason %q; want failed in CreateQueue", where, statusWord(r.Status), r.Reason)
			}
		}
	}

	requests, checksums, badBodies := limit.snapshot()
	if len(checksums) > 0 {
		t.Errorf("client sent checksum headers %v; want none with checksums set to when_required", checksums[:min(len(checksums), 5)])
	}
	if badBodies > 0 {
		t.Errorf("%d PUT bodies differed from their Content-Length", badBodies)
	}
	checks := []struct {
		what  string
		match func(req string) bool
	}{
		{"path-style PutObject of the second worker's own key", func(req string) bool {
			return strings.HasPrefix(req, "PUT /vb-s3-put-4k-") && strings.HasSuffix(req, "/put-4096-1")
		}},
		{"path-style GetObject of a key the limit server understands", func(req string) bool {
			return strings.HasPrefix(req, "GET /vb-s3-get-4k-") && strings.HasSuffix(req, "/obj-4096-0")
		}},
		{"teardown's DeleteObject", func(req string) bool {
			return strings.HasPrefix(req, "DELETE /vb-s3-get-4k-") && strings.HasSuffix(req, "/obj-4096-1")
		}},
		{"teardown's DeleteBucket", func(req string) bool {
			return strings.HasPrefix(req, "DELETE /vb-s3-put-4k-") && strings.Count(req, "/") == 1
		}},
	}
	for _, c := range checks {
		if !slices.ContainsFunc(requests, c.match) {
			t.Errorf("no %s among %d requests", c.what, len(requests))
		}
	}
}

func TestSummarizeError(t *testing.T) {
	closed := &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject",
		Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("use of closed network connection")}}
	truncated := &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "Query",
		Err: &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 200}},
			Err: &smithy.DeserializationError{Err: &net.OpError{Op: "read", Net: "tcp",
				Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 38936}, Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 48393},
				Err: errors.New("use of closed network connection")}},
		}}}
	tests := []struct {
		err  error
		want string
	}{
		{closed, "PutObject: read: use of closed network connection"},
		{truncated, "Query: HTTP 200 read: use of closed network connection"},
		{&smithy.OperationError{OperationName: "GetObject", Err: errShortBody}, "GetObject: " + errShortBody.Error()},
		{errEmptyReceive, errEmptyReceive.Error()},
		{&smithy.GenericAPIError{Code: "Throttling"}, "Throttling"},
		{errors.New(strings.Repeat("x", 400)), strings.Repeat("x", 157) + "..."},
	}
	for _, tt := range tests {
		if got := summarizeError(tt.err); got != tt.want {
			t.Errorf("summarizeError(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestDriveCountsEveryIteration(t *testing.T) {
	fail := errors.New("odd")
	n := 0
	iter := func(context.Context) error {
		n++
		if n%2 == 1 {
			return fail
		}
		return nil
	}
	m := drive(context.Background(), []Iteration{iter}, 20*time.Millisecond)
	if total := m.latency.Count() + m.errors; total != uint64(n) || m.errorKinds["odd"] != m.errors || m.errors == 0 {
		t.Errorf("drive: %d ok + %d errors (%v) for %d iterations; want every iteration counted once", m.latency.Count(), m.errors, m.errorKinds, n)
	}
	if m.elapsed < 20*time.Millisecond {
		t.Errorf("drive elapsed %v, want at least the 20ms asked for", m.elapsed)
	}
}

func TestRunInRounds(t *testing.T) {
	limitServer := httptest.NewServer(&fakeLimit{})
	defer limitServer.Close()
	otherServer := httptest.NewServer(&fakeLimit{})
	defer otherServer.Close()
	w, _ := LookupWorkload("s3-get-4k")
	opts := RunOptions{
		Targets:     []Target{{"other", otherServer.URL}, {LimitTarget, limitServer.URL}},
		Workloads:   []Workload{w},
		Concurrency: []int{1},
		Duration:    40 * time.Millisecond,
		Rounds:      3,
	}
	rep := Run(context.Background(), opts, io.Discard)
	if len(rep.Results) != 2 {
		t.Fatalf("got %d results, want one per target", len(rep.Results))
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		if r.Status != StatusOK || len(r.RoundRates) != 3 || r.Elapsed < 3*opts.Duration || r.Latency.Count() != r.Ops {
			t.Fatalf("%s: status %s, rounds %v, elapsed %v, %d ops, %d latencies; want 3 rounds summed",
				r.Target, statusWord(r.Status), r.RoundRates, r.Elapsed, r.Ops, r.Latency.Count())
		}
		for _, rate := range r.RoundRates {
			if rate <= 0 {
				t.Fatalf("%s: round rates %v", r.Target, r.RoundRates)
			}
		}
	}
	if got := limitShare(&rep.Results[1], rep.Results); got != "100% (100–100)" {
		t.Errorf("limit's own share %q", got)
	}
	var md strings.Builder
	if err := WriteMarkdown(&md, rep); err != nil || !strings.Contains(md.String(), "each cell measured 3 times") ||
		!strings.Contains(md.String(), "warmed up for at most 0s") {
		t.Errorf("report does not say how it was measured (%v):\n%s", err, md.String())
	}
}

func TestRoundWarmup(t *testing.T) {
	cases := []struct {
		round        int
		warmup, want time.Duration
	}{
		{0, time.Second, time.Second},
		{1, time.Second, rewarmup},
		{5, time.Second, rewarmup},
		{2, 100 * time.Millisecond, 100 * time.Millisecond},
		{0, 0, 0},
		{3, 0, 0},
	}
	for _, c := range cases {
		if got := roundWarmup(c.round, c.warmup); got != c.want {
			t.Errorf("roundWarmup(%d, %v) = %v, want %v", c.round, c.warmup, got, c.want)
		}
	}
}

func TestRoundRatios(t *testing.T) {
	cases := []struct {
		a, b []float64
		want float64
	}{
		{[]float64{90, 50, 100}, []float64{100, 100, 100}, 0.9},
		{[]float64{80, 100}, []float64{100, 100}, 0.9},
		{[]float64{10, 20}, []float64{0, 40}, 0.5},
		{[]float64{10}, []float64{0}, 0},
	}
	for _, c := range cases {
		if got := median(roundRatios(c.a, c.b)); got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("median(roundRatios(%v, %v)) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	results := []Result{
		{Workload: "w", Target: "a", Concurrency: 1, RoundRates: []float64{90, 50, 100}, Ops: 240, Elapsed: 3 * time.Second},
		{Workload: "w", Target: LimitTarget, Concurrency: 1, RoundRates: []float64{100, 100, 100}, Ops: 300, Elapsed: 3 * time.Second},
	}
	if got := limitShare(&results[0], results); got != "90% (50–100)" {
		t.Errorf("limitShare = %q, want the median and the range of the rounds", got)
	}
}
