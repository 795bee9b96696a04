package state

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Log records the changes of a service's state. Services call it for every
// change before acknowledging it; the implementations are [*Journal] (durable)
// and [Discard] (memory mode). Namespaces keep services apart, e.g. "sqs" or
// "sqs/messages/000000000000/us-east-1/q1"; keys and values are arbitrary
// bytes. Implementations are safe for concurrent use.
type Log interface {
	// Put records that key in namespace ns now holds value. The Log does not
	// retain value after Put returns.
	Put(ns, key string, value []byte) error
	// Delete records that key in namespace ns no longer exists.
	Delete(ns, key string) error
	// DeletePrefix records that every key in namespace ns that starts with
	// prefix no longer exists; an empty prefix clears the namespace.
	DeletePrefix(ns, prefix string) error
}

// Discard is the Log of memory mode: every call does nothing and returns nil.
var Discard Log = discard{}

type discard struct{}

func (discard) Put(string, string, []byte) error  { return nil }
func (discard) Delete(string, string) error       { return nil }
func (discard) DeletePrefix(string, string) error { return nil }

// Persistent reports whether records given to l are kept, so a service can
// skip encoding values for Discard.
func Persistent(l Log) bool { return l != nil && l != Discard }

// MaxRecordSize is the largest journal record body: op, namespace, key and
// value together.
const MaxRecordSize = 1 << 30

const (
	journalMagic          = "virgaJ1\n"
	journalName           = "journal.log"
	compactName           = "journal.log.compact"
	lockName              = "LOCK"
	headerSize            = 12
	defaultCompactMinDead = 64 << 20
	// maxKeptBuffer is the largest encode buffer kept between writes; a larger
	// one, made for an unusually big value, is dropped after use.
	maxKeptBuffer  = 1 << 20
	readBufferSize = 256 << 10
)

const (
	opPut          byte = 1
	opDelete       byte = 2
	opDeletePrefix byte = 3
)

// castagnoli returns the CRC-32C table. crc32.MakeTable builds it on the
// first call (about 0.2 ms with SSE4.2, so not at start-up, where a server
// without --data-dir would pay it for nothing) and returns the shared
// table after that.
func castagnoli() *crc32.Table {
	return crc32.MakeTable(crc32.Castagnoli)
}

// CorruptError reports journal damage that is not a torn final record.
type CorruptError struct {
	Path   string
	Offset int64
	Reason string
}

// Error describes the damage and where it is.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("state: journal %s corrupt at offset %d: %s", e.Path, e.Offset, e.Reason)
}

// entry locates the live Put record of one key.
type entry struct {
	off   int64
	size  int64
	birth uint64 // order of the key's first write since it last became live
}

// Journal is a durable [Log]: an append-only file of checksummed records in
// DIR/journal/, replayed at start and compacted in the background of writes.
// It is safe for concurrent use; every write takes one mutex and makes one
// write(2) (plus an fsync with [Options.Sync]).
//
// The journal keeps, per live key, the position of its record (about 100
// bytes of memory per key, keys included). When the dead bytes of the file
// exceed both [Options.CompactMinDead] and half of the file, the write that
// crossed the line rewrites the live records into a new file and renames it
// over the old one while holding the lock: other writes wait for that copy,
// roughly the time to copy the live bytes once (under a second per few
// hundred MiB).
type Journal struct {
	mu      sync.Mutex
	dir     string
	opts    Options
	f       *os.File // nil once closed
	lock    *os.File
	size    int64 // file size: where the next record goes
	live    int64 // bytes of the live records
	count   int   // live keys
	keys    map[string]map[string]*entry
	births  uint64
	buf     []byte
	broken  error // set when a failed write could not be undone
	nextTry int64 // no automatic compaction before the file reaches this size
}

