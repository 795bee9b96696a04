package sqs

import (
	"context"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/gateway"
	"github.com/virga-aws/virga/internal/services/sqs/api"
)

// receiveParams are a ReceiveMessage call's checked parameters.
type receiveParams struct {
	max        int
	visibility time.Duration
	sel        selection
	attemptID  string
}

// ReceiveMessage returns up to MaxNumberOfMessages visible messages, making
// them invisible for the visibility timeout. With a wait time (the call's or
// the queue's ReceiveMessageWaitTimeSeconds) it long-polls: it returns as
// soon as a message is available, or empty when the wait ends. A message
// already received maxReceiveCount times is moved to the dead-letter queue
// instead of being returned again.
func (s *Service) ReceiveMessage(ctx context.Context, in *api.ReceiveMessageRequest) (*api.ReceiveMessageResult, error) {
	q, err := s.queueFor(ctx, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	cfg := q.conf.Load()
	p := receiveParams{max: 1, visibility: time.Duration(cfg.VisibilityTimeout) * time.Second}
	if in.MaxNumberOfMessages != nil {
		n := int(*in.MaxNumberOfMessages)
		if n < 1 || n > maxReceiveMessages {
			return nil, invalidParameterValue("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", n)
		}
		p.max = n
	}
	if in.VisibilityTimeout != nil {
		v := int(*in.VisibilityTimeout)
		if v < 0 || v > maxVisibility {
			return nil, invalidParameterValue("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", v)
		}
		p.visibility = time.Duration(v) * time.Second
	}
	wait := time.Duration(cfg.ReceiveMessageWaitTimeSeconds) * time.Second
	if in.WaitTimeSeconds != nil {
		w := int(*in.WaitTimeSeconds)
		if w < 0 || w > maxWaitSeconds {
			return nil, invalidParameterValue("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", w)
		}
		wait = time.Duration(w) * time.Second
	}
	for _, list := range [][]string{in.AttributeNames, in.MessageSystemAttributeNames} {
		for _, n := range list {
			if bit, ok := systemAttributeBits[n]; ok {
				p.sel.system |= bit
			} else if !knownAttribute(n) {
				return nil, errUnknownAttribute(n)
			}
		}
	}
	for _, n := range in.MessageAttributeNames {
		switch {
		case n == "All" || n == ".*" || n == "*":
			p.sel.allUser = true
		case strings.HasSuffix(n, ".*"):
			p.sel.prefixes = append(p.sel.prefixes, strings.TrimSuffix(n, ".*"))
		default:
			p.sel.names = append(p.sel.names, n)
		}
	}
	if q.fifo && in.ReceiveRequestAttemptId != nil {
		p.attemptID = *in.ReceiveRequestAttemptId
	}

	now := s.clock.Now()
	deadline := now.Add(wait)
	var w chan struct{}
	for first := true; ; first = false {
		if !first {
			now = s.clock.Now()
		}
		waiting := wait > 0 && now.Before(deadline)
		if waiting && w == nil {
			w = make(chan struct{}, 1)
		}
		if !waiting {
			w = nil
		}
		msgs, next, e := s.receiveOnce(q, &p, now, w)
		if e != nil {
			return nil, e
		}
		if len(msgs) > 0 || !waiting {
			if msgs == nil {
				// SQS's JSON protocol answers an empty receive with
				// "Messages": [].
				msgs = []api.Message{}
			}
			return &api.ReceiveMessageResult{Messages: msgs}, nil
		}
		d := deadline.Sub(now)
		if !next.IsZero() && next.Sub(now) < d {
			d = max(next.Sub(now), 0)
		}
		timer, stop := s.clock.After(d)
		// The wait touches no state, so it lets a state save or load of
		// the internal API go ahead meanwhile.
		gateway.Idle(ctx, func() {
			select {
			case <-w:
			case <-timer:
			case <-ctx.Done():
			case <-s.closing:
			}
		})
		stop()
		q.mu.Lock()
		q.removeWaiter(w)
		q.mu.Unlock()
		select {
		case <-w:
		default:
		}
		if ctx.Err() != nil || isClosed(s.closing) {
			return &api.ReceiveMessageResult{Messages: []api.Message{}}, nil
		}
		q = s.successor(q)
	}
}

// successor returns the queue a long poll on q continues on: q itself, or,
// when a state load replaced q while the poll waited, the loaded queue of
// the same name. After a reset or DeleteQueue there is none, and the poll
// ends with QueueDoesNotExist.
func (s *Service) successor(q *queue) *queue {
	q.mu.Lock()
	gone := q.gone
	q.mu.Unlock()
	if !gone {
		return q
	}
	if next := s.lookup(q.ref); next != nil && next.fifo == q.fifo {
		return next
	}
	return q
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// receiveOnce takes what is receivable now. When nothing is and w is not
// nil, it registers w to be woken by the next send, and returns when the
// next delayed or in-flight message becomes visible.
func (s *Service) receiveOnce(q *queue, p *receiveParams, now time.Time, w chan struct{}) ([]api.Message, time.Time, *awserr.Error) {
	var dlq *queue
	if arn := q.conf.Load().deadLetterARN; arn != "" {
		dlq = s.queueByARN(arn)
	}
	q.mu.Lock()
	if q.gone {
		q.mu.Unlock()
		return nil, time.Time{}, errQueueDoesNotExist()
	}
	dropped := q.tick(now, nil)
	maxReceive := 0
	if dlq != nil && q.attrs.deadLetterARN == dlq.arn {
		maxReceive = q.attrs.maxReceiveCount
	}
	out, received, moved := q.receiveLocked(now, p, maxReceive)
	var next time.Time
	if len(out) == 0 && w != nil {
		q.waiters = append(q.waiters, w)
		next = q.nextChange()
	}
	if s.persistent {
		s.persistDropped(q, dropped)
		s.persistAll(q, received)
		for _, m := range moved {
			if err := s.unpersistMessage(q, m); err != nil {
				s.log.Error("sqs: journal", "queue", q.arn, "error", err)
			}
		}
	}
	q.mu.Unlock()
	if len(moved) > 0 {
		s.redrive(q, dlq, moved, now)
	}
	return out, next, nil
}

// receiveLocked takes up to p.max receivable messages, moving those past
// maxReceive receives (when > 0) aside for the dead-letter queue. The
// caller holds q.mu and has ticked the queue.
func (q *queue) receiveLocked(now time.Time, p *receiveParams, maxReceive int) (out []api.Message, received, moved []*message) {
	if p.attemptID != "" {
		if a := q.attempts[p.attemptID]; a != nil && now.Before(a.expires) {
			if msgs := q.attemptMessages(a); msgs != nil {
				for _, m := range msgs {
					out = append(out, q.output(m, &p.sel))
				}
				return out, nil, nil
			}
		}
	}
	take := func(m *message) bool {
		if maxReceive > 0 && m.receiveCount >= uint64(maxReceive) {
			q.unlink(m)
			moved = append(moved, m)
			return false
		}
		m.receiveCount++
		if m.firstReceive.IsZero() {
			m.firstReceive = now
		}
		m.lastReceive = now
		m.state = stateInflight
		m.visibleAt = now.Add(p.visibility)
		q.inflight.push(m, m.visibleAt.UnixNano())
		out = append(out, q.output(m, &p.sel))
		received = append(received, m)
		return true
	}
	if !q.fifo {
		for len(out) < p.max {
			m := q.ready.pop()
			if m == nil {
				break
			}
			take(m)
		}
		return out, received, moved
	}
	for len(out) < p.max && len(q.avail) > 0 {
		g := q.avail[0]
		q.avail.remove(g)
		for len(out) < p.max && len(g.ready) > 0 {
			m := q.takeReady(g)
			g.inflight++
			if !take(m) {
				g.inflight--
			}
		}
		q.groupChanged(g)
	}
	if p.attemptID != "" && len(received) > 0 {
		a := &attempt{expires: now.Add(dedupInterval)}
		for _, m := range received {
			a.seqs = append(a.seqs, m.seq)
			a.counts = append(a.counts, m.receiveCount)
		}
		q.attempts[p.attemptID] = a
		q.attemptsOrder.push(p.attemptID, a.expires)
	}
	return out, received, moved
}

// attemptMessages returns the messages of an earlier receive attempt when
// they are all still in flight from it, else nil.
func (q *queue) attemptMessages(a *attempt) []*message {
	msgs := make([]*message, len(a.seqs))
	for i, seq := range a.seqs {
		m := q.msgs[seq]
		if m == nil || m.state != stateInflight || m.receiveCount != a.counts[i] {
			return nil
		}
		msgs[i] = m
	}
	return msgs
}

// redrive moves messages that exceeded their source's maxReceiveCount into
// the dead-letter queue, keeping their id, body, attributes and receive
// count, and recording the source in DeadLetterQueueSourceArn.
func (s *Service) redrive(src, dlq *queue, msgs []*message, now time.Time) {
	dlq.mu.Lock()
	defer dlq.mu.Unlock()
	if dlq.gone {
		return
	}
	for _, m := range msgs {
		m.dlqSource = src.arn
		m.state = 0
		m.availableAt = time.Time{}
		m.visibleAt = time.Time{}
		if dlq.fifo {
			m.enqueuedAt = now
			m.seqNumber = dlq.nextSequenceNumber()
		}
		dlq.add(m, now)
		if err := s.persistMessage(dlq, m); err != nil {
			s.log.Error("sqs: journal", "queue", dlq.arn, "error", err)
		}
	}
	if dlq.fifo {
		if err := s.persistQueue(dlq); err != nil {
			s.log.Error("sqs: journal", "queue", dlq.arn, "error", err)
		}
	}
}
