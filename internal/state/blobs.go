package state

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
)

// Blobs stores object bodies (S3 objects, uploaded parts, function code)
// apart from the journal, so that bodies stream and never need to sit in
// memory. A body is written once through a [BlobWriter] and is immutable
// after Commit. Implementations are [DirBlobs] and [MemBlobs]; both are safe
// for concurrent use.
type Blobs interface {
	// Create starts a new body.
	Create() (BlobWriter, error)
	// Open returns a reader of the body with the given id, or an error
	// wrapping [ErrBlobNotFound].
	Open(id string) (Blob, error)
	// Remove deletes the body with the given id, or returns an error wrapping
	// [ErrBlobNotFound]. Readers that opened it before keep reading it whole.
	Remove(id string) error
}

// BlobWriter writes one body. Exactly one of Commit, CommitAs or Abort ends
// it; until then the body is invisible, and a process killed meanwhile leaves
// no body behind under any id.
type BlobWriter interface {
	io.Writer
	// Commit makes the body readable under a new random id and returns the
	// id and the body's size.
	Commit() (id string, size int64, err error)
	// CommitAs makes the body readable under id (which must satisfy
	// [ValidBlobID]), replacing any body with that id. It exists to restore
	// archives, whose bodies keep their ids.
	CommitAs(id string) (size int64, err error)
	// Abort discards the body. It is safe to call after Commit (then it does
	// nothing), so `defer w.Abort()` is the usual pattern.
	Abort()
}

// Blob reads one committed body. Reads through ReadAt may run concurrently.
type Blob interface {
	io.ReadSeekCloser
	io.ReaderAt
	// Size returns the body's length in bytes.
	Size() int64
}

// ErrBlobNotFound is wrapped by the errors of Open and Remove for an id with
// no body.
var ErrBlobNotFound = errors.New("state: blob not found")

// errWriterDone is returned by a BlobWriter used after Commit or Abort.
var errWriterDone = errors.New("state: blob writer already committed or aborted")

// blobIDLen is the length of a blob id: 16 random bytes in lower-case hex.
const blobIDLen = 32

// ValidBlobID reports whether id has the form of a blob id: 32 lower-case
// hexadecimal digits. Ids from outside (archives, journals) are checked with
// it before they name a file.
func ValidBlobID(id string) bool {
	return len(id) == blobIDLen && isLowerHex(id)
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func newBlobID() string {
	var b [blobIDLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// fileBlob is a Blob read from a file. Embedding *os.File keeps its WriteTo,
// so copying a body to a socket can use sendfile.
type fileBlob struct {
	*os.File
	size int64
}

func (b *fileBlob) Size() int64 { return b.size }

func openFileBlob(path string) (Blob, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &fileBlob{File: f, size: info.Size()}, nil
}

// memBlob is a Blob read from memory; bytes.Reader provides Size.
type memBlob struct {
	*bytes.Reader
}

func (memBlob) Close() error { return nil }
