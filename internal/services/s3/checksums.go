package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/checksum"
	"github.com/virga-aws/virga/internal/request"
)

// checksumFields are the x-amz-checksum-* members of a request or response.
type checksumFields struct {
	CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512, MD5 *string
}

// get returns the member for a.
func (f *checksumFields) get(a checksum.Algorithm) **string {
	switch a {
	case checksum.CRC32:
		return &f.CRC32
	case checksum.CRC32C:
		return &f.CRC32C
	case checksum.CRC64NVME:
		return &f.CRC64NVME
	case checksum.SHA1:
		return &f.SHA1
	case checksum.SHA256:
		return &f.SHA256
	case checksum.SHA512:
		return &f.SHA512
	case checksum.MD5:
		return &f.MD5
	}
	return nil
}

// checksumPlan is what a write asked us to verify: the object's checksum
// algorithm, the expected value when sent as a header (else it comes as an
// aws-chunked trailer), and the Content-MD5.
type checksumPlan struct {
	alg        checksum.Algorithm
	expected   string
	contentMD5 []byte
	md5Header  string
	// computeOnly marks an algorithm Virga computes without the client
	// sending a value (a part of an upload created with a checksum
	// algorithm).
	computeOnly bool
}

// planChecksums validates a write's checksum headers before its body is
// read.
func planChecksums(algMember, contentMD5 *string, f checksumFields) (checksumPlan, error) {
	var p checksumPlan
	if contentMD5 != nil {
		sum, err := base64.StdEncoding.DecodeString(*contentMD5)
		if err != nil || len(sum) != md5.Size {
			return p, errInvalidDigest(*contentMD5)
		}
		p.contentMD5, p.md5Header = sum, *contentMD5
	}
	n := 0
	for _, a := range []checksum.Algorithm{checksum.CRC32, checksum.CRC32C, checksum.CRC64NVME, checksum.SHA1, checksum.SHA256, checksum.SHA512, checksum.MD5} {
		v := *f.get(a)
		if v == nil {
			continue
		}
		n++
		if _, ok := checksum.Decode(a, *v); !ok {
			return p, errInvalidRequest("Value for " + a.HeaderName() + " header is invalid.")
		}
		p.alg, p.expected = a, *v
	}
	if n > 1 {
		return p, errInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	if algMember != nil && *algMember != "" {
		a, ok := checksum.ParseAlgorithm(*algMember)
		if !ok {
			return p, errInvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
		if p.alg != "" && p.alg != a {
			return p, errInvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
		p.alg = a
	}
	if p.alg != "" {
		if _, err := checksum.New(p.alg); err != nil {
			return p, errNotImplemented("checksum algorithm " + string(p.alg))
		}
	}
	return p, nil
}

var setPools sync.Map // checksum.Algorithm -> *sync.Pool of *checksum.Set

// getSet returns a reset Set computing MD5 and alg (if any).
func getSet(alg checksum.Algorithm) *checksum.Set {
	p, ok := setPools.Load(alg)
	if !ok {
		p, _ = setPools.LoadOrStore(alg, &sync.Pool{New: func() any {
			var s *checksum.Set
			if alg == "" {
				s, _ = checksum.NewSet()
			} else {
				s, _ = checksum.NewSet(alg)
			}
			return s
		}})
	}
	s := p.(*sync.Pool).Get().(*checksum.Set)
	s.Reset()
	return s
}

// putSet returns a Set to its pool.
func putSet(alg checksum.Algorithm, s *checksum.Set) {
	if p, ok := setPools.Load(alg); ok {
		p.(*sync.Pool).Put(s)
	}
}

// verify checks the sums of a fully read body against the plan, taking
// the checksum from the aws-chunked trailer when it was not a header. It
// returns the base64 checksum to store.
func (p *checksumPlan) verify(ctx context.Context, set *checksum.Set) (string, error) {
	if p.contentMD5 != nil && !bytes.Equal(p.contentMD5, set.MD5()) {
		return "", errBadDigest("The Content-MD5 you specified did not match what we received.").
			With("ExpectedDigest", p.md5Header).With("CalculatedDigest", base64.StdEncoding.EncodeToString(set.MD5()))
	}
	if p.alg == "" {
		return "", nil
	}
	got, _ := set.Base64(p.alg)
	want := p.expected
	if want == "" {
		want = trailerChecksum(ctx, p.alg)
		if want == "" && p.computeOnly {
			return got, nil
		}
		if want == "" {
			return "", errInvalidRequest("x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")
		}
		if _, ok := checksum.Decode(p.alg, want); !ok {
			return "", errInvalidRequest("Value for " + p.alg.HeaderName() + " trailing header is invalid.")
		}
	}
	if got != want {
		return "", errBadDigest("The " + string(p.alg) + " you specified did not match the calculated checksum.")
	}
	return got, nil
}

// trailerChecksum returns a checksum sent as an aws-chunked trailer.
func trailerChecksum(ctx context.Context, a checksum.Algorithm) string {
	info := request.From(ctx)
	if info.Trailers == nil {
		return ""
	}
	t := info.Trailers()
	if t == nil {
		return ""
	}
	return http.Header(t).Get(a.HeaderName())
}

// readBody streams a request body into a new blob while computing its
// checksums, then verifies them. On any failure nothing is kept.
func (s *store) readBody(ctx context.Context, body io.Reader, size *int64, plan *checksumPlan) (blob string, n int64, set *checksum.Set, sum string, err error) {
	if body == nil {
		body = emptyReader
	}
	set = getSet(plan.alg)
	br := &bodyReader{r: body}
	var hint int64
	if size != nil {
		hint = *size
	}
	blob, n, err = s.writeBlob(&hashingReader{r: br, set: set}, nil, hint)
	if err != nil {
		putSet(plan.alg, set)
		if e, ok := br.err.(*awserr.Error); ok {
			return "", 0, nil, "", e
		}
		if br.err != nil || errors.Is(err, io.ErrUnexpectedEOF) {
			return "", 0, nil, "", awserr.New("IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header.")
		}
		if e, ok := err.(*awserr.Error); ok {
			return "", 0, nil, "", e
		}
		return "", 0, nil, "", awserr.Internal(err)
	}
	if sum, err = plan.verify(ctx, set); err != nil {
		s.removeBlob(blob)
		putSet(plan.alg, set)
		return "", 0, nil, "", err
	}
	return blob, n, set, sum, nil
}

// hashingReader feeds each chunk it reads to a checksum Set as it arrives,
// while the chunk is still in cache and the client is still sending the
// rest, rather than hashing the whole body once it has been read.
type hashingReader struct {
	r   io.Reader
	set *checksum.Set
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		h.set.Write(p[:n])
	}
	return n, err
}

// setChecksum fills the checksum member of a for value.
func setChecksum(f *checksumFields, a string, value string) {
	if a == "" || value == "" {
		return
	}
	if m := f.get(checksum.Algorithm(a)); m != nil {
		*m = &value
	}
}