// OpenJournal opens or creates the journal in dataDir/journal/, checks every
// record, truncates a torn final record away, and takes an exclusive lock on
// the directory ([ErrLocked] if another process holds it). A damaged record
// before the end fails with a [*CorruptError].
func OpenJournal(dataDir string, opts Options) (*Journal, error) {
	if opts.CompactMinDead <= 0 {
		opts.CompactMinDead = defaultCompactMinDead
	}
	dir := filepath.Join(dataDir, "journal")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state: open journal: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state: open journal: %w", err)
	}
	if err := lockFile(lock); err != nil {
		lock.Close()
		return nil, fmt.Errorf("state: open journal %s: %w", dir, err)
	}
	if err := os.Remove(filepath.Join(dir, compactName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		lock.Close()
		return nil, fmt.Errorf("state: open journal: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, journalName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("state: open journal: %w", err)
	}
	j := &Journal{dir: dir, opts: opts, f: f, lock: lock, keys: make(map[string]map[string]*entry)}
	if err := j.load(); err != nil {
		f.Close()
		lock.Close()
		return nil, err
	}
	return j, nil
}

// load scans the file, rebuilding the index and cutting off a torn tail.
func (j *Journal) load() error {
	info, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("state: open journal: %w", err)
	}
	size := info.Size()
	magic := make([]byte, min(size, int64(len(journalMagic))))
	if _, err := j.f.ReadAt(magic, 0); err != nil {
		return fmt.Errorf("state: open journal: %w", err)
	}
	if !strings.HasPrefix(journalMagic, string(magic)) {
		return &CorruptError{Path: j.f.Name(), Offset: 0, Reason: "not a Virga journal"}
	}
	if size < int64(len(journalMagic)) {
		// A new file, or one whose creation was cut short.
		if err := j.f.Truncate(0); err != nil {
			return fmt.Errorf("state: open journal: %w", err)
		}
		if _, err := j.f.WriteAt([]byte(journalMagic), 0); err != nil {
			return fmt.Errorf("state: open journal: %w", err)
		}
		if j.opts.Sync {
			if err := j.f.Sync(); err != nil {
				return fmt.Errorf("state: open journal: %w", err)
			}
		}
		j.size = int64(len(journalMagic))
		return nil
	}

	off := int64(len(journalMagic))
	r := bufio.NewReaderSize(io.NewSectionReader(j.f, off, size-off), readBufferSize)
	var hdr [headerSize]byte
	var body []byte
	for off < size {
		rem := size - off
		if rem < headerSize {
			break // torn header
		}
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return fmt.Errorf("state: read journal: %w", err)
		}
		if crc32.Checksum(hdr[:8], castagnoli()) != binary.LittleEndian.Uint32(hdr[8:]) {
			zero, err := j.zeroFrom(off, size)
			if err != nil {
				return err
			}
			if zero {
				break // a tail the file system zero-filled
			}
			return &CorruptError{Path: j.f.Name(), Offset: off, Reason: "bad record header checksum"}
		}
		length := int64(binary.LittleEndian.Uint32(hdr[0:]))
		if length == 0 || length > MaxRecordSize {
			return &CorruptError{Path: j.f.Name(), Offset: off, Reason: fmt.Sprintf("bad record length %d", length)}
		}
		if length > rem-headerSize {
			break // torn body
		}
		if int64(cap(body)) < length {
			body = make([]byte, length)
		}
		body = body[:length]
		if _, err := io.ReadFull(r, body); err != nil {
			return fmt.Errorf("state: read journal: %w", err)
		}
		recSize := headerSize + length
		if crc32.Checksum(body, castagnoli()) != binary.LittleEndian.Uint32(hdr[4:]) {
			if off+recSize == size {
				break // the final record was cut short
			}
			return &CorruptError{Path: j.f.Name(), Offset: off, Reason: "record checksum mismatch"}
		}
		op, ns, key, _, err := decodeBody(body)
		if err != nil {
			return &CorruptError{Path: j.f.Name(), Offset: off, Reason: err.Error()}
		}
		switch op {
		case opPut:
			j.setLive(string(ns), string(key), false, off, recSize)
		case opDelete:
			j.remove(string(ns), string(key))
		case opDeletePrefix:
			j.removePrefix(string(ns), string(key))
		}
		off += recSize
		if int64(cap(body)) > maxKeptBuffer {
			body = nil
		}
	}
	if off < size {
		if err := j.f.Truncate(off); err != nil {
			return fmt.Errorf("state: truncate torn journal tail: %w", err)
		}
		if j.opts.Sync {
			if err := j.f.Sync(); err != nil {
				return fmt.Errorf("state: truncate torn journal tail: %w", err)
			}
		}
	}
	j.size = off
	return nil
}

