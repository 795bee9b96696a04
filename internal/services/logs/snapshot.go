package logs

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/state"
)

// snapshotter saves and loads CloudWatch Logs' state for /_virga/state.
type snapshotter struct{ s *Store }

// Snapshot writes every log group as JSON lines of {"ns","key","value"},
// each value a journal record: the group's record (retention, class, KMS
// key, deletion protection, tags, subscription and metric filters), then
// each stream's record followed by its events in (timestamp, arrival)
// order; regions sorted by account and region, groups and streams by
// name, so equal states give equal snapshots. Requests must be stopped
// while it runs (the gateway's Pause); in-process writers (Append) are
// held off region by region.
func (p snapshotter) Snapshot(w io.Writer) error {
	rw := state.NewRecordWriter(w)
	for _, r := range p.s.allRegions() {
		if err := writeRegion(rw, r); err != nil {
			return fmt.Errorf("logs: snapshot %s/%s: %w", r.key.account, r.key.region, err)
		}
	}
	return rw.Flush()
}

// writeRegion writes the lines of r's groups, holding r.mu.
func writeRegion(w *state.RecordWriter, r *region) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.each(w.Put)
}

// each calls fn with every record of r's groups, streams and events, in
// snapshot order. The caller holds r.mu.
func (r *region) each(fn func(ns, key string, value []byte) error) error {
	for _, name := range slices.Sorted(maps.Keys(r.groups)) {
		g := r.groups[name]
		ns, key, value, err := groupEntry(r.key, g)
		if err != nil {
			return err
		}
		if err := fn(ns, key, value); err != nil {
			return err
		}
		for _, sname := range slices.Sorted(maps.Keys(g.streams)) {
			st := g.streams[sname]
			ns, key, value, err := streamEntry(r.key, g, st)
			if err != nil {
				return err
			}
			if err := fn(ns, key, value); err != nil {
				return err
			}
			for _, e := range st.events {
				ns, key, value, err := eventEntry(r.key, g, st, e)
				if err != nil {
					return err
				}
				if err := fn(ns, key, value); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// allRegions returns every region, sorted by account and region.
func (s *Store) allRegions() []*region {
	s.mu.RLock()
	out := slices.Collect(maps.Values(s.regions))
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *region) int {
		return cmp.Or(cmp.Compare(a.key.account, b.key.account), cmp.Compare(a.key.region, b.key.region))
	})
	return out
}

// Restore replaces every log group, stream and event with those of a
// snapshot written by Snapshot. It reads and checks the whole snapshot
// first, building the groups apart, so a snapshot that fails to parse
// leaves the service as it was. Then it swaps the groups in and, with a
// data directory, rewrites CloudWatch Logs' journal records, so a restart
// finds the loaded state. Events past their group's retention are dropped
// the next time the group is read, as after a restart.
func (p snapshotter) Restore(r io.Reader) error {
	s := p.s
	scratch := newStore(service.Deps{Clock: s.clock, IDs: s.ids, Logger: s.log}, state.Discard)
	err := scratch.restore(func(fn func(ns, key string, value []byte) error) error {
		return state.ReadRecords(r, func(ns string) bool { return ns == nsGroups || ns == nsStreams || ns == nsEvents }, fn)
	}, true)
	if err != nil {
		return fmt.Errorf("logs: restore: %w", err)
	}

	s.mu.Lock()
	old := s.regions
	s.regions = scratch.regions
	s.mu.Unlock()
	markGone(old)
	if !s.persistent {
		return nil
	}
	if err := s.journalAll(); err != nil {
		return fmt.Errorf("logs: restore: journal: %w", err)
	}
	return nil
}

// journalAll replaces the journal's records with the current state's.
func (s *Store) journalAll() error {
	for _, ns := range []string{nsGroups, nsStreams, nsEvents} {
		if err := s.journal.DeletePrefix(ns, ""); err != nil {
			return err
		}
	}
	for _, r := range s.allRegions() {
		r.mu.Lock()
		err := r.each(s.journal.Put)
		r.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// markGone flags replaced regions so that writers waiting on their locks
// look the region up again instead of writing into dropped state.
func markGone(regions map[regionKey]*region) {
	for _, r := range regions {
		r.mu.Lock()
		r.gone = true
		r.mu.Unlock()
	}
}
