package dynamodb

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/virga-aws/virga/internal/state"
)

// snapshotter saves and loads DynamoDB's state for /_virga/state.
type snapshotter struct{ s *Service }

// Snapshot writes every table and its items as JSON lines of
// {"ns","key","value"}, each value a journal record: a table's record (key
// schema, attribute definitions, local and global secondary indexes,
// billing, TTL, tags, stream setting), then its items in DynamoDB JSON in
// scan order, tables sorted by account, region and name, so equal states
// give equal snapshots. Index contents are not written: they are rebuilt
// from the items. Stream records and transaction idempotency tokens are not
// saved (the journal does not keep them either); a table with a stream
// gets it back, same ARN, empty. Requests must be stopped while it runs
// (the gateway's Pause); the TTL sweeper is held off table by table.
func (p snapshotter) Snapshot(w io.Writer) error {
	rw := state.NewRecordWriter(w)
	for _, t := range p.s.allTables() {
		if err := writeTable(rw, t); err != nil {
			return fmt.Errorf("dynamodb: snapshot %s: %w", t.arn, err)
		}
	}
	return rw.Flush()
}

// writeTable writes t's lines, holding t.mu for reading.
func writeTable(w *state.RecordWriter, t *table) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.deleted {
		return nil
	}
	ns, key, value, err := tableEntry(t)
	if err != nil {
		return err
	}
	if err := w.Put(ns, key, value); err != nil {
		return err
	}
	for _, part := range t.data.ordered(&t.orderMu) {
		for _, e := range part.entries {
			ns, key, value, err := itemEntry(t, part.key, e.sk, e.item)
			if err != nil {
				return err
			}
			if err := w.Put(ns, key, value); err != nil {
				return err
			}
		}
	}
	return nil
}

// allTables returns every table, sorted by account, region and name.
func (s *Service) allTables() []*table {
	var out []*table
	s.mu.RLock()
	for _, byName := range s.tables {
		for _, t := range byName {
			out = append(out, t)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *table) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.region, b.region), cmp.Compare(a.name, b.name))
	})
	return out
}

// Restore replaces every table and item with those of a snapshot written
// by Snapshot. It reads and checks the whole snapshot first, building the
// tables (and their secondary indexes) apart, so a snapshot that fails to
// parse leaves the service as it was. Then it swaps the tables in, drops
// the transaction idempotency tokens, and, with a data directory, rewrites
// DynamoDB's journal records, so a restart finds the loaded state.
func (p snapshotter) Restore(r io.Reader) error {
	s := p.s
	scratch := &Service{clock: s.clock, ids: s.ids, log: s.log, journal: state.Discard, tables: map[regionKey]map[string]*table{}}
	err := scratch.restore(func(fn func(ns, key string, value []byte) error) error {
		return state.ReadRecords(r, func(ns string) bool { return ns == nsTables || strings.HasPrefix(ns, nsItemsPrefix) }, fn)
	}, true)
	if err != nil {
		return fmt.Errorf("dynamodb: restore: %w", err)
	}

	s.mu.Lock()
	old := s.tables
	s.tables = scratch.tables
	s.mu.Unlock()
	markDeleted(old)
	s.tokensMu.Lock()
	s.tokens = map[string]txToken{}
	s.tokensMu.Unlock()
	if !s.persistent {
		return nil
	}
	if err := s.journalAll(); err != nil {
		return fmt.Errorf("dynamodb: restore: journal: %w", err)
	}
	return nil
}

// journalAll replaces DynamoDB's journal records with the current state's.
func (s *Service) journalAll() error {
	if err := s.journal.DeletePrefix(nsTables, ""); err != nil {
		return err
	}
	if err := s.journal.DeletePrefix(nsItemsPrefix, ""); err != nil {
		return err
	}
	for _, t := range s.allTables() {
		if err := s.journalTable(t); err != nil {
			return err
		}
	}
	return nil
}

// journalTable writes t's record and its items' records to the journal.
func (s *Service) journalTable(t *table) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	ns, key, value, err := tableEntry(t)
	if err != nil {
		return err
	}
	if err := s.journal.Put(ns, key, value); err != nil {
		return err
	}
	for _, part := range t.data.parts {
		for _, e := range part.entries {
			ns, key, value, err := itemEntry(t, part.key, e.sk, e.item)
			if err != nil {
				return err
			}
			if err := s.journal.Put(ns, key, value); err != nil {
				return err
			}
		}
	}
	return nil
}

// markDeleted flags the tables a reset or state load replaced, so that a
// request still holding one neither journals its record nor snapshots it.
func markDeleted(tables map[regionKey]map[string]*table) {
	for _, byName := range tables {
		for _, t := range byName {
			t.mu.Lock()
			t.deleted = true
			t.mu.Unlock()
		}
	}
}
