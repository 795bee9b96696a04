package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DirBlobs is the [Blobs] store of a data directory: one file per body under
// DIR/blobs/, written under DIR/blobs/tmp/ and renamed into place on Commit.
type DirBlobs struct {
	dir  string
	tmp  string
	sync bool
	lock *os.File
}

var _ Blobs = (*DirBlobs)(nil)

// OpenDirBlobs opens or creates the body store in dataDir/blobs/, takes an
// exclusive lock on it ([ErrLocked] if another process holds it), and removes
// the unfinished bodies a killed process left behind. With [Options.Sync],
// Commit fsyncs the body and its directory.
func OpenDirBlobs(dataDir string, opts Options) (*DirBlobs, error) {
	dir := filepath.Join(dataDir, "blobs")
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state: open blobs: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state: open blobs: %w", err)
	}
	if err := lockFile(lock); err != nil {
		lock.Close()
		return nil, fmt.Errorf("state: open blobs %s: %w", dir, err)
	}
	if err := os.RemoveAll(tmp); err != nil {
		lock.Close()
		return nil, fmt.Errorf("state: open blobs: %w", err)
	}
	if err := os.Mkdir(tmp, 0o755); err != nil {
		lock.Close()
		return nil, fmt.Errorf("state: open blobs: %w", err)
	}
	return &DirBlobs{dir: dir, tmp: tmp, sync: opts.Sync, lock: lock}, nil
}

func (d *DirBlobs) path(id string) string {
	return filepath.Join(d.dir, id[:2], id)
}

// Create starts a new body in a temporary file.
func (d *DirBlobs) Create() (BlobWriter, error) {
	f, err := os.CreateTemp(d.tmp, "body-*")
	if err != nil {
		return nil, fmt.Errorf("state: create blob: %w", err)
	}
	return &dirWriter{d: d, f: f}, nil
}

// Open opens the body with the given id.
func (d *DirBlobs) Open(id string) (Blob, error) {
	if !ValidBlobID(id) {
		return nil, fmt.Errorf("%w: %q", ErrBlobNotFound, id)
	}
	b, err := openFileBlob(d.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrBlobNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("state: open blob: %w", err)
	}
	return b, nil
}

// Remove deletes the body with the given id. Open readers keep their data
// (the file is unlinked, not truncated).
func (d *DirBlobs) Remove(id string) error {
	if !ValidBlobID(id) {
		return fmt.Errorf("%w: %q", ErrBlobNotFound, id)
	}
	err := os.Remove(d.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrBlobNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("state: remove blob: %w", err)
	}
	return nil
}

// Sweep removes every committed body for which keep returns false and returns
// how many it removed. Services call it after replaying the journal, with the
// ids their state refers to, to drop bodies orphaned by a crash between
// Commit and the journal record (or between the record and Remove). Files
// that are not bodies are left alone.
func (d *DirBlobs) Sweep(keep func(id string) bool) (removed int, err error) {
	shards, err := os.ReadDir(d.dir)
	if err != nil {
		return 0, fmt.Errorf("state: sweep blobs: %w", err)
	}
	for _, shard := range shards {
		name := shard.Name()
		if !shard.IsDir() || len(name) != 2 || !isLowerHex(name) {
			continue
		}
		files, err := os.ReadDir(filepath.Join(d.dir, name))
		if err != nil {
			return removed, fmt.Errorf("state: sweep blobs: %w", err)
		}
		for _, f := range files {
			id := f.Name()
			if !ValidBlobID(id) || id[:2] != name || keep(id) {
				continue
			}
			if err := os.Remove(filepath.Join(d.dir, name, id)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return removed, fmt.Errorf("state: sweep blobs: %w", err)
			}
			removed++
		}
	}
	return removed, nil
}

// Close releases the directory lock. Open readers stay usable.
func (d *DirBlobs) Close() error {
	return d.lock.Close()
}

// dirWriter writes one body to a temporary file of a DirBlobs.
type dirWriter struct {
	d    *DirBlobs
	f    *os.File
	n    int64
	done bool
}

func (w *dirWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errWriterDone
	}
	n, err := w.f.Write(p)
	w.n += int64(n)
	return n, err
}

func (w *dirWriter) Commit() (string, int64, error) {
	id := newBlobID()
	n, err := w.CommitAs(id)
	if err != nil {
		return "", 0, err
	}
	return id, n, nil
}

func (w *dirWriter) CommitAs(id string) (int64, error) {
	if w.done {
		return 0, errWriterDone
	}
	if !ValidBlobID(id) {
		w.Abort()
		return 0, fmt.Errorf("state: commit blob: invalid id %q", id)
	}
	w.done = true
	fail := func(err error) (int64, error) {
		w.f.Close()
		os.Remove(w.f.Name())
		return 0, fmt.Errorf("state: commit blob: %w", err)
	}
	if w.d.sync {
		if err := w.f.Sync(); err != nil {
			return fail(err)
		}
	}
	if err := w.f.Close(); err != nil {
		return fail(err)
	}
	final := w.d.path(id)
	shard := filepath.Dir(final)
	if err := os.MkdirAll(shard, 0o755); err != nil {
		return fail(err)
	}
	if err := os.Rename(w.f.Name(), final); err != nil {
		return fail(err)
	}
	if w.d.sync {
		if err := syncDir(shard); err != nil {
			return 0, fmt.Errorf("state: commit blob: %w", err)
		}
	}
	return w.n, nil
}

func (w *dirWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	os.Remove(w.f.Name())
}
