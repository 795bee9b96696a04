package sqs

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/state"
)

// Snapshot writes every queue and its messages as JSON lines of
// {"ns","key","value"}, each value a journal record: a queue's record, then
// its messages' records in sequence order, queues sorted by account, region
// and name, so equal states give equal snapshots. Times are absolute: a
// message in flight or delayed when saved becomes visible at the same
// instant after a load. Move tasks, FIFO deduplication history and
// ReceiveRequestAttemptId history are not saved (the journal does not keep
// them either). Requests must be stopped while it runs (the gateway's
// Pause); move tasks are held off by s.moving.
func (s *Service) Snapshot(w io.Writer) error {
	s.moving.Lock()
	defer s.moving.Unlock()
	rw := state.NewRecordWriter(w)
	for _, q := range s.allQueues() {
		if err := writeQueue(rw, q); err != nil {
			return fmt.Errorf("sqs: snapshot %s: %w", q.arn, err)
		}
	}
	return rw.Flush()
}

// writeQueue writes q's lines, holding q.mu.
func writeQueue(w *state.RecordWriter, q *queue) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gone {
		return nil
	}
	ns, key, value, err := queueEntry(q)
	if err != nil {
		return err
	}
	if err := w.Put(ns, key, value); err != nil {
		return err
	}
	seqs := make([]uint64, 0, len(q.msgs))
	for seq := range q.msgs {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		ns, key, value, err := messageEntry(q, q.msgs[seq])
		if err != nil {
			return err
		}
		if err := w.Put(ns, key, value); err != nil {
			return err
		}
	}
	return nil
}

// allQueues returns every queue, sorted by account, region and name.
func (s *Service) allQueues() []*queue {
	var out []*queue
	s.mu.RLock()
	for _, r := range s.regions {
		r.mu.RLock()
		for _, q := range r.queues {
			out = append(out, q)
		}
		r.mu.RUnlock()
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *queue) int {
		return cmp.Or(cmp.Compare(a.ref.account, b.ref.account), cmp.Compare(a.ref.region, b.ref.region), cmp.Compare(a.ref.name, b.ref.name))
	})
	return out
}

// Restore replaces every queue and message with those of a snapshot
// written by Snapshot. It reads and checks the whole snapshot before
// changing anything, so a snapshot that fails to parse leaves the service
// as it was. Then it drops the current state as Reset does (long polls on
// the old queues end with QueueDoesNotExist), installs the restored queues,
// and, with a data directory, journals every restored record, so a restart
// finds the loaded state.
func (s *Service) Restore(r io.Reader) error {
	scratch := newService(service.Deps{Clock: s.clock, IDs: s.ids, Logger: s.log}, state.Discard)
	err := scratch.restore(func(fn func(ns, key string, value []byte) error) error {
		return state.ReadRecords(r, func(ns string) bool { return ns == nsQueues || strings.HasPrefix(ns, nsMessagesPrefix) }, fn)
	})
	if err != nil {
		return fmt.Errorf("sqs: restore: %w", err)
	}
	s.moving.Lock()
	defer s.moving.Unlock()
	s.replace(scratch.regions)
	if !s.persistent {
		return nil
	}
	for _, q := range s.allQueues() {
		if err := s.journalQueue(q); err != nil {
			return fmt.Errorf("sqs: restore: %w", err)
		}
	}
	return nil
}

// journalQueue writes q's record and its messages' records to the journal.
func (s *Service) journalQueue(q *queue) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := s.persistQueue(q); err != nil {
		return err
	}
	for _, m := range q.msgs {
		if err := s.persistMessage(q, m); err != nil {
			return err
		}
	}
	return nil
}
