package s3

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/state"
)

// snapshotter saves and loads S3's state for /_virga/state.
type snapshotter struct{ s *store }

// Snapshot writes every bucket as JSON lines of {"ns","key","value"}, each
// value a journal record: the bucket's record (identity, owner, region,
// configurations and tags), then its object versions (noncurrent versions
// and delete markers included, each naming its body by blob id) by key and
// newest first, then its multipart uploads with their parts by upload id.
// Buckets are sorted by name, so equal states give equal snapshots. The
// bodies themselves travel in the archive's blob entries (see
// store.bodyIDs). Requests must be stopped while it runs (the gateway's
// Pause).
func (p snapshotter) Snapshot(w io.Writer) error {
	rw := state.NewRecordWriter(w)
	for _, b := range p.s.sortedBuckets() {
		if err := writeBucket(rw, b); err != nil {
			return fmt.Errorf("s3: snapshot bucket %s: %w", b.name, err)
		}
	}
	return rw.Flush()
}

// writeBucket writes b's lines, holding b.mu for reading.
func writeBucket(w *state.RecordWriter, b *bucket) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.gone {
		return nil
	}
	key, value, err := bucketEntry(b)
	if err != nil {
		return err
	}
	if err := w.Put(journalNS, key, value); err != nil {
		return err
	}
	for c := b.index.seek(""); c.entry() != nil; c.next() {
		e := c.entry()
		for _, v := range e.versions {
			key, value, err := versionEntry(b.name, e.key, v)
			if err != nil {
				return err
			}
			if err := w.Put(journalNS, key, value); err != nil {
				return err
			}
		}
	}
	ids := make([]string, 0, len(b.uploads))
	for id := range b.uploads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		key, value, err := uploadEntry(b.name, b.uploads[id])
		if err != nil {
			return err
		}
		if err := w.Put(journalNS, key, value); err != nil {
			return err
		}
	}
	return nil
}

// sortedBuckets returns every bucket, sorted by name.
func (s *store) sortedBuckets() []*bucket {
	out := s.listBuckets()
	slices.SortFunc(out, func(a, b *bucket) int { return strings.Compare(a.name, b.name) })
	return out
}

// Restore replaces every bucket, object version and multipart upload with
// those of a snapshot written by Snapshot. It reads and checks the whole
// snapshot first — every record well formed, every bucket present before
// what it holds, every body it names present in the blob store with the
// recorded size — building a separate store, so a bad snapshot leaves S3 as
// it was. Then it swaps the new buckets in (global bucket names, owners and
// regions as saved), with a data directory rewrites S3's journal records,
// and last removes the bodies only the old state referred to.
func (p snapshotter) Restore(r io.Reader) error {
	s := p.s
	scratch := newStore(s.blobs, state.Discard, s.clock, s.ids)
	err := scratch.restore(func(fn func(ns, key string, value []byte) error) error {
		return state.ReadRecords(r, func(ns string) bool { return ns == journalNS }, fn)
	}, true)
	if err != nil {
		return fmt.Errorf("s3: restore: %w", err)
	}
	if err := scratch.checkBodies(); err != nil {
		return fmt.Errorf("s3: restore: %w", err)
	}

	keep := scratch.referenced()
	s.mu.Lock()
	old := s.buckets
	s.buckets = scratch.buckets
	s.seq.Store(max(s.seq.Load(), scratch.seq.Load()))
	s.mu.Unlock()
	var drop []string
	for _, b := range old {
		b.mu.Lock()
		b.gone = true
		for _, e := range b.objects {
			for _, v := range e.versions {
				if v.Blob != "" && !keep[v.Blob] {
					drop = append(drop, v.Blob)
				}
			}
		}
		for _, u := range b.uploads {
			for _, pt := range u.Parts {
				if !keep[pt.Blob] {
					drop = append(drop, pt.Blob)
				}
			}
		}
		b.mu.Unlock()
	}
	if s.persist {
		if err := s.journalAll(); err != nil {
			// The journal no longer matches memory; keep every body so
			// that neither state loses data, and report.
			return fmt.Errorf("s3: restore: journal: %w", err)
		}
	}
	for _, id := range drop {
		s.removeBlob(id)
	}
	return nil
}

