package state

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// blobStores returns a fresh store of each implementation. MemBlobs spills
// above 64 bytes so both of its paths are exercised.
func blobStores(t *testing.T) map[string]Blobs {
	t.Helper()
	d, err := OpenDirBlobs(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	m := NewMemBlobs(t.TempDir(), 64)
	t.Cleanup(func() { m.Close() })
	return map[string]Blobs{"DirBlobs": d, "MemBlobs": m}
}

var blobBodies = map[string][]byte{
	"empty":   nil,
	"small":   []byte("hello, blob"),
	"spilled": bytes.Repeat([]byte("0123456789"), 1000),
}

func putBlob(t *testing.T, s Blobs, body []byte) string {
	t.Helper()
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	// Write in pieces to cross the spill threshold mid-body.
	for p := body; len(p) > 0; {
		n := min(len(p), 37)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	id, size, err := w.Commit()
	if err != nil {
		t.Fatalf("Commit() = %v", err)
	}
	if size != int64(len(body)) || !ValidBlobID(id) {
		t.Fatalf("Commit() = %q, %d; want a valid id and size %d", id, size, len(body))
	}
	return id
}

func readBlob(t *testing.T, s Blobs, id string) []byte {
	t.Helper()
	b, err := s.Open(id)
	if err != nil {
		t.Fatalf("Open(%q) = %v", id, err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if b.Size() != int64(len(data)) {
		t.Fatalf("Size() = %d, read %d bytes", b.Size(), len(data))
	}
	return data
}

func TestBlobsRoundTrip(t *testing.T) {
	for impl, s := range blobStores(t) {
		for name, body := range blobBodies {
			t.Run(impl+"/"+name, func(t *testing.T) {
				id := putBlob(t, s, body)
				if got := readBlob(t, s, id); !bytes.Equal(got, body) {
					t.Fatalf("read %d bytes, want the %d written", len(got), len(body))
				}
				b, err := s.Open(id)
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				if len(body) > 10 {
					buf := make([]byte, 5)
					if _, err := b.ReadAt(buf, 5); err != nil || !bytes.Equal(buf, body[5:10]) {
						t.Fatalf("ReadAt(5) = %q, %v; want %q", buf, err, body[5:10])
					}
					if _, err := b.Seek(-3, io.SeekEnd); err != nil {
						t.Fatal(err)
					}
					rest, _ := io.ReadAll(b)
					if !bytes.Equal(rest, body[len(body)-3:]) {
						t.Fatalf("after Seek(-3, end) read %q, want %q", rest, body[len(body)-3:])
					}
				}
			})
		}
	}
}

func TestBlobsWriterLifecycle(t *testing.T) {
	for impl, s := range blobStores(t) {
		t.Run(impl, func(t *testing.T) {
			w, _ := s.Create()
			w.Write([]byte("x"))
			id, _, err := w.Commit()
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := w.Commit(); err == nil {
				t.Fatal("second Commit() succeeded")
			}
			if _, err := w.Write([]byte("y")); err == nil {
				t.Fatal("Write after Commit succeeded")
			}
			w.Abort() // after Commit: no effect
			if got := readBlob(t, s, id); string(got) != "x" {
				t.Fatalf("body after Abort-after-Commit = %q, want %q", got, "x")
			}

			w2, _ := s.Create()
			w2.Write(bytes.Repeat([]byte("z"), 500))
			w2.Abort()
			if _, err := w2.CommitAs(newBlobID()); err == nil {
				t.Fatal("CommitAs after Abort succeeded")
			}

			w3, _ := s.Create()
			if _, err := w3.CommitAs("../../etc/passwd"); err == nil {
				t.Fatal("CommitAs with a path for id succeeded")
			}
		})
	}
}

func TestBlobsNotFound(t *testing.T) {
	for impl, s := range blobStores(t) {
		t.Run(impl, func(t *testing.T) {
			for _, id := range []string{newBlobID(), "", "../x", strings.Repeat("A", 32)} {
				if _, err := s.Open(id); !errors.Is(err, ErrBlobNotFound) {
					t.Errorf("Open(%q) = %v, want ErrBlobNotFound", id, err)
				}
				if err := s.Remove(id); !errors.Is(err, ErrBlobNotFound) {
					t.Errorf("Remove(%q) = %v, want ErrBlobNotFound", id, err)
				}
			}
			id := putBlob(t, s, []byte("gone soon"))
			if err := s.Remove(id); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Open(id); !errors.Is(err, ErrBlobNotFound) {
				t.Fatalf("Open after Remove = %v, want ErrBlobNotFound", err)
			}
		})
	}
}

func TestBlobsRemoveWhileReading(t *testing.T) {
	for impl, s := range blobStores(t) {
		for name, body := range blobBodies {
			t.Run(impl+"/"+name, func(t *testing.T) {
				id := putBlob(t, s, body)
				b, err := s.Open(id)
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				half := make([]byte, len(body)/2)
				if _, err := io.ReadFull(b, half); err != nil {
					t.Fatal(err)
				}
				if err := s.Remove(id); err != nil {
					t.Fatal(err)
				}
				rest, err := io.ReadAll(b)
				if err != nil {
					t.Fatalf("reading after Remove: %v", err)
				}
				if got := append(half, rest...); !bytes.Equal(got, body) {
					t.Fatalf("read %d bytes across Remove, want the %d of the body", len(got), len(body))
				}
			})
		}
	}
}

func TestBlobsCommitAsReplaces(t *testing.T) {
	for impl, s := range blobStores(t) {
		t.Run(impl, func(t *testing.T) {
			id := putBlob(t, s, bytes.Repeat([]byte("a"), 200))
			old, err := s.Open(id)
			if err != nil {
				t.Fatal(err)
			}
			defer old.Close()
			w, _ := s.Create()
			w.Write([]byte("replacement"))
			if n, err := w.CommitAs(id); err != nil || n != int64(len("replacement")) {
				t.Fatalf("CommitAs = %d, %v", n, err)
			}
			if got := readBlob(t, s, id); string(got) != "replacement" {
				t.Fatalf("body after CommitAs = %q", got)
			}
			if data, _ := io.ReadAll(old); !bytes.Equal(data, bytes.Repeat([]byte("a"), 200)) {
				t.Fatal("a reader opened before CommitAs lost its body")
			}
		})
	}
}

func TestBlobsConcurrent(t *testing.T) {
	for impl, s := range blobStores(t) {
		t.Run(impl, func(t *testing.T) {
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 20 {
						body := bytes.Repeat([]byte{byte(g), byte(i)}, 10*i)
						w, err := s.Create()
						if err != nil {
							t.Error(err)
							return
						}
						w.Write(body)
						id, _, err := w.Commit()
						if err != nil {
							t.Error(err)
							return
						}
						b, err := s.Open(id)
						if err != nil {
							t.Error(err)
							return
						}
						got, _ := io.ReadAll(b)
						b.Close()
						if !bytes.Equal(got, body) {
							t.Errorf("body %d/%d read back wrong", g, i)
						}
						if i%2 == 0 {
							s.Remove(id)
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestDirBlobsPersistAndCleanTemp(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDirBlobs(dir, Options{Sync: true})
	if err != nil {
		t.Fatal(err)
	}
	id := putBlob(t, d, []byte("durable"))
	// A body being written when the process dies.
	w, _ := d.Create()
	w.Write([]byte("half a body"))
	if _, err := OpenDirBlobs(dir, Options{}); canLock && !errors.Is(err, ErrLocked) {
		t.Fatalf("second OpenDirBlobs = %v, want ErrLocked", err)
	}
	d.Close()

	d2, err := OpenDirBlobs(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if got := readBlob(t, d2, id); string(got) != "durable" {
		t.Fatalf("body after reopen = %q", got)
	}
	tmp, err := os.ReadDir(filepath.Join(dir, "blobs", "tmp"))
	if err != nil || len(tmp) != 0 {
		t.Fatalf("blobs/tmp after reopen holds %d files (%v), want none", len(tmp), err)
	}
}

func TestDirBlobsSweep(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDirBlobs(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	keep := putBlob(t, d, []byte("referenced"))
	orphan := putBlob(t, d, []byte("orphaned"))
	stray := filepath.Join(dir, "blobs", "notes.txt")
	os.WriteFile(stray, []byte("not a body"), 0o644)
	removed, err := d.Sweep(func(id string) bool { return id == keep })
	if err != nil || removed != 1 {
		t.Fatalf("Sweep = %d, %v; want 1 removed", removed, err)
	}
	if _, err := d.Open(orphan); !errors.Is(err, ErrBlobNotFound) {
		t.Fatalf("orphan still opens: %v", err)
	}
	if got := readBlob(t, d, keep); string(got) != "referenced" {
		t.Fatalf("kept body = %q", got)
	}
	if _, err := os.Stat(stray); err != nil {
		t.Fatalf("Sweep removed a file that is not a body: %v", err)
	}
}

func TestMemBlobsSpill(t *testing.T) {
	parent := t.TempDir()
	m := NewMemBlobs(parent, 1<<10)
	small := putBlob(t, m, bytes.Repeat([]byte("s"), 1<<10))
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Fatalf("a body at the threshold touched the disk: %d entries in the spill parent", len(entries))
	}
	big := bytes.Repeat([]byte("b"), 5<<20)
	bigID := putBlob(t, m, big)
	spills, _ := filepath.Glob(filepath.Join(parent, spillPrefix+"*", "body-*"))
	if len(spills) != 1 {
		t.Fatalf("found %d spill files for one large body, want 1", len(spills))
	}
	if info, err := os.Stat(spills[0]); err != nil || info.Size() != int64(len(big)) {
		t.Fatalf("spill file: %v, %v", info, err)
	}
	if got := readBlob(t, m, bigID); !bytes.Equal(got, big) {
		t.Fatal("spilled body read back wrong")
	}
	reader, err := m.Open(bigID)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	aborted, _ := m.Create()
	aborted.Write(big)
	aborted.Abort()
	if spills, _ := filepath.Glob(filepath.Join(parent, spillPrefix+"*", "body-*")); len(spills) != 1 {
		t.Fatalf("Abort left a spill file: %d files", len(spills))
	}

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Fatalf("Close left %d entries in the spill parent", len(entries))
	}
	if data, err := io.ReadAll(reader); err != nil || !bytes.Equal(data, big) {
		t.Fatalf("a reader opened before Close failed: %v", err)
	}
	if _, err := m.Open(small); !errors.Is(err, ErrClosed) {
		t.Fatalf("Open after Close = %v, want ErrClosed", err)
	}
	if _, err := m.Create(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Create after Close = %v, want ErrClosed", err)
	}
}

func TestMemBlobsRemovesAbandonedSpillDirs(t *testing.T) {
	if !canLock {
		t.Skip("no file locks on this system")
	}
	parent := t.TempDir()
	// A spill directory of a killed process: its LOCK is held by no one.
	dead := filepath.Join(parent, spillPrefix+"dead")
	os.MkdirAll(dead, 0o755)
	os.WriteFile(filepath.Join(dead, lockName), nil, 0o644)
	os.WriteFile(filepath.Join(dead, "body-1"), []byte("stale"), 0o644)

	alive := NewMemBlobs(parent, 1)
	defer alive.Close()
	putBlob(t, alive, []byte("spilled by a live store"))
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("abandoned spill directory survived: %v", err)
	}
	other := NewMemBlobs(parent, 1)
	defer other.Close()
	putBlob(t, other, []byte("second store"))
	if dirs, _ := filepath.Glob(filepath.Join(parent, spillPrefix+"*")); len(dirs) != 2 {
		t.Fatalf("found %d spill directories, want the two live ones", len(dirs))
	}
}

func BenchmarkMemBlobsSmall(b *testing.B) {
	m := NewMemBlobs(b.TempDir(), 0)
	defer m.Close()
	body := bytes.Repeat([]byte("x"), 4<<10)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		w, _ := m.Create()
		w.Write(body)
		id, _, _ := w.Commit()
		m.Remove(id)
	}
}
