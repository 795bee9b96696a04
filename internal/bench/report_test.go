package bench

import (
	"strings"
	"testing"
	"time"
)

// cell returns an ok Result with ops iterations of the given latency in one
// second.
func cell(workload, target string, c int, ops uint64, latency time.Duration) Result {
	h := &Histogram{}
	for range ops {
		h.Record(latency)
	}
	return Result{Workload: workload, Target: target, Concurrency: c, Status: StatusOK,
		Ops: ops, Elapsed: time.Second, Latency: h}
}

func TestWriteMarkdown(t *testing.T) {
	put, _ := LookupWorkload("s3-put-4k")
	srd, _ := LookupWorkload("sqs-send-recv-del")
	virga := cell("s3-put-4k", "virga", 1, 500, 2*time.Millisecond)
	virga.Errors = 3
	virga.ErrorKinds = map[string]uint64{"PutObject: read: use of closed network connection": 3}
	rep := Report{
		Options: RunOptions{
			Targets:     []Target{{"virga", "http://127.0.0.1:4566"}, {"moto", "http://127.0.0.1:5000"}, {LimitTarget, "http://127.0.0.1:4599"}},
			Workloads:   []Workload{put, srd},
			Concurrency: []int{1, 16},
			Duration:    3 * time.Second,
			Warmup:      time.Second,
		},
		Started: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC),
		Command: "virga-bench -targets virga=http://127.0.0.1:4566",
		Results: []Result{
			virga,
			{Workload: "s3-put-4k", Target: "moto", Concurrency: 1, Status: StatusFailed, Reason: "setup: CreateBucket: HTTP 501 NotImplemented"},
			cell("s3-put-4k", LimitTarget, 1, 1000, time.Millisecond),
			cell("s3-put-4k", "virga", 16, 40, 150*time.Millisecond),
			{Workload: "s3-put-4k", Target: LimitTarget, Concurrency: 16, Status: StatusFailed, Reason: "interrupted"},
			cell("sqs-send-recv-del", "virga", 1, 80, 12*time.Millisecond),
			{Workload: "sqs-send-recv-del", Target: LimitTarget, Concurrency: 1, Status: StatusNotApplicable, Reason: "the limit server stores no messages"},
		},
		Notes: []string{"s3-put-4k on virga: teardown: DeleteBucket: HTTP 409 BucketNotEmpty"},
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	wantLines := []string{
		"### virga-bench, 2026-01-02 03:04 UTC",
		"Command: `virga-bench -targets virga=http://127.0.0.1:4566`",
		"| workload | c | target | ops/s | p50 | p99 | errors | % of limit |",
		"| s3-put-4k | 1 | virga | 500 | 2.000 ms | 2.000 ms | 3 | 50% |",
		"| s3-put-4k | 1 | moto | failed | | | | |",
		"| s3-put-4k | 1 | limit | 1000 | 1.000 ms | 1.000 ms | 0 | 100% |",
		"| s3-put-4k | 16 | virga | 40.0 | 150.0 ms | 150.0 ms | 0 | – |",
		"| s3-put-4k | 16 | limit | failed | | | | |",
		"| sqs-send-recv-del | 1 | virga | 80.0 | 12.00 ms | 12.00 ms | 0 | – |",
		"| sqs-send-recv-del | 1 | limit | n/a | | | | |",
		"sqs-send-recv-del: one op = SendMessage + ReceiveMessage + DeleteMessage.",
		"- s3-put-4k, c=1, virga: 3 × PutObject: read: use of closed network connection",
		"- s3-put-4k, c=1, moto: failed: setup: CreateBucket: HTTP 501 NotImplemented",
		"- sqs-send-recv-del, c=1, limit: n/a: the limit server stores no messages",
		"- s3-put-4k on virga: teardown: DeleteBucket: HTTP 409 BucketNotEmpty",
	}
	lines := strings.Split(out, "\n")
	for _, want := range wantLines {
		found := false
		for _, l := range lines {
			if l == want {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("output lacks the line %q; output:\n%s", want, out)
		}
	}
	for _, want := range []string{`"when_required"`, "aws.NopRetryer", "MaxIdleConnsPerHost 16", "path-style", "3s measured after 1s warm-up, concurrency 1, 16"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not mention %q", want)
		}
	}
}

func TestFormatLatency(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{71 * time.Microsecond, "0.071 ms"},
		{1234567 * time.Nanosecond, "1.235 ms"},
		{12345 * time.Microsecond, "12.35 ms"},
		{1234 * time.Millisecond, "1234.0 ms"},
	}
	for _, tt := range tests {
		if got := formatLatency(tt.in); got != tt.want {
			t.Errorf("formatLatency(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
