package s3

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/services/s3/api"
	"github.com/virga-aws/virga/internal/state"
)

// store is all of S3's state: one global bucket namespace (bucket names are
// unique across accounts and regions, as on AWS), each bucket remembering
// its owner account and region.
//
// Locking: store.mu guards the bucket map only and is held for map lookups.
// Each bucket has its own RWMutex guarding its objects, uploads and
// configuration; handlers hold it only to look up or install metadata, never
// while a body streams, so parallel GETs and PUTs on different keys (and on
// the same key) do not wait for each other's bytes. Object versions are
// immutable once installed: a change (new tags) installs a modified copy,
// so a reader may keep a *objVersion after unlocking.
//
// Persistence: every mutation goes through the persist*/forget* methods,
// which write one journal record per bucket, object version and multipart
// upload (namespace "s3"). Bodies live in state.Blobs and are committed
// before the record naming them is journaled, and removed only after the
// record dropping them is.
type store struct {
	mu      sync.RWMutex
	buckets map[string]*bucket

	blobs   state.Blobs
	log     state.Log
	persist bool
	clock   *clock.Clock
	ids     id.Source
	seq     atomic.Uint64
}

// journalNS is the journal namespace of S3's records.
const journalNS = "s3"

// bucket is one bucket: its identity, configuration and objects.
type bucket struct {
	name    string
	account string
	region  string
	created time.Time

	mu      sync.RWMutex
	objects map[string]*objectEntry
	index   keyIndex
	uploads map[string]*upload
	cfg     bucketConfig
	// gone is set when the bucket is deleted, so that writes that found it
	// before fail rather than store into a bucket nobody can see.
	gone bool
}

// bucketConfig is a bucket's subresources. Absent configurations are nil;
// the defaults AWS reports for new buckets are set at creation.
type bucketConfig struct {
	Versioning        string                                 `json:",omitempty"`
	MFADelete         string                                 `json:",omitempty"`
	ObjectLock        bool                                   `json:",omitempty"`
	Ownership         string                                 `json:",omitempty"`
	Policy            *string                                `json:",omitempty"`
	CORS              []api.CORSRule                         `json:",omitempty"`
	Lifecycle         []api.LifecycleRule                    `json:",omitempty"`
	HasLifecycle      bool                                   `json:",omitempty"`
	Tags              []api.Tag                              `json:",omitempty"`
	HasTags           bool                                   `json:",omitempty"`
	Encryption        *api.ServerSideEncryptionConfiguration `json:",omitempty"`
	PublicAccessBlock *api.PublicAccessBlockConfiguration    `json:",omitempty"`
	Website           *api.WebsiteConfiguration              `json:",omitempty"`
	Logging           *api.LoggingEnabled                    `json:",omitempty"`
	Accelerate        string                                 `json:",omitempty"`
	Payer             string                                 `json:",omitempty"`
	Notification      *api.NotificationConfiguration         `json:",omitempty"`
	ACL               *api.AccessControlPolicy               `json:",omitempty"`
}

// objectEntry is one key and its versions, newest first. In an unversioned
// bucket it has exactly one version, "null".
type objectEntry struct {
	key      string
	versions []*objVersion
}

// latest returns the current version.
func (e *objectEntry) latest() *objVersion {
	if len(e.versions) == 0 {
		return nil
	}
	return e.versions[0]
}

// find returns the version with id and its position.
func (e *objectEntry) find(vid string) (*objVersion, int) {
	for i, v := range e.versions {
		if v.ID == vid {
			return v, i
		}
	}
	return nil, -1
}

// objectMeta is what a write says about an object besides its bytes; it is
// shared by object versions and multipart uploads.
type objectMeta struct {
	ContentType        string            `json:",omitempty"`
	ContentEncoding    string            `json:",omitempty"`
	ContentDisposition string            `json:",omitempty"`
	ContentLanguage    string            `json:",omitempty"`
	CacheControl       string            `json:",omitempty"`
	Expires            string            `json:",omitempty"`
	Metadata           map[string]string `json:",omitempty"`
	StorageClass       string            `json:",omitempty"`
	WebsiteRedirect    string            `json:",omitempty"`
	Tags               []api.Tag         `json:",omitempty"`
	SSE                string            `json:",omitempty"`
	KMSKeyID           string            `json:",omitempty"`
	ChecksumAlgorithm  string            `json:",omitempty"`
	ChecksumType       string            `json:",omitempty"`
	Owner              string            `json:",omitempty"`
}

