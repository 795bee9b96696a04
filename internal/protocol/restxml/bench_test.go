package restxml

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// discardWriter is a ResponseWriter that keeps headers and counts bytes.
type discardWriter struct {
	h http.Header
	n int
}

func (d *discardWriter) Header() http.Header { return d.h }

func (d *discardWriter) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }

func (d *discardWriter) WriteHeader(int) {}

var benchSink any

func listObjectsOutput(n int) map[string]any {
	contents := make([]any, n)
	for i := range contents {
		contents[i] = map[string]any{
			"Key":          fmt.Sprintf("photos/2024/%06d-IMG.jpg", i),
			"LastModified": time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
			"ETag":         `"5eb63bbbe01eeed093cb22bb8f5acdc3"`,
			"Size":         int64(1024 * i),
			"StorageClass": "STANDARD",
		}
	}
	return map[string]any{
		"IsTruncated": true, "Contents": contents, "Name": "amzn-s3-demo-bucket", "Prefix": "photos/",
		"MaxKeys": int64(n), "KeyCount": int64(n), "NextContinuationToken": "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=",
	}
}

// BenchmarkEncodeListObjectsV2 encodes a 1000-key ListObjectsV2 output.
func BenchmarkEncodeListObjectsV2(b *testing.B) {
	m := model.MustLoad("s3")
	out := listObjectsOutput(1000)
	call := &protocol.Call{Model: m, Operation: m.Operations["ListObjectsV2"], RequestID: wiretest.RequestID, Request: httptest.NewRequest("GET", "/b?list-type=2", nil)}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.n = 0
		if err := (Codec{}).EncodeResponse(w, call, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.n), "bytes/op")
}

// BenchmarkDecodePutObject decodes the headers of a typical SDK PutObject.
func BenchmarkDecodePutObject(b *testing.B) {
	m := model.MustLoad("s3")
	req := httptest.NewRequest("PUT", "/amzn-s3-demo-bucket/photos/cat.jpg?x-id=PutObject", strings.NewReader("hello"))
	for k, v := range map[string]string{
		"Content-Type": "image/jpeg", "Content-Length": "5", "X-Amz-Meta-Camera": "Nikon",
		"X-Amz-Checksum-Crc32": "NhCmhg==", "X-Amz-Sdk-Checksum-Algorithm": "CRC32",
		"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD", "X-Amz-Date": "20240506T070809Z",
		"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240506/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x",
		"User-Agent":    "aws-sdk-go-v2/1.47.7", "Amz-Sdk-Invocation-Id": "c0ffee", "Amz-Sdk-Request": "attempt=1; max=3",
	} {
		req.Header.Set(k, v)
	}
	call := &protocol.Call{Model: m, Operation: m.Operations["PutObject"], Labels: map[string]string{"Bucket": "amzn-s3-demo-bucket", "Key": "photos/cat.jpg"}, Request: req}
	b.ReportAllocs()
	for b.Loop() {
		tree, err := Codec{}.DecodeRequest(call)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = tree
	}
}

// BenchmarkEncodeGetObject encodes a GetObject response's headers and a
// small body.
func BenchmarkEncodeGetObject(b *testing.B) {
	m := model.MustLoad("s3")
	call := &protocol.Call{Model: m, Operation: m.Operations["GetObject"], RequestID: wiretest.RequestID, Request: httptest.NewRequest("GET", "/b/k", nil)}
	w := &discardWriter{h: http.Header{}}
	body := strings.NewReader("hello world")
	out := map[string]any{
		"Body": body, "ContentLength": int64(11), "ContentType": "image/jpeg", "ETag": `"5eb63bbbe01eeed093cb22bb8f5acdc3"`,
		"LastModified": time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC), "AcceptRanges": "bytes", "Metadata": map[string]any{"camera": "Nikon"},
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		body.Seek(0, 0)
		if err := (Codec{}).EncodeResponse(w, call, out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeDeleteObjects decodes a 1000-key DeleteObjects body.
func BenchmarkDecodeDeleteObjects(b *testing.B) {
	m := model.MustLoad("s3")
	var sb strings.Builder
	sb.WriteString(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	for i := range 1000 {
		fmt.Fprintf(&sb, "<Object><Key>photos/2024/%06d-IMG.jpg</Key></Object>", i)
	}
	sb.WriteString("<Quiet>true</Quiet></Delete>")
	body := sb.String()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		req := httptest.NewRequest("POST", "/b?delete", strings.NewReader(body))
		tree, err := Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: m.Operations["DeleteObjects"], Labels: map[string]string{"Bucket": "b"}, Request: req})
		if err != nil {
			b.Fatal(err)
		}
		benchSink = tree
	}
}
