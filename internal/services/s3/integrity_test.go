package s3_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/server"
)

// editingClient is an HTTP client that lets a test change each request
// the SDK sends, after the SDK has added its integrity headers.
type editingClient struct {
	base *awshttp.BuildableClient
	edit func(t *testing.T, r *http.Request)
	t    *testing.T
}

func (c *editingClient) Do(r *http.Request) (*http.Response, error) {
	if c.edit != nil {
		c.edit(c.t, r)
	}
	return c.base.Do(r)
}

// dropChecksums removes every flexible-checksum header the SDK added.
func dropChecksums(r *http.Request) {
	for k := range r.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-checksum-") || lk == "x-amz-sdk-checksum-algorithm" {
			r.Header.Del(k)
		}
	}
}

// bodyOf reads a request's body and puts it back.
func bodyOf(t *testing.T, r *http.Request) []byte {
	t.Helper()
	if r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

func TestNonStreamingBodyIntegrity(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("integrity")
	e.put("integrity", "a", "1")
	e.put("integrity", "b", "2")
	hc := &editingClient{base: awshttp.NewBuildableClient(), t: t}
	cfg := e.config("", "us-east-1")
	cfg.HTTPClient = hc
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true; o.RetryMaxAttempts = 1 })
	del := func(keys ...string) (*s3.DeleteObjectsOutput, error) {
		var ids []types.ObjectIdentifier
		for _, k := range keys {
			ids = append(ids, types.ObjectIdentifier{Key: aws.String(k)})
		}
		return c.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: aws.String("integrity"), Delete: &types.Delete{Objects: ids}})
	}
	tagging := func() error {
		_, err := c.PutBucketTagging(bg, &s3.PutBucketTaggingInput{Bucket: aws.String("integrity"),
			Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}}}})
		return err
	}

	t.Run("no integrity header on an operation that requires one", func(t *testing.T) {
		hc.edit = func(_ *testing.T, r *http.Request) { dropChecksums(r) }
		_, err := del("a")
		wantErr(t, err, "InvalidRequest", 400)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorMessage() != "Missing required header for this request: Content-MD5" {
			t.Fatalf("got %v", err)
		}
		wantErr(t, tagging(), "InvalidRequest", 400)
		// Reads need none.
		if _, err := c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("integrity")}); err != nil {
			t.Fatal(err)
		}
		if got := e.get("integrity", "a"); got != "1" {
			t.Fatalf("object a after a refused delete: %q", got)
		}
	})
	t.Run("a Content-MD5 alone is enough", func(t *testing.T) {
		hc.edit = func(t *testing.T, r *http.Request) {
			dropChecksums(r)
			sum := md5.Sum(bodyOf(t, r))
			r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		}
		out, err := del("a")
		if err != nil || len(out.Deleted) != 1 {
			t.Fatalf("DeleteObjects with Content-MD5: %v %+v", err, out)
		}
		if err := tagging(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a wrong Content-MD5", func(t *testing.T) {
		hc.edit = func(_ *testing.T, r *http.Request) {
			dropChecksums(r)
			r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(make([]byte, 16)))
		}
		_, err := del("b")
		wantErr(t, err, "BadDigest", 400)
		wantErr(t, tagging(), "BadDigest", 400)
	})
	t.Run("a malformed Content-MD5", func(t *testing.T) {
		hc.edit = func(_ *testing.T, r *http.Request) { dropChecksums(r); r.Header.Set("Content-MD5", "not-md5") }
		_, err := del("b")
		wantErr(t, err, "InvalidDigest", 400)
	})
	t.Run("a checksum header that does not match", func(t *testing.T) {
		hc.edit = func(_ *testing.T, r *http.Request) {
			dropChecksums(r)
			r.Header.Set("x-amz-checksum-crc32", "AAAAAA==")
		}
		_, err := del("b")
		wantErr(t, err, "BadDigest", 400)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorMessage() != "The CRC32 you specified did not match the calculated checksum." {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a malformed checksum header", func(t *testing.T) {
		hc.edit = func(_ *testing.T, r *http.Request) { dropChecksums(r); r.Header.Set("x-amz-checksum-sha256", "short") }
		_, err := del("b")
		wantErr(t, err, "InvalidRequest", 400)
	})
	t.Run("the SDK's own checksums", func(t *testing.T) {
		hc.edit = nil
		out, err := del("b", "never-existed")
		if err != nil || len(out.Deleted) != 2 {
			t.Fatalf("DeleteObjects: %v %+v", err, out)
		}
		if err := tagging(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCompleteWithObjectChecksum: CompleteMultipartUpload's
// x-amz-checksum-* header is the whole object's checksum, not a check of
// the XML body, so the body check must leave it to the upload.
func TestCompleteWithObjectChecksum(t *testing.T) {
	e := start(t, server.Options{})
	e.mkBucket("fullobj")
	cr, err := e.c.CreateMultipartUpload(bg, &s3.CreateMultipartUploadInput{Bucket: aws.String("fullobj"), Key: aws.String("k"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32, ChecksumType: types.ChecksumTypeFullObject})
	if err != nil {
		t.Fatal(err)
	}
	bodies := []string{strings.Repeat("a", 5<<20), "tail"}
	var parts []types.CompletedPart
	for n, body := range bodies {
		out, err := e.c.UploadPart(bg, &s3.UploadPartInput{Bucket: aws.String("fullobj"), Key: aws.String("k"), UploadId: cr.UploadId,
			PartNumber: aws.Int32(int32(n + 1)), Body: strings.NewReader(body), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(n + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE([]byte(bodies[0]+bodies[1])))
	complete := func(checksum string) error {
		_, err := e.c.CompleteMultipartUpload(bg, &s3.CompleteMultipartUploadInput{Bucket: aws.String("fullobj"), Key: aws.String("k"), UploadId: cr.UploadId,
			ChecksumCRC32: aws.String(checksum), ChecksumType: types.ChecksumTypeFullObject,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	}
	wantErr(t, complete("AAAAAA=="), "BadDigest", 400)
	if err := complete(base64.StdEncoding.EncodeToString(sum[:])); err != nil {
		t.Fatalf("completion with the object's own CRC32: %v", err)
	}
}
