package checksum

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"hash"
)

// maxSetAlgorithms bounds a Set: MD5 plus every algorithm New implements.
const maxSetAlgorithms = 8

// Set computes an MD5 (for the ETag) and any number of other checksums of
// the same bytes in one pass. It is an io.Writer; write the object's bytes,
// then read the sums. A Set allocates its hashes once; Reset makes it
// reusable, so a sync.Pool of Sets keeps the PutObject path allocation-free.
// A Set is not safe for concurrent use.
type Set struct {
	n       int
	algs    [maxSetAlgorithms]Algorithm
	hashes  [maxSetAlgorithms]hash.Hash
	written int64
	sums    [maxSetAlgorithms][64]byte
	sumLen  [maxSetAlgorithms]uint8
	summed  bool
}

// NewSet returns a Set computing MD5 and each of algs; duplicates and MD5
// itself are computed once. It returns New's error for an algorithm it
// cannot compute.
func NewSet(algs ...Algorithm) (*Set, error) {
	s := &Set{n: 1}
	s.algs[0] = MD5
	s.hashes[0] = md5.New()
	for _, a := range algs {
		if s.index(a) >= 0 {
			continue
		}
		h, err := New(a)
		if err != nil {
			return nil, err
		}
		s.algs[s.n] = a
		s.hashes[s.n] = h
		s.n++
	}
	return s, nil
}

// index returns where a is in s, or -1.
func (s *Set) index(a Algorithm) int {
	for i := 0; i < s.n; i++ {
		if s.algs[i] == a {
			return i
		}
	}
	return -1
}

// Write feeds p to every checksum. It never fails. Writing after reading a
// sum continues the checksums from where they were.
func (s *Set) Write(p []byte) (int, error) {
	for i := 0; i < s.n; i++ {
		s.hashes[i].Write(p)
	}
	s.written += int64(len(p))
	s.summed = false
	return len(p), nil
}

// Len returns the number of bytes written since the Set was made or Reset.
func (s *Set) Len() int64 { return s.written }

// Reset clears every checksum so the Set can hash new data.
func (s *Set) Reset() {
	for i := 0; i < s.n; i++ {
		s.hashes[i].Reset()
	}
	s.written = 0
	s.summed = false
}

// Algorithms appends the algorithms s computes, MD5 first, to dst.
func (s *Set) Algorithms(dst []Algorithm) []Algorithm {
	return append(dst, s.algs[:s.n]...)
}

// Has reports whether s computes a.
func (s *Set) Has(a Algorithm) bool { return s.index(a) >= 0 }

// sum finalises every checksum once per write.
func (s *Set) sum() {
	if s.summed {
		return
	}
	for i := 0; i < s.n; i++ {
		s.sumLen[i] = uint8(len(s.hashes[i].Sum(s.sums[i][:0])))
	}
	s.summed = true
}

// Sum returns the raw checksum a of the bytes written, and whether s
// computes a. The slice is valid until the next Write or Reset.
func (s *Set) Sum(a Algorithm) ([]byte, bool) {
	i := s.index(a)
	if i < 0 {
		return nil, false
	}
	s.sum()
	return s.sums[i][:s.sumLen[i]], true
}

// Base64 returns checksum a of the bytes written in base64, the form of the
// x-amz-checksum-* headers, and whether s computes a.
func (s *Set) Base64(a Algorithm) (string, bool) {
	sum, ok := s.Sum(a)
	if !ok {
		return "", false
	}
	return base64.StdEncoding.EncodeToString(sum), true
}

// MD5 returns the raw MD5 of the bytes written; it is valid until the next
// Write or Reset.
func (s *Set) MD5() []byte {
	sum, _ := s.Sum(MD5)
	return sum
}

// ETag returns the quoted hex MD5 S3 reports as the ETag of an object
// uploaded in one request, such as "\"9e107d9d372bb6826bd81d3542a419d6\"".
func (s *Set) ETag() string {
	var buf [2 + 2*md5.Size]byte
	buf[0] = '"'
	hex.Encode(buf[1:], s.MD5())
	buf[len(buf)-1] = '"'
	return string(buf[:])
}
