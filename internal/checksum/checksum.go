// Package checksum computes the object checksums Amazon S3 and the AWS SDKs exchange.
package checksum

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
)

// Algorithm is a value of S3's ChecksumAlgorithm enum, as sent in
// x-amz-checksum-algorithm, x-amz-sdk-checksum-algorithm and the
// ChecksumAlgorithm members of request bodies.
type Algorithm string

// The algorithms of S3's ChecksumAlgorithm enum. The values are the enum's
// wire values.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
	SHA512    Algorithm = "SHA512"
	MD5       Algorithm = "MD5"
	XXHASH64  Algorithm = "XXHASH64"
	XXHASH3   Algorithm = "XXHASH3"
	XXHASH128 Algorithm = "XXHASH128"
)

// ErrUnsupported reports an algorithm S3 defines that this package does not
// compute (the XXHASH family). It wraps errors.ErrUnsupported.
var ErrUnsupported = fmt.Errorf("checksum algorithm not implemented: %w", errors.ErrUnsupported)

// algorithms lists every value of the enum in the model's order.
var algorithms = [...]Algorithm{CRC32, CRC32C, SHA1, SHA256, CRC64NVME, SHA512, MD5, XXHASH64, XXHASH3, XXHASH128}

// Algorithms returns every value of S3's ChecksumAlgorithm enum, including
// those New does not implement.
func Algorithms() []Algorithm {
	out := algorithms
	return out[:]
}

// ParseAlgorithm returns the Algorithm whose name equals s ignoring case, and
// whether there is one.
func ParseAlgorithm(s string) (Algorithm, bool) {
	for _, a := range algorithms {
		if equalFold(string(a), s) {
			return a, true
		}
	}
	return "", false
}

// equalFold is strings.EqualFold for ASCII, which is all the enum holds.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// HeaderName returns the lower-case header that carries a's checksum, such
// as "x-amz-checksum-crc32"; it is also the aws-chunked trailer name.
func (a Algorithm) HeaderName() string {
	switch a {
	case CRC32:
		return "x-amz-checksum-crc32"
	case CRC32C:
		return "x-amz-checksum-crc32c"
	case CRC64NVME:
		return "x-amz-checksum-crc64nvme"
	case SHA1:
		return "x-amz-checksum-sha1"
	case SHA256:
		return "x-amz-checksum-sha256"
	case SHA512:
		return "x-amz-checksum-sha512"
	case MD5:
		return "x-amz-checksum-md5"
	case XXHASH64:
		return "x-amz-checksum-xxhash64"
	case XXHASH3:
		return "x-amz-checksum-xxhash3"
	case XXHASH128:
		return "x-amz-checksum-xxhash128"
	}
	return ""
}

// Size returns the length in bytes of a's raw checksum, or 0 for a value
// outside the enum.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME, XXHASH64, XXHASH3:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	case SHA512:
		return sha512.Size
	case MD5, XXHASH128:
		return 16
	}
	return 0
}

// SupportsFullObject reports whether S3 accepts a as a FULL_OBJECT checksum
// of a multipart upload: only the CRCs, whose part checksums combine into
// the checksum of the whole object.
func (a Algorithm) SupportsFullObject() bool {
	return a == CRC32 || a == CRC32C || a == CRC64NVME
}

// SupportsComposite reports whether S3 accepts a as a COMPOSITE checksum of
// a multipart upload (a checksum of the part checksums); CRC64NVME is
// full-object only.
func (a Algorithm) SupportsComposite() bool {
	return a == CRC32 || a == CRC32C || a == SHA1 || a == SHA256
}

// New returns a new hash computing a's checksum. Its Sum appends the raw
// checksum as S3 encodes it (CRCs big-endian). New returns ErrUnsupported
// for the XXHASH algorithms and an error for a value outside the enum.
func New(a Algorithm) (hash.Hash, error) {
	switch a {
	case CRC32:
		return crc32.NewIEEE(), nil
	case CRC32C:
		return crc32.New(castagnoli()), nil
	case CRC64NVME:
		return NewCRC64NVME(), nil
	case SHA1:
		return sha1.New(), nil
	case SHA256:
		return sha256.New(), nil
	case SHA512:
		return sha512.New(), nil
	case MD5:
		return md5.New(), nil
	case XXHASH64, XXHASH3, XXHASH128:
		return nil, fmt.Errorf("%s: %w", a, ErrUnsupported)
	}
	return nil, fmt.Errorf("unknown checksum algorithm %q", string(a))
}

// Encode returns sum in standard base64 with padding, the form of every
// x-amz-checksum-* header and Checksum* member.
func Encode(sum []byte) string {
	return base64.StdEncoding.EncodeToString(sum)
}

// Decode returns the raw checksum in value, an x-amz-checksum-* header value
// for a, and whether value is valid base64 of a's size.
func Decode(a Algorithm, value string) ([]byte, bool) {
	size := a.Size()
	if size == 0 || base64.StdEncoding.EncodedLen(size) != len(value) {
		return nil, false
	}
	sum, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(sum) != size {
		return nil, false
	}
	return sum, true
}

// castagnoli returns the CRC-32C table. crc32.MakeTable builds it once and
// returns the shared table, which selects the hardware implementation where
// there is one.
func castagnoli() *crc32.Table {
	return crc32.MakeTable(crc32.Castagnoli)
}