// objVersion is one version of an object, or a delete marker. It is
// immutable once installed in an objectEntry.
type objVersion struct {
	objectMeta
	ID           string
	Seq          uint64
	DeleteMarker bool   `json:",omitempty"`
	Blob         string `json:",omitempty"`
	Size         int64  `json:",omitempty"`
	ETag         string `json:",omitempty"`
	LastModified time.Time
	// Checksum is the base64 checksum of ChecksumAlgorithm.
	Checksum string `json:",omitempty"`
	// PartSizes are the part sizes of an object made by multipart upload.
	PartSizes []int64 `json:",omitempty"`
}

// upload is a multipart upload in progress.
type upload struct {
	ID        string
	Key       string
	Initiated time.Time
	Meta      objectMeta
	Parts     map[int32]*part
}

// part is one uploaded part.
type part struct {
	Number       int32
	Blob         string
	Size         int64
	ETag         string
	Checksum     string `json:",omitempty"`
	LastModified time.Time
}

// newStore returns an empty store.
func newStore(blobs state.Blobs, log state.Log, clk *clock.Clock, ids id.Source) *store {
	return &store{
		buckets: map[string]*bucket{},
		blobs:   blobs,
		log:     log,
		persist: state.Persistent(log),
		clock:   clk,
		ids:     ids,
	}
}

// now returns the current time at S3's second precision.
func (s *store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

// nextSeq returns a number ordering versions across restarts.
func (s *store) nextSeq() uint64 { return s.seq.Add(1) }

// bucket returns the bucket called name, or nil.
func (s *store) bucket(name string) *bucket {
	s.mu.RLock()
	b := s.buckets[name]
	s.mu.RUnlock()
	return b
}

// newBucket returns a bucket with the configuration AWS gives new buckets:
// SSE-S3 default encryption, Block Public Access on, ACLs disabled.
func (s *store) newBucket(name, account, region string) *bucket {
	t, f := true, false
	aes := "AES256"
	return &bucket{
		name: name, account: account, region: region, created: s.now(),
		objects: map[string]*objectEntry{},
		uploads: map[string]*upload{},
		cfg: bucketConfig{
			Ownership: "BucketOwnerEnforced",
			Encryption: &api.ServerSideEncryptionConfiguration{Rules: []api.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &api.ServerSideEncryptionByDefault{SSEAlgorithm: &aes},
				BucketKeyEnabled:                   &f,
			}}},
			PublicAccessBlock: &api.PublicAccessBlockConfiguration{
				BlockPublicAcls: &t, IgnorePublicAcls: &t, BlockPublicPolicy: &t, RestrictPublicBuckets: &t,
			},
		},
	}
}

// addBucket installs b unless the name is taken, returning the existing
// bucket otherwise.
func (s *store) addBucket(b *bucket) (*bucket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.buckets[b.name]; old != nil {
		return old, nil
	}
	if err := s.persistBucket(b); err != nil {
		return nil, err
	}
	s.buckets[b.name] = b
	return nil, nil
}

// removeBucket deletes an empty bucket; the caller holds b.mu.
func (s *store) removeBucket(b *bucket) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.persist {
		if err := s.log.DeletePrefix(journalNS, uploadPrefix(b.name)); err != nil {
			return err
		}
		if err := s.log.Delete(journalNS, bucketKey(b.name)); err != nil {
			return err
		}
	}
	delete(s.buckets, b.name)
	return nil
}

// listBuckets returns every bucket.
func (s *store) listBuckets() []*bucket {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*bucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		out = append(out, b)
	}
	return out
}

// reset drops every bucket and body.
func (s *store) reset() {
	s.mu.Lock()
	old := s.buckets
	s.buckets = map[string]*bucket{}
	if s.persist {
		s.log.DeletePrefix(journalNS, "")
	}
	s.mu.Unlock()
	for _, b := range old {
		b.mu.Lock()
		for _, e := range b.objects {
			for _, v := range e.versions {
				s.removeBlob(v.Blob)
			}
		}
		for _, u := range b.uploads {
			for _, p := range u.Parts {
				s.removeBlob(p.Blob)
			}
		}
		b.objects, b.uploads, b.index = map[string]*objectEntry{}, map[string]*upload{}, keyIndex{}
		b.mu.Unlock()
	}
}

