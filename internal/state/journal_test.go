package state

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// kv is one replayed record.
type kv struct{ ns, key, value string }

func openJournal(t testing.TB, dir string, opts Options) *Journal {
	t.Helper()
	j, err := OpenJournal(dir, opts)
	if err != nil {
		t.Fatalf("OpenJournal(%q) = %v", dir, err)
	}
	return j
}

func replayAll(t testing.TB, j *Journal) []kv {
	t.Helper()
	var got []kv
	err := j.Replay(func(ns, key string, value []byte) error {
		got = append(got, kv{ns, key, string(value)})
		return nil
	})
	if err != nil {
		t.Fatalf("Replay() = %v", err)
	}
	return got
}

func reopenAll(t testing.TB, dir string) []kv {
	t.Helper()
	j := openJournal(t, dir, Options{})
	defer j.Close()
	return replayAll(t, j)
}

func mustPut(t testing.TB, j *Journal, ns, key, value string) {
	t.Helper()
	if err := j.Put(ns, key, []byte(value)); err != nil {
		t.Fatalf("Put(%q, %q) = %v", ns, key, err)
	}
}

func equalKVs(a, b []kv) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func journalPath(dir string) string { return filepath.Join(dir, "journal", journalName) }

func TestJournalPutDeleteReplay(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir, Options{})
	mustPut(t, j, "sqs", "queue/a", "A1")
	mustPut(t, j, "sqs", "queue/b", "B1")
	mustPut(t, j, "s3", "bucket/x", "X1")
	mustPut(t, j, "sqs", "queue/a", "A2")
	if err := j.Delete("sqs", "queue/b"); err != nil {
		t.Fatal(err)
	}
	mustPut(t, j, "sqs", "msg/a/1", "m1")
	mustPut(t, j, "sqs", "msg/a/2", "m2")
	mustPut(t, j, "sqs", "msg/b/1", "m3")
	if err := j.DeletePrefix("sqs", "msg/a/"); err != nil {
		t.Fatal(err)
	}
	mustPut(t, j, "empty", "", "")
	want := []kv{
		{"sqs", "queue/a", "A2"},
		{"s3", "bucket/x", "X1"},
		{"sqs", "msg/b/1", "m3"},
		{"empty", "", ""},
	}
	if got := replayAll(t, j); !equalKVs(got, want) {
		t.Fatalf("Replay before reopen = %v, want %v", got, want)
	}
	if got := j.Stats().Keys; got != len(want) {
		t.Fatalf("Stats().Keys = %d, want %d", got, len(want))
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if got := reopenAll(t, dir); !equalKVs(got, want) {
		t.Fatalf("Replay after reopen = %v, want %v", got, want)
	}
}

func TestJournalReplayFirstWriteOrder(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir, Options{})
	mustPut(t, j, "sqs", "queue", "v1")
	mustPut(t, j, "sqs", "queue/m1", "m1")
	mustPut(t, j, "sqs", "queue/m2", "m2")
	mustPut(t, j, "sqs", "queue", "v2") // updated after its children: still first
	if err := j.Delete("sqs", "queue/m1"); err != nil {
		t.Fatal(err)
	}
	mustPut(t, j, "sqs", "queue/m1", "m1-again") // reborn: now last
	want := []kv{{"sqs", "queue", "v2"}, {"sqs", "queue/m2", "m2"}, {"sqs", "queue/m1", "m1-again"}}
	if got := replayAll(t, j); !equalKVs(got, want) {
		t.Fatalf("Replay = %v, want %v", got, want)
	}
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if got := reopenAll(t, dir); !equalKVs(got, want) {
		t.Fatalf("Replay after compaction and reopen = %v, want %v", got, want)
	}
}

func TestJournalDeleteOfMissingKeyWritesNothing(t *testing.T) {
	j := openJournal(t, t.TempDir(), Options{})
	defer j.Close()
	mustPut(t, j, "ns", "k", "v")
	size := j.Stats().FileBytes
	if err := j.Delete("ns", "other"); err != nil {
		t.Fatal(err)
	}
	if err := j.Delete("nope", "k"); err != nil {
		t.Fatal(err)
	}
	if err := j.DeletePrefix("ns", "x"); err != nil {
		t.Fatal(err)
	}
	if got := j.Stats().FileBytes; got != size {
		t.Fatalf("deleting missing keys grew the journal from %d to %d bytes", size, got)
	}
}

