package checksum

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"

	"github.com/virga-aws/virga/internal/awserr"
)

// declarable lists, in the order S3 checks them, the algorithms a request
// may send as an x-amz-checksum-* header.
var declarable = [...]Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512, MD5}

// Declared is what a request's integrity headers ask S3 to verify: a
// Content-MD5 and at most one flexible checksum, sent as a header or, for
// aws-chunked bodies, as a trailer. Errors are S3's, so a caller returns
// them as they are.
type Declared struct {
	// Alg is the flexible checksum's algorithm; "" when none was declared.
	Alg Algorithm
	// Expected is its base64 value when sent as a header; "" when it is to
	// come as an aws-chunked trailer.
	Expected string
	// ContentMD5 is the decoded Content-MD5, nil when none was sent.
	ContentMD5 []byte
	// MD5Header is the Content-MD5 as sent.
	MD5Header string
}

// Declare validates a request's integrity headers before its body is read:
// algMember is x-amz-sdk-checksum-algorithm, contentMD5 the Content-MD5,
// and value returns the x-amz-checksum-* header sent for an algorithm, or
// nil.
func Declare(algMember, contentMD5 *string, value func(Algorithm) *string) (Declared, *awserr.Error) {
	var d Declared
	if contentMD5 != nil {
		sum, err := base64.StdEncoding.DecodeString(*contentMD5)
		if err != nil || len(sum) != md5.Size {
			return d, awserr.New("InvalidDigest", 400, "The Content-MD5 you specified was invalid.").With("Content-MD5", *contentMD5)
		}
		d.ContentMD5, d.MD5Header = sum, *contentMD5
	}
	n := 0
	for _, a := range declarable {
		v := value(a)
		if v == nil {
			continue
		}
		n++
		if _, ok := Decode(a, *v); !ok {
			return d, invalidRequest("Value for " + a.HeaderName() + " header is invalid.")
		}
		d.Alg, d.Expected = a, *v
	}
	if n > 1 {
		return d, invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	if algMember != nil && *algMember != "" {
		a, ok := ParseAlgorithm(*algMember)
		if !ok || (d.Alg != "" && d.Alg != a) {
			return d, invalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
		d.Alg = a
	}
	if d.Alg != "" {
		if _, err := New(d.Alg); err != nil {
			return d, awserr.NotImplemented("S3", "checksum algorithm "+string(d.Alg))
		}
	}
	return d, nil
}

// Any reports whether the request declared any integrity check.
func (d *Declared) Any() bool { return d.ContentMD5 != nil || d.Alg != "" }

// CheckMD5 compares the Content-MD5, if one was sent, with md5sum, the MD5
// of the body received.
func (d *Declared) CheckMD5(md5sum []byte) *awserr.Error {
	if d.ContentMD5 == nil || bytes.Equal(d.ContentMD5, md5sum) {
		return nil
	}
	return awserr.New("BadDigest", 400, "The Content-MD5 you specified did not match what we received.").
		With("ExpectedDigest", d.MD5Header).With("CalculatedDigest", base64.StdEncoding.EncodeToString(md5sum))
}

// Want returns the checksum the body must have: the header value, else the
// aws-chunked trailer (trailer returns "" when there is none). It fails as
// S3 does when the algorithm was named but no value came, or the trailer's
// value is malformed.
func (d *Declared) Want(trailer func(Algorithm) string) (string, *awserr.Error) {
	if d.Expected != "" {
		return d.Expected, nil
	}
	want := trailer(d.Alg)
	if want == "" {
		return "", invalidRequest("x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")
	}
	if _, ok := Decode(d.Alg, want); !ok {
		return "", invalidRequest("Value for " + d.Alg.HeaderName() + " trailing header is invalid.")
	}
	return want, nil
}

// Mismatch is S3's error for a body whose checksum is not the one declared.
func (d *Declared) Mismatch() *awserr.Error {
	return awserr.New("BadDigest", 400, "The "+string(d.Alg)+" you specified did not match the calculated checksum.")
}

// VerifyBytes checks a whole, non-streaming body against every declared
// check, computing only the sums declared; trailer is as for Want.
func (d *Declared) VerifyBytes(body []byte, trailer func(Algorithm) string) *awserr.Error {
	if d.ContentMD5 != nil {
		sum := md5.Sum(body)
		if e := d.CheckMD5(sum[:]); e != nil {
			return e
		}
	}
	if d.Alg == "" {
		return nil
	}
	h, err := New(d.Alg)
	if err != nil {
		return awserr.NotImplemented("S3", "checksum algorithm "+string(d.Alg))
	}
	h.Write(body)
	want, e := d.Want(trailer)
	if e != nil {
		return e
	}
	if Encode(h.Sum(nil)) != want {
		return d.Mismatch()
	}
	return nil
}

func invalidRequest(msg string) *awserr.Error { return awserr.New("InvalidRequest", 400, msg) }
