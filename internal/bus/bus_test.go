package bus

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/clock"
)

func TestDeliverRoutesByServiceAndTraces(t *testing.T) {
	c := clock.New()
	c.Set(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	c.Freeze()
	b := New(c)
	var got []Message
	b.Handle("sqs", func(_ context.Context, m Message) error {
		got = append(got, m)
		if m.Target == "arn:aws:sqs:us-east-1:000000000000:missing" {
			return errors.New("queue does not exist")
		}
		return nil
	})
	ctx := context.Background()
	if err := b.Deliver(ctx, Message{Source: "arn:aws:lambda:us-east-1:000000000000:function:f", Target: "arn:aws:sqs:us-east-1:000000000000:q", Body: []byte("hello")}); err != nil {
		t.Fatal(err)
	}
	if err := b.Deliver(ctx, Message{Target: "arn:aws:sqs:us-east-1:000000000000:missing"}); err == nil || err.Error() != "queue does not exist" {
		t.Fatalf("handler error = %v", err)
	}
	if err := b.Deliver(ctx, Message{Target: "arn:aws:sns:us-east-1:000000000000:topic"}); !errors.Is(err, ErrNoHandler) {
		t.Fatalf("unhandled service error = %v", err)
	}
	if err := b.Deliver(ctx, Message{Target: "not-an-arn"}); !errors.Is(err, ErrNoHandler) {
		t.Fatalf("bad ARN error = %v", err)
	}
	if len(got) != 2 || string(got[0].Body) != "hello" {
		t.Fatalf("handler saw %+v", got)
	}
	trace := b.Deliveries()
	if len(trace) != 4 {
		t.Fatalf("trace has %d deliveries, want 4", len(trace))
	}
	first := trace[0]
	if first.Error != "" || first.Bytes != 5 || first.Source != "arn:aws:lambda:us-east-1:000000000000:function:f" || !first.Time.Equal(c.Now()) {
		t.Fatalf("first delivery %+v", first)
	}
	if trace[1].Error != "queue does not exist" || trace[2].Error == "" || trace[3].Target != "not-an-arn" {
		t.Fatalf("trace %+v", trace)
	}
	b.Reset()
	if n := len(b.Deliveries()); n != 0 {
		t.Fatalf("after Reset the trace has %d deliveries", n)
	}
}

func TestTraceKeepsTheNewest(t *testing.T) {
	b := New(clock.New())
	b.Handle("sqs", func(context.Context, Message) error { return nil })
	for i := range traceSize + 10 {
		b.Deliver(context.Background(), Message{Target: fmt.Sprintf("arn:aws:sqs:us-east-1:000000000000:q%d", i)})
	}
	trace := b.Deliveries()
	if len(trace) != traceSize {
		t.Fatalf("trace has %d deliveries, want %d", len(trace), traceSize)
	}
	if trace[0].Target != "arn:aws:sqs:us-east-1:000000000000:q10" || trace[traceSize-1].Target != fmt.Sprintf("arn:aws:sqs:us-east-1:000000000000:q%d", traceSize+9) {
		t.Fatalf("oldest %s, newest %s", trace[0].Target, trace[traceSize-1].Target)
	}
}