func TestJournalDeletePrefixEmptyClearsNamespace(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir, Options{})
	mustPut(t, j, "a", "1", "x")
	mustPut(t, j, "a", "2", "y")
	mustPut(t, j, "b", "1", "z")
	if err := j.DeletePrefix("a", ""); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if got, want := reopenAll(t, dir), []kv{{"b", "1", "z"}}; !equalKVs(got, want) {
		t.Fatalf("Replay = %v, want %v", got, want)
	}
}

// writeThree writes three records and returns the file offsets where each
// record starts, plus the file's final size.
func writeThree(t *testing.T, dir string) (starts []int64, end int64) {
	t.Helper()
	j := openJournal(t, dir, Options{})
	for i, v := range []string{"first", "second", "third-value-is-longer"} {
		starts = append(starts, j.Stats().FileBytes)
		mustPut(t, j, "ns", fmt.Sprintf("k%d", i), v)
	}
	end = j.Stats().FileBytes
	j.Close()
	return starts, end
}

func TestJournalTornTailIsTruncated(t *testing.T) {
	probe := t.TempDir()
	starts, end := writeThree(t, probe)
	last := starts[2]
	want := []kv{{"ns", "k0", "first"}, {"ns", "k1", "second"}}
	for cut := last + 1; cut < end; cut++ {
		dir := t.TempDir()
		writeThree(t, dir)
		if err := os.Truncate(journalPath(dir), cut); err != nil {
			t.Fatal(err)
		}
		j := openJournal(t, dir, Options{})
		if got := replayAll(t, j); !equalKVs(got, want) {
			t.Fatalf("cut at %d: Replay = %v, want %v", cut, got, want)
		}
		if got := j.Stats().FileBytes; got != last {
			t.Fatalf("cut at %d: journal is %d bytes after open, want the torn record truncated to %d", cut, got, last)
		}
		mustPut(t, j, "ns", "k9", "after")
		j.Close()
		info, err := os.Stat(journalPath(dir))
		if err != nil {
			t.Fatal(err)
		}
		if info.Size() <= last {
			t.Fatalf("cut at %d: file is %d bytes after a new Put", cut, info.Size())
		}
		if got, want := reopenAll(t, dir), append(want[:2:2], kv{"ns", "k9", "after"}); !equalKVs(got, want) {
			t.Fatalf("cut at %d: Replay after new Put = %v, want %v", cut, got, want)
		}
	}
}

func TestJournalFinalRecordBadChecksumIsTorn(t *testing.T) {
	dir := t.TempDir()
	starts, end := writeThree(t, dir)
	flipByte(t, journalPath(dir), end-1)
	got := reopenAll(t, dir)
	if want := []kv{{"ns", "k0", "first"}, {"ns", "k1", "second"}}; !equalKVs(got, want) {
		t.Fatalf("Replay = %v, want %v", got, want)
	}
	info, _ := os.Stat(journalPath(dir))
	if info.Size() != starts[2] {
		t.Fatalf("file is %d bytes, want %d", info.Size(), starts[2])
	}
}

func TestJournalZeroFilledTailIsTorn(t *testing.T) {
	dir := t.TempDir()
	_, end := writeThree(t, dir)
	f, err := os.OpenFile(journalPath(dir), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 4096))
	f.Close()
	if got := reopenAll(t, dir); len(got) != 3 {
		t.Fatalf("Replay = %v, want the three records", got)
	}
	info, _ := os.Stat(journalPath(dir))
	if info.Size() != end {
		t.Fatalf("file is %d bytes, want the zero tail cut back to %d", info.Size(), end)
	}
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[off] ^= 0x55
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestJournalCorruptMiddleIsAnError(t *testing.T) {
	tests := []struct {
		name   string
		offset func(starts []int64) int64 // byte to damage
		reason string
	}{
		{"body", func(s []int64) int64 { return s[1] + headerSize + 3 }, "record checksum mismatch"},
		{"length", func(s []int64) int64 { return s[1] }, "bad record header checksum"},
		{"header checksum", func(s []int64) int64 { return s[1] + 9 }, "bad record header checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			starts, end := writeThree(t, dir)
			flipByte(t, journalPath(dir), tt.offset(starts))
			_, err := OpenJournal(dir, Options{})
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("OpenJournal = %v, want a *CorruptError", err)
			}
			if ce.Offset != starts[1] || ce.Reason != tt.reason {
				t.Fatalf("CorruptError at offset %d (%s), want offset %d (%s)", ce.Offset, ce.Reason, starts[1], tt.reason)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("offset %d", starts[1])) {
				t.Fatalf("error %q does not name the offset", err)
			}
			info, _ := os.Stat(journalPath(dir))
			if info.Size() != end {
				t.Fatal("a corrupt journal was truncated")
			}
			// The lock must have been released despite the failure.
			if err := os.Remove(journalPath(dir)); err != nil {
				t.Fatal(err)
			}
			j := openJournal(t, dir, Options{})
			j.Close()
		})
	}
}

