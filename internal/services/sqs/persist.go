package sqs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Journal layout (see internal/state): one record per queue in nsQueues,
// keyed "<account>/<region>/<name>", and one per message in the queue's
// messages namespace, keyed by the message's sequence. Message records are
// rewritten when a receive or visibility change alters them; a message's
// return to visibility is not recorded, since it follows from the recorded
// times. Deduplication history and move tasks are not journaled.
const (
	nsQueues         = "sqs/queues"
	nsMessagesPrefix = "sqs/messages/"
)

func queueKey(ref queueRef) string { return ref.account + "/" + ref.region + "/" + ref.name }

func messagesNamespace(ref queueRef) string { return nsMessagesPrefix + queueKey(ref) }

// queueRecord is a queue's journal record.
type queueRecord struct {
	Account       string            `json:"account"`
	Region        string            `json:"region"`
	Name          string            `json:"name"`
	Fifo          bool              `json:"fifo"`
	HandleID      uint64            `json:"handleId"`
	Created       int64             `json:"created"`
	Modified      int64             `json:"modified"`
	PurgedAt      int64             `json:"purgedAt,omitempty"`
	NextSeqNumber uint64            `json:"nextSequenceNumber,omitempty"`
	Attributes    queueAttrs        `json:"attributes"`
	Tags          map[string]string `json:"tags,omitempty"`
}

