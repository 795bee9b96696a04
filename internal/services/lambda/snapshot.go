package lambda

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// snapshotLine is one line of a Lambda snapshot: a journal record (see
// persist.go) with its namespace and key, so snapshots and the journal
// share one encoding and one restore path.
type snapshotLine struct {
	NS    string          `json:"ns"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// Snapshot writes every function as JSON lines of {"ns","key","value"}:
// its record, then its versions' in order, then its aliases' by name,
// functions sorted by account, region and name; then every layer (its
// record, then its versions' in order) sorted the same way; then every
// function URL sorted by function and qualifier, so equal states give equal
// snapshots. The deployment packages and layer archives travel as blobs
// (the Bodies hook). Instances and queued asynchronous events are not
// saved. Requests must be stopped while it runs (the gateway's Pause).
func (s *Service) Snapshot(w io.Writer) error {
	s.mu.Lock()
	fns := make([]*function, 0, len(s.functions))
	for _, f := range s.functions {
		fns = append(fns, f)
	}
	s.mu.Unlock()
	slices.SortFunc(fns, func(a, b *function) int {
		return cmp.Or(cmp.Compare(a.key.account, b.key.account), cmp.Compare(a.key.region, b.key.region), cmp.Compare(a.key.name, b.key.name))
	})
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, f := range fns {
		if err := writeFunction(enc, f); err != nil {
			return fmt.Errorf("lambda: snapshot %s: %w", f.arn(), err)
		}
	}
	if err := s.writeLayers(enc); err != nil {
		return fmt.Errorf("lambda: snapshot layers: %w", err)
	}
	if err := s.writeURLs(enc, fns); err != nil {
		return fmt.Errorf("lambda: snapshot function URLs: %w", err)
	}
	return bw.Flush()
}

// entryWriter returns a function writing one journal entry (as the
// *Entry functions return it) to enc as a snapshot line.
func entryWriter(enc *json.Encoder) func(ns, key string, value []byte, err error) error {
	return func(ns, key string, value []byte, err error) error {
		if err != nil {
			return err
		}
		return enc.Encode(snapshotLine{ns, key, value})
	}
}

// writeLayers writes every layer's lines, holding s.layers.mu.
func (s *Service) writeLayers(enc *json.Encoder) error {
	write := entryWriter(enc)
	s.layers.mu.Lock()
	defer s.layers.mu.Unlock()
	keys := make([]layerKey, 0, len(s.layers.layers))
	for k := range s.layers.layers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b layerKey) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.region, b.region), cmp.Compare(a.name, b.name))
	})
	for _, k := range keys {
		l := s.layers.layers[k]
		if err := write(layerEntry(l)); err != nil {
			return err
		}
		vs := l.sortedVersions()
		slices.Reverse(vs)
		for _, v := range vs {
			if err := write(layerVersionEntry(v)); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeURLs writes the function URLs of fns (sorted), holding s.urls.mu.
func (s *Service) writeURLs(enc *json.Encoder, fns []*function) error {
	var urls []*urlConfig
	for _, f := range fns {
		urls = append(urls, s.urlsOf(f)...)
	}
	write := entryWriter(enc)
	s.urls.mu.Lock()
	defer s.urls.mu.Unlock()
	for _, u := range urls {
		if err := write(urlEntry(u)); err != nil {
			return err
		}
	}
	return nil
}

// writeFunction writes f's lines, holding f.mu.
func writeFunction(enc *json.Encoder, f *function) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted {
		return nil
	}
	write := entryWriter(enc)
	if err := write(functionEntry(f)); err != nil {
		return err
	}
	for _, v := range f.sortedVersions() {
		if err := write(versionEntry(f, v)); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(f.aliases))
	for n := range f.aliases {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := write(aliasEntry(f, f.aliases[n])); err != nil {
			return err
		}
	}
	return nil
}

// Restore replaces every function, layer and function URL with those of
// a snapshot written by Snapshot, whose archives are already in the blob
// store. It reads and checks the whole snapshot (unpacking the archives)
// before changing anything, so a snapshot that fails leaves the service as
// it was. Then it drops the current state as Reset does (killing every
// instance), installs the restored state, functions Active with no
// instance running, and, with a data directory, rewrites the journal so a
// restart finds the loaded state.
func (s *Service) Restore(r io.Reader) error {
	rs := s.newRestorer()
	dec := json.NewDecoder(r)
	for n := 1; ; n++ {
		var line snapshotLine
		if err := dec.Decode(&line); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("lambda: restore: record %d: %w", n, err)
		}
		if err := rs.record(line.NS, line.Key, line.Value); err != nil {
			return fmt.Errorf("lambda: restore: record %d: %w", n, err)
		}
	}
	rs.finish()
	s.mu.Lock()
	old := s.functions
	s.functions = rs.functions
	s.accounts = map[accountKey]*accountUsage{}
	s.mu.Unlock()
	for _, f := range old {
		f.mu.Lock()
		f.deleted = true
		f.mu.Unlock()
	}
	s.layers.mu.Lock()
	oldLayers := s.layers.layers
	s.layers.layers = rs.layers
	s.layers.mu.Unlock()
	s.urls.mu.Lock()
	s.urls.byID = rs.urls
	s.urls.mu.Unlock()
	s.killAll()
	if !s.persist.durable {
		return nil
	}
	for _, ns := range namespaces {
		if err := s.persist.log.DeletePrefix(ns, ""); err != nil {
			return fmt.Errorf("lambda: restore: %w", err)
		}
	}
	for _, f := range rs.functions {
		if err := s.journalAll(f); err != nil {
			return fmt.Errorf("lambda: restore: %w", err)
		}
	}
	if err := s.journalLayersAndURLs(); err != nil {
		return fmt.Errorf("lambda: restore: %w", err)
	}
	keep := map[string]bool{}
	for _, id := range s.codeBlobs() {
		keep[id] = true
	}
	s.dropBlobs(old, oldLayers, keep)
	return nil
}

// journalAll journals f with its versions and aliases.
func (s *Service) journalAll(f *function) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if aerr := s.journalFunction(f); aerr != nil {
		return aerr
	}
	for _, v := range f.versions {
		if aerr := s.journalVersion(f, v); aerr != nil {
			return aerr
		}
	}
	for _, a := range f.aliases {
		if aerr := s.journalAlias(f, a); aerr != nil {
			return aerr
		}
	}
	return nil
}

// journalLayersAndURLs journals every layer with its versions, and every
// function URL.
func (s *Service) journalLayersAndURLs() error {
	s.layers.mu.Lock()
	for _, l := range s.layers.layers {
		if aerr := s.put(layerEntry(l)); aerr != nil {
			s.layers.mu.Unlock()
			return aerr
		}
		for _, v := range l.versions {
			if aerr := s.journalLayerVersion(v); aerr != nil {
				s.layers.mu.Unlock()
				return aerr
			}
		}
	}
	s.layers.mu.Unlock()
	s.urls.mu.Lock()
	defer s.urls.mu.Unlock()
	for _, u := range s.urls.byID {
		if aerr := s.journalURL(u); aerr != nil {
			return aerr
		}
	}
	return nil
}