func TestJournalRejectsForeignFile(t *testing.T) {
	for _, content := range []string{"hello world, not a journal", "virgaJ2\nxxxx", "x"} {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "journal"), 0o755)
		os.WriteFile(journalPath(dir), []byte(content), 0o644)
		_, err := OpenJournal(dir, Options{})
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Offset != 0 {
			t.Errorf("OpenJournal on %q = %v, want a CorruptError at offset 0", content, err)
		}
	}
}

func TestJournalTornMagicIsRewritten(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "journal"), 0o755)
	os.WriteFile(journalPath(dir), []byte(journalMagic[:3]), 0o644)
	j := openJournal(t, dir, Options{})
	mustPut(t, j, "ns", "k", "v")
	j.Close()
	if got, want := reopenAll(t, dir), []kv{{"ns", "k", "v"}}; !equalKVs(got, want) {
		t.Fatalf("Replay = %v, want %v", got, want)
	}
}

func TestJournalCompactionKeepsLastValues(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir, Options{CompactMinDead: 4 << 10})
	value := func(k, round int) string { return fmt.Sprintf("key%d-round%d-%s", k, round, strings.Repeat("x", k*7)) }
	const keys, rounds = 20, 60
	maxSize := int64(0)
	for round := range rounds {
		for k := range keys {
			mustPut(t, j, fmt.Sprintf("ns%d", k%3), fmt.Sprintf("k%02d", k), value(k, round))
		}
		if k := round % keys; round%5 == 4 {
			if err := j.Delete(fmt.Sprintf("ns%d", k%3), fmt.Sprintf("k%02d", k)); err != nil {
				t.Fatal(err)
			}
			mustPut(t, j, fmt.Sprintf("ns%d", k%3), fmt.Sprintf("k%02d", k), value(k, round))
		}
		maxSize = max(maxSize, j.Stats().FileBytes)
	}
	st := j.Stats()
	if st.Keys != keys {
		t.Fatalf("Stats().Keys = %d, want %d", st.Keys, keys)
	}
	// Without compaction the file would hold every round.
	if limit := 2*st.LiveBytes + (4 << 10) + int64(len(journalMagic)) + 1024; maxSize > limit {
		t.Fatalf("journal grew to %d bytes with %d live bytes: compaction did not run", maxSize, st.LiveBytes)
	}
	want := map[string]string{}
	for k := range keys {
		want[fmt.Sprintf("ns%d/k%02d", k%3, k)] = value(k, rounds-1)
	}
	check := func(label string, got []kv) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d keys, want %d", label, len(got), len(want))
		}
		for _, r := range got {
			if w := want[r.ns+"/"+r.key]; r.value != w {
				t.Fatalf("%s: %s/%s = %q, want %q", label, r.ns, r.key, r.value, w)
			}
		}
	}
	check("live journal", replayAll(t, j))
	j.Close()
	check("reopened journal", reopenAll(t, dir))
	if _, err := os.Stat(filepath.Join(dir, "journal", compactName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("compaction left %s behind (stat: %v)", compactName, err)
	}
}