// messageRecord is a message's journal record.
type messageRecord struct {
	Seq          uint64      `json:"seq"`
	ID           string      `json:"id"`
	Body         string      `json:"body"`
	Attrs        []attribute `json:"attrs,omitempty"`
	SysAttrs     []attribute `json:"sysAttrs,omitempty"`
	SentAt       int64       `json:"sentAt"`
	EnqueuedAt   int64       `json:"enqueuedAt"`
	Sender       string      `json:"sender,omitempty"`
	GroupID      string      `json:"groupId,omitempty"`
	DedupID      string      `json:"dedupId,omitempty"`
	SeqNumber    string      `json:"sequenceNumber,omitempty"`
	DLQSource    string      `json:"dlqSource,omitempty"`
	State        uint8       `json:"state"`
	AvailableAt  int64       `json:"availableAt,omitempty"`
	VisibleAt    int64       `json:"visibleAt,omitempty"`
	ReceiveCount uint64      `json:"receiveCount,omitempty"`
	FirstReceive int64       `json:"firstReceive,omitempty"`
	LastReceive  int64       `json:"lastReceive,omitempty"`
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// queueEntry encodes q's record as the journal and snapshots store it:
// namespace, key and JSON value. The caller holds q.mu.
func queueEntry(q *queue) (ns, key string, value []byte, err error) {
	rec := queueRecord{
		Account: q.ref.account, Region: q.ref.region, Name: q.ref.name,
		Fifo: q.fifo, HandleID: q.handleID,
		Created: unixNano(q.created), Modified: unixNano(q.modified), PurgedAt: unixNano(q.purgedAt),
		NextSeqNumber: q.nextSeqNumber, Attributes: q.attrs, Tags: q.tags,
	}
	value, err = json.Marshal(rec)
	return nsQueues, queueKey(q.ref), value, err
}

// persistQueue journals q's record. The caller holds q.mu.
func (s *Service) persistQueue(q *queue) error {
	if !s.persistent {
		return nil
	}
	ns, key, b, err := queueEntry(q)
	if err != nil {
		return errInternal(err)
	}
	if err := s.journal.Put(ns, key, b); err != nil {
		return errInternal(err)
	}
	return nil
}

// unpersistQueue journals a queue's deletion with its messages.
func (s *Service) unpersistQueue(q *queue) error {
	if !s.persistent {
		return nil
	}
	if err := s.journal.DeletePrefix(messagesNamespace(q.ref), ""); err != nil {
		return errInternal(err)
	}
	if err := s.journal.Delete(nsQueues, queueKey(q.ref)); err != nil {
		return errInternal(err)
	}
	return nil
}

// messageEntry encodes m's record as the journal and snapshots store it:
// namespace, key and JSON value. The caller holds q.mu.
func messageEntry(q *queue, m *message) (ns, key string, value []byte, err error) {
	rec := messageRecord{
		Seq: m.seq, ID: m.id, Body: m.body, Attrs: m.attrs, SysAttrs: m.sysAttrs,
		SentAt: unixNano(m.sentAt), EnqueuedAt: unixNano(m.enqueuedAt), Sender: m.sender,
		GroupID: m.groupID, DedupID: m.dedupID, SeqNumber: m.seqNumber, DLQSource: m.dlqSource,
		State: m.state, AvailableAt: unixNano(m.availableAt), VisibleAt: unixNano(m.visibleAt),
		ReceiveCount: m.receiveCount, FirstReceive: unixNano(m.firstReceive), LastReceive: unixNano(m.lastReceive),
	}
	value, err = json.Marshal(rec)
	return messagesNamespace(q.ref), strconv.FormatUint(m.seq, 10), value, err
}

// persistMessage journals m's current state. The caller holds q.mu.
func (s *Service) persistMessage(q *queue, m *message) error {
	if !s.persistent {
		return nil
	}
	ns, key, b, err := messageEntry(q, m)
	if err != nil {
		return errInternal(err)
	}
	if err := s.journal.Put(ns, key, b); err != nil {
		return errInternal(err)
	}
	return nil
}

// unpersistMessage journals m's removal. The caller holds q.mu.
func (s *Service) unpersistMessage(q *queue, m *message) error {
	if !s.persistent {
		return nil
	}
	if err := s.journal.Delete(messagesNamespace(q.ref), strconv.FormatUint(m.seq, 10)); err != nil {
		return errInternal(err)
	}
	return nil
}

// persistDropped journals the removal of messages tick found past their
// retention period; failures are logged, since the messages are gone from
// the queue either way and a restart drops them again.
func (s *Service) persistDropped(q *queue, dropped []*message) {
	if !s.persistent {
		return
	}
	for _, m := range dropped {
		if err := s.unpersistMessage(q, m); err != nil {
			s.log.Error("sqs: journal", "queue", q.arn, "error", err)
		}
	}
}

// persistAll journals a batch of message changes, logging failures.
func (s *Service) persistAll(q *queue, msgs []*message) {
	if !s.persistent {
		return
	}
	for _, m := range msgs {
		if err := s.persistMessage(q, m); err != nil {
			s.log.Error("sqs: journal", "queue", q.arn, "error", err)
		}
	}
}

// restore rebuilds the queues and messages recorded in the journal.
func (s *Service) restore(replay func(func(ns, key string, value []byte) error) error) error {
	byNamespace := map[string]*queue{}
	return replay(func(ns, key string, value []byte) error {
		switch {
		case ns == nsQueues:
			var rec queueRecord
			if err := json.Unmarshal(value, &rec); err != nil {
				return fmt.Errorf("queue record %s: %w", key, err)
			}
			if rec.Account == "" || rec.Region == "" || !validQueueName(rec.Name, rec.Fifo) {
				return fmt.Errorf("queue record %s: bad account, region or name", key)
			}
			ref := queueRef{account: rec.Account, region: rec.Region, name: rec.Name}
			q := newQueue(ref, rec.Fifo, rec.HandleID, fromUnixNano(rec.Created))
			q.modified = fromUnixNano(rec.Modified)
			q.purgedAt = fromUnixNano(rec.PurgedAt)
			q.nextSeqNumber = rec.NextSeqNumber
			attrs := rec.Attributes
			if attrs.RedrivePolicy != "" {
				var p redrivePolicy
				if json.Unmarshal([]byte(attrs.RedrivePolicy), &p) == nil {
					attrs.deadLetterARN = p.DeadLetterTargetArn
					attrs.maxReceiveCount, _ = strconv.Atoi(strings.Trim(string(p.MaxReceiveCount), `"`))
				}
			}
			q.setAttrs(attrs)
			if rec.Tags != nil {
				q.tags = rec.Tags
			}
			r := s.regionFor(ref.account, ref.region, true)
			r.queues[ref.name] = q
			byNamespace[messagesNamespace(ref)] = q
		case strings.HasPrefix(ns, nsMessagesPrefix):
			q := byNamespace[ns]
			if q == nil {
				return nil
			}
			var rec messageRecord
			if err := json.Unmarshal(value, &rec); err != nil {
				return fmt.Errorf("message record %s %s: %w", ns, key, err)
			}
			if q.msgs[rec.Seq] != nil {
				return fmt.Errorf("message record %s %s: duplicate sequence %d", ns, key, rec.Seq)
			}
			q.restoreMessage(&rec)
		}
		return nil
	})
}

// restoreMessage puts a journaled message back in its queue, in the state
// it was recorded in; the next tick moves it on if its times have passed.
func (q *queue) restoreMessage(rec *messageRecord) {
	m := &message{
		seq: rec.Seq, id: rec.ID, body: rec.Body, md5Body: md5Hex(rec.Body),
		attrs: rec.Attrs, md5Attrs: md5OfAttributes(rec.Attrs),
		sysAttrs: rec.SysAttrs, md5Sys: md5OfAttributes(rec.SysAttrs),
		sentAt: fromUnixNano(rec.SentAt), enqueuedAt: fromUnixNano(rec.EnqueuedAt), sender: rec.Sender,
		groupID: rec.GroupID, dedupID: rec.DedupID, seqNumber: rec.SeqNumber, dlqSource: rec.DLQSource,
		availableAt: fromUnixNano(rec.AvailableAt), visibleAt: fromUnixNano(rec.VisibleAt),
		receiveCount: rec.ReceiveCount, firstReceive: fromUnixNano(rec.FirstReceive), lastReceive: fromUnixNano(rec.LastReceive),
		heapIdx: -1,
	}
	if m.seq >= q.nextSeq {
		q.nextSeq = m.seq + 1
	}
	q.msgs[m.seq] = m
	q.link(m)
	switch rec.State {
	case stateDelayed:
		m.state = stateDelayed
		q.delayed.push(m, m.availableAt.UnixNano())
	case stateInflight:
		m.state = stateInflight
		q.inflight.push(m, m.visibleAt.UnixNano())
		if q.fifo {
			g := q.groups[m.groupID]
			if g == nil {
				g = &group{id: m.groupID, idx: -1}
				q.groups[m.groupID] = g
			}
			g.inflight++
			q.groupChanged(g)
		}
	default:
		q.makeReady(m)
	}
}