// removeBlob drops a body nobody refers to any more.
func (s *store) removeBlob(id string) {
	if id != "" {
		s.blobs.Remove(id)
	}
}

// Journal keys. Bucket names and version and upload ids never contain NUL;
// object keys come last so that they may.
func bucketKey(name string) string             { return "b\x00" + name }
func versionKey(b, key, vid string) string     { return "o\x00" + b + "\x00" + vid + "\x00" + key }
func uploadKey(b, uploadID string) string      { return "u\x00" + b + "\x00" + uploadID }
func uploadPrefix(b string) string             { return "u\x00" + b + "\x00" }
func splitJournalKey(k string, n int) []string { return strings.SplitN(k, "\x00", n) }

// bucketRecord is a bucket's journal record.
type bucketRecord struct {
	Name    string
	Account string
	Region  string
	Created time.Time
	Config  bucketConfig
}

// bucketEntry encodes b's record as the journal and snapshots store it:
// key and JSON value (namespace journalNS). The caller holds b.mu (or b is
// not yet visible).
func bucketEntry(b *bucket) (key string, value []byte, err error) {
	value, err = json.Marshal(bucketRecord{Name: b.name, Account: b.account, Region: b.region, Created: b.created, Config: b.cfg})
	return bucketKey(b.name), value, err
}

// versionEntry encodes an object version's record (key and JSON value).
func versionEntry(bucketName, key string, v *objVersion) (string, []byte, error) {
	value, err := json.Marshal(v)
	return versionKey(bucketName, key, v.ID), value, err
}

// uploadEntry encodes a multipart upload's record, parts included (key and
// JSON value); the caller holds the bucket's lock.
func uploadEntry(bucketName string, u *upload) (string, []byte, error) {
	value, err := json.Marshal(u)
	return uploadKey(bucketName, u.ID), value, err
}

// persistBucket journals b's identity and configuration; the caller holds
// b.mu (or b is not yet visible).
func (s *store) persistBucket(b *bucket) error {
	if !s.persist {
		return nil
	}
	k, v, err := bucketEntry(b)
	if err != nil {
		return err
	}
	return s.log.Put(journalNS, k, v)
}

// persistVersion journals one object version; the caller holds b.mu.
func (s *store) persistVersion(b *bucket, key string, v *objVersion) error {
	if !s.persist {
		return nil
	}
	k, data, err := versionEntry(b.name, key, v)
	if err != nil {
		return err
	}
	return s.log.Put(journalNS, k, data)
}

// forgetVersion journals that a version is gone; the caller holds b.mu.
func (s *store) forgetVersion(b *bucket, key, vid string) error {
	if !s.persist {
		return nil
	}
	return s.log.Delete(journalNS, versionKey(b.name, key, vid))
}

// persistUpload journals a multipart upload and its parts; the caller
// holds b.mu.
func (s *store) persistUpload(b *bucket, u *upload) error {
	if !s.persist {
		return nil
	}
	k, data, err := uploadEntry(b.name, u)
	if err != nil {
		return err
	}
	return s.log.Put(journalNS, k, data)
}

// forgetUpload journals that an upload is gone; the caller holds b.mu.
func (s *store) forgetUpload(b *bucket, uploadID string) error {
	if !s.persist {
		return nil
	}
	return s.log.Delete(journalNS, uploadKey(b.name, uploadID))
}

// replay rebuilds the store from the journal.
func (s *store) replay(j *state.Journal) error {
	return s.restore(j.Replay, false)
}