// zeroFrom reports whether the file holds only zero bytes from off to size.
func (j *Journal) zeroFrom(off, size int64) (bool, error) {
	r := bufio.NewReaderSize(io.NewSectionReader(j.f, off, size-off), readBufferSize)
	for {
		b, err := r.ReadByte()
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("state: read journal: %w", err)
		}
		if b != 0 {
			return false, nil
		}
	}
}

// decodeBody splits a record body into its fields.
func decodeBody(body []byte) (op byte, ns, key, value []byte, err error) {
	if len(body) == 0 {
		return 0, nil, nil, nil, errors.New("empty record")
	}
	op = body[0]
	if op < opPut || op > opDeletePrefix {
		return 0, nil, nil, nil, fmt.Errorf("unknown record type %d", op)
	}
	p := body[1:]
	field := func() ([]byte, bool) {
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(len(p)-k) {
			return nil, false
		}
		f := p[k : k+int(n)]
		p = p[k+int(n):]
		return f, true
	}
	var ok bool
	if ns, ok = field(); !ok {
		return 0, nil, nil, nil, errors.New("bad namespace length")
	}
	if key, ok = field(); !ok {
		return 0, nil, nil, nil, errors.New("bad key length")
	}
	if op != opPut && len(p) != 0 {
		return 0, nil, nil, nil, errors.New("value in a delete record")
	}
	return op, ns, key, p, nil
}

// Put records that key in namespace ns holds value; see [Log].
func (j *Journal) Put(ns, key string, value []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	off, n, err := j.append(opPut, ns, key, value)
	if err != nil {
		return err
	}
	j.setLive(ns, key, true, off, n)
	j.maybeCompact()
	return nil
}

// Delete records that key in namespace ns no longer exists; see [Log]. It
// writes nothing when the key does not exist.
func (j *Journal) Delete(ns, key string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.usable(); err != nil {
		return err
	}
	if j.keys[ns][key] == nil {
		return nil
	}
	if _, _, err := j.append(opDelete, ns, key, nil); err != nil {
		return err
	}
	j.remove(ns, key)
	j.maybeCompact()
	return nil
}

// DeletePrefix records that every key in namespace ns starting with prefix no
// longer exists; see [Log]. It writes nothing when no such key exists. It
// takes time proportional to the number of keys in ns.
func (j *Journal) DeletePrefix(ns, prefix string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.usable(); err != nil {
		return err
	}
	found := false
	for k := range j.keys[ns] {
		if strings.HasPrefix(k, prefix) {
			found = true
			break
		}
	}
	if !found {
		return nil
	}
	if _, _, err := j.append(opDeletePrefix, ns, prefix, nil); err != nil {
		return err
	}
	j.removePrefix(ns, prefix)
	j.maybeCompact()
	return nil
}

// Replay calls fn with the value of every live key, in the order the keys
// were first written since they last became live, so a parent written before
// its children comes first. value is valid only during the call. fn must not
// call the Journal (Replay holds its lock); an error from fn stops Replay and
// is returned. Services call Replay once, at start.
func (j *Journal) Replay(fn func(ns, key string, value []byte) error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.usable(); err != nil {
		return err
	}
	rr := recordReader{f: j.f, end: j.size}
	var buf []byte
	for _, l := range j.sortedLive() {
		if int64(cap(buf)) < l.e.size {
			buf = make([]byte, l.e.size)
		}
		rec := buf[:l.e.size]
		if err := rr.readAt(rec, l.e.off); err != nil {
			return fmt.Errorf("state: replay journal: %w", err)
		}
		_, _, _, value, err := decodeBody(rec[headerSize:])
		if err != nil {
			return &CorruptError{Path: j.f.Name(), Offset: l.e.off, Reason: err.Error()}
		}
		if err := fn(l.ns, l.key, value); err != nil {
			return err
		}
		if int64(cap(buf)) > maxKeptBuffer {
			buf = nil
		}
	}
	return nil
}

// Compact rewrites the journal with only its live records now, whatever its
// dead bytes. Writes wait while it runs.
func (j *Journal) Compact() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.usable(); err != nil {
		return err
	}
	return j.compact()
}

