package s3_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
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