// restore rebuilds an empty store from records (namespace journalNS) that
// replay passes, in the journal's order: a bucket before its objects and
// uploads. It serves both the journal and snapshots (Restore). strict,
// for snapshots, also rejects what a journal can legitimately hold after a
// crash or what only a hand-edited snapshot has: records of a bucket with
// no record, duplicate records, and ids or names Virga never issues.
func (s *store) restore(replay func(func(ns, key string, value []byte) error) error, strict bool) error {
	var maxSeq uint64
	err := replay(func(ns, key string, value []byte) error {
		if ns != journalNS {
			return nil
		}
		switch {
		case strings.HasPrefix(key, "b\x00"):
			var r bucketRecord
			if err := json.Unmarshal(value, &r); err != nil {
				return fmt.Errorf("s3: replay bucket %q: %w", key, err)
			}
			if strict {
				if key != bucketKey(r.Name) || !validBucketName(r.Name) || r.Account == "" || r.Region == "" {
					return fmt.Errorf("bucket record %q: bad name, account or region", key)
				}
				if s.buckets[r.Name] != nil {
					return fmt.Errorf("bucket record %q: duplicate", key)
				}
			}
			b := s.newBucket(r.Name, r.Account, r.Region)
			b.created, b.cfg = r.Created, r.Config
			s.buckets[r.Name] = b
		case strings.HasPrefix(key, "o\x00"):
			parts := splitJournalKey(key, 4)
			if len(parts) != 4 {
				return fmt.Errorf("s3: replay: bad object record key %q", key)
			}
			b := s.buckets[parts[1]]
			if b == nil {
				if strict {
					return fmt.Errorf("object record %q: no such bucket", key)
				}
				return nil
			}
			v := new(objVersion)
			if err := json.Unmarshal(value, v); err != nil {
				return fmt.Errorf("s3: replay object %q: %w", key, err)
			}
			if strict {
				if err := checkVersion(parts[2], parts[3], v); err != nil {
					return fmt.Errorf("object record %q: %w", key, err)
				}
				if e := b.objects[parts[3]]; e != nil {
					if old, _ := e.find(v.ID); old != nil {
						return fmt.Errorf("object record %q: duplicate version", key)
					}
				}
			}
			maxSeq = max(maxSeq, v.Seq)
			e := b.objects[parts[3]]
			if e == nil {
				e = &objectEntry{key: parts[3]}
				b.objects[e.key] = e
				b.index.insert(e)
			}
			i := 0
			for i < len(e.versions) && e.versions[i].Seq > v.Seq {
				i++
			}
			e.versions = append(e.versions, nil)
			copy(e.versions[i+1:], e.versions[i:])
			e.versions[i] = v
		case strings.HasPrefix(key, "u\x00"):
			parts := splitJournalKey(key, 3)
			if len(parts) != 3 {
				return fmt.Errorf("s3: replay: bad upload record key %q", key)
			}
			b := s.buckets[parts[1]]
			if b == nil {
				if strict {
					return fmt.Errorf("upload record %q: no such bucket", key)
				}
				return nil
			}
			u := new(upload)
			if err := json.Unmarshal(value, u); err != nil {
				return fmt.Errorf("s3: replay upload %q: %w", key, err)
			}
			if u.Parts == nil {
				u.Parts = map[int32]*part{}
			}
			if strict {
				if err := checkUpload(parts[2], u); err != nil {
					return fmt.Errorf("upload record %q: %w", key, err)
				}
				if b.uploads[u.ID] != nil {
					return fmt.Errorf("upload record %q: duplicate", key)
				}
			}
			b.uploads[u.ID] = u
		default:
			if strict {
				return fmt.Errorf("unknown record key %q", key)
			}
		}
		return nil
	})
	s.seq.Store(maxSeq)
	return err
}

// referenced reports whether a body id is used by any object or part.
func (s *store) referenced() map[string]bool {
	ids := map[string]bool{}
	for _, b := range s.buckets {
		for _, e := range b.objects {
			for _, v := range e.versions {
				if v.Blob != "" {
					ids[v.Blob] = true
				}
			}
		}
		for _, u := range b.uploads {
			for _, p := range u.Parts {
				ids[p.Blob] = true
			}
		}
	}
	return ids
}

// installVersion makes v the newest version of key in b, applying the
// bucket's versioning state: unversioned and suspended buckets replace the
// "null" version. It returns the body ids no longer referenced, for the
// caller to remove after unlocking. The caller holds b.mu for writing.
func (s *store) installVersion(b *bucket, key string, v *objVersion) (drop []string, err error) {
	v.Seq = s.nextSeq()
	e := b.objects[key]
	if e == nil {
		e = &objectEntry{key: key}
	}
	if v.ID == nullVersion {
		if old, i := e.find(nullVersion); old != nil {
			if old.Blob != "" {
				drop = append(drop, old.Blob)
			}
			e.versions = append(e.versions[:i], e.versions[i+1:]...)
		}
	}
	if err := s.persistVersion(b, key, v); err != nil {
		return nil, err
	}
	e.versions = append(e.versions, nil)
	copy(e.versions[1:], e.versions)
	e.versions[0] = v
	if b.objects[key] == nil {
		b.objects[key] = e
		b.index.insert(e)
	}
	return drop, nil
}

