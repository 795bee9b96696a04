package state

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// DefaultSpillThreshold is the body size above which MemBlobs spills to a
// file when given no threshold.
const DefaultSpillThreshold = 1 << 20

// spillPrefix names the spill directories of MemBlobs; each holds a LOCK file
// locked by its owner, so a later process can remove those of dead owners.
const spillPrefix = "virga-spill-"

// MemBlobs is the [Blobs] store of memory mode: bodies up to a threshold live
// in memory, larger ones in files of a private spill directory, created on
// first use and removed by Close. Spill directories left by killed processes
// are removed the next time one is created in the same parent.
type MemBlobs struct {
	mu        sync.Mutex
	parent    string
	threshold int64
	spill     string   // private spill directory, "" until first needed
	lock      *os.File // LOCK of the spill directory
	blobs     map[string]memEntry
	closed    bool
}

// memEntry is one committed body: data in memory, or a spill file.
type memEntry struct {
	data []byte
	path string
}

var _ Blobs = (*MemBlobs)(nil)

// NewMemBlobs returns an empty MemBlobs that spills bodies larger than
// threshold bytes (DefaultSpillThreshold if threshold <= 0) to files under
// spillDir (os.TempDir() if empty). It touches no file until a body spills.
func NewMemBlobs(spillDir string, threshold int64) *MemBlobs {
	if spillDir == "" {
		spillDir = os.TempDir()
	}
	if threshold <= 0 {
		threshold = DefaultSpillThreshold
	}
	return &MemBlobs{parent: spillDir, threshold: threshold, blobs: make(map[string]memEntry)}
}

// Create starts a new body, kept in memory until it outgrows the threshold.
func (m *MemBlobs) Create() (BlobWriter, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	return &memWriter{m: m}, nil
}

// Open returns a reader of the body with the given id.
func (m *MemBlobs) Open(id string) (Blob, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	e, ok := m.blobs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrBlobNotFound, id)
	}
	if e.path == "" {
		return memBlob{bytes.NewReader(e.data)}, nil
	}
	b, err := openFileBlob(e.path)
	if err != nil {
		return nil, fmt.Errorf("state: open blob: %w", err)
	}
	return b, nil
}

// Remove deletes the body with the given id. Open readers keep their data.
func (m *MemBlobs) Remove(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	e, ok := m.blobs[id]
	if !ok {
		return fmt.Errorf("%w: %q", ErrBlobNotFound, id)
	}
	delete(m.blobs, id)
	if e.path != "" {
		if err := os.Remove(e.path); err != nil {
			return fmt.Errorf("state: remove blob: %w", err)
		}
	}
	return nil
}

// Close drops every body and removes the spill directory. Readers opened
// before keep their data; later calls return [ErrClosed].
func (m *MemBlobs) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.blobs = nil
	if m.spill == "" {
		return nil
	}
	err := os.RemoveAll(m.spill)
	if cerr := m.lock.Close(); err == nil {
		err = cerr
	}
	return err
}

// spillFile creates a file for a body that outgrew memory.
func (m *MemBlobs) spillFile() (*os.File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	if m.spill == "" {
		if err := m.makeSpillDir(); err != nil {
			return nil, fmt.Errorf("state: spill blob: %w", err)
		}
	}
	f, err := os.CreateTemp(m.spill, "body-*")
	if err != nil {
		return nil, fmt.Errorf("state: spill blob: %w", err)
	}
	return f, nil
}

// makeSpillDir removes the spill directories of dead processes, then creates
// and locks a new one. The directory gets its final name only once its LOCK
// is held, so no other process can mistake it for abandoned.
func (m *MemBlobs) makeSpillDir() error {
	removeAbandonedSpillDirs(m.parent)
	if err := os.MkdirAll(m.parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(m.parent, ".new-"+spillPrefix)
	if err != nil {
		return err
	}
	lock, err := os.Create(filepath.Join(tmp, lockName))
	if err == nil {
		err = lockFile(lock)
		if err != nil {
			lock.Close()
		}
	}
	if err != nil {
		os.RemoveAll(tmp)
		return err
	}
	final := filepath.Join(m.parent, strings.TrimPrefix(filepath.Base(tmp), ".new-"))
	if err := os.Rename(tmp, final); err != nil {
		lock.Close()
		os.RemoveAll(tmp)
		return err
	}
	m.spill, m.lock = final, lock
	return nil
}

// removeAbandonedSpillDirs removes the spill directories under parent whose
// LOCK no process holds. It does nothing where locks are unavailable.
func removeAbandonedSpillDirs(parent string) {
	if !canLock {
		return
	}
	dirs, err := filepath.Glob(filepath.Join(parent, spillPrefix+"*"))
	if err != nil {
		return
	}
	for _, dir := range dirs {
		lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if lockFile(lock) == nil {
			os.RemoveAll(dir)
		}
		lock.Close()
	}
}

// commit publishes a finished body under id, replacing any body with that id.
func (m *MemBlobs) commit(id string, e memEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	old, replaced := m.blobs[id]
	m.blobs[id] = e
	if replaced && old.path != "" {
		os.Remove(old.path)
	}
	return nil
}

// memWriter writes one body of a MemBlobs: to memory, then to a spill file
// once it outgrows the threshold.
type memWriter struct {
	m    *MemBlobs
	buf  []byte
	f    *os.File
	n    int64
	done bool
}

func (w *memWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errWriterDone
	}
	if w.f == nil && int64(len(w.buf))+int64(len(p)) > w.m.threshold {
		f, err := w.m.spillFile()
		if err != nil {
			return 0, err
		}
		w.f = f
		if _, err := f.Write(w.buf); err != nil {
			return 0, fmt.Errorf("state: spill blob: %w", err)
		}
		w.buf = nil
	}
	if w.f != nil {
		n, err := w.f.Write(p)
		w.n += int64(n)
		return n, err
	}
	w.buf = append(w.buf, p...)
	w.n += int64(len(p))
	return len(p), nil
}

func (w *memWriter) Commit() (string, int64, error) {
	id := newBlobID()
	n, err := w.CommitAs(id)
	if err != nil {
		return "", 0, err
	}
	return id, n, nil
}

func (w *memWriter) CommitAs(id string) (int64, error) {
	if w.done {
		return 0, errWriterDone
	}
	if !ValidBlobID(id) {
		w.Abort()
		return 0, fmt.Errorf("state: commit blob: invalid id %q", id)
	}
	var e memEntry
	if w.f != nil {
		if err := w.f.Close(); err != nil {
			w.Abort()
			return 0, fmt.Errorf("state: commit blob: %w", err)
		}
		e.path = w.f.Name()
	} else {
		e.data = w.buf
		if cap(e.data)-len(e.data) > len(e.data)/4 {
			e.data = bytes.Clone(e.data)
		}
	}
	if err := w.m.commit(id, e); err != nil {
		w.Abort()
		return 0, err
	}
	w.done, w.buf, w.f = true, nil, nil
	return w.n, nil
}

func (w *memWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.buf = nil
	if w.f != nil {
		w.f.Close()
		os.Remove(w.f.Name())
	}
}