// JournalStats describes a journal's size.
type JournalStats struct {
	Keys      int   // live keys
	FileBytes int64 // size of the journal file
	LiveBytes int64 // bytes of the records that hold the live keys
}

// Stats returns the journal's current size.
func (j *Journal) Stats() JournalStats {
	j.mu.Lock()
	defer j.mu.Unlock()
	return JournalStats{Keys: j.count, FileBytes: j.size, LiveBytes: j.live}
}

// Close closes the journal file and releases the directory lock. Later calls
// return [ErrClosed]; closing twice returns nil.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	if lerr := j.lock.Close(); err == nil {
		err = lerr
	}
	j.keys = nil
	return err
}

func (j *Journal) usable() error {
	if j.f == nil {
		return ErrClosed
	}
	return j.broken
}

// append writes one record at the end of the file with a single write and
// returns its offset and size. On failure the file is cut back to its
// previous size, so no partial record is left before later ones.
func (j *Journal) append(op byte, ns, key string, value []byte) (off, n int64, err error) {
	if err := j.usable(); err != nil {
		return 0, 0, err
	}
	bodyLen := 1 + uvarintLen(len(ns)) + len(ns) + uvarintLen(len(key)) + len(key) + len(value)
	if bodyLen > MaxRecordSize {
		return 0, 0, fmt.Errorf("state: journal record of %d bytes exceeds the maximum of %d", bodyLen, MaxRecordSize)
	}
	total := headerSize + bodyLen
	buf := j.buf
	if cap(buf) < total {
		buf = make([]byte, headerSize, max(total, 512))
	}
	buf = buf[:headerSize]
	buf = append(buf, op)
	buf = binary.AppendUvarint(buf, uint64(len(ns)))
	buf = append(buf, ns...)
	buf = binary.AppendUvarint(buf, uint64(len(key)))
	buf = append(buf, key...)
	buf = append(buf, value...)
	binary.LittleEndian.PutUint32(buf[0:], uint32(bodyLen))
	binary.LittleEndian.PutUint32(buf[4:], crc32.Checksum(buf[headerSize:], castagnoli()))
	binary.LittleEndian.PutUint32(buf[8:], crc32.Checksum(buf[:8], castagnoli()))
	if cap(buf) <= maxKeptBuffer {
		j.buf = buf
	} else {
		j.buf = nil
	}

	off = j.size
	if _, err := j.f.WriteAt(buf, off); err != nil {
		return 0, 0, j.undo(off, err)
	}
	if j.opts.Sync {
		if err := j.f.Sync(); err != nil {
			return 0, 0, j.undo(off, err)
		}
	}
	j.size += int64(total)
	return off, int64(total), nil
}

// undo cuts the file back to off after a failed write of a record there.
func (j *Journal) undo(off int64, cause error) error {
	if err := j.f.Truncate(off); err != nil {
		j.broken = fmt.Errorf("state: journal write failed (%v) and could not be undone: %w", cause, err)
		return j.broken
	}
	return fmt.Errorf("state: journal write: %w", cause)
}

func uvarintLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

// setLive points key at the record at off. clone copies new keys, so the
// index does not retain the caller's memory.
func (j *Journal) setLive(ns, key string, clone bool, off, n int64) {
	idx := j.keys[ns]
	if idx == nil {
		if clone {
			ns = strings.Clone(ns)
		}
		idx = make(map[string]*entry)
		j.keys[ns] = idx
	}
	if e := idx[key]; e != nil {
		j.live += n - e.size
		e.off, e.size = off, n
		return
	}
	if clone {
		key = strings.Clone(key)
	}
	j.births++
	idx[key] = &entry{off: off, size: n, birth: j.births}
	j.live += n
	j.count++
}

func (j *Journal) remove(ns, key string) {
	idx := j.keys[ns]
	e := idx[key]
	if e == nil {
		return
	}
	j.live -= e.size
	j.count--
	delete(idx, key)
	if len(idx) == 0 {
		delete(j.keys, ns)
	}
}

func (j *Journal) removePrefix(ns, prefix string) {
	idx := j.keys[ns]
	for k, e := range idx {
		if strings.HasPrefix(k, prefix) {
			j.live -= e.size
			j.count--
			delete(idx, k)
		}
	}
	if len(idx) == 0 {
		delete(j.keys, ns)
	}
}