func TestJournalCompactRemovesDeadRecords(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir, Options{})
	for i := range 100 {
		mustPut(t, j, "ns", "k", fmt.Sprintf("v%d", i))
	}
	mustPut(t, j, "ns", "gone", "x")
	j.Delete("ns", "gone")
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	st := j.Stats()
	if st.FileBytes != int64(len(journalMagic))+st.LiveBytes || st.Keys != 1 {
		t.Fatalf("after Compact: %+v, want one key and no dead bytes", st)
	}
	mustPut(t, j, "ns", "k2", "after")
	j.Close()
	if got, want := reopenAll(t, dir), []kv{{"ns", "k", "v99"}, {"ns", "k2", "after"}}; !equalKVs(got, want) {
		t.Fatalf("Replay = %v, want %v", got, want)
	}
}

func TestJournalConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir, Options{CompactMinDead: 8 << 10})
	const writers, perWriter = 8, 400
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				key := fmt.Sprintf("w%d/k%d", w, i%25)
				if err := j.Put("ns", key, fmt.Appendf(nil, "w%d-i%d", w, i)); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 49 {
					if err := j.DeletePrefix("ns", fmt.Sprintf("w%d/k1", w)); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			j.Stats()
		}
	})
	wg.Wait()
	want := map[string]string{}
	for w := range writers {
		for i := range perWriter {
			want[fmt.Sprintf("w%d/k%d", w, i%25)] = fmt.Sprintf("w%d-i%d", w, i)
			if i%50 == 49 {
				for k := range want {
					if strings.HasPrefix(k, fmt.Sprintf("w%d/k1", w)) {
						delete(want, k)
					}
				}
			}
		}
	}
	j.Close()
	got := reopenAll(t, dir)
	if len(got) != len(want) {
		t.Fatalf("%d keys after reopen, want %d", len(got), len(want))
	}
	for _, r := range got {
		if r.value != want[r.key] {
			t.Fatalf("%s = %q, want %q", r.key, r.value, want[r.key])
		}
	}
}

func TestJournalLockedByAnotherOpen(t *testing.T) {
	if !canLock {
		t.Skip("no file locks on this system")
	}
	dir := t.TempDir()
	j := openJournal(t, dir, Options{})
	if _, err := OpenJournal(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second OpenJournal = %v, want ErrLocked", err)
	}
	j.Close()
	j2 := openJournal(t, dir, Options{})
	j2.Close()
}

func TestJournalClosed(t *testing.T) {
	j := openJournal(t, t.TempDir(), Options{})
	mustPut(t, j, "ns", "k", "v")
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close() = %v, want nil", err)
	}
	checks := map[string]error{
		"Put":          j.Put("ns", "k", nil),
		"Delete":       j.Delete("ns", "k"),
		"DeletePrefix": j.DeletePrefix("ns", ""),
		"Replay":       j.Replay(func(string, string, []byte) error { return nil }),
		"Compact":      j.Compact(),
	}
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func TestJournalSyncMode(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir, Options{Sync: true, CompactMinDead: 1})
	for i := range 10 {
		mustPut(t, j, "ns", "k", fmt.Sprint(i))
	}
	j.Close()
	if got, want := reopenAll(t, dir), []kv{{"ns", "k", "9"}}; !equalKVs(got, want) {
		t.Fatalf("Replay = %v, want %v", got, want)
	}
}

func TestJournalLargeValue(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, dir, Options{})
	big := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MiB
	if err := j.Put("ns", "big", big); err != nil {
		t.Fatal(err)
	}
	if cap(j.buf) > maxKeptBuffer {
		t.Fatalf("journal kept a %d-byte encode buffer", cap(j.buf))
	}
	mustPut(t, j, "ns", "small", "s")
	j.Close()
	got := reopenAll(t, dir)
	if len(got) != 2 || got[0].value != string(big) || got[1].value != "s" {
		t.Fatalf("Replay returned %d records, or the wrong values", len(got))
	}
}

func TestJournalReplayStopsOnError(t *testing.T) {
	j := openJournal(t, t.TempDir(), Options{})
	defer j.Close()
	mustPut(t, j, "ns", "a", "1")
	mustPut(t, j, "ns", "b", "2")
	stop := errors.New("stop")
	calls := 0
	err := j.Replay(func(string, string, []byte) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Fatalf("Replay = %v after %d calls, want the callback's error after 1", err, calls)
	}
}

