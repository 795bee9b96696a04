package s3

import (
	"context"
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

// checksumPlan is what a write asked us to verify: the integrity headers it
// declared, plus an algorithm Virga computes without the client sending a
// value.
type checksumPlan struct {
	checksum.Declared
	// computeOnly marks an algorithm Virga computes without the client
	// sending a value (the default CRC64NVME of an object, or a part of an
	// upload created with a checksum algorithm).
	computeOnly bool
}

// planChecksums validates a write's checksum headers before its body is
// read.
func planChecksums(algMember, contentMD5 *string, f checksumFields) (checksumPlan, error) {
	d, err := checksum.Declare(algMember, contentMD5, func(a checksum.Algorithm) *string { return *f.get(a) })
	if err != nil {
		return checksumPlan{}, err
	}
	return checksumPlan{Declared: d}, nil
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
	if e := p.CheckMD5(set.MD5()); e != nil {
		return "", e
	}
	if p.Alg == "" {
		return "", nil
	}
	got, _ := set.Base64(p.Alg)
	trailer := ""
	if p.Expected == "" {
		trailer = trailerChecksum(ctx, p.Alg)
		if trailer == "" && p.computeOnly {
			return got, nil
		}
	}
	want, e := p.Want(func(checksum.Algorithm) string { return trailer })
	if e != nil {
		return "", e
	}
	if got != want {
		return "", p.Mismatch()
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
	set = getSet(plan.Alg)
	br := &bodyReader{r: body}
	var hint int64
	if size != nil {
		hint = *size
	}
	blob, n, err = s.writeBlob(&hashingReader{r: br, set: set}, nil, hint)
	if err != nil {
		putSet(plan.Alg, set)
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
		putSet(plan.Alg, set)
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