// liveKey is one live key with its record, for ordered iteration.
type liveKey struct {
	ns, key string
	e       *entry
}

// sortedLive lists the live keys in birth order.
func (j *Journal) sortedLive() []liveKey {
	all := make([]liveKey, 0, j.count)
	for ns, idx := range j.keys {
		for k, e := range idx {
			all = append(all, liveKey{ns: ns, key: k, e: e})
		}
	}
	slices.SortFunc(all, func(a, b liveKey) int { return cmp.Compare(a.e.birth, b.e.birth) })
	return all
}

// maybeCompact compacts when the dead bytes exceed both the configured
// minimum and half of the file. A failure is logged and retried only after
// the file has grown by the minimum again; the write that triggered it has
// already succeeded.
func (j *Journal) maybeCompact() {
	dead := j.size - int64(len(journalMagic)) - j.live
	if dead <= j.opts.CompactMinDead || dead <= j.size/2 || j.size < j.nextTry {
		return
	}
	if err := j.compact(); err != nil {
		j.nextTry = j.size + j.opts.CompactMinDead
		j.opts.loggerOrDefault().Error("journal compaction failed; will retry later", "dir", j.dir, "err", err)
	}
}

// compact writes the live records, in birth order, to a new file and renames
// it over the journal. On failure the journal is unchanged.
func (j *Journal) compact() error {
	live := j.sortedLive()
	path := filepath.Join(j.dir, compactName)
	nf, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("state: compact journal: %w", err)
	}
	fail := func(err error) error {
		nf.Close()
		os.Remove(path)
		return fmt.Errorf("state: compact journal: %w", err)
	}
	w := bufio.NewWriterSize(nf, readBufferSize)
	if _, err := w.WriteString(journalMagic); err != nil {
		return fail(err)
	}
	rr := recordReader{f: j.f, end: j.size}
	offs := make([]int64, len(live))
	off := int64(len(journalMagic))
	var buf []byte
	for i, l := range live {
		if int64(cap(buf)) < l.e.size {
			buf = make([]byte, l.e.size)
		}
		rec := buf[:l.e.size]
		if err := rr.readAt(rec, l.e.off); err != nil {
			return fail(err)
		}
		if _, err := w.Write(rec); err != nil {
			return fail(err)
		}
		offs[i] = off
		off += l.e.size
		if int64(cap(buf)) > maxKeptBuffer {
			buf = nil
		}
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	if j.opts.Sync {
		if err := nf.Sync(); err != nil {
			return fail(err)
		}
	}
	if err := os.Rename(path, filepath.Join(j.dir, journalName)); err != nil {
		return fail(err)
	}
	if j.opts.Sync {
		if err := syncDir(j.dir); err != nil {
			j.opts.loggerOrDefault().Error("journal directory fsync failed after compaction", "dir", j.dir, "err", err)
		}
	}
	j.f.Close()
	j.f = nf
	for i, l := range live {
		l.e.off = offs[i]
		l.e.birth = uint64(i + 1)
	}
	j.births = uint64(len(live))
	j.size = off
	j.live = off - int64(len(journalMagic))
	j.nextTry = 0
	return nil
}

func (o Options) loggerOrDefault() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

// syncDir fsyncs a directory so a rename or creation in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// recordReader reads records at increasing offsets through one buffer, and
// seeks for the others.
type recordReader struct {
	f   *os.File
	end int64
	r   *bufio.Reader
	pos int64
}

func (rr *recordReader) readAt(p []byte, off int64) error {
	if rr.r == nil || off < rr.pos || off-rr.pos > readBufferSize {
		sr := io.NewSectionReader(rr.f, off, rr.end-off)
		if rr.r == nil {
			rr.r = bufio.NewReaderSize(sr, readBufferSize)
		} else {
			rr.r.Reset(sr)
		}
		rr.pos = off
	} else if off > rr.pos {
		if _, err := rr.r.Discard(int(off - rr.pos)); err != nil {
			return err
		}
		rr.pos = off
	}
	if _, err := io.ReadFull(rr.r, p); err != nil {
		return err
	}
	rr.pos += int64(len(p))
	return nil
}
