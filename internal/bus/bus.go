// Package bus carries messages from one service to another in-process, by
// the target's ARN, and keeps a trace of recent deliveries and their outcomes.
package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/clock"
)

// traceSize is how many deliveries the trace keeps; older ones are dropped.
const traceSize = 1000

// Message is one delivery from a source to a target.
type Message struct {
	// Source is the ARN of the resource that sends the message (a Lambda
	// function, an SNS topic...); it may be empty.
	Source string
	// Target is the ARN of the receiver; its service field picks the
	// handler.
	Target string
	// Body is the message content.
	Body []byte
	// Attributes are string attributes (SQS message attributes, for one).
	Attributes map[string]string
	// GroupID and DeduplicationID are for FIFO targets.
	GroupID, DeduplicationID string
}

// Handler receives the messages addressed to one service's ARNs. It
// returns an error when the target does not exist or refuses the message;
// the bus records it and hands it back to the sender, whose own retry and
// dead-letter rules apply.
type Handler func(ctx context.Context, m Message) error

// Delivery is one traced delivery.
type Delivery struct {
	// Time is when the delivery was attempted, on the service clock.
	Time time.Time `json:"time"`
	// Source and Target are the message's ARNs.
	Source string `json:"source,omitempty"`
	Target string `json:"target"`
	// Bytes is the body's length.
	Bytes int `json:"bytes"`
	// Error is empty when the target accepted the message.
	Error string `json:"error,omitempty"`
}

// ErrNoHandler is returned (wrapped) for a target whose service has no
// handler on the bus, or whose ARN cannot be parsed.
var ErrNoHandler = errors.New("no service accepts deliveries for this target")

// Bus routes messages to handlers by the service field of the target ARN.
// It is safe for concurrent use; the zero value is not: use New.
type Bus struct {
	clock *clock.Clock

	mu       sync.RWMutex
	handlers map[string]Handler

	traceMu sync.Mutex
	trace   []Delivery // ring buffer; next is the oldest once full
	next    int
}

// New returns an empty bus that timestamps deliveries with c.
func New(c *clock.Clock) *Bus {
	return &Bus{clock: c, handlers: map[string]Handler{}}
}

// Handle makes h the receiver of messages whose target ARN names service
// (the ARN's third field, as "sqs" in arn:aws:sqs:us-east-1:123456789012:q).
func (b *Bus) Handle(service string, h Handler) {
	b.mu.Lock()
	b.handlers[service] = h
	b.mu.Unlock()
}

// Deliver hands m to the handler of its target's service and records the
// outcome. It returns the handler's error, or ErrNoHandler.
func (b *Bus) Deliver(ctx context.Context, m Message) error {
	err := b.deliver(ctx, m)
	d := Delivery{Time: b.clock.Now().UTC(), Source: m.Source, Target: m.Target, Bytes: len(m.Body)}
	if err != nil {
		d.Error = err.Error()
	}
	b.record(d)
	return err
}

func (b *Bus) deliver(ctx context.Context, m Message) error {
	service, ok := arnService(m.Target)
	if !ok {
		return fmt.Errorf("bus: target %q is not an ARN: %w", m.Target, ErrNoHandler)
	}
	b.mu.RLock()
	h := b.handlers[service]
	b.mu.RUnlock()
	if h == nil {
		return fmt.Errorf("bus: target %q: service %q: %w", m.Target, service, ErrNoHandler)
	}
	return h(ctx, m)
}

// arnService returns the service field of an ARN.
func arnService(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] == "" {
		return "", false
	}
	return parts[2], true
}

func (b *Bus) record(d Delivery) {
	b.traceMu.Lock()
	defer b.traceMu.Unlock()
	if len(b.trace) < traceSize {
		b.trace = append(b.trace, d)
		return
	}
	b.trace[b.next] = d
	b.next = (b.next + 1) % traceSize
}

// Deliveries returns the traced deliveries, oldest first.
func (b *Bus) Deliveries() []Delivery {
	b.traceMu.Lock()
	defer b.traceMu.Unlock()
	out := make([]Delivery, 0, len(b.trace))
	out = append(out, b.trace[b.next:]...)
	return append(out, b.trace[:b.next]...)
}

// Reset forgets the traced deliveries; handlers stay registered.
func (b *Bus) Reset() {
	b.traceMu.Lock()
	b.trace, b.next = nil, 0
	b.traceMu.Unlock()
}