// replaceVersion swaps an installed version for a modified copy (same id);
// the caller holds b.mu for writing.
func (s *store) replaceVersion(b *bucket, e *objectEntry, old, v *objVersion) error {
	if err := s.persistVersion(b, e.key, v); err != nil {
		return err
	}
	for i, x := range e.versions {
		if x == old {
			e.versions[i] = v
		}
	}
	return nil
}

// removeVersion deletes one version of e, dropping the key when it has no
// versions left. It returns the body to remove after unlocking. The caller
// holds b.mu for writing.
func (s *store) removeVersion(b *bucket, e *objectEntry, i int) (string, error) {
	v := e.versions[i]
	if err := s.forgetVersion(b, e.key, v.ID); err != nil {
		return "", err
	}
	e.versions = append(e.versions[:i], e.versions[i+1:]...)
	if len(e.versions) == 0 {
		delete(b.objects, e.key)
		b.index.remove(e.key)
	}
	return v.Blob, nil
}

// nullVersion is the version id of objects written while versioning was
// never enabled or is suspended.
const nullVersion = "null"

// newVersionID returns a version id for a write in b; the caller holds
// b.mu.
func (s *store) newVersionID(b *bucket) string {
	if b.cfg.Versioning == "Enabled" {
		return s.ids.Hex(16)
	}
	return nullVersion
}

// validVersionID reports whether vid has the form of a version id Virga
// issues, so malformed ids get AWS's InvalidArgument rather than 404.
func validVersionID(vid string) bool {
	if vid == nullVersion {
		return true
	}
	if len(vid) != 32 {
		return false
	}
	for i := 0; i < len(vid); i++ {
		c := vid[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// writeBlob streams r into a new body, feeding every byte to sink too (the
// checksums), and commits it. It returns the id and size. sizeHint, when
// positive, is the exact length r will deliver (Content-Length): a small
// body is then read whole into a pooled buffer and written to the store in
// one call, so the store allocates it once at its final size instead of
// growing it chunk by chunk.
func (s *store) writeBlob(r io.Reader, sink io.Writer, sizeHint int64) (string, int64, error) {
	w, err := s.blobs.Create()
	if err != nil {
		return "", 0, err
	}
	defer w.Abort()
	if sizeHint > 0 && sizeHint <= smallBody {
		pool := &smallBuffers
		if sizeHint <= tinyBody {
			pool = &tinyBuffers
		}
		bp := pool.Get().(*[]byte)
		defer pool.Put(bp)
		buf := (*bp)[:sizeHint]
		if _, err := io.ReadFull(r, buf); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", 0, err
		}
		if sink != nil {
			sink.Write(buf)
		}
		if _, err := w.Write(buf); err != nil {
			return "", 0, err
		}
		return w.Commit()
	}
	bp := copyBuffers.Get().(*[]byte)
	_, err = io.CopyBuffer(teeWriter{w, sink}, onlyReader{r}, *bp)
	copyBuffers.Put(bp)
	if err != nil {
		return "", 0, err
	}
	return w.Commit()
}

// smallBody is the largest body read whole before it is stored: the size
// up to which MemBlobs keeps bodies in memory.
const smallBody = state.DefaultSpillThreshold

// tinyBody is the size of the pooled buffers of the smallest bodies.
const tinyBody = 64 << 10

// smallBuffers and tinyBuffers hold the buffers small bodies are read into.
var (
	smallBuffers = sync.Pool{New: func() any { b := make([]byte, smallBody); return &b }}
	tinyBuffers  = sync.Pool{New: func() any { b := make([]byte, tinyBody); return &b }}
)

// copyBuffers holds the buffers bodies are copied through.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// teeWriter writes to a body and its checksums.
type teeWriter struct {
	w    io.Writer
	sink io.Writer
}

func (t teeWriter) Write(p []byte) (int, error) {
	if t.sink != nil {
		t.sink.Write(p)
	}
	return t.w.Write(p)
}

// onlyReader hides a reader's WriteTo so io.CopyBuffer uses our buffer.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// bodyReader wraps a request body so that its read errors are told apart.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// emptyReader is the body of empty objects.
var emptyReader = bytes.NewReader(nil)