// journalAll replaces S3's journal records with the current state's.
func (s *store) journalAll() error {
	if err := s.log.DeletePrefix(journalNS, ""); err != nil {
		return err
	}
	for _, b := range s.sortedBuckets() {
		if err := s.journalBucket(b); err != nil {
			return err
		}
	}
	return nil
}

// journalBucket journals b and everything in it.
func (s *store) journalBucket(b *bucket) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if err := s.persistBucket(b); err != nil {
		return err
	}
	for c := b.index.seek(""); c.entry() != nil; c.next() {
		e := c.entry()
		// Oldest first, as the handlers journal them.
		for i := len(e.versions) - 1; i >= 0; i-- {
			if err := s.persistVersion(b, e.key, e.versions[i]); err != nil {
				return err
			}
		}
	}
	for _, u := range b.uploads {
		if err := s.persistUpload(b, u); err != nil {
			return err
		}
	}
	return nil
}

// checkBodies reports a body the store refers to that is missing from its
// blob store or differs in size from its record. The store must not be in
// use (Restore's scratch store).
func (s *store) checkBodies() error {
	check := func(what, id string, size int64) error {
		blob, err := s.blobs.Open(id)
		if errors.Is(err, state.ErrBlobNotFound) {
			return fmt.Errorf("%s: body %s is not in the archive", what, id)
		}
		if err != nil {
			return fmt.Errorf("%s: body %s: %w", what, id, err)
		}
		n := blob.Size()
		blob.Close()
		if n != size {
			return fmt.Errorf("%s: body %s has %d bytes, the record says %d", what, id, n, size)
		}
		return nil
	}
	for _, b := range s.sortedBuckets() {
		for c := b.index.seek(""); c.entry() != nil; c.next() {
			e := c.entry()
			for _, v := range e.versions {
				if v.Blob == "" {
					continue
				}
				if err := check("object "+b.name+"/"+e.key+" version "+v.ID, v.Blob, v.Size); err != nil {
					return err
				}
			}
		}
		for _, u := range b.uploads {
			for _, pt := range u.Parts {
				if err := check(fmt.Sprintf("upload %s part %d", u.ID, pt.Number), pt.Blob, pt.Size); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// bodyIDs returns the ids of every body the state refers to (current and
// noncurrent versions, and parts of uploads in progress), sorted.
func (s *store) bodyIDs() []string {
	var ids []string
	for _, b := range s.sortedBuckets() {
		b.mu.RLock()
		for _, e := range b.objects {
			for _, v := range e.versions {
				if v.Blob != "" {
					ids = append(ids, v.Blob)
				}
			}
		}
		for _, u := range b.uploads {
			for _, pt := range u.Parts {
				ids = append(ids, pt.Blob)
			}
		}
		b.mu.RUnlock()
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// checkVersion checks an object version record of a snapshot: vid and key
// from its journal key.
func checkVersion(vid, key string, v *objVersion) error {
	switch {
	case v.ID != vid || !validVersionID(vid):
		return fmt.Errorf("bad version id %q", v.ID)
	case key == "" || len(key) > maxKeyLength || !utf8.ValidString(key):
		return errors.New("bad object key")
	case v.Size < 0:
		return errors.New("negative size")
	case v.DeleteMarker && v.Blob != "":
		return errors.New("delete marker with a body")
	case v.Blob == "" && v.Size != 0:
		return errors.New("object without a body")
	case v.Blob != "" && !state.ValidBlobID(v.Blob):
		return fmt.Errorf("bad blob id %q", v.Blob)
	}
	return nil
}

// checkUpload checks a multipart upload record of a snapshot: uploadID from
// its journal key.
func checkUpload(uploadID string, u *upload) error {
	if u.ID != uploadID || u.ID == "" {
		return fmt.Errorf("bad upload id %q", u.ID)
	}
	if u.Key == "" || len(u.Key) > maxKeyLength || !utf8.ValidString(u.Key) {
		return errors.New("bad object key")
	}
	for n, pt := range u.Parts {
		if pt == nil || pt.Number != n || n < 1 || n > maxPartNumber {
			return fmt.Errorf("bad part number %d", n)
		}
		if !state.ValidBlobID(pt.Blob) || pt.Size < 0 {
			return fmt.Errorf("part %d: bad blob id or size", n)
		}
	}
	return nil
}
