package s3_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	s3svc "github.com/virga-aws/virga/internal/services/s3"
)

// The HTTP benchmarks replay the requests an aws-sdk-go-v2 client sends
// in the s3-put and s3-get workloads of internal/bench (path style,
// checksums only when required) through the server's handler, so they
// measure everything the server does per request (routing, decoding, the
// handler, encoding, the body) and nothing the client does. Compare with
// BenchmarkHTTPLimit, which does what ../shared/limit does.

// recordS3 starts a server with bucket "bench" holding obj-<size>, and
// returns the request the workload's client sent for call.
func recordS3(b *testing.B, size int, call func(c *s3.Client, body []byte) error) *servertest.Replay {
	srv := servertest.Start(b, server.Options{}, s3svc.New)
	cfg := servertest.Config(b, srv, "", "")
	rec := &servertest.Recorder{Next: http.DefaultClient}
	cfg.HTTPClient = rec
	cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), size/26+1)[:size]
	key := "obj-" + strconv.Itoa(size)
	if _, err := c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: &key, Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(size))}); err != nil {
		b.Fatal(err)
	}
	if err := call(c, body); err != nil {
		b.Fatal(err)
	}
	return rec.Last(srv.Handler())
}

func benchHTTPGet(b *testing.B, size int) {
	rp := recordS3(b, size, func(c *s3.Client, _ []byte) error {
		out, err := c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String("obj-" + strconv.Itoa(size))})
		if err == nil {
			_, err = io.Copy(io.Discard, out.Body)
			out.Body.Close()
		}
		return err
	})
	rp.Run(b, size)
}

func benchHTTPPut(b *testing.B, size int) {
	rp := recordS3(b, size, func(c *s3.Client, body []byte) error {
		_, err := c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("put-" + strconv.Itoa(size)), Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(size))})
		return err
	})
	b.SetBytes(int64(size))
	rp.Run(b, 0)
}

// BenchmarkHTTPGetObject4KiB is the s3-get-4k workload's request.
func BenchmarkHTTPGetObject4KiB(b *testing.B) { benchHTTPGet(b, 4<<10) }

// BenchmarkHTTPGetObject1MiB is the s3-get-1m workload's request.
func BenchmarkHTTPGetObject1MiB(b *testing.B) { benchHTTPGet(b, 1<<20) }

// BenchmarkHTTPPutObject4KiB is the s3-put-4k workload's request.
func BenchmarkHTTPPutObject4KiB(b *testing.B) { benchHTTPPut(b, 4<<10) }

// BenchmarkHTTPPutObject1MiB is the s3-put-1m workload's request.
func BenchmarkHTTPPutObject1MiB(b *testing.B) { benchHTTPPut(b, 1<<20) }

// BenchmarkHTTPLimit is the reference for the HTTP benchmarks: the 4 KiB
// GetObject request served by a handler doing what ../shared/limit does
// (fixed headers and a precomputed body), so that the others' excess over
// it is the server's own work.
func BenchmarkHTTPLimit(b *testing.B) {
	rp := recordS3(b, 4<<10, func(c *s3.Client, _ []byte) error {
		_, err := c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String("obj-4096")})
		return err
	})
	body := bytes.Repeat([]byte("x"), 4<<10)
	rp.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		h := w.Header()
		h.Set("x-amz-request-id", "0000000000000000")
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		h.Set("ETag", `"00000000000000000000000000000000"`)
		h.Set("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
		w.Write(body)
	})
	rp.Run(b, len(body))
}