func TestDiscard(t *testing.T) {
	if Persistent(Discard) || Persistent(nil) {
		t.Fatal("Persistent(Discard) or Persistent(nil) = true")
	}
	if err := Discard.Put("ns", "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := Discard.Delete("ns", "k"); err != nil {
		t.Fatal(err)
	}
	if err := Discard.DeletePrefix("ns", "k"); err != nil {
		t.Fatal(err)
	}
	j := openJournal(t, t.TempDir(), Options{})
	defer j.Close()
	var l Log = j
	if !Persistent(l) {
		t.Fatal("Persistent(journal) = false")
	}
}

// FuzzReplay checks that no journal file, however damaged, makes OpenJournal
// or Replay panic or hang, that damage is reported as a CorruptError, and
// that a journal that opens once opens again with the same contents.
func FuzzReplay(f *testing.F) {
	dir := f.TempDir()
	j := openJournal(f, dir, Options{})
	mustPut(f, j, "sqs", "queue/a", "A1")
	mustPut(f, j, "s3", "bucket/x", strings.Repeat("x", 300))
	j.Delete("sqs", "queue/a")
	mustPut(f, j, "sqs", "msg/1", "m")
	j.DeletePrefix("sqs", "msg/")
	mustPut(f, j, "sqs", "queue/a", "A2")
	j.Close()
	valid, err := os.ReadFile(journalPath(dir))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)                                           // a healthy journal
	f.Add(valid[:len(valid)-5])                            // torn final record
	f.Add(append(bytes.Clone(valid), make([]byte, 64)...)) // zero-filled tail
	f.Add([]byte{})                                        // new file
	f.Add([]byte(journalMagic[:4]))                        // torn magic
	f.Add([]byte(journalMagic + "\x05\x00\x00\x00garbage-garbage"))
	flipped := bytes.Clone(valid)
	flipped[len(journalMagic)+headerSize+2] ^= 1
	f.Add(flipped) // corrupt first record

	// One directory serves every input of this process: inputs run one at a
	// time, and a fresh directory per input would make fuzzing I/O-bound.
	work := f.TempDir()
	os.MkdirAll(filepath.Join(work, "journal"), 0o755)
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := work
		if err := os.WriteFile(journalPath(dir), data, 0o644); err != nil {
			t.Fatal(err)
		}
		j, err := OpenJournal(dir, Options{})
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("OpenJournal = %v, want nil or a *CorruptError", err)
			}
			return
		}
		first := replayAll(t, j)
		if n := j.Stats().Keys; n != len(first) {
			t.Fatalf("Stats().Keys = %d, Replay gave %d", n, len(first))
		}
		j.Close()
		if again := reopenAll(t, dir); !equalKVs(first, again) {
			t.Fatalf("second open replayed %v, first %v", again, first)
		}
	})
}

func BenchmarkJournalPut(b *testing.B) {
	j := openJournal(b, b.TempDir(), Options{})
	defer j.Close()
	value := bytes.Repeat([]byte("v"), 100)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("queue/%d", i)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	i := 0
	for b.Loop() {
		if err := j.Put("sqs", keys[i%len(keys)], value); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkJournalPutParallel(b *testing.B) {
	j := openJournal(b, b.TempDir(), Options{})
	defer j.Close()
	value := bytes.Repeat([]byte("v"), 100)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("queue/%d", i)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := j.Put("sqs", keys[i%len(keys)], value); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkDiscardPut(b *testing.B) {
	value := bytes.Repeat([]byte("v"), 100)
	var l Log = Discard
	b.ReportAllocs()
	for b.Loop() {
		l.Put("sqs", "queue/1", value)
	}
}

func BenchmarkJournalReplay(b *testing.B) {
	dir := b.TempDir()
	j := openJournal(b, dir, Options{})
	value := bytes.Repeat([]byte("v"), 100)
	for i := range 10000 {
		j.Put("sqs", fmt.Sprintf("queue/%d", i), value)
	}
	j.Close()
	b.ReportAllocs()
	for b.Loop() {
		j := openJournal(b, dir, Options{})
		n := 0
		j.Replay(func(string, string, []byte) error { n++; return nil })
		j.Close()
		if n != 10000 {
			b.Fatalf("replayed %d keys", n)
		}
	}
}
